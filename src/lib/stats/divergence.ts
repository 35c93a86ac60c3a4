// Jensen–Shannon divergence in bits (so it lies in [0, 1]) between two discrete distributions:
// count vectors, keyed frequency tables, or two DDSketches compared bucket by bucket.
import type { DDSketch } from './ddsketch.js';

function plogp(p: number, m: number): number {
  return p > 0 ? p * Math.log2(p / m) : 0;
}

/** JS divergence of two aligned count (or probability) vectors; each is normalised first. */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const n = Math.max(p.length, q.length);
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    sp += p[i] ?? 0;
    sq += q[i] ?? 0;
  }
  if (sp <= 0 || sq <= 0) return sp === sq ? 0 : 1;
  let js = 0;
  for (let i = 0; i < n; i++) {
    const a = (p[i] ?? 0) / sp;
    const b = (q[i] ?? 0) / sq;
    const m = (a + b) / 2;
    js += 0.5 * plogp(a, m) + 0.5 * plogp(b, m);
  }
  return Math.max(0, Math.min(1, js));
}

/** JS divergence of two frequency tables over arbitrary keys (missing keys count 0). */
export function jensenShannonCounts(
  p: ReadonlyMap<string, number>,
  q: ReadonlyMap<string, number>,
): number {
  const keys = [...new Set([...p.keys(), ...q.keys()])].sort();
  return jensenShannon(
    keys.map((k) => p.get(k) ?? 0),
    keys.map((k) => q.get(k) ?? 0),
  );
}

/**
 * JS divergence of two sketches (same α) over buckets of `coarsen` adjacent sketch buckets:
 * at α = 1 % the raw buckets are 2 % wide, finer than sampling noise resolves, so comparisons of
 * finite samples default to 8-bucket (≈ 17 %) bins.
 */
export function jensenShannonSketches(a: DDSketch, b: DDSketch, coarsen = 8): number {
  const bins = new Map<number, [number, number]>();
  const put = (s: DDSketch, side: 0 | 1): void => {
    for (const [v, c] of s.points()) {
      const k = Math.floor(s.keyOf(v) / coarsen);
      let e = bins.get(k);
      if (!e) bins.set(k, (e = [0, 0]));
      e[side] += c;
    }
  };
  put(a, 0);
  put(b, 1);
  const keys = [...bins.keys()].sort((x, y) => x - y);
  return jensenShannon(
    keys.map((k) => bins.get(k)![0]),
    keys.map((k) => bins.get(k)![1]),
  );
}
