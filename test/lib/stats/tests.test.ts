import assert from 'node:assert/strict';
import test from 'node:test';
import { DDSketch } from '../../../src/lib/stats/ddsketch.js';
import {
  jensenShannon,
  jensenShannonCounts,
  jensenShannonSketches,
} from '../../../src/lib/stats/divergence.js';
import { kolmogorovQ, ksOneSample, ksSketches, ksTwoSample } from '../../../src/lib/stats/ks.js';
import {
  autocorrelation,
  indexOfDispersion,
  Moments,
  PooledLag1,
} from '../../../src/lib/stats/dispersion.js';
import { Rng } from '../../../src/lib/rng.js';

const draw = (n: number, f: () => number) => Float64Array.from({ length: n }, f);

test('two-sample KS: a hand-computed case, same-distribution samples pass, shifted ones fail', () => {
  assert.equal(ksTwoSample([1, 2, 3, 4], [3, 4, 5, 6]).d, 0.5);
  const rng = new Rng(1);
  const a = draw(4000, () => rng.normal());
  const b = draw(4000, () => rng.normal());
  const c = draw(4000, () => rng.normal() + 0.3);
  const same = ksTwoSample(a, b);
  const diff = ksTwoSample(a, c);
  assert.ok(same.d < 0.04 && same.pValue > 0.01, JSON.stringify(same));
  assert.ok(diff.d > 0.09 && diff.pValue < 1e-6, JSON.stringify(diff));
});

test('Kolmogorov survival function matches tabulated critical values', () => {
  assert.ok(Math.abs(kolmogorovQ(1.358) - 0.05) < 0.001);
  assert.ok(Math.abs(kolmogorovQ(1.628) - 0.01) < 0.001);
});

test('one-sample KS of uniform draws against the uniform CDF is small', () => {
  const rng = new Rng(2);
  const r = ksOneSample(
    draw(5000, () => rng.next()),
    (x) => x,
  );
  assert.ok(r.d < 0.025 && r.pValue > 0.01, JSON.stringify(r));
  const skew = ksOneSample(
    draw(5000, () => rng.next() ** 2),
    (x) => x,
  );
  assert.ok(skew.d > 0.2);
});

test('KS between sketches tracks KS between the raw samples to within bucket width', () => {
  const rng = new Rng(4);
  const a = draw(20_000, () => Math.exp(rng.normal()));
  const b = draw(20_000, () => Math.exp(0.1 + rng.normal()));
  const sa = new DDSketch();
  const sb = new DDSketch();
  a.forEach((v) => sa.add(v));
  b.forEach((v) => sb.add(v));
  const raw = ksTwoSample(a, b).d;
  const sk = ksSketches(sa, sb).d;
  assert.ok(Math.abs(raw - sk) < 0.01, `raw ${raw} sketch ${sk}`);
  assert.equal(ksSketches(sa, sa).d, 0);
});

test('Jensen–Shannon: 0 for equal, 1 for disjoint, symmetric, and small for close samples', () => {
  assert.equal(jensenShannon([1, 2, 3], [2, 4, 6]), 0);
  assert.equal(jensenShannon([1, 0], [0, 1]), 1);
  const p = [5, 1, 3];
  const q = [1, 4, 4];
  assert.equal(jensenShannon(p, q), jensenShannon(q, p));
  // JS(p,q) for p = (1/2,1/2), q = (1,0): 0.5·log2(4/3)·... hand value 0.311278
  assert.ok(Math.abs(jensenShannon([1, 1], [1, 0]) - 0.311278) < 1e-6);
  assert.equal(jensenShannonCounts(new Map([['a', 1]]), new Map([['b', 1]])), 1);
  const rng = new Rng(8);
  const sa = new DDSketch();
  const sb = new DDSketch();
  for (let i = 0; i < 20_000; i++) {
    sa.add(Math.exp(rng.normal()));
    sb.add(Math.exp(rng.normal()));
  }
  assert.ok(jensenShannonSketches(sa, sb) < 0.01);
  const sc = new DDSketch();
  for (let i = 0; i < 20_000; i++) sc.add(Math.exp(2 + rng.normal()));
  assert.ok(jensenShannonSketches(sa, sc) > 0.3);
});

test('index of dispersion is ≈1 for Poisson counts and > 1 for a mixture; AR(1) lag-1 ≈ φ', () => {
  const rng = new Rng(6);
  const pois = draw(5000, () => rng.poisson(20));
  assert.ok(Math.abs(indexOfDispersion(pois) - 1) < 0.08);
  const mixed = draw(5000, () => rng.poisson(rng.next() < 0.5 ? 5 : 35));
  assert.ok(indexOfDispersion(mixed) > 5);
  let x = 0;
  const ar = draw(20_000, () => (x = 0.7 * x + rng.normal()));
  assert.ok(Math.abs(autocorrelation(ar, 1) - 0.7) < 0.03);
  assert.ok(Math.abs(autocorrelation(pois, 1)) < 0.05);
});

test('pooled lag-1 ignores level differences between series', () => {
  const rng = new Rng(12);
  const pooled = new PooledLag1();
  for (let s = 0; s < 20; s++) {
    const level = s * 100;
    let x = 0;
    let sx = 0;
    let sxx = 0;
    let sxy = 0;
    let pairSums = 0;
    let prev = NaN;
    let v = 0;
    const n = 2000;
    for (let i = 0; i < n; i++) {
      x = 0.5 * x + rng.normal();
      v = level + x;
      if (i > 0) {
        sxy += v * prev;
        pairSums += v + prev;
      }
      sx += v;
      sxx += v * v;
      prev = v;
    }
    pooled.addSeries(n, sx, sxx, sxy, n - 1, pairSums);
  }
  assert.ok(Math.abs(pooled.value() - 0.5) < 0.03, String(pooled.value()));
});

test('moments merge like one pass', () => {
  const a = new Moments();
  const b = new Moments();
  const all = new Moments();
  for (let i = 0; i < 100; i++) {
    (i < 30 ? a : b).add(i * i);
    all.add(i * i);
  }
  a.merge(b);
  assert.ok(Math.abs(a.mean - all.mean) < 1e-9);
  assert.ok(Math.abs(a.variance() - all.variance()) < 1e-6);
});
