// What compare accepts and how it refuses the rest: capture parts profiled first (with the request
// model compared), recipe roots that are empty, partial or damaged (each error names the file and
// field), thresholds files with problems, and usage errors — with the documented exit codes.
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { compare, type CompareReport } from '../../src/compare/compare.js';
import { loadSide, type LoadOptions } from '../../src/compare/load.js';
import { DEFAULT_THRESHOLDS } from '../../src/compare/thresholds.js';
import { isWflgError } from '../../src/lib/errors.js';
import { native } from '../../src/lib/native.js';
import { openStore } from '../../src/lib/store/index.js';
import { profile } from '../../src/profiler/run.js';
import { StrictGcs } from '../fakes/gcs-strict.js';
import { runCli } from '../helpers.js';
import {
  capturePart,
  partDir,
  profileOptions,
  type CapturedRequest,
} from '../profiler/fixtures.js';

const LOAD: LoadOptions = { workers: 0, k: 1, salt: '', format: 'auto', version: 'test' };
const OPTS = { thresholds: DEFAULT_THRESHOLDS, timeScale: 1, multiplier: 1 };
const zstd = (b: Uint8Array) => new (native().FrameEncoder)(3).encode(b);
const unzstd = (b: Uint8Array) => native().decodeFrames(b, 1 << 26).data;

/** One capture part; each request's lines may be split into `split` requests at the same instant. */
function capture(dir: string, split: number): string {
  const root = join(dir, 'capture');
  const d = partDir(root);
  mkdirSync(d, { recursive: true });
  const reqs: CapturedRequest[] = [];
  let t = 1_795_000_000_000;
  for (let i = 0; i < 400; i++) {
    t += 200 + ((i * 7919) % 400);
    const lines: string[] = [];
    for (let s = 0; s < 20; s++)
      lines.push(
        `app.req.latency ${((s * 37 + i) % 100) / 10} ${Math.floor(t / 1000)} source=web-${s % 5} env=prod dc=dc${s % 2}`,
      );
    const per = lines.length / split;
    for (let k = 0; k < split; k++)
      reqs.push({
        t,
        body: lines.slice(k * per, (k + 1) * per).join('\n') + '\n',
        encoding: 'identity',
      });
  }
  writeFileSync(join(d, 'part-w1-000000.wf.zst'), capturePart(reqs, 1));
  return root;
}

