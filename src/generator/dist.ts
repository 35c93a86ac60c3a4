// Samplers over the recipe's building blocks: inverse-CDF over `quantiles` (linear between the
// (p, v) pairs, as docs/formats/recipe.md specifies) and Walker alias tables for weighted choices.
import type { Quantiles } from '../lib/recipe.js';
import { segmentOf, sketchOf } from '../lib/stats/quantiles.js';

/** What the generator draws from: an inverse CDF at u ∈ [0, 1]. */
export interface Sampler {
  at(u: number): number;
}

export class QuantileSampler implements Sampler {
  private readonly p: Float64Array;
  private readonly v: Float64Array;
  readonly empty: boolean;

  constructor(q: Quantiles, fallback = 0) {
    const pairs = q.q.length > 0 ? q.q : [[0, fallback] as [number, number]];
    // Anchor both ends so every u in [0,1) maps inside [min, max].
    const ps = pairs.map((x) => x[0]);
    const vs = pairs.map((x) => x[1]);
    if (ps[0]! > 0) {
      ps.unshift(0);
      vs.unshift(q.n > 0 ? q.min : vs[0]!);
    }
    if (ps[ps.length - 1]! < 1) {
      ps.push(1);
      vs.push(q.n > 0 ? q.max : vs[vs.length - 1]!);
    }
    this.p = Float64Array.from(ps);
    this.v = Float64Array.from(vs);
    this.empty = q.q.length === 0;
  }

  /** Inverse CDF at u ∈ [0, 1]. */
  at(u: number): number {
    return interpolate(this.p, this.v, u);
  }

  /** CDF at x (the inverse of `at`), for one-sample divergence checks. */
  cdf(x: number): number {
    const v = this.v;
    if (x < v[0]!) return 0;
    if (x >= v[v.length - 1]!) return 1;
    return interpolate(this.v, this.p, x);
  }

  /** Bin edges (the recipe's quantile values) and each bin's probability mass. */
  bins(): { edges: Float64Array; mass: Float64Array } {
    const n = this.p.length - 1;
    const mass = new Float64Array(Math.max(n, 1));
    for (let i = 0; i < n; i++) mass[i] = this.p[i + 1]! - this.p[i]!;
    return { edges: this.v, mass };
  }
}

/** Piecewise-linear y(x) through the knots (xs ascending); at a jump (equal xs) the upper y. */
function interpolate(xs: Float64Array, ys: Float64Array, x: number): number {
  const lo = segmentOf(xs, x);
  const hi = Math.min(lo + 1, xs.length - 1);
  const dx = xs[hi]! - xs[lo]!;
  if (dx <= 0) return ys[hi]!;
  return ys[lo]! + ((x - xs[lo]!) / dx) * (ys[hi]! - ys[lo]!);
}

/**
 * Inverse CDF over the buckets of the DDSketch a `quantiles` block embeds: each bucket's
 * representative value (1 % of the true one) with its own mass. The 19 grid pairs, read linearly,
 * smear a distribution with atoms and gaps — lines per request is a cap that a tenth of the
 * requests hit plus a cluster of small flushes, with nothing between — across the gaps, which
 * moves its quantiles and its mean; the buckets keep every mass where it was.
 *
 * `spread` draws inside each bucket instead of at its representative, linearly in u across the
 * bucket's bounds: for measured values, whose captures hold few repeats, atoms would make a
 * continuous gauge a few hundred distinct values (and bodies that compress unlike the capture's).
 * A bucket the recipe's quantiles sit on at two or more grid points (an atom: availability at
 * 100, a status of 200) is not spread: it draws its representative, or the exact min or max when
 * the bucket holds that. The map stays monotone
 * in u, which the gauges' Gaussian copula needs. Sizes keep representatives.
 */
export class SketchSampler implements Sampler {
  /** Cumulative probability at each bucket's start, then 1. */
  private readonly cum: Float64Array;
  /** Value at each bucket's start (its representative without `spread`). */
  private readonly v: Float64Array;
  /** How far the value moves across the bucket (0 without `spread`). */
  private readonly w: Float64Array;

