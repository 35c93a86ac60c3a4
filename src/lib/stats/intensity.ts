// Intensity curves: event counts in absolute, epoch-aligned buckets whose width doubles (1 s,
// 2 s, 4 s, …) when the span would exceed `maxBuckets` (a 15 s demo capture keeps 1 s buckets, a
// day ends near 32 s), so memory is fixed per family whatever the capture length, and two partial
// curves merge exactly (coarsen both to the wider width, add).
// Smoothing is Gaussian-kernel regression with the bandwidth chosen by leave-one-out
// cross-validation, so a steady family is not given a wiggly curve nor a diurnal one flattened.

export const BASE_BUCKET_MS = 1_000;

export interface CurveState {
  widthMs: number;
  /** Absolute bucket index (floor(t / widthMs)) of counts[0]. */
  start: number;
  counts: Float64Array;
}

export class BucketCounts {
  widthMs: number;
  start = 0;
  counts = new Float64Array(0);
  private used = 0;

  constructor(
    readonly maxBuckets = 4096,
    baseMs = BASE_BUCKET_MS,
  ) {
    this.widthMs = baseMs;
  }

  add(tMs: number, n = 1): void {
    const b = Math.floor(tMs / this.widthMs);
    if (this.used === 0) {
      this.counts = new Float64Array(64);
      this.start = b;
      this.used = 1;
      this.counts[0] = n;
      return;
    }
    let i = b - this.start;
    if (i < 0 || i >= this.used) {
      this.cover(b);
      i = Math.floor(tMs / this.widthMs) - this.start;
    }
    this.counts[i]! += n;
  }

  /** Extends (and if needed coarsens) so absolute bucket `b` at the current width is covered. */
  private cover(b: number): void {
    let lo = Math.min(this.start, b);
    let hi = Math.max(this.start + this.used - 1, b);
    while (hi - lo + 1 > this.maxBuckets) {
      this.coarsen();
      lo = Math.floor(lo / 2);
      hi = Math.floor(hi / 2);
    }
    this.reshape(lo, hi);
  }

  private coarsen(): void {
    const s = Math.floor(this.start / 2);
    const out = new Float64Array(Math.max(64, this.counts.length));
    let top = 0;
    for (let i = 0; i < this.used; i++) {
      const j = Math.floor((this.start + i) / 2) - s;
      out[j]! += this.counts[i]!;
      top = j;
    }
    this.counts = out;
    this.start = s;
    this.used = top + 1;
    this.widthMs *= 2;
  }

  private reshape(lo: number, hi: number): void {
    const n = hi - lo + 1;
    if (lo === this.start && n <= this.counts.length) {
      this.used = n;
      return;
    }
    const out = new Float64Array(Math.min(this.maxBuckets, Math.max(n, this.counts.length * 2)));
    out.set(this.counts.subarray(0, this.used), this.start - lo);
    this.counts = out;
    this.start = lo;
    this.used = n;
  }

  get length(): number {
    return this.used;
  }

  get total(): number {
    let s = 0;
    for (let i = 0; i < this.used; i++) s += this.counts[i]!;
    return s;
  }

  merge(o: BucketCounts | CurveState): this {
    const oc = o instanceof BucketCounts ? o.values() : o.counts;
    if (oc.length === 0) return this;
    while (this.widthMs < o.widthMs) {
      if (this.used === 0) this.widthMs *= 2;
      else this.coarsen();
    }
    // Both grids are epoch-aligned and this width is a multiple of the other's, so each source
    // bucket lands whole in one target bucket.
    for (let i = 0; i < oc.length; i++) {
      const c = oc[i]!;
      if (c !== 0) this.add((o.start + i) * o.widthMs, c);
    }
    return this;
  }

  values(): Float64Array {
    return this.counts.subarray(0, this.used);
  }

  state(): CurveState {
    return { widthMs: this.widthMs, start: this.start, counts: this.values().slice() };
  }

  static fromState(s: CurveState, maxBuckets = 4096): BucketCounts {
    const b = new BucketCounts(maxBuckets, s.widthMs);
    b.merge(s);
    return b;
  }
}

