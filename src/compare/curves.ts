// Arrival curves of one family on both sides, put on one time axis. Each side's time is made
// relative to the start of its own capture window (so a generated run compares with the capture it
// imitates, whenever it ran), B's axis is mapped onto A's through the timeScale and multiplier it was
// generated with (DESIGN §2.5: B's rate at t is A's intensity at t / timeScale × multiplier), and
// both smoothed intensity curves are averaged onto a common grid — the coarser of the two
// resolutions — over the window both sides cover. MAPE is taken over the grid buckets where A's
// intensity is at least MAPE_FLOOR of its mean active rate: a near-zero reference (the smoothed
// edges of a family's lifetime) would otherwise turn a one-line difference into a huge percentage.
// Dispersion and lag-1 autocorrelation come from each side's raw bucket counts over the same
// window, summed to the common width.
import type { Arrivals, Recipe } from '../lib/recipe.js';
import { autocorrelation, indexOfDispersion } from '../lib/stats/dispersion.js';

export const MAPE_FLOOR = 0.05;
/**
 * Grid buckets at most (twice the schema's cap on curve length): a hostile or mismatched pair —
 * a nanosecond resolution, a curve starting decades before its window — widens the buckets
 * instead of allocating without bound.
 */
export const MAX_GRID = 40_320;

/** How one side's time axis maps onto the common (A's) one. */
export interface Axis {
  /** Start of that side's capture window (global recipe `window.startMs`). */
  readonly originMs: number;
  /** Window length in that side's seconds. */
  readonly seconds: number;
  /** B was generated with this timeScale (A: 1). */
  readonly timeScale: number;
  /** B was generated with this multiplier (A: 1). */
  readonly multiplier: number;
}

export interface AlignedCurves {
  /** Grid start, seconds after the window start (A's time). */
  readonly startSec: number;
  readonly widthSec: number;
  /** Lines per second per grid bucket, B's divided by its multiplier. */
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly mape: number | null;
  /** B's volume over A's on the grid (after the multiplier): 2 when B sends twice the lines. */
  readonly rateRatio: number | null;
  /** `expected`: A's figure carried to B's multiplier (see `dispersionAt`); the error is B's
   * distance from it. */
  readonly dispersion: Pair | null;
  readonly lag1: Pair | null;
}

export interface Pair {
  readonly a: number;
  readonly b: number;
  readonly expected: number;
  readonly error: number;
}

/**
 * What A's index of dispersion and lag-1 autocorrelation become when its traffic is sent at `m`
 * times the rate, as m independent copies of its senders riding the same intensity (DESIGN §2.5's
 * default, new series). Over-dispersed counts (index D ≥ 1) are noise around a varying intensity:
 * the noise variance scales with m and the intensity's with m², so the index goes to
 * n + m·(D − n), where n is the noise's own index — 1 for lines arriving one by one (Poisson), the
 * recipe's `clumps.dispersion` when they arrive in clumps (a copy adds clumps, it does not grow
 * them) — and the autocorrelation, a covariance of the intensity over the same variance, to
 * ρ·m·D / (n + m·(D − n)). A perfect 2× copy of a bursty family doubles its excess dispersion:
 * compared raw, it read as a 100 % error. Under-dispersed counts (regular senders) have no such
 * model and are compared as they are.
 */
function dispersionAt(idc: number, m: number, noise: number): number {
  if (m === 1 || !(idc >= 1)) return idc;
  const n = Math.min(idc, Math.max(1, noise));
  return n + m * (idc - n);
}

/** `lag1` of counts whose index of dispersion is `idc`, at `m` times the rate (see above). */
function lag1At(lag1: number, idc: number, m: number, noise: number): number {
  return m === 1 || !(idc >= 1) ? lag1 : (lag1 * m * idc) / dispersionAt(idc, m, noise);
}

/** A family's first and last line, on its side's clock. */
export type Active = Pick<Recipe['totals'], 'firstMs' | 'lastMs'>;

interface Mapped {
  startSec: number;
  res: number;
  rate: ArrayLike<number>;
  counts: ArrayLike<number>;
  span: number;
  /** The family's own span, widened by two mean line gaps (a continuous family's first line
   * lands a gap after its first bucket opens); [−∞, ∞] when unknown. */
  from: number;
  to: number;
}

function mapped(arr: Arrivals, ax: Axis, active?: Active): Mapped {
  const rate = ax.multiplier === 1 ? arr.intensity : arr.intensity.map((v) => v / ax.multiplier);
  const sec = (ms: number) => (ms - ax.originMs) / 1000 / ax.timeScale;
  let from = -Infinity;
  let to = Infinity;
  if (active && active.lastMs >= active.firstMs) {
    let lines = 0;
    for (const c of arr.counts) lines += c;
    const slack = lines > 1 ? (2 * (sec(active.lastMs) - sec(active.firstMs))) / (lines - 1) : 0;
    from = sec(active.firstMs) - slack;
    to = sec(active.lastMs) + slack;
  }
  return {
    startSec: sec(arr.startMs),
    res: arr.resolutionSeconds / ax.timeScale,
    rate,
    counts: arr.counts,
    span: ax.seconds / ax.timeScale,
    from,
    to,
  };
}