test('captures are profiled first; the request model is compared (body size, lines per request)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-compare-cap-'));
  try {
    const a = await loadSide(capture(join(dir, 'a'), 1), LOAD);
    const b = await loadSide(capture(join(dir, 'b'), 2), LOAD);
    assert.equal(a.origin, 'profiled');
    assert.equal(a.global.window.timeAxis, 'arrival');
    const self = compare(a, a, OPTS).report;
    assert.equal(self.verdict, 'pass');
    assert.equal(self.overall.bodyBytes.value, 0);
    assert.equal(self.overall.linesPerRequest.value, 0);
    const r = compare(a, b, OPTS).report;
    // Same lines at the same instants, batched in half-size requests: only the request model moves.
    assert.deepEqual(r.breaches.map((x) => `${x.scope} ${x.metric}`).sort(), [
      'overall bodyBytes',
      'overall linesPerRequest',
    ]);
    assert.ok(Math.abs(r.overall.linesPerRequest.value! - 0.5) < 0.02);
    assert.match(r.overall.linesPerRequest.detail, /A 20\/20\/20 → B 10\/10\/10/);
    assert.ok(r.families.every((f) => f.status === 'green'));
    // Against plain files (no request model) the request metrics are n/a, not failures.
    const cli = await runCli([
      'compare',
      join(dir, 'a', 'capture'),
      join(dir, 'b', 'capture'),
      '--workers',
      '0',
      '--k-anonymity',
      '1',
    ]);
    assert.equal(cli.code, 3, cli.stderr);
    assert.match(cli.stdout.toString(), /RED\s+lines per request error\s+50\.0 %/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function smallRoot(dir: string, shift = 0, name = 'root'): Promise<string> {
  const lines: string[] = [];
  for (let i = 0; i < 1500; i++)
    lines.push(
      `svc.latency ${(i % 97) + 0.5 + shift} ${1_795_000_000 + i * 7} source=h${i % 3} app=x`,
      `svc.count ${i} ${1_795_000_000 + i * 7} source=h${i % 3}`,
    );
  writeFileSync(join(dir, `${name}.wf`), lines.join('\n') + '\n');
  const root = join(dir, name);
  await profile(profileOptions(join(dir, `${name}.wf`), root));
  return root;
}

const rejects = async (input: string, code: string, ...patterns: RegExp[]): Promise<void> => {
  await assert.rejects(loadSide(input, LOAD), (e: unknown) => {
    assert.ok(isWflgError(e), String(e));
    assert.equal(e.code, code, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
};

test('malformed recipe roots: each refusal names the file and the field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-compare-bad-'));
  try {
    const root = await smallRoot(dir);
    const good = await loadSide(root, LOAD);
    assert.equal(good.origin, 'recipes');
    assert.equal(good.recipes.length, 2);
    const v1 = join(root, 'recipes', 'v1');
    const id = good.recipes.find((r) => r.family.name === 'svc.latency')!.family.id;
    const file = join(v1, `${id}.json.zst`);
    const original = readFileSync(file);

    // No recipes at all: an empty directory, a missing path, recipes/ without the global recipe.
    mkdirSync(join(dir, 'empty'));
    await rejects(join(dir, 'empty'), 'WFLG_E_COMPARE_INPUT', /neither a recipes root/);
    await rejects(join(dir, 'absent'), 'WFLG_E_COMPARE_INPUT', /does not exist/);
    mkdirSync(join(dir, 'partial', 'recipes', 'v1'), { recursive: true });
    writeFileSync(join(dir, 'partial', 'recipes', 'index.parquet'), 'x');
    await rejects(join(dir, 'partial'), 'WFLG_E_COMPARE_INPUT', /recipes\/v1\/global\.json\.zst/);

    // A recipe that fails the schema: the file and the JSON pointer of the field.
    const doc = JSON.parse(unzstd(original).toString()) as { totals: { lines: number } };
    doc.totals.lines = -5;
    writeFileSync(file, zstd(Buffer.from(JSON.stringify(doc))));
    await rejects(
      root,
      'WFLG_E_RECIPE_INVALID',
      new RegExp(`recipes/v1/${id}\\.json\\.zst: .*/totals/lines`),
    );
    // Not zstd, truncated, not JSON.
    writeFileSync(file, 'garbage that is not zstd');
    await rejects(
      root,
      'WFLG_E_COMPARE_INPUT',
      new RegExp(`${id}\\.json\\.zst: not a readable zstd file`),
    );
    writeFileSync(file, original.subarray(0, original.length - 7));
    await rejects(root, 'WFLG_E_COMPARE_INPUT', /truncated/);
    writeFileSync(file, zstd(Buffer.from('{"schema": "wflg.recipe/v1",')));
    await rejects(root, 'WFLG_E_COMPARE_INPUT', new RegExp(`${id}\\.json\\.zst: not JSON`));
    // A valid recipe under another family's name.
    writeFileSync(file, original);
    renameSync(file, join(v1, '0123456789abcdef.json.zst'));
    await rejects(root, 'WFLG_E_RECIPE_INVALID', /0123456789abcdef\.json\.zst: \/family\/id is/);
    renameSync(join(v1, '0123456789abcdef.json.zst'), file);
    // The global recipe with an unknown field.
    const gfile = join(v1, 'global.json.zst');
    const g = JSON.parse(unzstd(readFileSync(gfile)).toString()) as Record<string, unknown>;
    writeFileSync(gfile, zstd(Buffer.from(JSON.stringify({ ...g, extra: 1 }))));
    await rejects(
      root,
      'WFLG_E_RECIPE_INVALID',
      /global\.json\.zst: .*additional properties 'extra'/,
    );

    // Through the CLI: unreadable or invalid input exits 4 (3 means "thresholds breached").
    const cli = await runCli(['compare', root, root]);
    assert.equal(cli.code, 4);
    assert.match(
      cli.stderr,
      /^wflg compare: WFLG_E_RECIPE_INVALID: recipes\/v1\/global\.json\.zst/,
    );
    const none = await runCli([
      'compare',
      join(dir, 'empty'),
      join(dir, 'empty'),
      '--workers',
      '0',
    ]);
    assert.equal(none.code, 4);
    assert.match(none.stderr, /WFLG_E_COMPARE_INPUT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a recipes root in an object store (gs://, strict fake) reads like the local one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-compare-gs-'));
  const fake = await StrictGcs.start(['wflg-test']);
  try {
    const root = await smallRoot(dir);
    const store = await openStore('gs://wflg-test/r', { gcsEndpoint: fake.endpoint });
    for (const f of readdirSync(join(root, 'recipes', 'v1')))
      await store.putBytes(`recipes/v1/${f}`, readFileSync(join(root, 'recipes', 'v1', f)), '0');
    await store.close();
    const local = await loadSide(root, LOAD);
    const remote = await loadSide('gs://wflg-test/r', { ...LOAD, gcsEndpoint: fake.endpoint });
    assert.equal(remote.origin, 'recipes');
    assert.deepEqual(remote.recipes, local.recipes);
    assert.deepEqual(remote.global, local.global);
    assert.equal(compare(local, remote, OPTS).report.verdict, 'pass');
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI usage: two inputs required, thresholds files validated strictly (exit 2), help documents exit 4', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-compare-cli-'));
  try {
    const root = await smallRoot(dir);
    const one = await runCli(['compare', root]);
    assert.equal(one.code, 2);
    assert.match(one.stderr, /WFLG_E_USAGE: expected two inputs A and B, got 1/);
    const flag = await runCli(['compare', root, root, '--no-such-flag']);
    assert.equal(flag.code, 2);
    const thr = join(dir, 'thr.yaml');
    writeFileSync(thr, 'valueKs: 2e6\nvalueks: 0.1\nminFamilyShare: -1\n');
    const bad = await runCli(['compare', root, root, '--thresholds', thr]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /WFLG_E_CONFIG_INVALID/);
    assert.match(bad.stderr, /valueKs: must be a number/);
    assert.match(bad.stderr, /unknown key 'valueks'/);
    assert.match(bad.stderr, /minFamilyShare: must be a number/);
    // A thresholds file relaxes what a run gates on: shifted values fail by default, and pass
    // once value distances are report-only.
    const shifted = await smallRoot(dir, 50, 'shifted');
    const strict = await runCli(['compare', root, shifted, '--json', '-']);
    assert.equal(strict.code, 3, strict.stderr);
    const parsed = JSON.parse(strict.stdout.toString()) as CompareReport;
    // svc.latency carries half the lines, so the weighted overall distance breaches as well.
    assert.deepEqual(parsed.breaches.map((b) => `${b.name} ${b.metric}`).sort(), [
      'overall valueJs',
      'overall valueKs',
      'svc.latency valueJs',
      'svc.latency valueKs',
    ]);
    assert.match(strict.stderr, /Verdict: FAIL/);
    writeFileSync(thr, JSON.stringify({ valueKs: null, valueJs: null }));
    const relaxed = await runCli(['compare', root, shifted, '--thresholds', thr]);
    assert.equal(relaxed.code, 0, relaxed.stdout.toString());
    const help = await runCli(['compare', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout.toString(), /4 an input unreadable/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
