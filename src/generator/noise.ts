// Bucket-scale rate noise: how much a family's captured counts swing around its smoothed curve
// from one bucket to the next, beyond Poisson, and how those swings follow each other.
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
import { autocorrelation } from '../lib/stats/dispersion.js';

export interface BucketNoise {
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

/** The recipe's bucket noise, or null when its counts show none beyond Poisson. */
export function bucketNoise(a: Recipe['arrivals']): BucketNoise | null {
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
  let mean = 0;
  for (const x of r) mean += x;
  mean /= n;
  let ss = 0;
  for (const x of r) ss += (x - mean) ** 2;
  const total = ss / (n - 1);
  const extra = total - poisson / n;
  const rho = autocorrelation(r, 1);
  if (!(extra > 0) || !Number.isFinite(rho)) return null;
  // The Poisson part is white: it dilutes the residuals' lag-1 by extra / total.
  const lag1 = Math.max(-MAX_LAG1, Math.min(MAX_LAG1, (rho * total) / extra));
  return { sd: Math.sqrt(extra), lag1, widthMs: a.resolutionSeconds * 1000 };
}

/** 32-bit mix (Murmur3's finaliser). */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A standard normal from (key, g), by Box–Muller on two hashed uniforms. */
function normalAt(key: number, g: number): number {
  const lo = g | 0;
  const hi = Math.floor(g / 4294967296) | 0;
  const a = mix(key ^ mix(lo ^ mix(hi + 0x9e3779b9)));
  const b = mix(a ^ 0x6a09e667);
  const u = (a + 0.5) / 4294967296;
  const v = (b + 0.5) / 4294967296;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** ε_g for one family: AR(1) swings on its grid, the same in every shard. */
export class NoiseTrack {
  private readonly key: number;
  private readonly terms: number;
  private readonly innov: number;
  private lastG = NaN;
  private lastEps = 0;

  constructor(
    readonly noise: BucketNoise,
    seed: number,
    familySeed: number,
  ) {
    this.key = mix(mix(seed >>> 0) ^ familySeed);
    const phi = Math.abs(noise.lag1);
    this.terms = phi < 1e-3 ? 1 : Math.min(64, Math.ceil(Math.log(1e-3) / Math.log(phi)) + 1);
    this.innov = noise.sd * Math.sqrt(1 - noise.lag1 * noise.lag1);
  }

  /** The swing of grid bucket `g` (unscaled). */
  at(g: number): number {
    if (g === this.lastG) return this.lastEps;
    let e = 0;
    let w = 1;
    for (let j = 0; j < this.terms; j++) {
      e += w * normalAt(this.key, g - j);
      w *= this.noise.lag1;
    }
    this.lastG = g;
    this.lastEps = this.innov * e;
    return this.lastEps;
  }

  /** The rate factor at plan time `tMs` for a clock running `speed` × capture time, at
   * multiplier `m`. */
  factor(tMs: number, speed: number, m: number): number {
    const g = Math.floor((tMs * speed) / this.noise.widthMs);
    const swing = this.at(g) / Math.sqrt(Math.max(1, m));
    return 1 + Math.max(-1, Math.min(MAX_SWING, swing));
  }
}

/**
 * The index of dispersion of counts in windows of `wSec` seconds of a stationary Hawkes process
 * with branching ratio `n` and kernel decay `beta`: 1 + n(2 − n)/(1 − n)² · [1 − (1 − e^{−κw})/(κw)],
 * κ = β(1 − n) (from its covariance density, λ̄·βn(2 − n)/(2(1 − n))·e^{−κ|τ|}); 1/(1 − n)² as
 * w → ∞.
 */
export function hawkesDispersion(n: number, beta: number, wSec: number): number {
  if (!(n > 0)) return 1;
  const k = beta * (1 - n) * wSec;
  const shape = k > 1e-9 ? 1 - (1 - Math.exp(-k)) / k : k / 2;
  return 1 + ((n * (2 - n)) / (1 - n) ** 2) * shape;
}

/**
 * The branching ratio to send with: the fitted `n`, lowered until the bursts alone disperse the
 * recipe's buckets no more than its counts did (index `d`); 0 when the counts are not
 * over-dispersed at all. A fit on a few dozen clock-driven arrivals can pass its goodness-of-fit
 * test near-critical (n = 0.93 on a CloudWatch pair whose counts' index is 0.70), and bursts of
 * that size make a short run's volume a lottery (a 40 s run sent 6 of its 66 lines).
 */
export function branchingWithin(n: number, beta: number, wSec: number, d: number): number {
  if (!(d > 1) || !(n > 0)) return 0;
  if (hawkesDispersion(n, beta, wSec) <= d) return n;
  let lo = 0;
  let hi = n;
  for (let k = 0; k < 50; k++) {
    const mid = (lo + hi) / 2;
    if (hawkesDispersion(mid, beta, wSec) <= d) lo = mid;
    else hi = mid;
  }
  return lo;
}
