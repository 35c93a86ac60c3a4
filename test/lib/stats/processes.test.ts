import assert from 'node:assert/strict';
import test from 'node:test';
import {
  fitHawkes,
  logLikelihood,
  logLikelihoodGrad,
  piecewiseBaseline,
  simulateHawkes,
  simulateNhpp,
  timeRescalingKs,
} from '../../../src/lib/stats/hawkes.js';
import {
  BucketCounts,
  mape,
  periodicShape,
  smoothCounts,
} from '../../../src/lib/stats/intensity.js';
import { nelderMead } from '../../../src/lib/stats/optimize.js';
import { Rng } from '../../../src/lib/rng.js';

const within = (got: number, want: number, rel: number) =>
  assert.ok(Math.abs(got - want) <= rel * want, `${got} not within ${rel * 100}% of ${want}`);

test('Hawkes MLE recovers (μ, α, β) of a simulated process within 15 %, and its KS passes', () => {
  const truth = { mu: 0.5, alpha: 0.9, beta: 1.5 }; // branching ratio 0.6
  const times = simulateHawkes(truth, 16_000, new Rng(42));
  const fit = fitHawkes([{ start: 0, end: 16_000, times }])!;
  assert.ok(fit);
  within(fit.mu, truth.mu, 0.15);
  within(fit.alpha, truth.alpha, 0.15);
  within(fit.beta, truth.beta, 0.15);
  within(fit.branchingRatio, 0.6, 0.1);
  assert.ok(fit.branchingRatio < 1);
  assert.ok(fit.significant);
  assert.ok(fit.ks.d < 0.02 && fit.ks.pValue > 0.01, JSON.stringify(fit.ks));
  assert.ok(fit.logLik > fit.poissonLogLik + 100);
  // A Poisson model of the same bursty data fails the time-rescaling test.
  const asPoisson = timeRescalingKs({ mu: times.length / 16_000, alpha: 0, beta: 1 }, [
    { start: 0, end: 16_000, times },
  ]);
  assert.ok(asPoisson.pValue < 1e-6, JSON.stringify(asPoisson));
});

test('Hawkes fit of Poisson arrivals finds almost no self-excitation', () => {
  const rng = new Rng(5);
  const times = simulateNhpp(() => 2, 2, 5000, rng);
  const fit = fitHawkes([{ start: 0, end: 5000, times }])!;
  assert.equal(fit.significant, false);
  assert.equal(fit.branchingRatio, 0);
  within(fit.mu, 2, 0.05);
  assert.ok(fit.ks.pValue > 0.01);
});

test('Hawkes on a time-varying baseline separates the curve from bursts', () => {
  // Diurnal baseline ν(t) with 3× swing, plus excitation with n = 0.4.
  const day = 3600;
  const shape = (t: number) => 1 + 0.5 * Math.sin((2 * Math.PI * t) / day);
  const rng = new Rng(77);
  // Simulate by thinning with the excitation tracked explicitly.
  const mu = 0.6;
  const alpha = 0.8;
  const beta = 2;
  const T = 4 * day;
  const times: number[] = [];
  let t = 0;
  let exc = 0;
  for (;;) {
    const bound = mu * 1.5 + exc;
    const w = rng.exp(bound);
    exc *= Math.exp(-beta * w);
    t += w;
    if (t > T) break;
    if (rng.next() * bound <= mu * shape(t) + exc) {
      times.push(t);
      exc += alpha;
    }
  }
  const pieces = Array.from({ length: 240 }, (_, i) => shape((i + 0.5) * 60));
  const nu = piecewiseBaseline(0, 60, [...pieces, ...pieces, ...pieces, ...pieces]);
  const seg = [{ start: 0, end: T, times: Float64Array.from(times) }];
  const fit = fitHawkes(seg, nu)!;
  within(fit.branchingRatio, 0.4, 0.15);
  within(fit.mu, mu, 0.15);
  assert.ok(fit.ks.pValue > 0.01, JSON.stringify(fit.ks));
});

test('too few events: no Hawkes fit rather than a made-up one', () => {
  assert.equal(fitHawkes([{ start: 0, end: 10, times: [1, 2, 3] }]), undefined);
});

test('a known intensity curve is recovered from per-minute counts with MAPE ≤ 10 %', () => {
  // 2 days, diurnal curve between 10 and 90 events/min plus an afternoon bump.
  const minute = 60_000;
  const lam = (tMs: number) => {
    const h = (tMs / 3_600_000) % 24;
    return (
      (50 + 40 * Math.sin(((h - 6) / 24) * 2 * Math.PI) + 20 * Math.exp(-((h - 15) ** 2) / 2)) /
      minute
    );
  };
  const T = 2 * 86_400_000;
  const t0 = 1_700_000_000_000 - (1_700_000_000_000 % minute);
  const events = simulateNhpp(lam, 111 / minute, T, new Rng(21));
  const curve = new BucketCounts(4096, minute);
  for (const e of events) curve.add(t0 + e);
  const counts = curve.values();
  const { smoothed, bandwidth } = smoothCounts(counts);
  const truth = Array.from(counts, (_, i) => {
    let s = 0;
    for (let k = 0; k < 10; k++)
      s += lam((curve.start + i) * minute - t0 + (k + 0.5) * 6000) * 6000;
    return s;
  });
  const err = mape(truth, smoothed);
  assert.ok(err <= 0.1, `MAPE ${err}`);
  assert.ok(bandwidth > 1, `bandwidth ${bandwidth}`);
  // Raw counts are noticeably worse: the smoothing is doing the work.
  assert.ok(mape(truth, counts) > err * 1.5);
  const shape = periodicShape(curve.state(), 86_400_000, 24, t0, t0 + T - 1);
  const peak = shape.factors.indexOf(Math.max(...shape.factors));
  assert.ok(peak >= 11 && peak <= 15, `peak hour ${peak}`);
});