/** Nadaraya–Watson Gaussian smoothing of `y` with bandwidth `h` buckets (edges renormalised). */
export function gaussianSmooth(y: ArrayLike<number>, h: number, leaveOneOut = false): Float64Array {
  const n = y.length;
  const out = new Float64Array(n);
  if (h <= 0) {
    for (let i = 0; i < n; i++) out[i] = y[i]!;
    return out;
  }
  const r = Math.ceil(4 * h);
  const w = new Float64Array(r + 1);
  for (let k = 0; k <= r; k++) w[k] = Math.exp(-0.5 * (k / h) ** 2);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let ws = 0;
    const a = Math.max(0, i - r);
    const b = Math.min(n - 1, i + r);
    for (let j = a; j <= b; j++) {
      if (leaveOneOut && j === i) continue;
      const wk = w[Math.abs(j - i)]!;
      s += wk * y[j]!;
      ws += wk;
    }
    out[i] = ws > 0 ? s / ws : y[i]!;
  }
  return out;
}

export interface SmoothedCurve {
  /** Bandwidth in buckets picked by leave-one-out cross-validation (0: no smoothing). */
  readonly bandwidth: number;
  readonly smoothed: Float64Array;
  /** Leave-one-out mean squared error at that bandwidth. */
  readonly cvError: number;
}

const BANDWIDTHS = [0, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];

/** Smooths bucket counts, choosing the bandwidth that best predicts each bucket from the others. */
export function smoothCounts(y: ArrayLike<number>): SmoothedCurve {
  const n = y.length;
  if (n < 3) return { bandwidth: 0, smoothed: Float64Array.from(y), cvError: 0 };
  let best: SmoothedCurve | undefined;
  for (const h of BANDWIDTHS) {
    if (h > n / 2) break;
    let err = 0;
    if (h === 0) {
      // "No smoothing" predicts a bucket by its neighbours' mean: the CV analogue of h → 0.
      for (let i = 0; i < n; i++) {
        const p = i === 0 ? y[1]! : i === n - 1 ? y[n - 2]! : (y[i - 1]! + y[i + 1]!) / 2;
        err += (y[i]! - p) ** 2;
      }
    } else {
      const loo = gaussianSmooth(y, h, true);
      for (let i = 0; i < n; i++) err += (y[i]! - loo[i]!) ** 2;
    }
    err /= n;
    if (!best || err < best.cvError)
      best = { bandwidth: h, smoothed: new Float64Array(0), cvError: err };
  }
  const h = best!.bandwidth;
  return { bandwidth: h, smoothed: gaussianSmooth(y, h), cvError: best!.cvError };
}

/** Mean absolute percentage error of `predicted` against `actual`, skipping zero actuals. */
export function mape(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    if (a === 0) continue;
    s += Math.abs((predicted[i]! - a) / a);
    n++;
  }
  return n ? s / n : 0;
}

export interface PeriodicShape {
  /** Slot width in ms (hour-of-day: 3,600,000). */
  readonly slotMs: number;
  /** Relative intensity per slot (mean 1 over covered slots; 0 where never observed). */
  readonly factors: number[];
  /** Observed time per slot in ms, so the shape's support can be judged. */
  readonly exposureMs: number[];
}

/**
 * Periodic shape (e.g. 24 hourly slots of a day, 168 of a week) from bucket counts: rate per
 * slot over the time each slot was observed, divided by the overall rate. Buckets wider than a
 * slot cannot inform it, so callers only ask when the curve resolution is finer than the slot.
 */
export function periodicShape(
  curve: CurveState,
  periodMs: number,
  slots: number,
  firstMs: number,
  lastMs: number,
): PeriodicShape {
  const slotMs = periodMs / slots;
  const counts = new Float64Array(slots);
  const expo = new Float64Array(slots);
  const c = curve.counts;
  for (let i = 0; i < c.length; i++) {
    const t0 = Math.max((curve.start + i) * curve.widthMs, firstMs);
    const t1 = Math.min((curve.start + i + 1) * curve.widthMs, lastMs + 1);
    if (t1 <= t0) continue;
    const mid = (t0 + t1) / 2;
    const slot = Math.floor((((mid % periodMs) + periodMs) % periodMs) / slotMs);
    counts[slot]! += c[i]!;
    expo[slot]! += t1 - t0;
  }
  let total = 0;
  let time = 0;
  for (let s = 0; s < slots; s++) {
    total += counts[s]!;
    time += expo[s]!;
  }
  const overall = time > 0 ? total / time : 0;
  const factors = Array.from(counts, (n, s) =>
    expo[s]! > 0 && overall > 0 ? n / expo[s]! / overall : 0,
  );
  return { slotMs, factors, exposureMs: Array.from(expo) };
}
