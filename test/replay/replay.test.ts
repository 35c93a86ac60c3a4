import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage } from 'node:http';
import { createServer as createTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encodeHeader, type ContentEncoding } from '../../src/lib/capture-format.js';
import { isWflgError } from '../../src/lib/errors.js';
import { native } from '../../src/lib/native.js';
import { replay, type ReplayOptions } from '../../src/replay/replay.js';

const T0 = 1_600_000_000_000; // an old capture: far outside any collector's time window

interface Req {
  arrivalMs: number;
  body: string;
  query: string;
  encoding?: ContentEncoding;
}

function part(reqs: Req[], seq0: number): Buffer {
  const enc = new (native().FrameEncoder)(3);
  return Buffer.concat(
    reqs.map((r, i) => {
      const body = Buffer.from(r.body);
      const h = encodeHeader({
        arrivalMs: r.arrivalMs,
        wireBytes: body.length,
        encoding: r.encoding ?? 'identity',
        storedBytes: body.length,
        lines: r.body.split('\n').length - 1,
        path: '/report',
        query: r.query,
        client: '0123456789abcdef',
        mirrorFraction: 1,
        seq: seq0 + i,
      });
      return enc.encode(Buffer.concat([Buffer.from(h), body]));
    }),
  );
}

/** Two writers whose requests interleave in time; one request gzip-encoded, one span batch. */
function captureDir(): { url: string; reqs: Req[] } {
  const root = mkdtempSync(join(tmpdir(), 'wflg-replay-'));
  const dir = join(root, 'capture', 'dt=2020-09-13', 'mig=m', 'i1');
  mkdirSync(dir, { recursive: true });
  const a: Req[] = [];
  const b: Req[] = [];
  for (let i = 0; i < 10; i++) {
    const t = T0 + i * 20;
    a.push({
      arrivalMs: t,
      query: 'f=wavefront',
      body: `a.m ${i} ${Math.floor((t - 5000) / 1000)} source=h${i}\n`,
    });
    b.push({
      arrivalMs: t + 10,
      query: 'f=wavefront',
      encoding: i === 3 ? 'gzip' : 'identity',
      body: `b.m ${i} ${t - 2000} source=h\nb.n ${i} source=h\n`,
    });
  }
  b.push({
    arrivalMs: T0 + 500,
    query: 'f=trace',
    body: `op source=s traceId=7b3bf470-9456-11e8-9eb6-529269fb1459 spanId=0313bafe-9457-11e8-9eb6-529269fb1459 application=x service=y ${T0 - 1000} 12\n`,
  });
  writeFileSync(join(dir, 'part-wa-00000001.wf.zst'), part(a.slice(0, 5), 1));
  writeFileSync(join(dir, 'part-wa-00000002.wf.zst'), part(a.slice(5), 6));
  writeFileSync(join(dir, 'part-wb-00000001.wf.zst'), part(b, 1));
  return { url: `file://${root}`, reqs: [...a, ...b].sort((x, y) => x.arrivalMs - y.arrivalMs) };
}

/** Replay with test defaults (real time, no loop, no restamp); each test states what differs. */
const run = (capture: string, target: string, o: Partial<ReplayOptions> = {}) =>
  replay({
    capture,
    target,
    speed: 1,
    loop: false,
    restamp: false,
    maxInFlight: 1,
    lateMs: 50,
    ...o,
  });