test('bucket counts coarsen past their cap, keep every event, and merge exactly', () => {
  const a = new BucketCounts(100);
  const b = new BucketCounts(100);
  const whole = new BucketCounts(100);
  const rng = new Rng(1);
  for (let i = 0; i < 10_000; i++) {
    const t = 1e12 + rng.next() * 500 * 60_000;
    (i % 2 ? a : b).add(t);
    whole.add(t);
  }
  assert.equal(whole.total, 10_000);
  assert.ok(whole.length <= 100);
  assert.ok(whole.widthMs > 60_000);
  const m = BucketCounts.fromState(structuredClone(a.state()), 100).merge(b);
  assert.deepEqual(m.state(), whole.state());
});

test('the Hawkes gradient is the derivative of the likelihood, on both baselines', () => {
  const rng = new Rng(5);
  const simulated = simulateHawkes({ mu: 0.8, alpha: 1.2, beta: 3 }, 400, rng);
  // On a 100 ms clock most gaps repeat, and the passes take e^{−βg} from a table of distinct gaps.
  const clocked = simulated.map((t) => Math.round(t * 10) / 10);
  const segsOf = (times: Float64Array) => [
    { start: 0, end: 200, times: times.filter((t) => t < 200) },
    { start: 250, end: 400, times: times.filter((t) => t >= 250) },
  ];
  const nu = piecewiseBaseline(0, 50, [0.5, 1.5, 1, 0.8, 1.2, 1, 0.9, 1.1]);
  for (const [base, segs] of [undefined, nu].flatMap((b) =>
    [simulated, clocked].map((t) => [b, segsOf(t)] as const),
  )) {
    for (const p of [
      { mu: 0.8, alpha: 1.2, beta: 3 },
      { mu: 2, alpha: 0.1, beta: 0.5 },
      { mu: 0.3, alpha: 4, beta: 9 },
    ]) {
      const grad = new Float64Array(3);
      const ll = logLikelihoodGrad(p, segs, grad, base);
      assert.ok(Math.abs(ll - logLikelihood(p, segs, base)) <= 1e-9 * Math.abs(ll));
      (['mu', 'alpha', 'beta'] as const).forEach((k, i) => {
        const h = 1e-6 * p[k];
        const fd =
          (logLikelihood({ ...p, [k]: p[k] + h }, segs, base) -
            logLikelihood({ ...p, [k]: p[k] - h }, segs, base)) /
          (2 * h);
        assert.ok(
          Math.abs(grad[i]! - fd) <= 1e-5 * Math.max(1, Math.abs(fd)),
          `∂/∂${k}: ${grad[i]} vs finite difference ${fd}`,
        );
      });
    }
  }
});

test('λ far outside the running product range still sums its logs exactly', () => {
  const times = simulateHawkes({ mu: 0.8, alpha: 1.2, beta: 3 }, 400, new Rng(6));
  const segs = [{ start: 0, end: 400, times: times.map((t) => Math.round(t * 10) / 10) }];
  for (const p of [
    { mu: 1e120, alpha: 0.1, beta: 0.5 },
    { mu: 1e-120, alpha: 1e-130, beta: 0.5 },
    { mu: 1e-60, alpha: 1e60, beta: 2 },
  ]) {
    const grad = new Float64Array(3);
    const ll = logLikelihoodGrad(p, segs, grad, undefined);
    const want = logLikelihood(p, segs);
    assert.ok(Number.isFinite(ll) && grad.every(Number.isFinite));
    assert.ok(Math.abs(ll - want) <= 1e-9 * Math.abs(want), `${ll} vs ${want}`);
  }
});

test('the quasi-Newton fit reaches the likelihood a long simplex search reaches', () => {
  const MAX = 0.98;
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  for (const [seed, p] of [
    [21, { mu: 0.5, alpha: 1, beta: 2.5 }],
    [22, { mu: 3, alpha: 0.5, beta: 10 }],
    [23, { mu: 0.2, alpha: 0.02, beta: 0.05 }],
  ] as const) {
    const times = simulateHawkes(p, 3000, new Rng(seed));
    const segs = [{ start: 0, end: 3000, times }];
    const fit = fitHawkes(segs)!;
    const nll = (x: number[]) => {
      const beta = Math.exp(x[2]!);
      return -logLikelihood(
        { mu: Math.exp(x[0]!), alpha: MAX * sigmoid(x[1]!) * beta, beta },
        segs,
      );
    };
    let best = Infinity;
    for (const scale of [0.1, 1, 10])
      for (const br of [0.2, 0.6]) {
        const rate = times.length / 3000;
        const x0 = [
          Math.log(rate * (1 - br)),
          Math.log(br / MAX / (1 - br / MAX)),
          Math.log(scale),
        ];
        const m = nelderMead(nll, x0, { step: 0.7, maxIter: 2000, tol: 1e-12 });
        best = Math.min(best, nelderMead(nll, m.x, { step: 0.2, maxIter: 2000, tol: 1e-12 }).f);
      }
    const hawkesLl = logLikelihood(fit, segs);
    if (fit.significant)
      assert.ok(hawkesLl >= -best - 1e-9 * Math.abs(best), `${hawkesLl} vs ${-best}`);
    else assert.ok(2 * (-best - fit.poissonLogLik) <= 5.991 + 1e-6, 'a significant fit was missed');
  }
});
