// Life cycle: one agent per data directory, and a restart after a clean drain continues the
// part and request sequences instead of reusing them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { after } from 'node:test';
import { BIN } from '../helpers.js';
import { exitOf, killAll, post, readCapture, spawnAgent, waitReady } from './harness.js';

after(killAll);

test('a second agent on the same data directory is refused; sequences survive restarts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-lifecycle-'));
  const storeUrl = `file://${join(dir, 'store')}`;
  const args = [
    '--data-dir',
    join(dir, 'data'),
    '--store',
    storeUrl,
    '--mig',
    'm',
    '--instance',
    'i',
  ];
  const a = await spawnAgent(args);
  await waitReady(a.port);
  const b = spawnSync(process.execPath, [BIN, 'capture', '--listen', '127.0.0.1:0', ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.equal(b.status, 70);
  assert.match(b.stderr, /WFLG_E_CAPTURE_LOCKED/);
  const first = Buffer.from('a 1 source=s\nnot a metric\n');
  assert.equal((await post(a.port, '/report?f=wavefront', first)).status, 204);
  a.child.kill('SIGTERM');
  assert.equal(await exitOf(a.child), 0);

  const again = await spawnAgent(args);
  await waitReady(again.port);
  assert.equal((await post(again.port, '/report', Buffer.from('b 2 source=s\n'))).status, 204);
  again.child.kill('SIGTERM');
  assert.equal(await exitOf(again.child), 0);

  const got = await readCapture(storeUrl);
  assert.equal(got.parts.length, 2);
  assert.notEqual(got.parts[0], got.parts[1]);
  assert.deepEqual(
    got.requests.map((r) => r.header.seq),
    [0, 1],
  );
  // The manifest carries each part's figures, rejects by code included.
  const lines = got.manifestLines.sort((x, y) => Number(x.seq) - Number(y.seq));
  assert.deepEqual(
    lines.map((l): unknown[] => [
      l.requests,
      l.lines,
      Object.values(l.rejects as Record<string, number>).reduce((n, v) => n + v, 0),
    ]),
    [
      [1, 2, 1],
      [1, 1, 0],
    ],
  );
  const state = JSON.parse(readFileSync(join(dir, 'data', 'writer.json'), 'utf8')) as {
    nextPartSeq: number;
  };
  assert.equal(state.nextPartSeq, 2);
});

test('a drain that cannot upload in time exits 1 and leaves the part for the next start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-lifecycle-'));
  const storeDir = join(dir, 'store');
  const storeUrl = `file://${storeDir}`;
  const args = [
    ...['--data-dir', join(dir, 'data'), '--store', storeUrl, '--mig', 'm', '--instance', 'i'],
    ...['--drain-timeout', '1'],
  ];
  const a = await spawnAgent(args);
  await waitReady(a.port);
  renameSync(storeDir, `${storeDir}.away`);
  writeFileSync(storeDir, 'not a directory');
  assert.equal((await post(a.port, '/report', Buffer.from('kept 1 source=s\n'))).status, 204);
  a.child.kill('SIGTERM');
  assert.equal(await exitOf(a.child), 1);
  assert.match(a.stderr(), /"event":"drain_incomplete"/);
  assert.equal(readdirSync(join(dir, 'data', 'sealed')).length, 1);

  rmSync(storeDir);
  renameSync(`${storeDir}.away`, storeDir);
  const b = await spawnAgent(args);
  await waitReady(b.port);
  b.child.kill('SIGTERM');
  assert.equal(await exitOf(b.child), 0, b.stderr());
  const got = await readCapture(storeUrl);
  assert.deepEqual(
    got.requests.map((r) => r.body.toString()),
    ['kept 1 source=s\n'],
  );
});
