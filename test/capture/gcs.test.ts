// The uploader against gs:// (the store's own resumable client) on the strict fake GCS: failed
// initiations, a reset mid-chunk and a lost final response (settled by the checksum comparison),
// and a SIGKILL right after an object was created but before its manifest line. Every
// acknowledged request ends up in the bucket exactly once, every part listed once.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { after } from 'node:test';
import { StrictGcs } from '../fakes/gcs-strict.js';
import { exitOf, killAll, post, readCapture, spawnAgent, waitReady } from './harness.js';

after(killAll);

function body(id: number): Buffer {
  let s = '';
  for (let l = 0; l < 200; l++) s += `gcs.metric ${l} ${id} source=h${l % 7} req=${id}\n`;
  return Buffer.from(s);
}

test('gs:// uploads survive store faults and a kill between object and manifest', async () => {
  const fake = await StrictGcs.start(['wflg-test']);
  try {
    const dir = mkdtempSync(join(tmpdir(), 'wflg-capture-gcs-'));
    const storeUrl = 'gs://wflg-test/root';
    const args = [
      ...['--data-dir', join(dir, 'data'), '--store', storeUrl, '--gcs-endpoint', fake.endpoint],
      ...['--mig', 'm', '--instance', 'i', '--rotate-seconds', '0.3', '--upload-concurrency', '2'],
    ];
    fake.faults.add('upload.initiate', 'return-503');
    fake.faults.add(
      'upload.chunk',
      'return-reset-connection',
      'return-broken-stream-final-chunk-after-0B',
    );
    const acked: number[] = [];
    let id = 0;
    const first = await spawnAgent(args, { WFLG_CAPTURE_CRASH_AT: 'uploaded:2' });
    await waitReady(first.port);
    const dead = exitOf(first.child);
    let alive = true;
    void dead.then(() => (alive = false));
    const deadline = Date.now() + 15_000;
    while (alive && Date.now() < deadline) {
      try {
        if ((await post(first.port, '/report', body(id))).status === 204) acked.push(id);
      } catch {
        // killed mid-request
      }
      id++;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await dead, 'SIGKILL', 'the crash point after an upload never fired');

    const second = await spawnAgent(args);
    await waitReady(second.port);
    for (let k = 0; k < 5; k++, id++)
      if ((await post(second.port, '/report', body(id))).status === 204) acked.push(id);
    second.child.kill('SIGTERM');
    assert.equal(await exitOf(second.child), 0, second.stderr());

    const got = await readCapture(storeUrl, fake.endpoint);
    const ids = got.requests.map((r) => Number(/ req=(\d+)\n/.exec(r.body.toString())![1]));
    for (const a of acked) assert.equal(ids.filter((x) => x === a).length, 1, `request ${a}`);
    assert.equal(new Set(ids).size, ids.length, 'a request stored twice');
    for (const r of got.requests)
      assert.deepEqual(r.body, body(Number(/ req=(\d+)\n/.exec(r.body.toString())![1])));
    assert.deepEqual(got.manifestLines.map((l) => l.object).sort(), [...got.parts].sort());
    assert.deepEqual(fake.faults.remaining(), {}, 'not every fault was exercised');
    assert.ok(acked.length >= 5);
  } finally {
    await fake.close();
  }
});
