// Line counts by kind and reject code through a real agent: large bodies, some gzip, posted
// concurrently so batches hold several, are counted exactly as one pass of the parser over each
// body counts them, in the metrics and in the manifest.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { after } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Classifier, newCounts } from '../../src/capture/classify.js';
import { KIND_NAMES } from '../../src/lib/wavefront.js';
import {
  exitOf,
  get,
  killAll,
  metric,
  post,
  readCapture,
  spawnAgent,
  waitReady,
} from './harness.js';

after(killAll);

function body(lines: number, seed: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const r = (i * 31 + seed) % 17;
    out.push(
      r === 0
        ? `no value here ${i}`
        : r === 1
          ? `∆req.count ${i % 3} source=h${i % 4}`
          : r === 2
            ? `bad"name 1 source=s`
            : `cpu.load.${i % 7} ${i}.25 1533529977 source=host-${i % 50} dc="east ${i % 3}"`,
    );
  }
  return Buffer.from(out.join('\n') + (seed % 2 ? '' : '\n'));
}

test('lines are counted exactly, by kind and reject code, across requests and batches', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-counts-'));
  const storeUrl = `file://${join(dir, 'store')}`;
  const a = await spawnAgent([
    ...['--data-dir', join(dir, 'data'), '--store', storeUrl, '--mig', 'm', '--instance', 'i'],
  ]);
  await waitReady(a.port);
  const bodies = [0, 1, 2, 3, 4, 5].map((s) => body(8000 + 2000 * s, s));
  assert.ok(
    bodies.every((b) => b.length > 256 << 10),
    'each body spans several slices',
  );
  const replies = await Promise.all(
    bodies.map((b, i) =>
      i % 3 === 2
        ? post(a.port, '/report?f=wavefront', gzipSync(b), { 'content-encoding': 'gzip' })
        : post(a.port, '/report?f=wavefront', b),
    ),
  );
  assert.deepEqual(
    replies.map((r) => r.status),
    bodies.map(() => 204),
  );
  const want = newCounts();
  const cl = new Classifier();
  for (const b of bodies) cl.count(b, 'f=wavefront', want);
  const wantRejects = [...want.rejects.values()].reduce((n, v) => n + v, 0);
  assert.ok(wantRejects > 1000 && want.kinds.filter((n) => n > 0).length >= 2);
  // Counts trail the acks (the worker reports them after the frame): wait until all are in.
  const total = want.kinds.reduce((n, v) => n + v, 0);
  let m = '';
  for (let i = 0; i < 200; i++) {
    m = (await get(a.port, '/metrics')).body;
    if (metric(m, 'wflg_capture_lines_total') >= total) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  want.kinds.forEach((n, k) => {
    if (k > 0) assert.equal(metric(m, `wflg_capture_lines_total{kind="${KIND_NAMES[k]}"}`), n);
  });
  for (const [code, n] of want.rejects)
    assert.equal(metric(m, `wflg_capture_rejects_total{code="${code}"}`), n, code);
  a.child.kill('SIGTERM');
  assert.equal(await exitOf(a.child), 0);
  const got = await readCapture(storeUrl);
  const manifest = new Map<string, number>();
  for (const l of got.manifestLines)
    for (const [c, n] of Object.entries(l.rejects as Record<string, number>))
      manifest.set(c, (manifest.get(c) ?? 0) + n);
  assert.deepEqual(new Map([...manifest].sort()), new Map([...want.rejects].sort()));
});
