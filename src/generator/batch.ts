// One format's request batch on an HTTP target: the buffer lines are rendered into, the size it
// is closed at, and the age bound. Sizes are drawn from the global recipe's lines per request;
// the order they are used in follows the stream's rate, as a client's batches do. A drawn size
// the stream cannot fill before the age bound is deferred to a busier moment instead of being
// cut down to whatever one second holds: cut batches land in the gaps of the distribution (a
// 498-line draw sent as 30 lines in a quiet second), which the capture never showed, and take
// their size away from the top, where it did. Where the recipe has sizes by load (`byRate`), each
// draw comes from the bin of the format's current intensity: quiet spells get the capture's small
// requests and busy ones its large requests, as a client flushing on a timer sends them.
import type { Sampler } from './dist.js';
import { Out } from './out.js';
import type { Rng } from '../lib/rng.js';

/** Plan-time age at which an open batch is sent whatever it holds: bounds a line's latency. */
export const LINGER_MS = 1000;
/** The longest a worker's share of a stream stretches that age bound to (lingerFor). */
export const MAX_LINGER_MS = 8000;

/**
 * The age bound of a worker that holds `own` lines/s of a stream of `whole`: LINGER_MS for all
 * of it, and as much longer as its share is smaller (up to MAX_LINGER_MS). Workers split a
 * stream by series, so each is a slice of the capture's client: under one bound, four workers
 * fill a quarter of what one did within it, and the recipe's large requests give way to cuts
 * (the demo at --workers 4 sent wire-bytes p50 840 against the capture's 1,274).
 */
export function lingerFor(own: number, whole: number): number {
  if (!(own > 0) || !(whole > own)) return LINGER_MS;
  return Math.min(MAX_LINGER_MS, (LINGER_MS * whole) / own);
}
/** Deferred sizes held at most: a quiet spell longer than this many requests' worth forgets its
 * further large draws (the realised quantiles, on /v1/status, then show the shortfall). */
export const DEFERRED = 64;
/** Fresh draws tried for a size the stream can fill before taking the smallest deferred one. */
const TRIES = 8;
/**
 * Sizes are read at u = u0 + k/φ (mod 1), not at independent uniforms: n such points fill [0, 1)
 * within O(log n / n) of evenly, so a few hundred requests already show the recipe's quantiles,
 * where independent draws wander by ±1/√n — and a quantile that falls between a cluster and a
 * cap moves by tens of percent with it.
 */
const GOLDEN = (Math.sqrt(5) - 1) / 2;
/** Lines per request when the recipe has no request model. */
const DEFAULT_SIZE = 1000;

/** One load bin: sizes for intensities up to `upTo` lines/s (at 1×). */
export interface RateSizes {
  readonly upTo: number;
  readonly sizes: Sampler;
}

export class Batch {
  readonly out: Out;
  /** Lines this batch is closed at (Infinity on streams: they flush by time and bytes). */
  target = Infinity;
  /** Plan time the batch was opened at (its first line's slot). */
  since = 0;
  /** Between `open` and `taken`. */
  opened = false;
  /** Lines per second the plan gives this format in this worker, for the current slot. */
  rate = 0;
  /** The format's whole intensity at 1× (all shards, divided by the multiplier): picks the
   * load bin sizes are drawn from. */
  level = 0;
  /** This worker's age bound for the stream (lingerFor), set per slot. */
  linger = LINGER_MS;
  /** Lines the plan drew for this format this slot, and those written (capped ones are not). */
  slotPlanned = 0;
  slotLines = 0;
  /** Both smoothed over about LINGER_MS: their ratio is the share of planned lines written. */
  private keptPlanned = 0;
  private keptLines = 0;
  private readonly deferred: number[] = [];
  /** Position in the size sequence (see GOLDEN). */
  private u: number;
  private sizes: Sampler | undefined;
  private byRate: readonly RateSizes[] = [];

  constructor(
    readonly format: string,
    private readonly http: boolean,
    rng: Rng,
  ) {
    this.out = new Out(http ? 4 << 20 : 1 << 20);
    this.u = rng.next();
  }

  /** New sizes (a recipe reload): sizes drawn from the old ones are forgotten. `byRate` is in
   * ascending `upTo`; empty, every draw comes from `sizes`. */
  setSizes(sizes: Sampler | undefined, byRate: readonly RateSizes[] = []): void {
    this.sizes = sizes;
    this.byRate = byRate;
    this.deferred.length = 0;
  }

  private sampler(): Sampler | undefined {
    const bins = this.byRate;
    if (bins.length === 0) return this.sizes;
    let k = 0;
    while (k < bins.length - 1 && bins[k]!.upTo < this.level) k++;
    return bins[k]!.sizes;
  }

  /** Ends a slot of `slotMs`: folds its counts into the smoothed ones. */
  endSlot(slotMs: number): void {
    const a = slotMs / LINGER_MS;
    this.keptPlanned += (this.slotPlanned - this.keptPlanned) * a;
    this.keptLines += (this.slotLines - this.keptLines) * a;
    this.slotLines = 0;
  }

  private draw(): number {
    const s = this.sampler();
    this.u += GOLDEN;
    if (this.u >= 1) this.u -= 1;
    return Math.max(1, Math.round(s ? s.at(this.u) : DEFAULT_SIZE));
  }

  /**
   * Before the first line goes in at plan time `tMs`: picks the size to close at. What the
   * stream fills within the age bound is the plan's current rate (a burst's first slot already
   * counts) times the share of planned lines recently written (series capped at one point a
   * second are planned, not written).
   * The oldest deferred size that fits goes first; else fresh draws, deferring those that do not
   * fit; when none fits (a stream too slow for any size), the smallest, which the age bound cuts.
   */
  open(tMs: number): void {
    this.since = tMs;
    this.opened = true;
    if (!this.http) return;
    const kept = this.keptPlanned > 0 ? Math.min(1, this.keptLines / this.keptPlanned) : 1;
    const reach = (this.rate * kept * this.linger) / 1000;
    const q = this.deferred;
    for (let k = 0; k < q.length; k++)
      if (q[k]! <= reach) {
        this.target = q[k]!;
        q.splice(k, 1);
        return;
      }
    for (let i = 0; i < TRIES; i++) {
      const t = this.draw();
      if (t <= reach) {
        this.target = t;
        return;
      }
      this.defer(t);
    }
    let k = 0;
    for (let j = 1; j < q.length; j++) if (q[j]! < q[k]!) k = j;
    this.target = q.length ? q.splice(k, 1)[0]! : this.draw();
  }

  private defer(t: number): void {
    if (this.deferred.length < DEFERRED) this.deferred.push(t);
  }

  /** Whether the HTTP batch is to be sent after the slot ending at `slotEndMs` (streams flush
   * every tick instead). */
  due(slotEndMs: number): boolean {
    return (
      this.http &&
      this.out.lines > 0 &&
      (this.out.lines >= this.target || slotEndMs - this.since >= this.linger)
    );
  }

  /** After the batch was taken: a size it did not reach is deferred, so a cut costs one extra
   * small request, not one of the recipe's large ones. */
  taken(lines: number): void {
    if (this.http && lines < this.target && Number.isFinite(this.target)) this.defer(this.target);
    this.target = Infinity;
    this.opened = false;
  }
}
