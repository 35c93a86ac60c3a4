import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFamily } from '../../src/generator/model.js';
import { bucketSwings, SwingTrack, type BucketSwings } from '../../src/generator/swings.js';
import { Planner, SLOT_MS } from '../../src/generator/plan.js';
import { DEFAULT_SCENARIO, updateScenario } from '../../src/generator/scenario.js';
import { smoothCounts } from '../../src/lib/stats/intensity.js';
import { branchingWithin, hawkesDispersion, simulateHawkes } from '../../src/lib/stats/hawkes.js';
import { autocorrelation, Moments } from '../../src/lib/stats/dispersion.js';
import { Rng } from '../../src/lib/rng.js';
import { recipe } from './recipes.js';

const EPOCH = 1732233600000;

function stats(x: readonly number[]): { mean: number; sd: number; lag1: number } {
  const m = new Moments();
  for (const v of x) m.add(v);
  return { mean: m.mean, sd: Math.sqrt(m.variance()), lag1: autocorrelation(x, 1) };
}

/** Bucket counts of a rate `perBucket` swinging by an AR(1) of `sd` and `lag1`, drawn Poisson,
 * with the smoothed curve the profiler would write for them (1 s buckets, nothing mirrored). */
function capture(perBucket: number, sd: number, lag1: number, buckets: number, seed = 1) {
  const rng = new Rng(seed);
  const counts: number[] = [];
  let e = 0;
  for (let k = 0; k < buckets; k++) {
    e = lag1 * e + sd * Math.sqrt(1 - lag1 * lag1) * rng.normal();
    counts.push(rng.poisson(perBucket * Math.max(0, 1 + e)));
  }
  const base = recipe({ name: 'swinging', rate: perBucket });
  return {
    ...base.arrivals,
    resolutionSeconds: 1,
    counts,
    intensity: Array.from(smoothCounts(counts).smoothed),
  };
}

test('bucket swings: the swings of captured counts around their curve are recovered, Poisson left out', () => {
  for (const [sd, lag1] of [
    [0.2, -0.5],
    [0.15, 0],
  ] as const) {
    const n = bucketSwings(capture(800, sd, lag1, 600))!;
    assert.ok(n, `sd ${sd}: an estimate`);
    assert.ok(Math.abs(n.sd - sd) < 0.15 * sd, `sd ${sd}: got ${n.sd}`);
    assert.ok(Math.abs(n.lag1 - lag1) < 0.12, `lag-1 ${lag1}: got ${n.lag1}`);
    assert.equal(n.widthMs, 1000);
  }
  {
    // Slow, positively correlated swings are partly the curve's: the smoother follows them.
    // What the curve carries and what is left to the swings add up to the capture's variance.
    const a = capture(800, 0.3, 0.6, 600);
    const n = bucketSwings(a)!;
    const curve = stats(a.intensity.slice(1, -1));
    const carried = (curve.sd / curve.mean) ** 2;
    const total = carried + n.sd ** 2;
    assert.ok(n.sd < 0.3 && carried > 0.01, `split ${carried} + ${n.sd ** 2}`);
    assert.ok(Math.abs(total - 0.09) < 0.2 * 0.09, `curve + swings ${total} vs 0.09`);
  }
  // Poisson alone has nothing beyond Poisson; a sparse family's counts are its clock; a handful
  // of buckets estimate nothing.
  const poisson = bucketSwings(capture(800, 0, 0, 600));
  assert.ok(poisson === null || poisson.sd < 0.02, `poisson: ${poisson?.sd}`);
  assert.equal(bucketSwings(capture(5, 0.5, 0, 600)), null);
  assert.equal(bucketSwings(capture(800, 0.3, 0, 6)), null);
  // Flat counts (every other generator test's recipes) carry no swings.
  assert.equal(compileFamily(recipe({ name: 'flat', rate: 50 })).swings, null);
});

test('swing track: one swing per bucket whatever the order asked, of the set sd and lag-1, shrunk by √m', () => {
  const shape: BucketSwings = { sd: 0.25, lag1: -0.45, widthMs: 1000 };
  const a = new SwingTrack(shape, 7, 123);
  const b = new SwingTrack(shape, 7, 123);
  const gs = Array.from({ length: 20_000 }, (_, i) => 1_700_000_000 + i);
  const swings = gs.map((g) => a.at(g));
  // Asked backwards, by another instance (another shard or process): the same swings.
  for (let i = gs.length - 1; i >= 0; i -= 7) assert.equal(b.at(gs[i]!), swings[i]);
  assert.notEqual(new SwingTrack(shape, 8, 123).at(gs[0]!), swings[0]);
  assert.notEqual(new SwingTrack(shape, 7, 124).at(gs[0]!), swings[0]);
  const s = stats(swings);
  assert.ok(Math.abs(s.sd - 0.25) < 0.01, `sd ${s.sd}`);
  assert.ok(Math.abs(s.lag1 + 0.45) < 0.03, `lag-1 ${s.lag1}`);
  assert.ok(Math.abs(s.mean) < 0.01, `mean ${s.mean}`);
  // Factors on plan time: one per grid bucket, and at 4 copies half the swing.
  const at4 = gs.map((g) => a.factor(g * 1000 + 500, 1, 4) - 1);
  assert.ok(Math.abs(stats(at4).sd - 0.125) < 0.006, `sd at 4× ${stats(at4).sd}`);
  assert.equal(a.factor(gs[3]! * 1000, 1, 1), a.factor(gs[3]! * 1000 + 999, 1, 1));
  // A clock twice as fast (timeScale 2) walks the grid twice as fast.
  assert.equal(a.factor(gs[3]! * 500, 2, 1), 1 + swings[3]!);
});

