// Comparing two published distributions (the schema's `quantiles` blocks). When both carry a
// DDSketch with the same α, KS and JS come from the sketches (exact to the sketch's 1 % value
// resolution). Otherwise each CDF is reconstructed from its quantile pairs — linear between
// distinct values, a jump where several probabilities share one value — KS is the largest gap
// between the two CDFs at any knot of either, and JS is taken over the bins between the union
// of both sides' knots.
import type { Quantiles } from '../lib/recipe.js';
import { jensenShannon, jensenShannonSketches } from '../lib/stats/divergence.js';
import { ksSketches } from '../lib/stats/ks.js';
import { cdfOfQuantiles, sketchOf } from '../lib/stats/quantiles.js';

export interface DistComparison {
  readonly ks: number;
  readonly js: number;
  readonly method: 'sketch' | 'quantiles';
}

const knots = (q: Quantiles): number[] => q.q.map(([, v]) => v);

function fromQuantiles(a: Quantiles, b: Quantiles): DistComparison {
  const fa = cdfOfQuantiles(a);
  const fb = cdfOfQuantiles(b);
  const xs = [...new Set([...knots(a), ...knots(b)])].sort((x, y) => x - y);
  let ks = 0;
  for (const x of xs) {
    // The gap can peak just below a jump as well as at it.
    const below = x - Math.max(Math.abs(x), 1) * 1e-12;
    ks = Math.max(ks, Math.abs(fa(x) - fb(x)), Math.abs(fa(below) - fb(below)));
  }
  const ma: number[] = [];
  const mb: number[] = [];
  let pa = 0;
  let pb = 0;
  for (const x of xs) {
    const ca = fa(x);
    const cb = fb(x);
    ma.push(ca - pa);
    mb.push(cb - pb);
    pa = ca;
    pb = cb;
  }
  return { ks, js: jensenShannon(ma, mb), method: 'quantiles' };
}

/** KS and JS of two distributions; null when either is empty. */
export function compareDistributions(a: Quantiles, b: Quantiles): DistComparison | null {
  if (a.n === 0 || b.n === 0) return a.n === b.n ? null : { ks: 1, js: 1, method: 'quantiles' };
  const sa = sketchOf(a);
  const sb = sketchOf(b);
  if (sa && sb && sa.alpha === sb.alpha)
    return { ks: ksSketches(sa, sb).d, js: jensenShannonSketches(sa, sb), method: 'sketch' };
  return fromQuantiles(a, b);
}

/** The p-quantile read from the pairs, interpolating linearly between grid probabilities. */
export function quantileAt(q: Quantiles, p: number): number {
  const pts = q.q;
  if (pts.length === 0) return NaN;
  if (p <= pts[0]![0]) return pts[0]![1];
  for (let i = 1; i < pts.length; i++) {
    const [p1, v1] = pts[i]!;
    if (p <= p1) {
      const [p0, v0] = pts[i - 1]!;
      return p1 === p0 ? v1 : v0 + ((v1 - v0) * (p - p0)) / (p1 - p0);
    }
  }
  return pts[pts.length - 1]![1];
}

export const CHECKED_QUANTILES = [0.5, 0.9, 0.99] as const;

export interface QuantileErrors {
  /** Worst relative error over p50, p90, p99, beyond sampling noise (see `quantileErrors`). */
  readonly worst: number;
  readonly a: readonly number[];
  readonly b: readonly number[];
  /** A's 95 % sampling band at each checked quantile, for the detail text. */
  readonly lo: readonly number[];
  readonly hi: readonly number[];
}

/** z of a two-sided 95 % band. */
const Z95 = 1.96;

/**
 * Relative errors of B's p50/p90/p99 against A's, beyond what the two samples' sizes explain;
 * null when either side is empty. The p-quantile of n draws lies within ±1.96·√(p(1−p)/n) of p
 * in probability (order statistics), so B's value counts as matching while it lies between A's
 * quantiles at p ∓ 1.96·√(p(1−p)(1/n_A + 1/n_B)), and otherwise errs by its distance from the
 * nearer end, relative to A's value. With millions of requests the band is A's value itself; with
 * the few hundred of a one-minute capture it is wide where the distribution has a gap (a cluster
 * of small flushes and a batch cap, nothing between), where a plain comparison failed a faithful
 * copy of the same sample nine times in ten.
 */
export function quantileErrors(
  a: Quantiles,
  b: Quantiles,
  /** False: plain relative errors, for a B held to A's exact quantiles. */
  sampling = true,
): QuantileErrors | null {
  if (a.n === 0 || b.n === 0) return null;
  const va = CHECKED_QUANTILES.map((p) => quantileAt(a, p));
  const vb = CHECKED_QUANTILES.map((p) => quantileAt(b, p));
  const half = (p: number) => (sampling ? Z95 * Math.sqrt(p * (1 - p) * (1 / a.n + 1 / b.n)) : 0);
  // The band's ends fall between grid points, where straight-line interpolation invents values
  // inside a gap (q(0.42) read as 22 lines between a cluster at 2-11 and one at 130-500): A's own
  // sketch, when it has one, gives the quantile as the data had it.
  const sa = sampling ? sketchOf(a) : undefined;
  const at = (p: number) => (sa ? sa.quantile(p) : quantileAt(a, p));
  // Sketch and grid agree on A's own value up to rounding; the band always holds it.
  const lo = CHECKED_QUANTILES.map((p, i) => Math.min(va[i]!, at(Math.max(0, p - half(p)))));
  const hi = CHECKED_QUANTILES.map((p, i) => Math.max(va[i]!, at(Math.min(1, p + half(p)))));
  let worst = 0;
  va.forEach((x, i) => {
    const y = vb[i]!;
    const off = y < lo[i]! ? lo[i]! - y : y > hi[i]! ? y - hi[i]! : 0;
    const e = off === 0 ? 0 : x === 0 ? 1 : off / Math.abs(x);
    worst = Math.max(worst, e);
  });
  return { worst, a: va, b: vb, lo, hi };
}

/** CDF points for plotting: the sketch's buckets when present, else the quantile pairs. */
export function cdfPoints(q: Quantiles): [number, number][] {
  const s = sketchOf(q);
  if (s && s.count > 0) {
    const out: [number, number][] = [];
    let c = 0;
    for (const [v, n] of s.points()) {
      c += n;
      out.push([v, c / s.count]);
    }
    return out;
  }
  return q.q.map(([p, v]) => [v, p]);
}
