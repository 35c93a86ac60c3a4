// Everything the profiler learns about one family, in fixed-size or capped state: sketches,
// counters, an adaptive-width intensity curve, the tracked-series sample and the arrival-instant
// sample. Memory per family (the bound that makes memory grow with families, not lines):
//   DDSketches: ≤ 8 × (2 stores × ≤ 2048 bins × 8 B) — in practice ~1 KiB each (α = 1 %, values
//     spanning 4–6 decades use ~500–700 bins) → ≤ 256 KiB worst case, ~10–40 KiB typical;
//   curve ≤ 4096 buckets × 8 B = 32 KiB; instants ≤ 2 × cap (4096) × 8 B = 64 KiB; HLL 4 KiB;
//   series sample ≤ 1024 × ~200 B = 200 KiB; small counters.
// So ≤ ~0.6 MiB per family at worst, ~50–100 KiB typical, independent of the line count.
import { BucketCounts, type CurveState } from '../lib/stats/intensity.js';
import { DDSketch, type DDSketchJson } from '../lib/stats/ddsketch.js';
import { HyperLogLog } from '../lib/stats/cardinality.js';
import { NO_DECIMALS } from '../lib/wavefront.js';
import { InstantWindows, type InstantWindowsState } from './sample.js';
import { SeriesSample, type SeriesRec } from './series.js';

/** Every candidate divides 60: a timestamp's second within its minute decides them all. */
export const ALIGN_CANDIDATES = [1, 5, 10, 15, 30, 60] as const;
/** `secondOfMinute` index of a timestamp that is not a whole second. */
const NOT_WHOLE = 60;
export const MAX_DECIMALS = 15;
/** Integers up to here are exact doubles. */
const EXACT = 2 ** 53;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, d) => 10 ** d);

export interface FamilyIdentity {
  id: string;
  kindCode: number;
  name: string;
  tagKeys: string[];
}

export interface FamilyState {
  ident: FamilyIdentity;
  lines: number;
  bytes: number;
  firstMs: number;
  lastMs: number;
  instants: number;
  tsPresent: number;
  tsUnits: number[];
  /** Timestamps by second within their minute, the last entry for those not on a whole second. */
  secondOfMinute: number[];
  nan: number;
  inf: number;
  neg: number;
  zero: number;
  decimals: number[];
  rejects: Array<[string, number]>;
  hll: Uint8Array;
  curve: CurveState;
  inst: InstantWindowsState;
  instHour: InstantWindowsState;
  series: SeriesRec[];
  seriesComplete: boolean;
  sk: Record<SketchName, DDSketchJson>;
  spanRoots: number;
  spanLogs: number;
  annotations: Array<[string, number]>;
}

export const SKETCHES = [
  'lineBytes',
  'values',
  'steps',
  'lag',
  'interval',
  'centroidsPerLine',
  'centroidCount',
  'centroidMean',
  'totalCount',
  'duration',
  'perInstant',
] as const;
export type SketchName = (typeof SKETCHES)[number];

export class FamilyAcc {
  lines = 0;
  bytes = 0;
  firstMs = Infinity;
  lastMs = -Infinity;
  instants = 0;
  lastInstant = NaN;
  /** Lines at `lastInstant` so far (capture input only): one clump, filed when the instant ends. */
  clump = 0;
  tsPresent = 0;
  readonly tsUnits = [0, 0, 0, 0, 0];
  /** Timestamps by second within their minute (NOT_WHOLE: none): one integer remainder per
   * line where a float modulo per candidate was a quarter of the scan loop's own time. */
  private readonly secondOfMinute = new Float64Array(NOT_WHOLE + 1);
  nan = 0;
  inf = 0;
  neg = 0;
  zero = 0;
  /** Lines by digits after the point: of their value (metrics, deltas), or of their centroid
   * means (histograms, a sample of lines; scan.ts). */
  readonly decimals = new Array<number>(MAX_DECIMALS + 2).fill(0);
  readonly rejects = new Map<string, number>();
  readonly hll = new HyperLogLog();
  readonly curve = new BucketCounts();
  readonly inst: InstantWindows;
  readonly instHour: InstantWindows;
  readonly series: SeriesSample;
  readonly sk: Record<SketchName, DDSketch>;
  spanRoots = 0;
  spanLogs = 0;
  readonly annotations = new Map<string, number>();

  constructor(
    readonly ident: FamilyIdentity,
    seriesCap = 1024,
    instantCap = 8192,
  ) {
    this.inst = new InstantWindows(instantCap >> 1, 60_000);
    this.instHour = new InstantWindows(instantCap >> 1, 3_600_000);
    this.series = new SeriesSample(seriesCap);
    const sk = {} as Record<SketchName, DDSketch>;
    for (const n of SKETCHES) sk[n] = new DDSketch();
    this.sk = sk;
  }

