// How far apart two faithful samples of a family's values fall by chance. A family with a few dozen
// lines per side differs from a perfect copy of itself by a KS of 0.2–0.3 (the two-sample critical
// value at 95 % is 1.36·√(1/n_A + 1/n_B)), so a fixed 0.05 flags every small family whatever the
// generator does. The band is the 99th percentile of KS and JS between two samples of the two
// sides' sizes drawn from one distribution, both sketches pooled (the null hypothesis), computed the
// same way as the observed values, so sketch resolution and JS binning are in it too. 99 %, not
// 95 %: a report grades a dozen families at once, and at 95 % a faithful copy would show a red one
// in about half of all runs.
//
// Sizes are effective sizes: consecutive values of a series are correlated, so n of them carry
// fewer independent ones. What the band measures is an empirical CDF, whose terms are indicators
// 1{x ≤ c}; for a Gaussian AR(1) with lag-1 ρ those correlate by (2/π)·asin ρ (≤ ρ), and n values
// count as n·(1 − ρ_I)/(1 + ρ_I). Both sides take A's ρ: the question is how far a B that behaves
// like A would fall, and B's own ρ would let a generator that gets stuck widen its own band.
import { DDSketch } from '../lib/stats/ddsketch.js';
import { jensenShannonSketches } from '../lib/stats/divergence.js';
import { ksSketches } from '../lib/stats/ks.js';
import { segmentOf } from '../lib/stats/quantiles.js';
import { Rng } from '../lib/rng.js';

export interface NoiseBand {
  readonly ks: number;
  readonly js: number;
  /** The effective sample sizes the band was drawn at. */
  readonly nA: number;
  readonly nB: number;
}

const REPS = 400;
const LEVEL = 0.99;
/** Draws per replicate above which the larger side is drawn smaller and the band scaled back by
 * h = (1/n_A + 1/n_B) / (1/s_A + 1/s_B) (KS by √h, JS by h: their leading terms under the null
 * go as that sum). The smaller side keeps its size: a side of a few values is where the band is
 * wide, and scaling it down as well would shrink the band below the truth. */
const MAX_DRAWS = 20_000;
/** ρ is capped: a side whose values barely move still counts one independent value in ~21. */
const MAX_RHO = 0.99;

export function effectiveSize(n: number, lag1: number | undefined): number {
  const rho = (2 / Math.PI) * Math.asin(Math.min(MAX_RHO, Math.max(0, lag1 ?? 0)));
  return Math.max(1, (n * (1 - rho)) / (1 + rho));
}

export function noiseBand(a: DDSketch, b: DDSketch, nA: number, nB: number): NoiseBand {
  const pooled = new Map<number, number>();
  for (const s of [a, b])
    for (const [v, c] of s.points()) pooled.set(v, (pooled.get(v) ?? 0) + c / s.count);
  const values = [...pooled.keys()].sort((x, y) => x - y);
  // Each bucket's cumulative start, then the total: draws are an inverse CDF over these.
  const starts = new Float64Array(values.length + 1);
  values.forEach((v, i) => (starts[i + 1] = starts[i]! + pooled.get(v)!));
  const total = starts[values.length]!;
  const small = Math.min(Math.round(Math.min(nA, nB)), MAX_DRAWS / 2);
  const large = Math.min(Math.round(Math.max(nA, nB)), MAX_DRAWS - small);
  const sizeA = Math.max(1, nA <= nB ? small : large);
  const sizeB = Math.max(1, nA <= nB ? large : small);
  const h = (1 / nA + 1 / nB) / (1 / sizeA + 1 / sizeB);
  // Fixed seed: a comparison is a report, and must read the same on every run.
  const rng = new Rng(0x6e6f6973);
  const draw = (n: number): DDSketch => {
    const s = new DDSketch(a.alpha);
    for (let k = 0; k < n; k++) {
      const i = segmentOf(starts, rng.next() * total);
      s.add(values[Math.min(i, values.length - 1)]!);
    }
    return s;
  };
  const ks = new Float64Array(REPS);
  const js = new Float64Array(REPS);
  for (let r = 0; r < REPS; r++) {
    const x = draw(sizeA);
    const y = draw(sizeB);
    ks[r] = ksSketches(x, y).d;
    js[r] = jensenShannonSketches(x, y);
  }
  const q = (v: Float64Array): number => v.sort()[Math.ceil(LEVEL * REPS) - 1]!;
  return { ks: q(ks) * Math.sqrt(h), js: q(js) * h, nA, nB };
}
