// Kolmogorov–Smirnov statistics: two-sample (raw samples or two DDSketches), one-sample against a
// CDF (used by the time-rescaling goodness-of-fit test), and the asymptotic p-value.
import type { DDSketch } from './ddsketch.js';

export interface KsResult {
  /** sup |F1 − F2| */
  readonly d: number;
  /** Asymptotic p-value (Kolmogorov distribution with Stephens' small-sample correction). */
  readonly pValue: number;
}

/** Q_KS(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}, the Kolmogorov survival function. */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-12) break;
  }
  return Math.max(0, Math.min(1, 2 * sum));
}

function pValue(d: number, ne: number): number {
  if (ne <= 0) return 1;
  const s = Math.sqrt(ne);
  return kolmogorovQ((s + 0.12 + 0.11 / s) * d);
}

/** Two samples of which one is empty: alike only when both are. */
const withEmpty = (n: number, m: number): KsResult =>
  n === m ? { d: 0, pValue: 1 } : { d: 1, pValue: 0 };

/** A sorted copy without NaN (typed-array sort is numeric). */
const sortedNumbers = (xs: ArrayLike<number>): Float64Array =>
  Float64Array.from(xs)
    .filter((v) => !Number.isNaN(v))
    .sort();

/** Two-sample KS on raw samples (copied and sorted; NaN removed). */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const x = sortedNumbers(a);
  const y = sortedNumbers(b);
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return withEmpty(n, m);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n && x[i]! <= v) i++;
    while (j < m && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  return { d, pValue: pValue(d, (n * m) / (n + m)) };
}

/** One-sample KS of `sample` against a continuous CDF. */
export function ksOneSample(sample: ArrayLike<number>, cdf: (x: number) => number): KsResult {
  const x = sortedNumbers(sample);
  const n = x.length;
  if (n === 0) return { d: 0, pValue: 1 };
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(x[i]!);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return { d, pValue: pValue(d, n) };
}

/**
 * KS distance between two sketches with the same α: the CDFs compared at every bucket boundary
 * of either. Bucketing can hide at most one bucket's mass of difference, so for α = 1 % this is
 * the KS distance of the values rounded to 1 % — what the fidelity targets are stated in.
 */
export function ksSketches(a: DDSketch, b: DDSketch): KsResult {
  const pa = a.points();
  const pb = b.points();
  const na = a.count;
  const nb = b.count;
  if (na === 0 || nb === 0) return withEmpty(na, nb);
  let i = 0;
  let j = 0;
  let ca = 0;
  let cb = 0;
  let d = 0;
  while (i < pa.length || j < pb.length) {
    const va = i < pa.length ? pa[i]![0] : Infinity;
    const vb = j < pb.length ? pb[j]![0] : Infinity;
    const v = Math.min(va, vb);
    if (va === v) ca += pa[i++]![1];
    if (vb === v) cb += pb[j++]![1];
    d = Math.max(d, Math.abs(ca / na - cb / nb));
  }
  return { d, pValue: pValue(d, (na * nb) / (na + nb)) };
}
