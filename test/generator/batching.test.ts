// Request batching against the global recipe, end to end: `wflg generate` (child process, real
// worker thread) into a real Sink that tees every request, on a recipe whose lines per request
// is two atoms — small flushes and a 500-line cap, nothing between — carried by a stream that
// alternates quiet seconds (too slow to fill 500 lines within the age bound) with bursts.
// Regression: sizes were read off the 19 grid pairs, which put a tenth of the requests in the
// gap, and a large size drawn in a quiet second was cut to whatever that second held — also in
// the gap, and missing from the top. The plan is paced 'none', so the run takes well under a
// second while the batching (plan time only) is what a real-time run gives.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Totals } from '../../src/generator/messages.js';
import { quantileErrors, compareDistributions } from '../../src/compare/distributions.js';
import { records } from '../../src/lib/capture-format.js';
import { native } from '../../src/lib/native.js';
import { validateRecipe, type GlobalRecipe, type Recipe } from '../../src/lib/recipe.js';
import { DDSketch } from '../../src/lib/stats/ddsketch.js';
import { quantilesOf } from '../../src/lib/stats/quantiles.js';
import { runCli, waitFor } from '../helpers.js';
import { withSink } from '../sink/helpers.js';
import { KEYS, globalRecipe, recipe, writeRoot } from './recipes.js';

