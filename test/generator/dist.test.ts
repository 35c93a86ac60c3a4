// The samplers the generator draws recipe distributions with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QuantileSampler, SketchSampler, samplerOf } from '../../src/generator/dist.js';
import { DDSketch } from '../../src/lib/stats/ddsketch.js';
import { quantilesOf } from '../../src/lib/stats/quantiles.js';

/** 60 % of the values at 5, 40 % at 500, nothing between. */
function twoAtoms(withSketch: boolean) {
  const s = new DDSketch();
  s.add(5, 600);
  s.add(500, 400);
  return quantilesOf(s, withSketch);
}

const grid = (n: number) => Array.from({ length: n }, (_, i) => (i + 0.5) / n);

test('sketch sampler: atoms keep their mass and nothing lands between them', () => {
  const s = SketchSampler.of(twoAtoms(true));
  assert.ok(s);
  const xs = grid(10_000).map((u) => s.at(u));
  const near = (x: number, v: number) => Math.abs(x - v) <= 0.01 * v;
  assert.equal(xs.filter((x) => !near(x, 5) && !near(x, 500)).length, 0);
  assert.equal(xs.filter((x) => near(x, 500)).length, 4000);
  assert.ok(near(s.at(0), 5) && near(s.at(1), 500), 'both ends inside [min, max]');
});

test('grid pairs alone spread a tenth of the draws over the gap (why the sketch is preferred)', () => {
  const s = new QuantileSampler(twoAtoms(false));
  const gap = grid(10_000).filter((u) => {
    const x = s.at(u);
    return x > 6 && x < 490;
  });
  assert.ok(gap.length >= 900, `${gap.length}`);
});

test('samplerOf falls back to the grid pairs without a usable sketch', () => {
  assert.ok(samplerOf(twoAtoms(true)) instanceof SketchSampler);
  assert.ok(samplerOf(twoAtoms(false)) instanceof QuantileSampler);
  const damaged = { ...twoAtoms(true), sketch: { type: 'ddsketch' as const, data: 'AAAA' } };
  assert.ok(samplerOf(damaged) instanceof QuantileSampler);
  const other = { ...twoAtoms(true), sketch: { type: 'kll' as const, data: 'AAAA' } };
  assert.ok(samplerOf(other) instanceof QuantileSampler);
});

test('spread sketch sampler: continuous values, monotone in u, every draw inside its bucket', () => {
  const src = new DDSketch();
  let x = 1;
  for (let i = 0; i < 5000; i++) {
    // Deterministic spread over −50…3000 with a zero atom: negatives, zero and positives.
    x = (x * 1103515245 + 12345) % 2147483648;
    const u = x / 2147483648;
    src.add(i % 10 === 0 ? 0 : u < 0.2 ? -50 * u : 3000 * u * u);
  }
  const q = quantilesOf(src, true);
  const s = SketchSampler.of(q, true)!;
  const atoms = SketchSampler.of(q)!;
  const us = grid(20_000);
  const xs = us.map((u) => s.at(u));
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i]! >= xs[i - 1]!, `not monotone at ${i}`);
  assert.ok(xs.every((v) => v >= q.min && v <= q.max));
  const distinct = new Set(xs).size;
  assert.ok(distinct > 10 * new Set(us.map((u) => atoms.at(u))).size, `${distinct} distinct`);
  // Re-sketched, the draws fall in the buckets the representatives do, with the same masses.
  const back = new DDSketch();
  const rep = new DDSketch();
  us.forEach((u, i) => {
    back.add(xs[i]!);
    rep.add(atoms.at(u));
  });
  assert.deepEqual(back.toJSON().pos, rep.toJSON().pos);
  assert.deepEqual(back.toJSON().neg, rep.toJSON().neg);
  assert.equal(back.zero, rep.zero);
});

test('spread draws atoms (values the quantiles sit on at several grid points) exactly', () => {
  const s = SketchSampler.of(twoAtoms(true), true)!;
  const xs = grid(10_000).map((u) => s.at(u));
  assert.equal(xs.filter((x) => x !== 5 && x !== 500).length, 0);
  assert.equal(xs.filter((x) => x === 500).length, 4000);
});
