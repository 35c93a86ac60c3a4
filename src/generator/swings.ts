// Bucket-scale rate swings: how much a family's captured counts swing around its smoothed curve
// from one bucket to the next, beyond Poisson, and how those swings follow each other. (Not
// compare's noise.ts, which is the sampling noise of a comparison.)
//
// The plan draws each slot from the smoothed curve, so without this its counts vary only as the
// curve and Poisson arrivals do: smoother than the capture, whose senders batch, flush and clump.
// The demo's LLM trace swings 20 % per second around its curve, alternating (residual lag-1
// −0.46); the plan's counts had all their variance in the curve's slow drift, and their lag-1
// read 0.66–0.79 against the capture's 0.25–0.31. The residuals r_k = c_k / ŝ_k − 1 of the
// recipe's counts against its smoothed curve give the extra variance (less Poisson's 1/ŝ_k) and
// its lag-1; the plan multiplies the curve by 1 + ε_g, ε an AR(1) series of that variance and
// lag-1 on a grid of the recipe's bucket width in plan time (epoch-aligned, as every profile's
// buckets are, so a profile of the output sees each swing whole, not smeared over two buckets).
// Swings slow enough for the smoother to follow are already in the curve, and stay there.
//
// ε_g is a pure function of (seed, family, g): the AR(1)'s moving-average form over hashed normal
// innovations, truncated where φ^j < 10⁻³. Every shard, worker and process therefore applies the
// same swing to the same bucket, and their sum swings like one sender. At a multiplier m the
// swings shrink by √m: m independent copies of the captured senders add their swings' variances,
// not their amplitudes (the rule compare applies to the capture's dispersion at B's multiplier).

import type { Recipe } from '../lib/recipe.js';
import { boxMuller, hash32, sub } from '../lib/rng.js';
import { autocorrelation, Moments } from '../lib/stats/dispersion.js';

export interface BucketSwings {
  /** Relative standard deviation of the swings at 1×. */
  readonly sd: number;
  /** Lag-1 autocorrelation of the swings. */
  readonly lag1: number;
  /** Grid width in recipe (capture) time. */
  readonly widthMs: number;
}

/** Fewer fully observed buckets than this give no estimate worth applying. */
const MIN_BUCKETS = 8;
/** Below this many lines per bucket, Poisson's own swings (±22 % at 20) drown what is left, and
 * a sparse family's bucket counts (0, 1, 0, 2) are its clock, not swings of a rate. */
const MIN_PER_BUCKET = 20;
const MAX_LAG1 = 0.9;
/** Swings are capped so a bucket never goes negative or more than triples. */
const MAX_SWING = 2;

/** The recipe's bucket swings, or null when its counts show none beyond Poisson. */
export function bucketSwings(a: Recipe['arrivals']): BucketSwings | null {
  const c = a.counts;
  const lam = a.intensity;
  // The first and last buckets are partly outside the capture.
  const lo = 1;
  const hi = Math.min(c.length, lam.length) - 1;
  let sc = 0;
  let sl = 0;
  for (let k = lo; k < hi; k++) {
    if (!(lam[k]! > 0)) continue;
    sc += c[k]!;
    sl += lam[k]!;
  }
  if (!(sc > 0 && sl > 0)) return null;
  // Counts per unit of intensity (bucket width × mirror fraction), from the data themselves.
  const scale = sc / sl;
  const r: number[] = [];
  let poisson = 0;
  for (let k = lo; k < hi; k++) {
    if (!(lam[k]! > 0)) continue;
    const expected = lam[k]! * scale;
    r.push(c[k]! / expected - 1);
    poisson += 1 / expected;
  }
  const n = r.length;
  if (n < MIN_BUCKETS || sc / n < MIN_PER_BUCKET) return null;
  const moments = new Moments();
  for (const x of r) moments.add(x);
  const total = moments.variance();
  const extra = total - poisson / n;
  const rho = autocorrelation(r, 1);
  if (!(extra > 0) || !Number.isFinite(rho)) return null;
  // The Poisson part is white: it dilutes the residuals' lag-1 by extra / total.
  const lag1 = Math.max(-MAX_LAG1, Math.min(MAX_LAG1, (rho * total) / extra));
  return { sd: Math.sqrt(extra), lag1, widthMs: a.resolutionSeconds * 1000 };
}

/** A standard normal from (key, g), g any integer below 2⁵³. */
function normalAt(key: number, g: number): number {
  const h = hash32(key, g | 0, Math.floor(g / 4294967296));
  return boxMuller((h + 0.5) / 4294967296, sub(h, 1) / 4294967296);
}

/** ε_g for one family: AR(1) swings on its grid, the same in every shard. */
export class SwingTrack {
  private readonly key: number;
  private readonly terms: number;
  private readonly innov: number;
  private lastG = NaN;
  private lastEps = 0;

  constructor(
    readonly swings: BucketSwings,
    seed: number,
    familySeed: number,
  ) {
    this.key = hash32(seed, familySeed);
    const phi = Math.abs(swings.lag1);
    this.terms = phi < 1e-3 ? 1 : Math.min(64, Math.ceil(Math.log(1e-3) / Math.log(phi)) + 1);
    this.innov = swings.sd * Math.sqrt(1 - swings.lag1 * swings.lag1);
  }

  /** The swing of grid bucket `g` (unscaled). */
  at(g: number): number {
    if (g === this.lastG) return this.lastEps;
    let e = 0;
    let w = 1;
    for (let j = 0; j < this.terms; j++) {
      e += w * normalAt(this.key, g - j);
      w *= this.swings.lag1;
    }
    this.lastG = g;
    this.lastEps = this.innov * e;
    return this.lastEps;
  }

  /** The rate factor at plan time `tMs` for a clock running `speed` × capture time, at
   * multiplier `m`. */
  factor(tMs: number, speed: number, m: number): number {
    const g = Math.floor((tMs * speed) / this.swings.widthMs);
    const swing = this.at(g) / Math.sqrt(Math.max(1, m));
    return 1 + Math.max(-1, Math.min(MAX_SWING, swing));
  }
}
