// The sampling band of value KS and JS: what two samples of one distribution differ by at the
// sides' sizes. It must match the two-sample KS theory, shrink with size so real shifts stay
// breaches, widen with autocorrelation, and decide grading only where it is the wider bound.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { compare } from '../../src/compare/compare.js';
import { compareDistributions } from '../../src/compare/distributions.js';
import { loadSide } from '../../src/compare/load.js';
import { DEFAULT_THRESHOLDS } from '../../src/compare/thresholds.js';
import { profile } from '../../src/profiler/run.js';
import { profileOptions } from '../profiler/fixtures.js';
import { effectiveSize, noiseBand } from '../../src/compare/noise.js';
import { DDSketch } from '../../src/lib/stats/ddsketch.js';
import { quantilesOf, sketchOf } from '../../src/lib/stats/quantiles.js';
import { Rng } from '../../src/lib/rng.js';

function sample(n: number, seed: number, scale = 1): DDSketch {
  const rng = new Rng(seed);
  const s = new DDSketch();
  for (let i = 0; i < n; i++) s.add(scale * Math.exp(rng.normal()) * 100);
  return s;
}

test('band: two-sample KS at 99 % is about 1.63·√(1/n_A + 1/n_B), for small and large samples', () => {
  for (const [nA, nB] of [
    [30, 60],
    [200, 400],
    [3000, 6000],
  ] as const) {
    const a = sample(nA, 1);
    const b = sample(nB, 2);
    const band = noiseBand(a, b, nA, nB);
    const theory = 1.63 * Math.sqrt(1 / nA + 1 / nB);
    assert.ok(
      band.ks > 0.75 * theory && band.ks < 1.25 * theory,
      `n ${nA}/${nB}: band ${band.ks} vs ${theory}`,
    );
    assert.ok(band.js > 0 && band.js < 1);
  }
});

test('band: faithful small samples sit inside it; a real shift at size breaks out of it', () => {
  let inside = 0;
  for (let seed = 0; seed < 40; seed++) {
    const a = sample(30, 100 + seed);
    const b = sample(60, 200 + seed);
    const d = compareDistributions(quantilesOf(a, true), quantilesOf(b, true))!;
    const band = noiseBand(a, b, 30, 60);
    if (d.ks <= band.ks && d.js <= band.js) inside++;
    assert.ok(d.ks > 0.05, 'a fixed 0.05 fails every one of these');
  }
  assert.ok(inside >= 36, `${inside} of 40 faithful pairs inside the 99 % band`);
  const a = sample(3000, 7);
  const shifted = sample(6000, 8, 1.4);
  const d = compareDistributions(quantilesOf(a, true), quantilesOf(shifted, true))!;
  const band = noiseBand(a, shifted, 3000, 6000);
  assert.ok(d.ks > 0.05 && d.ks > 2 * band.ks, `ks ${d.ks}, band ${band.ks}`);
  assert.ok(d.js > band.js, `js ${d.js}, band ${band.js}`);
});

test('band: the same sketches at a smaller effective size are wider; sizes past the draw cap scale', () => {
  const a = sample(5000, 3);
  const b = sample(5000, 4);
  const full = noiseBand(a, b, 5000, 5000);
  const fewer = noiseBand(a, b, 50, 50);
  assert.ok(fewer.ks > 5 * full.ks, `${fewer.ks} vs ${full.ks}`);
  const huge = noiseBand(a, b, 1e6, 1e6);
  const theory = 1.63 * Math.sqrt(2 / 1e6);
  assert.ok(huge.ks > 0.6 * theory && huge.ks < 1.4 * theory, `${huge.ks} vs ${theory}`);
  assert.ok(huge.js < full.js);
});