  /**
   * Decimal digits of a finite value as printed shortest (0 for integers), capped: the fewest d
   * with round(v·10^d)/10^d the same double. Exact, so a sum's binary residue written out by its
   * sender (`92.85799999999999`, a quarter of some CloudWatch lines in the public corpus) counts
   * its 14 digits: line sizes follow them. (A relative tolerance read it as 3.)
   */
  static decimalsOf(v: number): number {
    if (Number.isInteger(v)) return 0;
    const a = Math.abs(v);
    for (let d = 1; d <= MAX_DECIMALS && a * POW10[d]! <= EXACT; d++) {
      const p = POW10[d]!;
      if (Math.round(v * p) / p === v) return d;
    }
    // Past 2^53 the product is no longer exact: read the digits off the shortest text itself.
    const text = String(v);
    const dot = text.indexOf('.');
    return dot < 0 || text.includes('e')
      ? MAX_DECIMALS + 1
      : Math.min(MAX_DECIMALS + 1, text.length - dot - 1);
  }

  /** Timestamps (ms) aligned to each of ALIGN_CANDIDATES. */
  get aligned(): number[] {
    return ALIGN_CANDIDATES.map((c) => {
      let n = 0;
      for (let r = 0; r < NOT_WHOLE; r += c) n += this.secondOfMinute[r]!;
      return n;
    });
  }

  noteTimestamp(tsMs: number): void {
    const s = tsMs / 1000;
    let r = NOT_WHOLE;
    if (s === Math.floor(s)) {
      // Integer remainders while seconds fit in 32 bits (until 2038); a float one after.
      r = Math.abs(s) < 2 ** 31 ? (s | 0) % 60 : s % 60;
      if (r < 0) r += 60;
    }
    this.secondOfMinute[r]!++;
  }

  /** `printed`: the decimals its sender wrote (`1.0` has one), or NO_DECIMALS when the parser
   * could not tell (exponent, suffix, no text): then counted from the value itself. */
  addValue(v: number, printed = NO_DECIMALS): void {
    if (Number.isNaN(v)) {
      this.nan++;
      return;
    }
    if (!Number.isFinite(v)) {
      this.inf++;
      return;
    }
    if (v < 0) this.neg++;
    else if (v === 0) this.zero++;
    this.decimals[
      printed < NO_DECIMALS ? Math.min(printed, MAX_DECIMALS + 1) : FamilyAcc.decimalsOf(v)
    ]!++;
    this.sk.values.add(v);
  }

  /** Files the open clump. `state()` files it too: a partial ends with its part, and parts end
   * between requests (only same-millisecond requests on both sides of a cut would have merged). */
  closeInstant(): void {
    if (this.clump > 0) this.sk.perInstant.add(this.clump);
    this.clump = 0;
  }

  state(): FamilyState {
    this.closeInstant();
    const sk = {} as Record<SketchName, DDSketchJson>;
    for (const n of SKETCHES) sk[n] = this.sk[n].toJSON();
    return {
      ident: this.ident,
      lines: this.lines,
      bytes: this.bytes,
      firstMs: this.firstMs,
      lastMs: this.lastMs,
      instants: this.instants,
      tsPresent: this.tsPresent,
      tsUnits: [...this.tsUnits],
      secondOfMinute: [...this.secondOfMinute],
      nan: this.nan,
      inf: this.inf,
      neg: this.neg,
      zero: this.zero,
      decimals: [...this.decimals],
      rejects: [...this.rejects],
      hll: this.hll.registers,
      curve: this.curve.state(),
      inst: this.inst.state(),
      instHour: this.instHour.state(),
      series: this.series.records(),
      seriesComplete: this.series.complete,
      sk,
      spanRoots: this.spanRoots,
      spanLogs: this.spanLogs,
      annotations: [...this.annotations],
    };
  }

  /** Folds a partial state in. Callers merge partials in input order (determinism). */
  merge(s: FamilyState): this {
    this.lines += s.lines;
    this.bytes += s.bytes;
    this.firstMs = Math.min(this.firstMs, s.firstMs);
    this.lastMs = Math.max(this.lastMs, s.lastMs);
    this.instants += s.instants;
    this.tsPresent += s.tsPresent;
    s.tsUnits.forEach((n, i) => (this.tsUnits[i]! += n));
    s.secondOfMinute.forEach((n, i) => (this.secondOfMinute[i]! += n));
    this.nan += s.nan;
    this.inf += s.inf;
    this.neg += s.neg;
    this.zero += s.zero;
    s.decimals.forEach((n, i) => (this.decimals[i]! += n));
    for (const [c, n] of s.rejects) this.rejects.set(c, (this.rejects.get(c) ?? 0) + n);
    this.hll.merge(new HyperLogLog(s.hll));
    this.curve.merge(s.curve);
    this.inst.merge(s.inst);
    this.instHour.merge(s.instHour);
    this.series.merge(s.series);
    for (const n of SKETCHES) this.sk[n].merge(DDSketch.fromJSON(s.sk[n]));
    this.spanRoots += s.spanRoots;
    this.spanLogs += s.spanLogs;
    for (const [k, n] of s.annotations) this.annotations.set(k, (this.annotations.get(k) ?? 0) + n);
    return this;
  }

  static fromState(s: FamilyState, seriesCap = 1024, instantCap = 8192): FamilyAcc {
    return new FamilyAcc(s.ident, seriesCap, instantCap).merge(s);
  }
}
