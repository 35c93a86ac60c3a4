// DDSketch (Masson, Rim, Lee; VLDB 2019): a mergeable quantile sketch with a relative-error
// guarantee. Chosen over t-digest and KLL because its merge is plain addition of bucket counts:
// the result does not depend on merge order or on how work was split across workers, so a
// profile is byte-identical however many workers ran it, and the Spark job gets bit-identical
// sketches by using the same mapping (key = ceil(ln|x| / ln γ)). t-digest merges depend on order;
// KLL compacts at random. Relative error also suits the heavy-tailed values telemetry carries
// (latencies, sizes, counts) better than KLL's rank error.
//
// Memory: at most `maxBins` counts per sign (default 2048 → 16 KiB each as Float64); with α = 1 %
// 2048 bins span a dynamic range of e^(2048 · 0.02) ≈ 10^17 before the lowest bins collapse.
import { WflgError } from '../errors.js';

export interface DDSketchJson {
  /** Relative accuracy α: every quantile is within a factor (1 ± α) of a true sample value. */
  readonly alpha: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  /** Values with |x| below MIN_INDEXABLE. */
  readonly zero: number;
  /** Positive values: counts of keys offset, offset+1, … */
  readonly pos: { readonly offset: number; readonly counts: readonly number[] };
  /** Negative values by the key of |x|. */
  readonly neg: { readonly offset: number; readonly counts: readonly number[] };
}

const MIN_INDEXABLE = 1e-9;

/** Keys of the integers 1…SMALL−1 (line sizes, lags in ms, counts: most values a profile adds),
 * per α, computed with the same expression as `add` so a table hit is bit-identical to a miss.
 * Built on a sketch's first integer add (decoding and merging never need it), for at most
 * TABLES distinct α: α can come from input files, and each table is 256 KiB kept for good. */
const SMALL = 1 << 16;
const TABLES = 4;
const smallKeys = new Map<number, Int32Array>();
function smallKeysFor(invLogGamma: number): Int32Array | null {
  let t = smallKeys.get(invLogGamma);
  if (!t) {
    if (smallKeys.size >= TABLES) return null;
    t = new Int32Array(SMALL);
    for (let x = 1; x < SMALL; x++) t[x] = Math.ceil(Math.log(x) * invLogGamma);
    smallKeys.set(invLogGamma, t);
  }
  return t;
}

class Store {
  offset = 0;
  counts: Float64Array = new Float64Array(0);
  total = 0;

  constructor(private readonly maxBins: number) {}

  add(key: number, n: number): void {
    if (this.counts.length === 0) {
      this.counts = new Float64Array(16);
      this.offset = key - 8;
    }
    let i = key - this.offset;
    if (i < 0 || i >= this.counts.length) i = this.grow(key);
    this.counts[i]! += n;
    this.total += n;
  }

  /** Makes room for `key`; returns its index. Collapses the lowest keys past maxBins. */
  private grow(key: number): number {
    const curLo = this.offset;
    const curHi = this.offset + this.counts.length - 1;
    const lo = Math.min(curLo, key);
    const hi = Math.max(curHi, key);
    // Keys below keepLo fold into keepLo: the low end loses resolution, never the tail.
    const keepLo = hi - lo + 1 > this.maxBins ? hi - this.maxBins + 1 : lo;
    const size = Math.min(this.maxBins, Math.max(hi - keepLo + 1, this.counts.length * 2));
    const start = key < curLo ? hi - size + 1 : keepLo;
    const next = new Float64Array(size);
    for (let j = 0; j < this.counts.length; j++) {
      const c = this.counts[j]!;
      if (c !== 0) next[Math.max(this.offset + j, keepLo) - start]! += c;
    }
    this.counts = next;
    this.offset = start;
    return Math.max(key, keepLo) - start;
  }

  mergeFrom(o: Store): void {
    for (let j = 0; j < o.counts.length; j++) {
      const c = o.counts[j]!;
      if (c !== 0) this.add(o.offset + j, c);
    }
  }

  json(): { offset: number; counts: number[] } {
    let a = 0;
    let b = this.counts.length - 1;
    while (a <= b && this.counts[a] === 0) a++;
    while (b >= a && this.counts[b] === 0) b--;
    return { offset: this.offset + a, counts: Array.from(this.counts.subarray(a, b + 1)) };
  }
}

