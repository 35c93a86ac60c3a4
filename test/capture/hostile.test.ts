// Hostile input against a running agent: every case is answered (or its connection closed),
// counted by reason, and none stops the agent; what was stored comes back byte-exact.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { after } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import {
  exitOf,
  get,
  metric,
  post,
  readCapture,
  spawnAgent,
  waitReady,
  killAll,
} from './harness.js';

function raw(
  port: number,
  text: string,
  holdMs: number,
): Promise<{ reply: string; closed: boolean }> {
  return new Promise((resolve) => {
    let reply = '';
    let closed = false;
    const s = connect(port, '127.0.0.1', () => s.write(text));
    s.on('data', (c: Buffer) => (reply += c.toString()));
    s.on('error', () => undefined);
    s.on('close', () => (closed = true));
    setTimeout(() => {
      s.destroy();
      resolve({ reply, closed });
    }, holdMs);
  });
}

after(killAll);

test('hostile input is answered, counted and survived', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-hostile-'));
  const storeUrl = `file://${join(dir, 'store')}`;
  const agent = await spawnAgent([
    ...['--data-dir', join(dir, 'data'), '--store', storeUrl, '--mig', 'm', '--instance', 'i'],
    ...['--max-body-bytes', '1MiB', '--max-decoded-bytes', '4MiB', '--body-timeout', '0.5'],
    ...['--rotate-seconds', '0.5', '--threads', '1'],
  ]);
  const port = agent.port;
  await waitReady(port);
  const stored: Buffer[] = [];
  const ok = async (body: Buffer, headers: Record<string, string> = {}, decoded = body) => {
    const r = await post(port, '/report?f=wavefront', body, headers);
    assert.equal(r.status, 204, r.body);
    stored.push(decoded);
  };

  // Stored as received (decoded), whatever the parser thinks of it.
  await ok(Buffer.alloc(0));
  const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff));
  await ok(garbage);
  await ok(Buffer.from([0x6d, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x20, 0x31, 0x0a])); // invalid UTF-8
  const longLine = Buffer.from(`long.metric 1 source=${'x'.repeat(600_000)}\n`);
  await ok(longLine);
  const text = Buffer.from('a.b 1 source=s\nc.d 2 source=s\n');
  await ok(gzipSync(text), { 'content-encoding': 'gzip', host: 'collector-shadow:2878' }, text);
  await ok(deflateSync(text), { 'content-encoding': 'deflate' }, text);
  await ok(Buffer.from('no newline at the end 1 source=s'));
  // Chunked (no Content-Length): one chunk, then several, each stored whole and in order.
  const one = Buffer.from('chunked.one 1 source=s\n');
  assert.equal((await post(port, '/report', [one])).status, 204);
  stored.push(one);
  const parts = ['chunked.a 1 source=s\n', 'chunked.b 2 ', 'source=s\n'].map((t) => Buffer.from(t));
  assert.equal((await post(port, '/report', parts)).status, 204);
  stored.push(Buffer.concat(parts));

  // Refused, with the right status, never stored.
  const bomb = gzipSync(Buffer.alloc(64 << 20));
  assert.ok(bomb.length < 1 << 20);
  assert.equal((await post(port, '/report', bomb, { 'content-encoding': 'gzip' })).status, 413);
  const huge = Buffer.alloc(2 << 20, 0x61);
  await post(port, '/report', huge).then(
    (r) => assert.equal(r.status, 413),
    () => undefined, // the agent may close before the client finished sending
  );
  assert.equal(
    (await post(port, '/report', Buffer.from('xx'), { 'content-encoding': 'gzip' })).status,
    400,
  );
  assert.equal(
    (await post(port, '/report', Buffer.from('xx'), { 'content-encoding': 'br' })).status,
    415,
  );
  const put = await raw(
    port,
    'PUT /report HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab',
    200,
  );
  assert.match(put.reply, /^HTTP\/1\.1 405/);
  const chunkedHuge = await raw(
    port,
    'POST /report HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
      `100000\r\n${'b'.repeat(0x100000)}\r\n100000\r\n${'b'.repeat(0x100000)}\r\n0\r\n\r\n`,
    300,
  );
  assert.match(chunkedHuge.reply, /^HTTP\/1\.1 413/);
  // A malformed Content-Length never becomes a stored request (uWS or the agent answers 400).
  const badLength = await raw(
    port,
    'POST /report HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\nab',
    200,
  );
  assert.ok(badLength.reply === '' || /^HTTP\/1\.1 400/.test(badLength.reply), badLength.reply);
  // Short body: the connection ends before Content-Length bytes arrived.
  const short = await raw(
    port,
    'POST /report HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf 1 source=s\n',
    50,
  );
  assert.equal(short.reply, '');
  // Slow loris: headers and a trickle, never the whole body; dropped after --body-timeout.
  const loris = await raw(
    port,
    'POST /report HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nslow',
    1500,
  );
  assert.equal(loris.closed, true, 'slow body not dropped');

  // Thousands of idle connections do not stop service.
  const idle: Socket[] = [];
  // 10k where the descriptor limit allows it (this process holds one end of each connection).
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  const N = Math.min(10_000, (Number.isFinite(limit) ? limit : 1024) - 256);
  await Promise.all(
    Array.from(
      { length: N },
      () =>
        new Promise<void>((resolve) => {
          const s = connect(port, '127.0.0.1', () => resolve());
          s.on('error', () => resolve());
          idle.push(s);
        }),
    ),
  );
  await ok(Buffer.from('still.alive 1 source=s\n'));
  for (const s of idle) s.destroy();

  const m = (await get(port, '/metrics')).body;
  assert.equal(metric(m, 'wflg_capture_requests_total{result="stored"}'), stored.length);
  assert.equal(metric(m, 'wflg_capture_refusals_total{reason="decoded_too_large"}'), 1);
  assert.equal(metric(m, 'wflg_capture_refusals_total{reason="body_too_large"}'), 2);
  assert.equal(metric(m, 'wflg_capture_refusals_total{reason="bad_encoding"}'), 1);
  assert.equal(metric(m, 'wflg_capture_refusals_total{reason="unsupported_encoding"}'), 1);
  assert.equal(metric(m, 'wflg_capture_refusals_total{reason="method_not_allowed"}'), 1);
  assert.equal(metric(m, 'wflg_capture_aborts_total{reason="client_abort"}'), 1);
  assert.equal(metric(m, 'wflg_capture_aborts_total{reason="body_timeout"}'), 1);
  assert.ok(metric(m, 'wflg_capture_rejects_total') >= 3, 'parser rejects not counted');
  assert.ok(metric(m, 'wflg_capture_lines_total{kind="metric"}') >= 4);

  assert.deepEqual(await get(port, '/health'), { status: 200, body: 'ok\n' });
  assert.equal((await get(port, '/no-such-page')).status, 404);

  agent.child.kill('SIGTERM');
  assert.equal(await exitOf(agent.child), 0, agent.stderr());
  const got = await readCapture(storeUrl);
  const withNl = (b: Buffer): Buffer =>
    b.length === 0 || b[b.length - 1] === 10 ? b : Buffer.concat([b, Buffer.from('\n')]);
  assert.deepEqual(
    got.requests.map((r) => r.body),
    stored.map(withNl),
  );
  assert.deepEqual(
    got.requests.map((r) => r.header.encoding),
    [
      ...['identity', 'identity', 'identity', 'identity', 'gzip', 'deflate', 'identity'],
      ...['identity', 'identity', 'identity'],
    ],
  );
});
