// `npm run demo` in its reduced mode: every phase runs for real (Envoy + xDS mirroring when
// Envoy installs, the capture agent, profile, generate, compare) and leaves its artefacts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { runCli } from '../helpers.js';

const files = (dir: string, suffix: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(suffix))
    : [];

test('wflg demo --quick: capture through the mirror, recipes, 2× generation, fidelity report', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'wflg-demo-test-')), 'data');
  const r = await runCli(['demo', '--quick', '--data-dir', dir]);
  const out = r.stdout.toString();
  assert.equal(r.code, 0, r.stderr + out);
  const replayed = Number(/the sink counted (\d+) lines/.exec(out)?.[1]);
  const sample = Number(/(\d+) lines in \d+ requests/.exec(out)?.[1]);
  assert.equal(replayed, sample, 'every replayed line reached the primary collector');
  // What the capture agent stored is what was replayed: nothing lost through the mirror.
  const profiled = Number(/\d+ parts, (\d+) lines, \d+ families/.exec(out)?.[1]);
  assert.equal(profiled, sample, out);
  assert.ok(files(join(dir, 'store', 'capture'), '.wf.zst').length >= 1);
  assert.equal(files(join(dir, 'store', 'capture'), '-manifest.jsonl').length, 1);
  assert.ok(existsSync(join(dir, 'recipes', '_PROFILE_OK')));
  assert.ok(files(join(dir, 'recipes', 'recipes', 'v1'), '.json.zst').length > 10);
  assert.ok(existsSync(join(dir, 'recipes', 'recipes', 'index.parquet')));
  assert.equal(files(join(dir, 'recipes', 'reports', 'profile_qa'), '.html').length, 1);
  assert.match(readFileSync(join(dir, 'fidelity.html'), 'utf8'), /<svg/);
  const fidelity = JSON.parse(readFileSync(join(dir, 'fidelity.json'), 'utf8')) as {
    options: { multiplier: number };
    verdict: string;
    families: unknown[];
  };
  // The comparison was made at the multiple generated, over the captured families.
  assert.equal(fidelity.options.multiplier, 2);
  assert.ok(['pass', 'fail'].includes(fidelity.verdict), fidelity.verdict);
  assert.ok(fidelity.families.length > 10);
  // The sink saw about 2× the replayed rate.
  const ratio = Number(/\((\d+\.\d+)×; mirroring/.exec(out)?.[1]);
  assert.ok(ratio > 1.6 && ratio < 2.4, `generated/replayed rate ratio ${ratio}\n${out}`);
});
