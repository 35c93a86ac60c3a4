// Object store down, then the disk budget spent: uploads fail and are retried with backoff, the
// backlog is visible, /ready turns false at the high-water mark, new requests get 503 (counted)
// only once the budget is spent, and everything recovers when the store is back. Nothing lost.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { after } from 'node:test';
import {
  exitOf,
  get,
  metric,
  post,
  readCapture,
  spawnAgent,
  waitFor,
  waitReady,
  killAll,
} from './harness.js';

/** ~48 KiB of lines that compress poorly, so the disk budget fills in a few requests. */
function body(id: number): Buffer {
  let s = '';
  let x = id * 2654435761;
  while (s.length < 48 * 1024) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += `bp.metric ${x.toString(36)}${(x * 7).toString(36)} ${id} source=h id=${id}.${s.length}\n`;
  }
  return Buffer.from(s);
}

after(killAll);

test('store outage and a spent disk budget: visible, refused by reason, recovered, nothing lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-backpressure-'));
  const storeDir = join(dir, 'store');
  const storeUrl = `file://${storeDir}`;
  const agent = await spawnAgent([
    ...['--data-dir', join(dir, 'data'), '--store', storeUrl, '--mig', 'm', '--instance', 'i'],
    ...['--max-disk-bytes', '1MiB', '--disk-high-water', '0.5', '--rotate-seconds', '0.2'],
    ...['--threads', '1'],
  ]);
  const port = agent.port;
  await waitReady(port);
  const metrics = async (): Promise<string> => (await get(port, '/metrics')).body;

  // The store's root becomes a plain file: every upload fails.
  renameSync(storeDir, `${storeDir}.away`);
  writeFileSync(storeDir, 'not a directory');
  const acked: number[] = [];
  let id = 0;
  let sawNotReady = false;
  let refusedAt = -1;
  for (; id < 200 && refusedAt < 0; id++) {
    const r = await post(port, '/report', body(id));
    if (r.status === 204) acked.push(id);
    else {
      assert.equal(r.status, 503);
      assert.equal(r.body.trim(), 'disk_full');
      refusedAt = id;
    }
    if ((await get(port, '/ready')).status === 503) sawNotReady = true;
    await new Promise((r) => setTimeout(r, 30));
  }
  assert.ok(sawNotReady, '/ready never turned false before the budget was spent');
  assert.ok(refusedAt > 0, 'disk budget never refused a request');
  const ready = await get(port, '/ready');
  assert.equal(ready.status, 503);
  assert.match(ready.body, /disk_high/);
  let m = await metrics();
  assert.ok(metric(m, 'wflg_capture_upload_errors_total') > 0);
  assert.ok(metric(m, 'wflg_capture_backlog_seconds') > 0.5);
  assert.equal(metric(m, 'wflg_capture_refusals_total{reason="disk_full"}'), 1);

  // The store comes back: the backlog drains and the agent is ready again.
  rmSync(storeDir);
  renameSync(`${storeDir}.away`, storeDir);
  await waitFor(
    'the backlog to drain',
    async () => metric(await metrics(), 'wflg_capture_disk_bytes') === 0,
    30_000,
  );
  await waitReady(port);
  const after = await post(port, '/report', body(id));
  assert.equal(after.status, 204);
  acked.push(id);
  m = await metrics();
  assert.ok(metric(m, 'wflg_capture_parts_uploaded_total') >= 2);

  agent.child.kill('SIGTERM');
  assert.equal(await exitOf(agent.child), 0, agent.stderr());
  const got = await readCapture(storeUrl);
  const ids = got.requests.map((r) => Number(/ (\d+) source=h id=/.exec(r.body.toString())![1]));
  assert.deepEqual(ids, acked);
  mkdirSync(join(dir, 'unused'), { recursive: true });
});
