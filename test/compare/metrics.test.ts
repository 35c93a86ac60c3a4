// The measuring parts of compare on constructed inputs whose right answers are known: thresholds
// grading and strict validation, distribution distances from sketches and from bare quantiles,
// curve alignment under timeScale and multiplier, family pairing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { alignArrivals, MAX_GRID, type Axis } from '../../src/compare/curves.js';
import { compareDistributions, quantileErrors } from '../../src/compare/distributions.js';
import { matchFamilies } from '../../src/compare/match.js';
import {
  DEFAULT_THRESHOLDS,
  grade,
  loadThresholds,
  parseThresholds,
} from '../../src/compare/thresholds.js';
import { isWflgError } from '../../src/lib/errors.js';
import type { Arrivals, Quantiles, Recipe } from '../../src/lib/recipe.js';
import { DDSketch } from '../../src/lib/stats/ddsketch.js';
import { ksTwoSample } from '../../src/lib/stats/ks.js';
import { Rng } from '../../src/lib/rng.js';
import { familyIdOfKey, familyKey } from '../../src/lib/wavefront.js';
import { quantilesOf } from '../../src/lib/stats/quantiles.js';
import { clumpsOf } from '../../src/profiler/fit.js';

test('grading: green up to amber × threshold, amber up to the threshold, red beyond; coverage by shortfall', () => {
  const t = DEFAULT_THRESHOLDS;
  assert.equal(grade('valueKs', 0, t).status, 'green');
  assert.equal(grade('valueKs', 0.025, t).status, 'green');
  assert.equal(grade('valueKs', 0.026, t).status, 'amber');
  assert.equal(grade('valueKs', 0.05, t).status, 'amber');
  assert.equal(grade('valueKs', 0.0501, t).status, 'red');
  assert.equal(grade('valueKs', null, t).status, 'n/a');
  assert.equal(grade('coverage', 1, t).status, 'green');
  assert.equal(grade('coverage', 0.999, t).status, 'amber');
  assert.equal(grade('coverage', 0.9985, t).status, 'red');
  assert.equal(grade('coverage', 0.99951, t).status, 'green');
  const off = parseThresholds({ valueKs: null, amber: 0.9 });
  assert.equal(grade('valueKs', 0.9, off).status, 'green', 'null: report only');
  assert.equal(grade('valueJs', 0.04, off).status, 'green');
  assert.equal(grade('valueJs', 0.046, off).status, 'amber');
});

