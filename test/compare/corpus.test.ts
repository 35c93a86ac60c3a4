// The public corpus against itself is all green; against a copy distorted in three known ways
// (one family's rate doubled, another's values shifted, a tag dropped from a third) compare names
// exactly those three families, each by the metrics its distortion moves, and nothing else.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { compare, type CompareReport } from '../../src/compare/compare.js';
import { loadSide, type LoadOptions } from '../../src/compare/load.js';
import { DEFAULT_THRESHOLDS } from '../../src/compare/thresholds.js';
import { profile } from '../../src/profiler/run.js';
import { CORPUS, runCli } from '../helpers.js';
import { profileOptions } from '../profiler/fixtures.js';
import { distort } from './distort.js';

const RATE = 'aws.ec2.diskwritebytes.average';
const SHIFT = 'aws.rds.cpuutilization.average';
const TAGS = 'traffic.speed';
const LOAD: LoadOptions = { workers: 0, k: 5, salt: '', format: 'auto', version: 'test' };
const OPTS = { thresholds: DEFAULT_THRESHOLDS, timeScale: 1, multiplier: 1 };

const breachSet = (r: CompareReport): string[] =>
  r.breaches.map((b) => `${b.name} ${b.metric}`).sort();

test('corpus vs itself: all green; vs a distorted copy: exactly the three distortions', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-compare-corpus-'));
  try {
    const text = execFileSync('zstd', ['-dc', CORPUS], { maxBuffer: 1 << 27 }).toString();
    const d = distort(text, {
      doubleRate: RATE,
      shift: { name: SHIFT, by: 20 },
      dropTag: { name: TAGS, key: 'nab_category' },
    });
    assert.ok(d.touched > 20_000, `distortions touched ${d.touched} lines`);
    writeFileSync(join(dir, 'distorted.wf'), d.text);
    const rootA = join(dir, 'a');
    const rootB = join(dir, 'b');
    await profile(profileOptions(CORPUS, rootA, { k: 5 }));
    await profile(profileOptions(join(dir, 'distorted.wf'), rootB, { k: 5 }));
    const A = await loadSide(rootA, LOAD);
    const B = await loadSide(rootB, LOAD);
    assert.equal(A.origin, 'recipes');

    const self = compare(A, A, OPTS).report;
    assert.equal(self.verdict, 'pass');
    assert.deepEqual(self.breaches, []);
    for (const f of self.families) {
      assert.equal(f.match, 'same');
      assert.equal(f.status, 'green', f.name);
      for (const [m, x] of Object.entries(f.metrics)) assert.equal(x.value, 0, `${f.name} ${m}`);
    }
    for (const [m, x] of Object.entries(self.overall))
      assert.ok(x.status === 'green' || x.status === 'n/a', `overall ${m} ${x.status}`);

    const r = compare(A, B, OPTS).report;
    assert.equal(r.verdict, 'fail');
    assert.deepEqual(
      breachSet(r),
      [
        `${RATE} dispersion`,
        `${RATE} intensityMape`,
        `${SHIFT} valueJs`,
        `${SHIFT} valueKs`,
        `${TAGS} lineBytes`,
        `${TAGS} tagJs`,
      ].sort(),
    );
    // Nothing else is even amber, and the overall (volume-weighted) view stays within bounds.
    const flagged = r.families.filter((f) => f.status !== 'green').map((f) => f.name);
    assert.deepEqual(flagged.sort(), [SHIFT, RATE, TAGS].sort());
    assert.equal(r.families.length, A.recipes.length, 'the tag-dropped family pairs up');
    const by = (n: string) => r.families.find((f) => f.name === n)!;
    const rate = by(RATE);
    assert.ok(Math.abs(rate.metrics.intensityMape!.value! - 1) < 0.01);
    assert.match(rate.findings.join('\n'), /volume ×2\b/);
    assert.equal(rate.metrics.valueKs!.value, 0);
    assert.equal(rate.metrics.lag1!.status, 'green');
    const shift = by(SHIFT);
    assert.ok(shift.metrics.valueKs!.value! > 0.5);
    assert.equal(shift.metrics.intensityMape!.value, 0);
    assert.equal(shift.metrics.lineBytes!.status, 'green');
    const tags = by(TAGS);
    assert.equal(tags.match, 'tags-changed');
    assert.equal(tags.metrics.tagJs!.value, 1);
    assert.equal(tags.metrics.seriesCount!.value, 0);
    assert.match(tags.findings.join('\n'), /'nab_category' dropped in B/);
    assert.equal(r.overall.coverage.value, 1);

    // The CLI on recipe roots: exit 0 / 3, JSON and a self-contained HTML report.
    const same = await runCli(['compare', rootA, rootA, '--color', 'never']);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout.toString(), /Verdict: PASS/);
    const json = join(dir, 'r.json');
    const html = join(dir, 'r.html');
    const bad = await runCli(['compare', rootA, rootB, '--json', json, '--html', html]);
    assert.equal(bad.code, 3, bad.stderr);
    const table = bad.stdout.toString();
    assert.match(table, /Verdict: FAIL — 6 threshold breaches/);
    // Worst first: the three distorted families lead the table, each marked red.
    const rows = table.split('\n').filter((l) => /^(RED|amber|ok|n\/a) /.test(l));
    assert.deepEqual(
      rows
        .slice(0, 3)
        .map((l) => l.split(/\s+/)[1])
        .sort(),
      [SHIFT, RATE, TAGS].sort(),
    );
    assert.ok(rows.slice(0, 3).every((l) => l.startsWith('RED')));
    assert.ok(rows.slice(3).every((l) => l.startsWith('ok')));
    const parsed = JSON.parse(readFileSync(json, 'utf8')) as CompareReport;
    assert.equal(parsed.schema, 'wflg.compare/v1');
    assert.deepEqual(breachSet(parsed), breachSet(r));
    const page = readFileSync(html, 'utf8');
    assert.ok(!/<script|https?:\/\/(?!www\.w3\.org)/.test(page), 'self-contained');
    for (const n of [RATE, SHIFT, TAGS]) assert.ok(page.includes(`aria-label="intensity ${n}"`));
    assert.match(page, /<polyline class="a" points="[\d., ]{40,}"\/><polyline class="b"/);
    assert.match(page, /aria-label="value CDF aws\.rds\.cpuutilization\.average"/);

    // A plain Wavefront file is profiled first: the corpus against its own recipes passes.
    const profiled = await runCli(['compare', CORPUS, rootA, '--workers', '0', '--top', '0']);
    assert.equal(profiled.code, 0, profiled.stderr + profiled.stdout.toString());
    assert.match(profiled.stdout.toString(), /A: .*public-telemetry\.wf\.zst \(profiled,/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
