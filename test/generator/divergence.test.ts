import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Divergence } from '../../src/generator/divergence.js';
import { QuantileSampler } from '../../src/generator/dist.js';
import { Rng } from '../../src/lib/rng.js';
import { q, recipe } from './recipes.js';

/** A gauge family whose values are uniform on [0, 100] with the median at 50. */
function family(): ReturnType<typeof recipe> {
  const r = recipe({ name: 'div.gauge', rate: 10 });
  r.values!.marginal = q([
    [0, 0],
    [0.5, 50],
    [1, 100],
  ]);
  return r;
}

test('divergence: hand-computable KS and JS against the recipe marginal', () => {
  const r = family();
  const d = new Divergence([r], null);
  d.add(r.family.id, 100, 100, Array<number>(32).fill(25));
  const f = d.family(r.family.id)!;
  // Every value at 25 where the recipe's CDF is 0.25: the empirical CDF jumps 0 → 1 there.
  assert.ok(Math.abs(f.valueKs - 0.75) < 1e-12, `ks ${f.valueKs}`);
  // All mass in the lower of two equal bins: JS = H(¾, ¼) − ½ = 0.311278 bits.
  assert.ok(Math.abs(f.valueJs - 0.311278) < 1e-6, `js ${f.valueJs}`);
  assert.equal(f.rateError, 0);
  assert.equal(f.samples, 32);
  assert.equal(f.status, 'red');

  const even = new Divergence([r], null);
  even.add(r.family.id, 100, 90, [...Array<number>(16).fill(25), ...Array<number>(16).fill(75)]);
  const g = even.family(r.family.id)!;
  assert.ok(Math.abs(g.valueKs - 0.25) < 1e-12, `ks ${g.valueKs}`);
  assert.ok(Math.abs(g.valueJs) < 1e-12, `js ${g.valueJs}`);
  assert.ok(Math.abs(g.rateError - 0.1) < 1e-12);
});

test('divergence: values drawn from the recipe are green, shifted ones red; too few samples are unknown', () => {
  const r = family();
  const sampler = new QuantileSampler(r.values!.marginal);
  const rng = new Rng(3);
  const same = new Divergence([r], null);
  const shifted = new Divergence([r], null);
  const draws = Array.from({ length: 4096 }, () => sampler.at(rng.next()));
  same.add(r.family.id, 4096, 4096, draws);
  shifted.add(
    r.family.id,
    4096,
    4096,
    draws.map((v) => v + 30),
  );
  const a = same.family(r.family.id)!;
  assert.ok(a.valueKs < 0.05 && a.valueJs < 0.05, `ks ${a.valueKs} js ${a.valueJs}`);
  assert.equal(a.status, 'green');
  const b = shifted.family(r.family.id)!;
  assert.ok(b.valueKs > 0.25, `ks ${b.valueKs}`);
  assert.equal(b.status, 'red');

  const few = new Divergence([r], null);
  few.add(r.family.id, 0, 0, draws.slice(0, 31));
  const c = few.family(r.family.id)!;
  assert.ok(Number.isNaN(c.valueKs) && Number.isNaN(c.valueJs) && Number.isNaN(c.rateError));
  assert.equal(c.status, 'unknown');
});

test('divergence: a report after a read is reflected in the next read', () => {
  const r = family();
  const d = new Divergence([r], null);
  d.add(r.family.id, 100, 100, Array<number>(32).fill(25));
  const first = d.all()[0]!;
  assert.equal(d.all()[0], first, 'unchanged windows are not recomputed');
  d.add(r.family.id, 0, 0, Array<number>(32).fill(75));
  const second = d.all()[0]!;
  assert.equal(second.samples, 64);
  assert.ok(Math.abs(second.valueKs - 0.25) < 1e-12, `ks ${second.valueKs}`);
});