  private constructor(
    points: ReadonlyArray<readonly [number, number]>,
    private readonly min: number,
    private readonly max: number,
    gamma: number,
    atoms: readonly number[],
  ) {
    let total = 0;
    for (const [, n] of points) total += n;
    this.cum = new Float64Array(points.length + 1);
    this.v = new Float64Array(points.length);
    this.w = new Float64Array(points.length);
    let c = 0;
    points.forEach(([v, n], i) => {
      this.cum[i] = c / total;
      // Representative 2γᵏ/(γ+1) of the bucket (γᵏ⁻¹, γᵏ]: its ends are v·(γ+1)/(2γ) and v·(γ+1)/2.
      const lo = (v * (gamma + 1)) / (2 * gamma);
      const hi = (v * (gamma + 1)) / 2;
      const start = Math.min(lo, hi);
      const end = Math.max(lo, hi);
      const atom = gamma > 1 && atoms.some((a) => a >= start && a <= end);
      // An atom's exact value is known only at the ends (min and max are exact; quantiles are
      // sketch representatives): there it is drawn exactly, elsewhere at the representative.
      const exact = min >= start && min <= end ? min : max >= start && max <= end ? max : v;
      this.v[i] = gamma <= 1 ? v : atom ? exact : start;
      this.w[i] = gamma <= 1 || atom ? 0 : end - start;
      c += n;
    });
    this.cum[points.length] = 1;
  }

  /** The block's sketch as a sampler; undefined without a usable one (absent, another type,
   * damaged, or inconsistent with its own count), where the grid pairs are what there is. */
  static of(q: Quantiles, spread = false): SketchSampler | undefined {
    const s = q.n === 0 ? undefined : sketchOf(q);
    const points = s?.points();
    if (!s || !points || points.some(([v]) => !Number.isFinite(v))) return undefined;
    const atoms = q.q.filter(([, v], i) => i > 0 && q.q[i - 1]![1] === v).map(([, v]) => v);
    return new SketchSampler(points, q.min, q.max, spread ? (1 + s.alpha) / (1 - s.alpha) : 1, [
      ...new Set(atoms),
    ]);
  }

  at(u: number): number {
    const i = Math.min(segmentOf(this.cum, u), this.v.length - 1);
    const w = this.w[i]!;
    let x = this.v[i]!;
    if (w !== 0) {
      const span = this.cum[i + 1]! - this.cum[i]!;
      // Never the lower bound itself: buckets are (γᵏ⁻¹, γᵏ], and that point is the one below's.
      if (span > 0) x += w * Math.min(1, Math.max(1e-9, (u - this.cum[i]!) / span));
    }
    return Math.min(this.max, Math.max(this.min, x));
  }
}

/** The recipe's distribution at its finest: the embedded sketch when usable, else the pairs. */
export function samplerOf(q: Quantiles, fallback = 0, spread = false): Sampler {
  return SketchSampler.of(q, spread) ?? new QuantileSampler(q, fallback);
}

/** Walker's alias method: O(1) draws from fixed weights. */
export class Alias {
  private readonly prob: Float64Array;
  private readonly alias: Uint32Array;
  readonly size: number;

  constructor(weights: ArrayLike<number>) {
    const n = Math.max(1, weights.length);
    this.size = weights.length;
    this.prob = new Float64Array(n);
    this.alias = new Uint32Array(n);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) sum += Math.max(0, weights[i]!);
    if (sum <= 0) {
      this.prob.fill(1);
      return;
    }
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = (Math.max(0, weights[i] ?? 0) * n) / sum;
      (scaled[i]! < 1 ? small : large).push(i);
    }
    while (small.length && large.length) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    for (const i of large) this.prob[i] = 1;
    for (const i of small) this.prob[i] = 1;
  }

  /** Index for a uniform u ∈ [0, 1). */
  pick(u: number): number {
    const x = u * this.prob.length;
    const i = x | 0;
    return x - i < this.prob[i]! ? i : this.alias[i]!;
  }
}
