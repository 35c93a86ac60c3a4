import assert from 'node:assert/strict';
import test from 'node:test';
import { DDSketch, type DDSketchJson } from '../../../src/lib/stats/ddsketch.js';
import { Cardinality, HyperLogLog } from '../../../src/lib/stats/cardinality.js';
import { MisraGries } from '../../../src/lib/stats/heavy.js';
import { Rng } from '../../../src/lib/rng.js';

function exactQuantile(sorted: Float64Array, q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

test('DDSketch quantiles of a lognormal sample are within the relative accuracy α', () => {
  const rng = new Rng(7);
  const s = new DDSketch(0.01);
  const xs = new Float64Array(50_000);
  for (let i = 0; i < xs.length; i++) {
    xs[i] = Math.exp(2 + 1.5 * rng.normal());
    s.add(xs[i]!);
  }
  xs.sort();
  for (const q of [0, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 1]) {
    const want = exactQuantile(xs, q);
    const got = s.quantile(q);
    assert.ok(Math.abs(got - want) <= 0.0101 * want, `q=${q}: ${got} vs ${want}`);
  }
  assert.equal(s.count, 50_000);
});

test('DDSketch handles negatives, zeros and ignores non-finite values', () => {
  const s = new DDSketch(0.02);
  for (const v of [-100, -1, 0, 0, 1, 100, NaN, Infinity]) s.add(v);
  assert.equal(s.count, 6);
  assert.equal(s.quantile(0), -100);
  assert.equal(s.quantile(1), 100);
  assert.equal(s.quantile(0.5), 0);
  assert.ok(Math.abs(s.quantile(0.2) - -1) <= 0.021);
});

test('DDSketch merge equals the sketch of the union, in any order, and round-trips JSON', () => {
  const rng = new Rng(3);
  const parts = [new DDSketch(), new DDSketch(), new DDSketch()];
  const whole = new DDSketch();
  for (let i = 0; i < 30_000; i++) {
    const v = (rng.next() - 0.3) * 10 ** rng.int(6);
    parts[i % 3]!.add(v);
    whole.add(v);
  }
  const a = new DDSketch().merge(parts[0]!).merge(parts[1]!).merge(parts[2]!);
  const b = new DDSketch().merge(parts[2]!).merge(parts[0]!).merge(parts[1]!);
  // Sums may differ in the last float bit by order; everything else is exact.
  const strip = (s: DDSketch) => ({ ...s.toJSON(), sum: Math.round(s.sum) });
  assert.deepEqual(strip(a), strip(whole));
  assert.deepEqual(strip(b), strip(whole));
  const back = DDSketch.fromJSON(JSON.parse(JSON.stringify(whole.toJSON())) as DDSketchJson);
  assert.deepEqual(back.toJSON(), whole.toJSON());
});

test('DDSketch keys every value by ceil(ln x / ln γ), integers included', () => {
  // Integers below 2^16 take their key from a table: it must be the formula's, at both ends of
  // the table, past it, and for near-integers that must not hit it; and for more distinct α than
  // tables are kept, where the later ones key by the formula.
  for (const alpha of [0.01, 0.05, 0.02, 0.03, 0.04, 0.005]) {
    const values = [1, 2, 3, 1000, 65535, 65536, 65537, 1e6, 2.5, 1 + 1e-12, 65535.5, 0.5];
    const rng = new Rng(3);
    for (let i = 0; i < 5000; i++) values.push(1 + Math.floor(rng.next() * 70_000));
    const sk = new DDSketch(alpha, 100_000);
    const want = new Map<number, number>();
    const inv = 1 / Math.log((1 + alpha) / (1 - alpha));
    for (const v of values) {
      sk.add(v);
      const k = Math.ceil(Math.log(v) * inv);
      want.set(k, (want.get(k) ?? 0) + 1);
    }
    const { offset, counts } = sk.toJSON().pos;
    const got = new Map<number, number>();
    counts.forEach((c, i) => c > 0 && got.set(offset + i, c));
    assert.deepEqual(new Map([...got].sort()), new Map([...want].sort()));
  }
});

test('DDSketch with few bins collapses the low end and keeps the tail', () => {
  const s = new DDSketch(0.01, 64);
  for (let e = -6; e <= 6; e++) s.add(10 ** e);
  assert.equal(s.count, 13);
  assert.ok(Math.abs(s.quantile(1) - 1e6) < 1e4);
  assert.ok(s.toJSON().pos.counts.length <= 64);
});

test('HyperLogLog estimates known cardinalities within 3 standard errors (4.9 %)', () => {
  const rng = new Rng(11);
  for (const n of [100, 5_000, 200_000]) {
    const h = new HyperLogLog();
    for (let i = 0; i < n; i++) h.add64(rng.u32(), rng.u32());
    const e = h.estimate();
    assert.ok(Math.abs(e - n) / n < 0.049, `n=${n} estimate ${e}`);
  }
  const s = new HyperLogLog();
  for (let i = 0; i < 3000; i++) s.addString(`host-${i}`);
  for (let i = 0; i < 3000; i++) s.addString(`host-${i}`);
  assert.ok(Math.abs(s.estimate() - 3000) / 3000 < 0.049);
});

test('Cardinality is exact up to its cap, then approximate, and merges', () => {
  const rng = new Rng(5);
  const a = new Cardinality(1000);
  const b = new Cardinality(1000);
  const keys = Array.from({ length: 1500 }, () => [rng.u32(), rng.u32()] as const);
  keys.slice(0, 600).forEach(([h, l]) => a.add64(h, l));
  keys.slice(300, 900).forEach(([h, l]) => b.add64(h, l));
  assert.equal(a.estimate(), 600);
  assert.ok(a.isExact);
  const m = Cardinality.fromState(structuredClone(a.state())).merge(b);
  assert.equal(m.estimate(), 900);
  keys.forEach(([h, l]) => m.add64(h, l));
  assert.ok(!m.isExact);
  assert.ok(Math.abs(m.estimate() - 1500) / 1500 < 0.05);
});

test('Misra–Gries is exact under capacity and bounds the error past it, merged or not', () => {
  const small = new MisraGries(10);
  for (const k of ['a', 'b', 'a', 'c', 'a']) small.add(k);
  assert.deepEqual(small.top(), [
    { key: 'a', count: 3 },
    { key: 'b', count: 1 },
    { key: 'c', count: 1 },
  ]);
  assert.ok(small.exact);
  // Zipf-like stream: the heavy keys must survive with counts within N/(c+1).
  const rng = new Rng(9);
  const parts = [new MisraGries(50), new MisraGries(50)];
  const truth = new Map<string, number>();
  let n = 0;
  for (let i = 0; i < 40_000; i++) {
    const k = `v${Math.floor(1 / (rng.next() + 0.001))}`;
    truth.set(k, (truth.get(k) ?? 0) + 1);
    parts[i % 2]!.add(k);
    n++;
  }
  const m = parts[0]!.merge(parts[1]!);
  const bound = n / 51;
  for (const [k, c] of [...truth].sort((x, y) => y[1] - x[1]).slice(0, 5)) {
    const got = m.top().find((t) => t.key === k);
    assert.ok(got, `heavy key ${k} kept`);
    assert.ok(got.count <= c && got.count >= c - 2 * bound, `${k}: ${got.count} vs ${c}`);
  }
});