test('a thresholds file: overrides defaults; unknown keys and bad values all reported at once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-compare-thr-'));
  try {
    const yaml = join(dir, 't.yaml');
    writeFileSync(yaml, 'valueKs: 0.1\ncoverage: 0.99\nminFamilyShare: 0.01\n');
    const t = loadThresholds(yaml);
    assert.equal(t.limits.valueKs, 0.1);
    assert.equal(t.limits.coverage, 0.99);
    assert.equal(t.limits.valueJs, DEFAULT_THRESHOLDS.limits.valueJs);
    assert.equal(t.minFamilyShare, 0.01);
    assert.ok(Object.isFrozen(t) && Object.isFrozen(t.limits));

    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ valueKS: 0.1, coverage: 1.5, intensityMape: -1, amber: 'half', lag1: 0.2 }),
    );
    assert.throws(
      () => loadThresholds(bad),
      (e: unknown) => {
        assert.ok(isWflgError(e, 'WFLG_E_CONFIG_INVALID'));
        const p = e.details!.problems as string[];
        assert.equal(p.length, 4, p.join('\n'));
        assert.match(p.join('\n'), /unknown key 'valueKS'/);
        assert.match(p.join('\n'), /coverage: must be a number in \[0, 1\]/);
        assert.match(p.join('\n'), /intensityMape/);
        assert.match(p.join('\n'), /amber/);
        return true;
      },
    );
    for (const [name, text] of [
      ['list.yaml', '- 1\n- 2\n'],
      ['broken.json', '{"valueKs": '],
      ['nan.yaml', 'valueKs: .nan\n'],
    ] as const) {
      writeFileSync(join(dir, name), text);
      assert.throws(
        () => loadThresholds(join(dir, name)),
        (e: unknown) => isWflgError(e, 'WFLG_E_CONFIG_INVALID') && e.message.includes(name),
        name,
      );
    }
    assert.throws(
      () => loadThresholds(join(dir, 'absent.yaml')),
      (e: unknown) => isWflgError(e, 'WFLG_E_CONFIG_INVALID'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const normalSample = (rng: Rng, n: number, mean: number, sd: number): number[] =>
  Array.from({ length: n }, () => mean + sd * rng.normal());

test('value KS and JS: sketches and bare quantiles both find a shift; identical is 0', () => {
  const rng = new Rng(7);
  const xa = normalSample(rng, 20_000, 100, 10);
  const xb = normalSample(rng, 20_000, 105, 10);
  const sk = (xs: number[]) => {
    const s = new DDSketch();
    for (const x of xs) s.add(x);
    return quantilesOf(s, true);
  };
  const qa = sk(xa);
  const qb = sk(xb);
  const truth = ksTwoSample(xa, xb).d; // ≈ 0.197 for a half-sd shift
  const bySketch = compareDistributions(qa, qb)!;
  assert.equal(bySketch.method, 'sketch');
  assert.ok(Math.abs(bySketch.ks - truth) < 0.02, `${bySketch.ks} vs ${truth}`);
  assert.ok(bySketch.js > 0.01);
  const byQuantiles = compareDistributions({ ...qa, sketch: null }, { ...qb, sketch: null })!;
  assert.equal(byQuantiles.method, 'quantiles');
  assert.ok(Math.abs(byQuantiles.ks - truth) < 0.04, `${byQuantiles.ks} vs ${truth}`);
  assert.ok(byQuantiles.js > 0.01);
  assert.deepEqual(compareDistributions(qa, qa), { ks: 0, js: 0, method: 'sketch' });
  const q0 = { ...qa, sketch: null };
  assert.deepEqual(compareDistributions(q0, q0), { ks: 0, js: 0, method: 'quantiles' });
  // A point mass at 100 against half the mass at 90 and the rest spread linearly up to 110: the
  // largest gap (0.75) is just below the jump, between the knots of either side.
  const point = {
    n: 1000,
    min: 100,
    max: 100,
    mean: 100,
    q: [
      [0, 100],
      [1, 100],
    ],
    sketch: null,
  };
  const spread = {
    n: 1000,
    min: 90,
    max: 110,
    mean: 95,
    q: [
      [0, 90],
      [0.5, 90],
      [1, 110],
    ],
    sketch: null,
  };
  type Q = Parameters<typeof compareDistributions>[0];
  assert.ok(Math.abs(compareDistributions(point as Q, spread as Q)!.ks - 0.75) < 1e-9);
  // Damaged or hostile sketch bytes (a varint running off the end, a bin count beyond the data,
  // a count disagreeing with the bins) fall back to the quantiles instead of hanging or lying.
  const head = Buffer.from(qa.sketch!.data, 'base64').subarray(0, 48);
  const hostile = [
    Buffer.concat([head, Buffer.alloc(16, 0x80)]),
    Buffer.concat([head, Buffer.from([0, 0x80, 0x80, 0x80, 0x01, 5])]),
    Buffer.concat([head, Buffer.from([0, 2, 1, 1, 0, 0])]),
    head.subarray(0, 20),
  ];
  for (const h of hostile) {
    const bad = { ...qa, sketch: { type: 'ddsketch' as const, data: h.toString('base64') } };
    assert.equal(compareDistributions(bad, qb)!.method, 'quantiles', h.toString('hex'));
  }
  // 10 % larger everywhere: exactly 10 % off, and beyond the sampling band of 20 000 values
  // hardly less (read off A's sketch, the band is no wider than one of its ~2 % buckets).
  const larger = { ...qa, q: qa.q.map(([p, v]) => [p, v * 1.1] as [number, number]) };
  const qe = quantileErrors(qa, larger, false)!;
  assert.ok(Math.abs(qe.worst - 0.1) < 1e-9);
  const sampled = quantileErrors(qa, larger)!.worst;
  assert.ok(sampled > 0.09 && sampled <= qe.worst, String(sampled));
});

test('quantile errors allow for sample size: a gap at p50 is noise at 234 requests, an error at a million', () => {
  // Lines per request: a cluster of small flushes and a batch cap, nothing between. A has 52 %
  // small, B 49 %: their p50s lie 45× apart, yet with a few hundred requests that is one draw.
  const gapped = (small: number, n: number): Quantiles => ({
    n,
    min: 2,
    max: 500,
    mean: 250,
    q: [
      [0, 2],
      [small, 20],
      [small + 1e-6, 400],
      [0.99, 498],
      [1, 500],
    ],
    sketch: null,
  });
  const few = quantileErrors(gapped(0.52, 234), gapped(0.49, 526))!;
  assert.ok(few.b[0]! > 20 * few.a[0]!, `p50 A ${few.a[0]} B ${few.b[0]}`);
  assert.equal(few.worst, 0, JSON.stringify(few));
  const many = quantileErrors(gapped(0.52, 1e6), gapped(0.49, 2e6))!;
  assert.ok(many.worst > 10, String(many.worst));
  // Few requests still catch sizes that are off everywhere.
  const halved = gapped(0.49, 526);
  const off = quantileErrors(gapped(0.52, 234), {
    ...halved,
    q: halved.q.map(([p, v]) => [p, v / 2]),
  })!;
  assert.ok(off.worst > 0.4, String(off.worst));
});

test("quantile errors: the sampling band between grid points is read off A's sketch, not drawn across a gap (regression: q(0.42) read as 22 lines between clusters at 2-11 and 130-500)", () => {
  /** `n` request sizes: a `small` share spread over 2-11 lines, the rest over 130-500. */
  const sizes = (small: number, n: number): Quantiles => {
    const s = new DDSketch();
    const k = Math.round(small * n);
    for (let i = 0; i < k; i++) s.add(2 + (i % 10));
    for (let i = k; i < n; i++) s.add(130 + ((i * 37) % 371));
    return quantilesOf(s, true);
  };
  const a = sizes(0.48, 234);
  const b = sizes(0.51, 404);
  const e = quantileErrors(a, b)!;
  assert.ok(e.b[0]! < 12, `B's p50 ${e.b[0]} is in the small cluster`);
  assert.ok(e.lo[0]! < 12, `A's band reaches into the small cluster: ${e.lo[0]}`);
  assert.equal(e.worst, 0, JSON.stringify(e));
  // The same quantiles without their sketches: the band's end is interpolated into the gap.
  const grid = quantileErrors({ ...a, sketch: null }, { ...b, sketch: null })!;
  assert.ok(grid.lo[0]! > 12 && grid.worst > 0.05, JSON.stringify(grid));
  // A B whose small share is far beyond sampling noise still breaches the 5 % threshold.
  const far = quantileErrors(a, sizes(0.7, 404))!;
  assert.ok(far.worst > 0.05, JSON.stringify(far));
});

function arrivals(startMs: number, res: number, rate: number[]): Arrivals {
  return {
    startMs,
    resolutionSeconds: res,
    counts: rate.map((r) => Math.round(r * res)),
    intensity: rate,
    seasonality: null,
    hawkes: null,
    dispersionIndex: 1,
    lag1Autocorrelation: 0,
    fitMape: null,
  };
}

test('dispersion and lag-1 of a bursty family sent at 3× are compared against A carried to 3×', () => {
  // A and B: Poisson counts around the same slowly varying, bursty intensity; B at 3× the rate.
  // The intensity's variance scales with 9, the Poisson part's with 3: B's raw index of
  // dispersion is far above A's although B is a faithful copy.
  const rng = new Rng(11);
  const n = 2000;
  const lambda: number[] = [];
  let x = 0;
  for (let i = 0; i < n; i++) {
    x = 0.9 * x + rng.normal();
    lambda.push(20 * Math.exp(0.5 * x));
  }
  const t0 = 1_790_000_000_000;
  const counts = (m: number): Arrivals => {
    const c = lambda.map((l) => rng.poisson(m * l));
    return { ...arrivals(t0, 1, c), counts: c };
  };
  const A = counts(1);
  const B = counts(3);
  const axA: Axis = { originMs: t0, seconds: n, timeScale: 1, multiplier: 1 };
  const c = alignArrivals(A, axA, B, { ...axA, multiplier: 3 });
  assert.ok(c.dispersion!.b > 2 * c.dispersion!.a, JSON.stringify(c.dispersion));
  assert.ok(c.dispersion!.error < 0.1, JSON.stringify(c.dispersion));
  assert.ok(c.lag1!.error < 0.05, JSON.stringify(c.lag1));
  assert.ok(c.lag1!.b > c.lag1!.a, 'the intensity weighs more at 3×, so counts correlate more');
  // A B that only tripled the Poisson noise (flat intensity) is told apart at the same multiplier.
  const flat = lambda.map(() => rng.poisson(3 * 20 * 1.13));
  const F = { ...arrivals(t0, 1, flat), counts: flat };
  const f = alignArrivals(A, axA, F, { ...axA, multiplier: 3 });
  assert.ok(
    f.dispersion!.error > 0.9 && f.lag1!.error > 0.3,
    JSON.stringify([f.dispersion, f.lag1]),
  );
  // Under-dispersed counts (regular senders) are compared as they are.
  const regular = { ...arrivals(t0, 1, Array(200).fill(10) as number[]) };
  const r = alignArrivals(regular, axA, regular, { ...axA, multiplier: 3 });
  assert.equal(r.dispersion!.expected, r.dispersion!.a);
});

test("dispersion at B's multiplier: a faithful copy adds clumps, it does not grow them", () => {
  // m independent copies of a sender whose lines arrive in clumps of K (Poisson instants), riding
  // the same intensity: the clumps' variance E[K²]/E[K] × mean scales with m, the intensity's
  // with m². Carrying A's whole index as if it were Poisson noise (1 + m(D − 1)) overstates B's.
  const rng = new Rng(23);
  const n = 20_000;
  const sizes = (): number => 100 + Math.floor(rng.next() * 201); // K uniform on 100…300
  // An intensity that varies from second to second about as much as the clumps do (index ≈ 200
  // each), without memory, so it weighs the same at any bucket width compare reads.
  const lambda = Array.from({ length: n }, () => 2000 * Math.exp(0.31 * rng.normal()));
  const copy = (i: number): number => {
    let lines = 0;
    for (let k = rng.poisson(lambda[i]! / 200); k > 0; k--) lines += sizes();
    return lines;
  };
  const t0 = 1_790_000_000_000;
  const a = lambda.map((_, i) => copy(i));
  const b = lambda.map((_, i) => copy(i) + copy(i));
  // The clump fields as the profiler fits them from K's sketch, for Poisson instants (gapCv2 1):
  // dispersion E[K²]/E[K] ≈ 216.8.
  const sk = new DDSketch();
  for (let k = 100; k <= 300; k++) sk.add(k);
  const clumps = clumpsOf(sk, 1);
  assert.ok(Math.abs(clumps.dispersion - 216.8) < 0.02 * 216.8, String(clumps.dispersion));
  const A: Arrivals = { ...arrivals(t0, 1, a), counts: a, clumps };
  const B: Arrivals = { ...arrivals(t0, 1, b), counts: b };
  const axA: Axis = { originMs: t0, seconds: n, timeScale: 1, multiplier: 1 };
  const c = alignArrivals(A, axA, B, { ...axA, multiplier: 2 });
  assert.ok(c.dispersion!.error < 0.1, JSON.stringify(c.dispersion));
  assert.ok(c.lag1!.error < 0.05, JSON.stringify(c.lag1));
  // Without the clumps the same faithful copy reads far off its expectation.
  const poissonRule = alignArrivals({ ...A, clumps: null }, axA, B, { ...axA, multiplier: 2 });
  assert.ok(poissonRule.dispersion!.error > 0.2, JSON.stringify(poissonRule.dispersion));
});

test("intensity MAPE leaves out grid cells that hold a sliver of the end of A's curve", () => {
  // The same 30 s hump on both sides, the sides' second buckets 0.1 s out of phase: the last grid
  // cell holds 0.1 s of A's last bucket (a low rate), while B is still sending there.
  const hump = Array.from({ length: 30 }, (_, i) => 600 + 600 * Math.sin((Math.PI * i) / 29));
  const t0 = 1_790_000_000_000;
  const A = arrivals(t0 + 10_000, 1, hump);
  const B = arrivals(
    t0 + 9_900,
    1,
    [...hump, 500].map((v) => 2 * v),
  );
  const axA: Axis = { originMs: t0, seconds: 60, timeScale: 1, multiplier: 1 };
  const c = alignArrivals(A, axA, B, { ...axA, multiplier: 2 });
  assert.ok(c.mape! < 0.05, String(c.mape));
});

test('dispersion and lag-1 leave out buckets the window cuts: a run that stopped mid-second', () => {
  const rng = new Rng(5);
  const inner = Array.from({ length: 120 }, () => rng.poisson(500));
  const t0 = 1_790_000_000_000;
  // A's window opens 0.4 s into its first bucket and closes 0.15 s into its last: those two
  // buckets hold a fraction of a second's lines. B saw the same seconds whole.
  const A = { ...arrivals(t0, 1, inner), counts: [200, ...inner, 70] };
  const B = { ...arrivals(t0 + 1000, 1, inner), counts: inner };
  const axA: Axis = { originMs: t0 + 400, seconds: 121.15 - 0.4, timeScale: 1, multiplier: 1 };
  const axB: Axis = { originMs: t0 + 1000, seconds: 121, timeScale: 1, multiplier: 1 };
  const c = alignArrivals(A, axA, B, axB);
  assert.equal(c.dispersion!.error, 0, JSON.stringify(c.dispersion));
  assert.equal(c.lag1!.error, 0, JSON.stringify(c.lag1));
  // Summed to a coarser side's 2 s buckets, a group short of a bucket is left out too: A over
  // 121 whole seconds, B in 2 s buckets, both steady.
  const steady = Array.from({ length: 121 }, () => rng.poisson(500));
  const A1 = { ...arrivals(t0, 1, steady), counts: steady };
  const B2 = {
    ...arrivals(t0, 2, []),
    counts: Array.from({ length: 61 }, () => rng.poisson(1000)),
  };
  const ax1: Axis = { originMs: t0, seconds: 121, timeScale: 1, multiplier: 1 };
  const g = alignArrivals(A1, ax1, B2, { ...ax1, seconds: 122 });
  assert.equal(g.widthSec, 2);
  assert.ok(g.dispersion!.error < 0.5, JSON.stringify(g.dispersion));
  // A family that merely starts and ends inside the window keeps its edge buckets.
  const life = { ...arrivals(t0 + 10_000, 1, inner), counts: [200, ...inner.slice(1, -1), 70] };
  const axW: Axis = { originMs: t0, seconds: 200, timeScale: 1, multiplier: 1 };
  const w = alignArrivals(life, axW, B, { ...axW, originMs: t0 - 9000 });
  assert.ok(w.dispersion!.a > 1.5 * w.dispersion!.b, JSON.stringify(w.dispersion));
});

test("dispersion and lag-1 leave out the buckets a family's own first and last line cut", () => {
  const rng = new Rng(6);
  const inner = Array.from({ length: 120 }, () => rng.poisson(500));
  const t0 = 1_790_000_000_000;
  // The same seconds on both sides, in a 200 s window. A's family starts 0.6 s into its first
  // bucket and stops 0.15 s into its last (200 and 70 lines); B's buckets open on its first line.
  const A = { ...arrivals(t0 + 10_000, 1, inner), counts: [200, ...inner, 70] };
  const B = { ...arrivals(t0 + 11_000, 1, inner), counts: inner };
  const ax: Axis = { originMs: t0, seconds: 200, timeScale: 1, multiplier: 1 };
  const activeA = { firstMs: t0 + 10_600, lastMs: t0 + 131_150 };
  const activeB = { firstMs: t0 + 11_000, lastMs: t0 + 130_999 };
  const c = alignArrivals(A, ax, B, ax, activeA, activeB);
  assert.equal(c.dispersion!.error, 0, JSON.stringify(c.dispersion));
  assert.equal(c.lag1!.error, 0, JSON.stringify(c.lag1));
  // Without the spans, A's two partial buckets read as variance of its arrivals.
  const raw = alignArrivals(A, ax, B, ax);
  assert.ok(raw.dispersion!.error > 0.5, JSON.stringify(raw.dispersion));
  // The edges do not change the intensity MAPE, which has its own whole-cell rule.
  assert.equal(c.mape, raw.mape);
});

test('intensity: B generated at timeScale 1/24 and multiplier 3 lines up with A once declared', () => {
  // A: one day in 1440 one-minute buckets with a diurnal shape.
  const day = Array.from({ length: 1440 }, (_, i) => 10 + 8 * Math.sin((2 * Math.PI * i) / 1440));
  const t0 = 1_790_000_000_000;
  const A = arrivals(t0, 60, day);
  // B: the same day replayed in one hour (60 one-minute buckets), three times the traffic.
  const hour = Array.from({ length: 60 }, (_, j) => {
    let s = 0;
    for (let k = 0; k < 24; k++) s += day[24 * j + k]!;
    return (3 * s) / 24;
  });
  const u0 = 1_800_000_000_000;
  const B = arrivals(u0, 60, hour);
  const axA: Axis = { originMs: t0, seconds: 86_400, timeScale: 1, multiplier: 1 };
  const declared: Axis = { originMs: u0, seconds: 3600, timeScale: 1 / 24, multiplier: 3 };
  const c = alignArrivals(A, axA, B, declared);
  assert.equal(c.widthSec, 1440);
  assert.equal(c.a.length, 60);
  assert.ok(c.mape! < 1e-9, String(c.mape));
  assert.ok(Math.abs(c.rateRatio! - 1) < 1e-9);
  // Undeclared, B looks like three times A's rate over its first hour only.
  const naive = alignArrivals(A, axA, B, { ...declared, timeScale: 1, multiplier: 1 });
  assert.ok(naive.mape! > 1, String(naive.mape));
  // A doubled curve (same counts shape) is 100 % off with the dispersion doubling too.
  const noisy = day.map((v, i) => v + (i % 7) - 3);
  const X = arrivals(t0, 60, noisy);
  const Y = arrivals(
    t0,
    60,
    noisy.map((v) => 2 * v),
  );
  const d = alignArrivals(X, axA, Y, axA);
  assert.ok(Math.abs(d.mape! - 1) < 1e-9);
  assert.ok(Math.abs(d.rateRatio! - 2) < 1e-9);
  assert.ok(Math.abs(d.dispersion!.error - 1) < 0.01, JSON.stringify(d.dispersion));
  assert.ok(d.lag1!.error < 0.01);
  // Hostile shapes stay bounded: a nanosecond resolution, a curve starting 50 years early.
  const tiny = arrivals(t0, 1e-9, [1, 2, 3]);
  const early = arrivals(0, 60, [1, 2, 3]);
  for (const [x, y] of [
    [tiny, A],
    [A, early],
  ] as const) {
    const h = alignArrivals(x, axA, y, axA);
    assert.ok(h.a.length <= MAX_GRID && h.a.length >= 1);
    assert.ok(h.mape === null || Number.isFinite(h.mape));
  }
});

function recipe(
  kind: Recipe['family']['kind'],
  name: string,
  keys: string[],
  lines: number,
): Recipe {
  const key = familyKey(kind, name, keys);
  // Only the fields the matcher reads; the rest of a Recipe is irrelevant to pairing.
  return {
    family: { id: familyIdOfKey(key), key, kind, name, tagKeys: keys },
    totals: { lines },
  } as unknown as Recipe;
}

test('families pair by id, then same kind+name with one tag key more or less; the rest is missing/extra', () => {
  const a = [
    recipe('metric', 'cpu', ['env', 'host'], 100),
    recipe('metric', 'mem', ['env', 'host'], 50),
    recipe('metric', 'disk', ['a', 'b', 'c'], 10),
    recipe('delta', 'reqs', ['env'], 5),
  ];
  const b = [
    recipe('metric', 'cpu', ['env', 'host'], 100),
    recipe('metric', 'mem', ['host'], 50), // env dropped
    recipe('metric', 'disk', ['a'], 10), // two keys gone: not the same family
    recipe('metric', 'reqs', ['env'], 5), // kind changed: not the same family
    recipe('metric', 'new', [], 1),
  ];
  const pairs = matchFamilies(a, b);
  const view = pairs
    .map(
      (p) =>
        `${p.match} ${(p.a ?? p.b)!.family.name} -${p.dropped.join(',')} +${p.added.join(',')}`,
    )
    .sort();
  assert.deepEqual(view, [
    'extra disk - +',
    'extra new - +',
    'extra reqs - +',
    'missing disk - +',
    'missing reqs - +',
    'same cpu - +',
    'tags-changed mem -env +',
  ]);
  // One key swapped for another is two changes: not paired.
  const swapped = matchFamilies(
    [recipe('metric', 'x', ['a'], 1)],
    [recipe('metric', 'x', ['b'], 1)],
  );
  assert.deepEqual(swapped.map((p) => p.match).sort(), ['extra', 'missing']);
});
