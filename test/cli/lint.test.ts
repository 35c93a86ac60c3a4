// `wflg lint` and the CLI shell as a user meets them: exit codes, summaries, bad input.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CORPUS, ROOT, runCli } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wflg-lint-'));

test('--help and --version', async () => {
  const h = await runCli(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout.toString(), /lint/);
  const v = await runCli(['--version']);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(v.stdout.toString().trim(), pkg.version);
  const lh = await runCli(['lint', '--help']);
  assert.equal(lh.code, 0);
  assert.match(lh.stdout.toString(), /--now-ms/);
});

test('usage errors exit 2 and report every problem at once', async () => {
  const r = await runCli([
    'lint',
    '--format',
    'xml',
    '--limits',
    'tiny',
    '--now-ms',
    'soon',
    'a',
    'b',
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /WFLG_E_USAGE/);
  for (const p of ['--format', '--limits', '--now-ms', 'at most one'])
    assert.ok(r.stderr.includes(p), p);
  assert.equal((await runCli(['lint', '--bogus'])).code, 2);
  assert.equal((await runCli(['frobnicate'])).code, 2);
  assert.equal((await runCli([])).code, 2);
});

test('options from --config FILE like every command: applied, flags win, unknown keys refused', async () => {
  const cfg = join(dir, 'lint.json');
  // A span line: rejected under the default auto format, accepted with format trace.
  const span = 'op source=s spanId=1 traceId=2 1700000000000 5\n';
  writeFileSync(cfg, JSON.stringify({ format: 'trace', listener: 'trace-port' }));
  assert.equal((await runCli(['lint', '-'], span)).code, 1);
  const viaFile = await runCli(['lint', '--config', cfg, '-'], span);
  assert.equal(viaFile.code, 0, viaFile.stdout.toString() + viaFile.stderr);
  // The flag wins over the file.
  assert.equal((await runCli(['lint', '--config', cfg, '--format', 'auto', '-'], span)).code, 1);
  writeFileSync(cfg, JSON.stringify({ format: 'trace', colour: 'always', examples: -1 }));
  const bad = await runCli(['lint', '--config', cfg, '-'], span);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /WFLG_E_CONFIG_INVALID/);
  for (const p of ["unknown key 'colour'", 'examples']) assert.ok(bad.stderr.includes(p), p);
});

test('exit 0 when every line parses, 1 when some are rejected; summary by kind and code', async () => {
  const good = await runCli(['lint', '-'], 'a.b 1 source=h\n\n!M #1 2 h.x source=s\n');
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout.toString(), /metric\s+1/);
  assert.match(good.stdout.toString(), /histogram_m\s+1/);
  const bad = await runCli(
    ['lint', '-'],
    'ok 1 source=h\nbad:name 1 source=h\nbad:name 2 source=h\nx\n',
  );
  assert.equal(bad.code, 1);
  const out = bad.stdout.toString();
  assert.match(out, /WF-400 \(validate\)\s+2\s+lines 2, 3/);
  assert.match(out, /WF-300 \(parse\)\s+1\s+lines 4/);
  assert.match(out, /families: 1/);
});

test('reads zstd input transparently and refuses a truncated stream', async () => {
  const plain = join(dir, 'p.wf');
  writeFileSync(plain, 'a 1 source=h\nb 2 source=h\n');
  execFileSync('zstd', ['-q', '-f', plain, '-o', `${plain}.zst`]);
  const ok = await runCli(['lint', `${plain}.zst`]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout.toString(), /2 lines/);
  const whole = readFileSync(CORPUS);
  writeFileSync(join(dir, 't.zst'), whole.subarray(0, whole.length >> 1));
  const torn = await runCli(['lint', join(dir, 't.zst')]);
  assert.equal(torn.code, 3);
  assert.match(torn.stderr, /WFLG_E_INPUT_READ/);
});

test('hostile input: binary garbage, empty input, a missing file, invalid UTF-8', async () => {
  const garbage = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 256));
  const g = await runCli(['lint', '--json', '-'], garbage);
  assert.equal(g.code, 1);
  for (const l of g.stdout.toString().trimEnd().split('\n')) JSON.parse(l);
  const e = await runCli(['lint', '-'], '');
  assert.equal(e.code, 0);
  assert.match(e.stdout.toString(), /0 lines/);
  const m = await runCli(['lint', join(dir, 'nope.wf')]);
  assert.equal(m.code, 3);
  assert.match(m.stderr, /WFLG_E_INPUT_READ/);
  const u = await runCli(
    ['lint', '--json', '-'],
    Buffer.from([0x6d, 0x20, 0x31, 0x20, 0x6b, 0x3d, 0xff, 0xfe, 0x0a]),
  );
  assert.equal(u.code, 0);
  assert.equal(
    (JSON.parse(u.stdout.toString()) as { tags: Record<string, string> }).tags.k,
    '\ufffd\ufffd',
  );
});

test('--json prints exactly one object per input line, in order', async () => {
  const lines = ['a 1 source=h', '', 'b x source=h', '@Event 1569423200123 "e"'];
  const r = await runCli(['lint', '--json', '-'], lines.join('\n'));
  const out = r.stdout
    .toString()
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(out.length, 4);
  assert.equal(out[0]!.name, 'a');
  assert.deepEqual(out[1], { skip: true });
  assert.equal(out[2]!.code, 'WF-300');
  assert.equal(out[3]!.name, 'e');
  assert.equal(r.code, 1);
});
