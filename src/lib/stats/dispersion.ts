// Second-order statistics of count and value series: index of dispersion, autocorrelation, and a
// mergeable accumulator for the lag-1 correlation of consecutive pairs and running moments.

/** Variance-to-mean ratio of counts (1 for Poisson, > 1 for bursty arrivals). */
export function indexOfDispersion(counts: ArrayLike<number>): number {
  const n = counts.length;
  if (n < 2) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += counts[i]!;
  const m = s / n;
  if (m === 0) return NaN;
  let v = 0;
  for (let i = 0; i < n; i++) v += (counts[i]! - m) ** 2;
  return v / (n - 1) / m;
}

/** Sample autocorrelation at `lag` (biased estimator, as in Box–Jenkins). */
export function autocorrelation(x: ArrayLike<number>, lag = 1): number {
  const n = x.length;
  if (n <= lag + 1) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  const m = s / n;
  let den = 0;
  for (let i = 0; i < n; i++) den += (x[i]! - m) ** 2;
  if (den === 0) return NaN;
  let num = 0;
  for (let i = lag; i < n; i++) num += (x[i]! - m) * (x[i - lag]! - m);
  return num / den;
}

/** Mergeable running moments (Chan et al. parallel update). */
export class Moments {
  n = 0;
  mean = 0;
  m2 = 0;

  add(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }

  merge(o: { n: number; mean: number; m2: number }): this {
    if (o.n === 0) return this;
    const n = this.n + o.n;
    const d = o.mean - this.mean;
    this.mean += (d * o.n) / n;
    this.m2 += o.m2 + (d * d * this.n * o.n) / n;
    this.n = n;
    return this;
  }

  variance(): number {
    return this.n > 1 ? this.m2 / (this.n - 1) : NaN;
  }
}

/**
 * Pooled within-series lag-1 autocorrelation from per-series sums. Each series contributes its
 * own centred lag-1 covariance and variance, so differences between series levels (one host at
 * 10 %, another at 90 %) do not masquerade as autocorrelation.
 */
export class PooledLag1 {
  num = 0;
  den = 0;
  series = 0;

  /**
   * One series' sums over its finite values: `n` of them, Σx, Σx², and over the consecutive pairs
   * of finite values that were seen as pairs (`pairs` of them): Σ x_t·x_{t−1} and Σ(x_t + x_{t−1}).
   * Exact whatever was skipped: a non-finite value between two points, a boundary between parts
   * that could not be joined.
   */
  addSeries(
    n: number,
    sx: number,
    sxx: number,
    sxy: number,
    pairs: number,
    pairSums: number,
  ): void {
    if (n < 3 || pairs < 2) return;
    const m = sx / n;
    const den = sxx - n * m * m;
    if (!(den > 0)) return;
    // Σ_pairs (x_t − m)(x_{t−1} − m) = Σ x_t x_{t−1} − m·Σ(x_t + x_{t−1}) + pairs·m².
    this.num += sxy - m * pairSums + pairs * m * m;
    this.den += den;
    this.series++;
  }

  merge(o: { num: number; den: number; series: number }): this {
    this.num += o.num;
    this.den += o.den;
    this.series += o.series;
    return this;
  }

  value(): number {
    return this.den > 0 ? this.num / this.den : NaN;
  }
}