const tmp = mkdtempSync(join(tmpdir(), 'wflg-batching-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const SMALL = 5;
const CAP = 500;
const CAP_SHARE = 0.4;
const SECONDS = 30;
const BURSTS = SECONDS / 5;
/** Lines/s of the stream in its quiet seconds and in its bursts. */
const QUIET = 20;
const BURST = 4000;

/** Lines per request as the profiler publishes them: quantiles with the embedded sketch. */
function sizes(capShare = CAP_SHARE): ReturnType<typeof quantilesOf> {
  const s = new DDSketch();
  if (capShare < 1) s.add(SMALL, 1000 * (1 - capShare));
  if (capShare > 0) s.add(CAP, 1000 * capShare);
  return quantilesOf(s, true);
}

/** `r` with a one-second intensity curve: in every 5 s, 3 s of `quiet` lines/s, then 2 s of
 * `burst`. */
function bursty(r: Recipe, quiet: number, burst: number): Recipe {
  const intensity = Array.from({ length: SECONDS }, (_, i) => (i % 5 >= 3 ? burst : quiet));
  return validateRecipe({
    ...r,
    arrivals: { ...r.arrivals, resolutionSeconds: 1, intensity, counts: intensity },
  });
}

/** `wflg generate` of the bursty stream (or another, `quiet`/`burst` lines/s) under global recipe
 * `g` (paced 'none') with `workers` workers, into a teeing sink: every request's lines, in order. */
async function sentSizes(
  name: string,
  g: GlobalRecipe,
  { quiet = QUIET, burst = BURST, workers = 1 } = {},
): Promise<number[]> {
  const dir = writeRoot(
    join(tmp, name),
    [bursty(recipe({ name: 'batch.bursty', rate: 1, series: 20000, keys: KEYS }), quiet, burst)],
    g,
  );
  const tee = join(tmp, `${name}.wf.zst`);
  await withSink({ tee }, async (s) => {
    const r = await runCli([
      'generate',
      '--recipes',
      dir,
      '--target',
      `http://127.0.0.1:${s.httpPort}/report`,
      '--pace',
      'none',
      '--duration',
      `${SECONDS}s`,
      '--seed',
      '7',
      '--workers',
      String(workers),
    ]);
    assert.equal(r.code, 0, r.stderr);
    const { totals } = JSON.parse(r.stdout.toString().trim().split('\n').at(-1)!) as {
      totals: Totals;
    };
    assert.equal(totals.httpErrors, 0);
    assert.equal(totals.capped, 0, 'enough series: every planned line is written');
    await waitFor('the sink got every line', () => s.counts.lines === totals.sent, 5000);
    s.flushTee();
  });
  const got: number[] = [];
  for (const rec of records(native().decodeFrames(readFileSync(tee), 1 << 28).data))
    got.push(rec.header.lines);
  return got;
}

test('http: lines per request follow the recipe through quiet spells and bursts (regression: grid-pair interpolation and age-cut batches filled the gap between small flushes and the cap)', async () => {
  const g = globalRecipe([[0, 1]]);
  const lpr = sizes();
  g.requests!.linesPerRequest = lpr;
  g.requests!.formats = [{ format: 'wavefront', share: 1, linesPerRequest: lpr }];
  const got = await sentSizes('marginal', g);
  // Six times 60 quiet lines and 8,000 burst lines, in requests of 203 lines on average.
  assert.ok(got.length > 150, `${got.length} requests`);

  // The recipe has no request between the flushes and the cap (the sketch's bucket for 500 lines
  // reads 497.8, sent as 498). What may land there: a batch whose burst ended before it filled
  // (the age bound sends it as it is), one per burst, and the run's last. Before the fix: 1 in 9.
  const gap = got.filter((n) => n > SMALL + 1 && n < CAP - 10);
  assert.ok(
    gap.length <= BURSTS + 1,
    `${gap.length} of ${got.length} in the gap: ${gap.join(',')}`,
  );
  // Large sizes drawn in quiet seconds wait for the next burst instead of being lost (before the
  // fix: 0.24-0.30).
  const capShare = got.filter((n) => n >= CAP - 10).length / got.length;
  assert.ok(Math.abs(capShare - CAP_SHARE) <= 0.04, `share at the cap ${capShare.toFixed(3)}`);

  // And as `wflg compare` reads it: the sent sizes against the recipe's.
  const sent = new DDSketch();
  for (const n of got) sent.add(n);
  // Held to the recipe's exact quantiles (no allowance for the sample's size).
  const errs = quantileErrors(lpr, quantilesOf(sent, true), false)!;
  assert.ok(errs.worst <= 0.05, `p50/p90/p99 ${errs.b.join('/')} vs ${errs.a.join('/')}`);
  const d = compareDistributions(lpr, quantilesOf(sent, true))!;
  assert.ok(d.ks <= 0.05, `KS ${d.ks} (before the fix: 0.10-0.16)`);
});

test("http: with sizes by load, quiet spells send the small requests and bursts the large ones (regression: every moment drew from the marginal, so bursts sent the quiet spells' small flushes)", async () => {
  const g = globalRecipe([[0, 1]]);
  const lpr = sizes();
  g.requests!.linesPerRequest = lpr;
  g.requests!.formats = [
    {
      format: 'wavefront',
      share: 1,
      linesPerRequest: lpr,
      byRate: [
        { upTo: QUIET * 2, linesPerRequest: sizes(0) },
        { upTo: BURST, linesPerRequest: sizes(1) },
      ],
    },
  ];
  const got = await sentSizes('by-rate', g);
  const quietLines = BURSTS * 3 * QUIET;
  // Small requests carry the quiet seconds' lines (360 here), less about one second's after each
  // burst, which the burst's last batch takes before the age bound sends it. From the marginal,
  // bursts drew small sizes 3 times in 5, and small requests carried about 3 times as many lines.
  const small = got.filter((n) => n <= SMALL + 1);
  const smallLines = small.reduce((a, b) => a + b, 0);
  assert.ok(
    smallLines <= 1.1 * quietLines && smallLines >= 0.9 * (quietLines - BURSTS * QUIET),
    `${small.length} small requests with ${smallLines} lines; the quiet seconds had ${quietLines}: ${got.slice(0, 80).join(',')}`,
  );
  // Bursts send the cap; what lands between: a burst's last batch, cut by its end, and the run's.
  const gap = got.filter((n) => n > SMALL + 1 && n < CAP - 10);
  assert.ok(gap.length <= BURSTS + 1, `${gap.length} in the gap: ${gap.join(',')}`);
  const burstLines = got.filter((n) => n >= CAP - 10).reduce((a, b) => a + b, 0);
  assert.ok(burstLines >= 0.9 * BURSTS * 2 * BURST, `${burstLines} lines in cap-sized requests`);
});

test("http: workers keep the recipe's request sizes, each lingering by its share of the stream (regression: four workers each filled a quarter of what one did in the age bound, and large requests gave way to cuts)", async () => {
  const g = globalRecipe([[0, 1]]);
  const lpr = sizes();
  g.requests!.linesPerRequest = lpr;
  g.requests!.formats = [{ format: 'wavefront', share: 1, linesPerRequest: lpr }];
  // 1,600 lines/s fill a 500-line request in 0.31 s; a quarter of it, in 1.25 s: past the 1 s bound.
  const steady = { quiet: 1600, burst: 1600 };
  for (const workers of [1, 4]) {
    const got = await sentSizes(`steady-${workers}`, g, { ...steady, workers });
    const capShare = got.filter((n) => n >= CAP - 10).length / got.length;
    assert.ok(
      Math.abs(capShare - CAP_SHARE) <= 0.04,
      `${workers} workers: share at the cap ${capShare.toFixed(3)} of ${got.length} requests`,
    );
    const sent = new DDSketch();
    for (const n of got) sent.add(n);
    const d = compareDistributions(lpr, quantilesOf(sent, true))!;
    assert.ok(d.ks <= 0.05, `${workers} workers: KS ${d.ks}`);
  }
});