test('plan: a family whose capture swings gets those swings per bucket, the same in every shard', () => {
  const r = recipe({ name: 'swinging', rate: 400 });
  r.arrivals = capture(400, 0.2, -0.5, 600, 3);
  const model = compileFamily(r);
  assert.ok(model.swings, 'the recipe carries swings');
  const buckets = 400;
  const slotsPerBucket = 1000 / SLOT_MS;
  const perBucket = (shard: number, shards: number, scenario = DEFAULT_SCENARIO): number[] => {
    const p = new Planner([model], scenario, 11, shard, shards, EPOCH);
    const out: number[] = [];
    for (let k = 0; k < buckets; k++) {
      let n = 0;
      for (let s = 0; s < slotsPerBucket; s++) {
        p.draw(EPOCH + (k * slotsPerBucket + s) * SLOT_MS);
        n += p.counts[0]!;
      }
      out.push(n);
    }
    return out;
  };
  const one = perBucket(0, 1);
  const s = stats(one);
  // Relative swings beyond Poisson: ~0.2 (the plan's rate is the curve times 1 + ε).
  const extra = Math.sqrt(Math.max(0, s.sd ** 2 - s.mean)) / s.mean;
  assert.ok(Math.abs(extra - model.swings.sd) < 0.15 * model.swings.sd, `swing ${extra}`);
  assert.ok(s.lag1 < -0.25, `lag-1 ${s.lag1}: the capture's alternation, not the curve's drift`);
  // Two shards: each sends half, and both swing together, so their sum swings like one sender.
  const [x, y] = [perBucket(0, 2), perBucket(1, 2)];
  const sum = x.map((v, i) => v + y[i]!);
  const mx = stats(x).mean;
  const my = stats(y).mean;
  let cov = 0;
  for (let i = 0; i < buckets; i++) cov += (x[i]! - mx) * (y[i]! - my);
  const corr = cov / (buckets - 1) / (stats(x).sd * stats(y).sd);
  assert.ok(corr > 0.8, `shards swing together: correlation ${corr}`);
  const sumExtra = Math.sqrt(Math.max(0, stats(sum).sd ** 2 - stats(sum).mean)) / stats(sum).mean;
  assert.ok(Math.abs(sumExtra - extra) < 0.15 * extra, `two shards' sum ${sumExtra} vs ${extra}`);
  // Four copies of the senders: the swings' variance adds, so the relative swing halves.
  const four = updateScenario(DEFAULT_SCENARIO, { multiplier: 4 });
  const s4 = stats(perBucket(0, 1, four));
  const extra4 = Math.sqrt(Math.max(0, s4.sd ** 2 - s4.mean)) / s4.mean;
  assert.ok(Math.abs(extra4 - extra / 2) < 0.2 * (extra / 2), `at 4× ${extra4} vs ${extra / 2}`);
  assert.ok(Math.abs(s4.mean / s.mean - 4) < 0.05, 'the volume follows the multiplier');
});

test('Hawkes dispersion: the formula is what a simulated process shows, and fits are held to the counts', () => {
  for (const [n, beta, w] of [
    [0.5, 2, 1],
    [0.6, 0.5, 10],
    [0.3, 5, 60],
  ] as const) {
    const mu = 50 / w;
    const T = 4000 * w;
    const times = simulateHawkes({ mu, alpha: n * beta, beta }, T, new Rng(17));
    const counts = new Array<number>(Math.floor(T / w)).fill(0);
    for (const t of times) counts[Math.min(counts.length - 1, Math.floor(t / w))]!++;
    const s = stats(counts);
    const idc = s.sd ** 2 / s.mean;
    const want = hawkesDispersion(n, beta, w);
    assert.ok(Math.abs(idc / want - 1) < 0.15, `n ${n} β ${beta} w ${w}: ${idc} vs ${want}`);
  }
  assert.equal(hawkesDispersion(0, 2, 1), 1);
  assert.ok(Math.abs(hawkesDispersion(0.5, 2, 1e6) - 4) < 0.01, '1/(1 − n)² for long windows');
  // Counts no more dispersed than Poisson leave no room for bursts; a loose index, the fit.
  assert.equal(branchingWithin(0.93, 0.2, 1, 0.7), 0);
  assert.equal(branchingWithin(0.4, 2, 60, 100), 0.4);
  const held = branchingWithin(0.93, 0.2, 1, 1.5);
  assert.ok(held > 0 && held < 0.93);
  assert.ok(Math.abs(hawkesDispersion(held, 0.2, 1) - 1.5) < 1e-6);
  // The model sends what the recipe allows (the demo's CloudWatch pair: n 0.93 on an index 0.70).
  const r = recipe({ name: 'pair', rate: 0.6, hawkes: { branching: 0.93, beta: 0.2 } });
  r.arrivals = { ...r.arrivals, resolutionSeconds: 1, dispersionIndex: 0.7 };
  assert.equal(compileFamily(r).hawkes, null);
  r.arrivals = { ...r.arrivals, dispersionIndex: 1.5 };
  assert.ok(Math.abs(compileFamily(r).hawkes!.branching - held) < 1e-12);
});