export class DDSketch {
  readonly alpha: number;
  private readonly gamma: number;
  private readonly invLogGamma: number;
  private readonly pos: Store;
  private readonly neg: Store;
  /** undefined until the first integer add; null when no table is kept for this α. */
  private small: Int32Array | null | undefined;
  zero = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  constructor(alpha = 0.01, maxBins = 2048) {
    if (!(alpha > 0 && alpha < 1))
      throw new WflgError('WFLG_E_INTERNAL', `DDSketch alpha ${alpha} not in (0,1)`);
    this.alpha = alpha;
    this.gamma = (1 + alpha) / (1 - alpha);
    this.invLogGamma = 1 / Math.log(this.gamma);
    this.pos = new Store(maxBins);
    this.neg = new Store(maxBins);
  }

  private posKey(x: number): number {
    if (x < SMALL && (x | 0) === x) {
      const t =
        this.small === undefined ? (this.small = smallKeysFor(this.invLogGamma)) : this.small;
      if (t !== null) return t[x]!;
    }
    return Math.ceil(Math.log(x) * this.invLogGamma);
  }

  /** Adds a finite value (callers count NaN and ±Infinity themselves). */
  add(x: number, n = 1): void {
    if (!Number.isFinite(x)) return;
    if (x > MIN_INDEXABLE) this.pos.add(this.posKey(x), n);
    else if (x < -MIN_INDEXABLE) this.neg.add(Math.ceil(Math.log(-x) * this.invLogGamma), n);
    else this.zero += n;
    this.count += n;
    this.sum += x * n;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  private valueOf(key: number): number {
    return (2 * Math.pow(this.gamma, key)) / (this.gamma + 1);
  }

  /** The q-quantile (0 ≤ q ≤ 1), NaN when empty. Clamped to the observed min and max. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = q * (this.count - 1);
    let seen = 0;
    const clamp = (v: number): number => Math.min(this.max, Math.max(this.min, v));
    const nc = this.neg.counts;
    for (let j = nc.length - 1; j >= 0; j--) {
      seen += nc[j]!;
      if (seen > rank) return clamp(-this.valueOf(this.neg.offset + j));
    }
    seen += this.zero;
    if (seen > rank) return clamp(0);
    const pc = this.pos.counts;
    for (let j = 0; j < pc.length; j++) {
      seen += pc[j]!;
      if (seen > rank) return clamp(this.valueOf(this.pos.offset + j));
    }
    return this.max;
  }

  /**
   * Support points and their masses in ascending value order: the representative value of each
   * non-empty bucket. Used for two-sketch KS and JS and for drawing a histogram.
   */
  points(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const nc = this.neg.counts;
    for (let j = nc.length - 1; j >= 0; j--)
      if (nc[j]! > 0) out.push([-this.valueOf(this.neg.offset + j), nc[j]!]);
    if (this.zero > 0) out.push([0, this.zero]);
    const pc = this.pos.counts;
    for (let j = 0; j < pc.length; j++)
      if (pc[j]! > 0) out.push([this.valueOf(this.pos.offset + j), pc[j]!]);
    return out;
  }

  /** Bucket key of a value (shared by every sketch with the same α): for aligned comparisons. */
  keyOf(x: number): number {
    if (x > MIN_INDEXABLE) return Math.ceil(Math.log(x) * this.invLogGamma);
    if (x < -MIN_INDEXABLE) return -Math.ceil(Math.log(-x) * this.invLogGamma) - 1e6;
    return -5e5;
  }

  merge(o: DDSketch): this {
    if (o.alpha !== this.alpha)
      throw new WflgError(
        'WFLG_E_INTERNAL',
        `cannot merge DDSketch α=${o.alpha} into α=${this.alpha}`,
      );
    this.pos.mergeFrom(o.pos);
    this.neg.mergeFrom(o.neg);
    this.zero += o.zero;
    this.count += o.count;
    this.sum += o.sum;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    return this;
  }

  mean(): number {
    return this.count ? this.sum / this.count : NaN;
  }

  toJSON(): DDSketchJson {
    return {
      alpha: this.alpha,
      count: this.count,
      sum: this.sum,
      min: this.count ? this.min : 0,
      max: this.count ? this.max : 0,
      zero: this.zero,
      pos: this.pos.json(),
      neg: this.neg.json(),
    };
  }

  static fromJSON(j: DDSketchJson, maxBins = 2048): DDSketch {
    const s = new DDSketch(j.alpha, maxBins);
    j.pos.counts.forEach((c, i) => c > 0 && s.pos.add(j.pos.offset + i, c));
    j.neg.counts.forEach((c, i) => c > 0 && s.neg.add(j.neg.offset + i, c));
    s.zero = j.zero;
    s.count = j.count;
    s.sum = j.sum;
    s.min = j.count ? j.min : Infinity;
    s.max = j.count ? j.max : -Infinity;
    return s;
  }
}