test('band: unbalanced sizes past the draw cap keep the small side as it is', () => {
  // 1e6 against 20: the band is the 20-value side's, 1.63·√(1/20 + 1e-6) ≈ 0.36.
  const a = sample(20_000, 5);
  const b = sample(20, 6);
  const band = noiseBand(a, b, 1e6, 20);
  const theory = 1.63 * Math.sqrt(1 / 20 + 1 / 1e6);
  assert.ok(band.ks > 0.75 * theory && band.ks < 1.25 * theory, `${band.ks} vs ${theory}`);
  const mid = noiseBand(a, b, 1e6, 100);
  const theory100 = 1.63 * Math.sqrt(1 / 100 + 1 / 1e6);
  assert.ok(mid.ks > 0.8 * theory100 && mid.ks < 1.25 * theory100, `${mid.ks} vs ${theory100}`);
});

test('effective size: what an autocorrelated sample is worth to a CDF, never below 1', () => {
  // n·(1 − ρ_I)/(1 + ρ_I) with ρ_I = (2/π)·asin ρ, the lag-1 correlation of 1{x ≤ median} in a
  // Gaussian AR(1): 0.5 gives ρ_I = 1/3, so half the values count.
  assert.equal(effectiveSize(1000, undefined), 1000);
  assert.equal(effectiveSize(1000, -0.5), 1000);
  assert.ok(Math.abs(effectiveSize(1000, 0.5) - 500) < 1e-9);
  assert.ok(effectiveSize(1000, 0.9) > (1000 * 0.1) / 1.9, 'less inflation than for a mean');
  assert.equal(effectiveSize(1, 0.99), 1);
  assert.ok(sketchOf(quantilesOf(sample(10, 1), true)));
});

test('compare: a small faithful family is not failed for its sampling noise; a shifted large one is', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-compare-noise-'));
  try {
    // Same distributions on both sides, except "big" is 40 % larger in B. "small" has 40 lines
    // in A and 80 in B, over 4 sources, values independent draws.
    const write = (file: string, seed: number, nSmall: number, bigScale: number): string => {
      const rng = new Rng(seed);
      const lines: string[] = [];
      const t0 = 1_795_000_000;
      const v = (scale = 1) => (scale * 100 * Math.exp(rng.normal())).toFixed(3);
      for (let i = 0; i < nSmall; i++)
        lines.push(`small.gauge ${v()} ${t0 + i * 15} source=h${i % 4}`);
      for (let i = 0; i < 4000; i++)
        lines.push(`big.gauge ${v(bigScale)} ${t0 + Math.floor(i / 7)} source=h${i % 7}`);
      const path = join(dir, file);
      writeFileSync(path, lines.join('\n') + '\n');
      return path;
    };
    const load = { workers: 0, k: 1, salt: '', format: 'auto' as const, version: 'test' };
    await profile(profileOptions(write('a.wf', 1, 40, 1), join(dir, 'a')));
    await profile(profileOptions(write('b.wf', 2, 80, 1.4), join(dir, 'b')));
    const A = await loadSide(join(dir, 'a'), load);
    const B = await loadSide(join(dir, 'b'), load);
    const r = compare(A, B, { thresholds: DEFAULT_THRESHOLDS, timeScale: 1, multiplier: 1 }).report;
    const by = (n: string) => r.families.find((f) => f.name === n)!;
    const small = by('small.gauge').metrics;
    assert.ok(small.valueKs!.value! > 0.05, `small KS ${small.valueKs!.value}`);
    assert.notEqual(small.valueKs!.status, 'red');
    assert.notEqual(small.valueJs!.status, 'red');
    assert.match(small.valueKs!.detail, /two samples of 40 and 80 values from one distribution/);
    const big = by('big.gauge').metrics;
    assert.equal(big.valueKs!.status, 'red', `big KS ${big.valueKs!.value}`);
    assert.ok(r.breaches.some((b) => b.name === 'big.gauge' && b.metric === 'valueKs'));
    assert.ok(!r.breaches.some((b) => b.name === 'small.gauge' && b.metric.startsWith('value')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