async function httpTarget(delayMs = 0) {
  const got: Array<{ path: string; encoding: string | undefined; body: string }> = [];
  const server = createHttp((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const encoding = req.headers['content-encoding'];
      got.push({
        path: req.url ?? '',
        encoding,
        body: (encoding === 'gzip' ? gunzipSync(raw) : raw).toString(),
      });
      setTimeout(() => res.writeHead(202).end(), delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { got, url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

test('HTTP replay keeps order, request boundaries, paths, queries and encodings; restamps every timestamp', async () => {
  const { url, reqs } = captureDir();
  const target = await httpTarget();
  const before = Date.now();
  const r = await run(url, target.url, { restamp: true });
  await target.close();
  assert.equal(r.requests, reqs.length);
  assert.equal(r.statuses['202'], reqs.length);
  assert.equal(r.read.parts, 3);
  // The replay may not run ahead of its plan (captured span / speed).
  assert.ok(
    r.elapsedSeconds >= r.plannedSeconds * 0.95,
    `${r.elapsedSeconds} < ${r.plannedSeconds}`,
  );
  assert.deepEqual(
    target.got.map((g) => g.path),
    reqs.map((q) => `/report?${q.query}`),
  );
  assert.equal(target.got.filter((g) => g.encoding === 'gzip').length, 1);
  assert.equal(r.restampedLines, 10 + 10 + 1);
  for (const [i, g] of target.got.entries()) {
    const want = reqs[i]!.body.split('\n');
    const have = g.body.split('\n');
    assert.equal(have.length, want.length);
    for (const [j, line] of have.entries()) {
      const w = want[j]!.split(' ');
      const h = line.split(' ');
      assert.equal(h.length, w.length, line);
      for (const [k, tok] of h.entries()) {
        if (tok === w[k]) continue;
        // Only the timestamp changed, in its own unit, to about now (keeping the captured lag).
        const perMs = w[k]!.length <= 10 ? 1000 : 1;
        const ts = Number(tok) * perMs;
        const lag = reqs[i]!.arrivalMs - Number(w[k]) * perMs;
        assert.ok(Math.abs(ts + lag - before) < 60_000, `restamped ${w[k]} -> ${tok}`);
      }
    }
  }
});

test('--mirror sends every request to a second target as well, without touching the primary', async () => {
  const { url, reqs } = captureDir();
  const primary = await httpTarget();
  const shadow = await httpTarget(30);
  const r = await run(url, primary.url, { mirror: shadow.url, speed: 20, maxInFlight: 4 });
  await primary.close();
  await shadow.close();
  assert.equal(r.statuses['202'], reqs.length);
  assert.equal(r.mirrorStatuses['202'], reqs.length);
  assert.deepEqual(shadow.got.map((g) => g.body).sort(), primary.got.map((g) => g.body).sort());
});

test('TCP replay writes bodies back to back in arrival order', async () => {
  const { url, reqs } = captureDir();
  let data = '';
  const server = createTcp((s) => s.on('data', (c: Buffer) => (data += c.toString())));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const r = await run(url, `tcp://127.0.0.1:${port}`, { speed: 20, maxInFlight: 4 });
  await new Promise((res) => setTimeout(res, 100));
  server.close();
  assert.equal(r.statuses['200'], reqs.length);
  assert.equal(data, reqs.map((q) => q.body).join(''));
});

test('--loop keeps going past the end with timestamps still moving forward; --max-requests stops it', async () => {
  const { url, reqs } = captureDir();
  const target = await httpTarget();
  const r = await run(url, target.url, {
    speed: 50,
    loop: true,
    restamp: true,
    maxInFlight: 2,
    maxRequests: reqs.length * 2 + 3,
  });
  await target.close();
  assert.equal(r.requests, reqs.length * 2 + 3);
  // b.m lines carry ms timestamps, fine enough to see passes a few ms apart.
  const firstA = target.got
    .filter((g) => g.body.startsWith('b.m 0 '))
    .map((g) => Number(g.body.split(' ')[2]));
  assert.equal(firstA.length, 3);
  assert.ok(firstA[0]! < firstA[1]! && firstA[1]! < firstA[2]!, firstA.join(','));
});

test('a slow target makes sends late (counted), never silently stretches the plan', async () => {
  const { url } = captureDir();
  const target = await httpTarget(100);
  const r = await run(url, target.url, { lateMs: 20 });
  await target.close();
  assert.ok(r.late > 5, `late ${r.late}`);
  assert.ok(r.lagMs.p99 > 20);
});

test('damage and emptiness: corrupt parts are counted, an empty capture is an input error', async () => {
  const { url } = captureDir();
  const dir = join(new URL(url).pathname, 'capture', 'dt=2020-09-13', 'mig=m', 'i1');
  writeFileSync(join(dir, 'part-wc-00000001.wf.zst'), Buffer.from('garbage, not zstd\n'));
  writeFileSync(join(dir, 'part-wd-00000001.wf.zst'), gzipSync('x 1 source=y\n'));
  const target = await httpTarget();
  const r = await run(url, target.url, { speed: 100, maxInFlight: 8 });
  await target.close();
  assert.equal(r.requests, 21);
  assert.ok(r.read.tailBytes > 0);
  const empty = mkdtempSync(join(tmpdir(), 'wflg-replay-empty-'));
  await assert.rejects(run(`file://${empty}`, target.url, { lateMs: 10 }), (e: unknown) =>
    isWflgError(e, 'WFLG_E_INPUT_READ'),
  );
});
