// Lines per request as a function of load. Clients flush on a timer or at a size cap, so a
// format's requests are small while its stream is quiet and large while it is busy. The marginal
// alone, drawn at every moment alike, hands a busy stream the quiet spells' small requests: in the
// demo's capture 6 of the 128 wavefront requests of the busy half held ≤ 11 lines, in what the
// generator sent from the marginal 76 of 290.
//
// Each format's requests are kept in whole 1-min windows (InstantWindows: bottom-k by window hash,
// so the sample of a merged profile is the sample of the union), each as its offset in the window
// and its line count. At build time every kept request gets the rate the format's other requests
// brought in the same second (lines/s at 1×, undone for the mirror fraction); the requests sorted
// by that rate are cut into bins of equal count, each with its own lines-per-request distribution.
import type { Quantiles } from '../lib/recipe.js';
import { DDSketch } from '../lib/stats/ddsketch.js';
import { quantilesOf } from '../lib/stats/quantiles.js';
import { InstantWindows, type InstantWindowsState } from './sample.js';

/** Requests kept per format. */
export const SIZE_SAMPLE_CAP = 8192;
/** Fewest requests a bin is fitted from, and most bins a format gets. */
export const MIN_PER_BIN = 32;
export const MAX_BINS = 8;
/** A packed request is offset·2³² + lines: offsets are < 2¹⁶ ms in a 1-min window, so the pair
 * stays an exact integer below 2⁵³. */
const LINES_SPAN = 2 ** 32;
const SECOND_MS = 1000;

export interface RateBin {
  /** Highest rate (lines/s of the format at 1×, other requests in the same second) in the bin. */
  upTo: number;
  linesPerRequest: Quantiles;
}

/** A format's sampled requests (see the module comment). */
export class RequestSizes {
  readonly windows = new InstantWindows(SIZE_SAMPLE_CAP);

  add(arrivalMs: number, lines: number): void {
    const t = Math.floor(arrivalMs);
    const w = this.windows.windowMs;
    const offset = t - Math.floor(t / w) * w;
    this.windows.add(t, offset * LINES_SPAN + Math.min(Math.max(0, lines), LINES_SPAN - 1));
  }

  /**
   * Equal-count bins over the rate, fewest MIN_PER_BIN requests each, ties never split; none when
   * the sample holds too few requests for two bins (the generator then uses the marginal).
   */
  bins(mirrorFraction: number): RateBin[] {
    const pairs = ratedRequests(this.windows.state(), mirrorFraction);
    const n = pairs.length;
    if (n < 2 * MIN_PER_BIN) return [];
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const per = Math.max(MIN_PER_BIN, Math.ceil(n / MAX_BINS));
    const cuts: number[] = [];
    let start = 0;
    for (let i = 1; i < n; i++) {
      if (i - start < per || pairs[i]![0] === pairs[i - 1]![0]) continue;
      if (n - i < MIN_PER_BIN) break;
      cuts.push(i);
      start = i;
    }
    if (cuts.length === 0) return [];
    cuts.push(n);
    let from = 0;
    return cuts.map((to) => {
      const s = new DDSketch();
      for (let i = from; i < to; i++) s.add(pairs[i]![1]);
      const bin = { upTo: pairs[to - 1]![0], linesPerRequest: quantilesOf(s, true) };
      from = to;
      return bin;
    });
  }
}

/** Every sampled request as [rate of the others in its second, its lines]. */
export function ratedRequests(
  state: InstantWindowsState,
  mirrorFraction: number,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const perSecond = new Map<number, number>();
  for (const [, packed] of state.windows) {
    perSecond.clear();
    const secs = packed.map((v) => Math.floor(Math.floor(v / LINES_SPAN) / SECOND_MS));
    packed.forEach((v, i) =>
      perSecond.set(secs[i]!, (perSecond.get(secs[i]!) ?? 0) + (v % LINES_SPAN)),
    );
    packed.forEach((v, i) => {
      const lines = v % LINES_SPAN;
      out.push([(perSecond.get(secs[i]!)! - lines) / mirrorFraction, lines]);
    });
  }
  return out;
}