/** Mean of a piecewise-constant curve over each grid bucket [g0 + j·w, g0 + (j+1)·w). */
function resample(m: Mapped, g0: number, w: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < m.rate.length; i++) {
    const r = m.rate[i]!;
    if (r === 0) continue;
    const s = m.startSec + i * m.res;
    const e = s + m.res;
    for (let j = Math.max(0, Math.floor((s - g0) / w)); j < n; j++) {
      const gs = g0 + j * w;
      if (gs >= e) break;
      const overlap = Math.min(e, gs + w) - Math.max(s, gs);
      if (overlap > 0) out[j]! += r * overlap;
    }
  }
  for (let j = 0; j < n; j++) out[j]! /= w;
  return out;
}

/**
 * Counts of the buckets observed whole, summed in whole groups of `factor` buckets. A bucket cut
 * by either end of the window (a run that stopped 0.15 s short of a second, a window that began
 * mid-bucket) holds a fraction of a bucket's lines, and so does a group short of buckets: in the
 * demo, one such last second read 116 lines against ~1,000 and alone added a third of B's
 * variance and a spurious trend to its lag-1. So does a bucket the family itself was alive in
 * for part of it (its first line 0.6 s into its first second: 105 lines against ~1,000): those
 * measure when the family started and stopped, which the two sides place in different phases
 * of their buckets, not how its arrivals vary. Fewer than two groups give NaN (no figure).
 */
function coarsened(m: Mapped, end: number, factor: number): number[] {
  const from = Math.max(0, m.from);
  const first = m.startSec < from ? Math.ceil((from - m.startSec) / m.res - 1e-9) : 0;
  const last = Math.min(end, m.to);
  const keep = Math.min(m.counts.length, Math.floor((last - m.startSec) / m.res + 1e-9));
  const out: number[] = [];
  for (let i = first; i + factor <= keep; i += factor) {
    let s = 0;
    for (let k = i; k < i + factor; k++) s += m.counts[k]!;
    out.push(s);
  }
  return out;
}

/**
 * Grid cells that A's curve covers whole. When the sides' buckets are out of phase, a cell that
 * straddles the end of A's curve holds a sliver of it (0.1 s of a last bucket read 52 lines/s
 * against B's 300 in the demo): compared as a rate, that sliver was 15 points of a family's MAPE.
 */
function wholeCells(m: Mapped, g0: number, w: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const s = m.startSec;
  const e = s + m.rate.length * m.res;
  const eps = 1e-9 * Math.max(1, Math.abs(e));
  for (let j = 0; j < n; j++) {
    const cs = g0 + j * w;
    if (cs >= s - eps && cs + w <= e + eps) out[j] = 1;
  }
  return out;
}

export function mapeAbove(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  whole?: ArrayLike<number>,
): number | null {
  let active = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++)
    if (a[i]! > 0) {
      active++;
      sum += a[i]!;
    }
  if (active === 0) {
    for (let i = 0; i < b.length; i++) if (b[i]! > 0) return 1;
    return 0;
  }
  const floor = (MAPE_FLOOR * sum) / active;
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (x < floor || (whole && !whole[i])) continue;
    s += Math.abs(b[i]! - x) / x;
    n++;
  }
  return n ? s / n : null;
}

function pairOf(
  fa: number,
  fb: number,
  fallback: number,
  expect: (a: number) => number,
  error: (expected: number, b: number) => number,
): Pair | null {
  if (!Number.isFinite(fa) && !Number.isFinite(fb)) return null;
  // One-sided NaN (a constant count series) reads as the profiler publishes it.
  const a = Number.isFinite(fa) ? fa : fallback;
  const b = Number.isFinite(fb) ? fb : fallback;
  const expected = expect(a);
  return { a, b, expected, error: error(expected, b) };
}

export function alignArrivals(
  a: Arrivals,
  axA: Axis,
  b: Arrivals,
  axB: Axis,
  activeA?: Active,
  activeB?: Active,
): AlignedCurves {
  const ma = mapped(a, axA, activeA);
  const mb = mapped(b, axB, activeB);
  const g0 = Math.min(ma.startSec, mb.startSec);
  const end = Math.max(g0, Math.min(ma.span, mb.span));
  const w = Math.max(ma.res, mb.res, (end - g0) / MAX_GRID);
  const n = Math.min(MAX_GRID, Math.max(1, Math.ceil((end - g0) / w)));
  const ra = resample(ma, g0, w, n);
  const rb = resample(mb, g0, w, n);
  let sa = 0;
  let sb = 0;
  for (let j = 0; j < n; j++) {
    sa += ra[j]!;
    sb += rb[j]!;
  }
  const ca = coarsened(ma, end, Math.max(1, Math.round(w / ma.res)));
  const cb = coarsened(mb, end, Math.max(1, Math.round(w / mb.res)));
  const idcA = indexOfDispersion(ca);
  const m = axB.multiplier / axA.multiplier;
  const noise = a.clumps?.dispersion ?? 1;
  return {
    startSec: g0,
    widthSec: w,
    a: ra,
    b: rb,
    mape: mapeAbove(ra, rb, wholeCells(ma, g0, w, n)),
    rateRatio: sa > 0 ? sb / sa : sb > 0 ? null : 1,
    dispersion: pairOf(
      idcA,
      indexOfDispersion(cb),
      1,
      (x) => dispersionAt(x, m, noise),
      (x, y) => (x === y ? 0 : x > 0 ? Math.abs(y - x) / x : 1),
    ),
    lag1: pairOf(
      autocorrelation(ca, 1),
      autocorrelation(cb, 1),
      0,
      (x) => lag1At(x, Number.isFinite(idcA) ? idcA : 1, m, noise),
      (x, y) => Math.abs(y - x),
    ),
  };
}
