import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { records } from '../../src/lib/capture-format.js';
import { native } from '../../src/lib/native.js';
import { Sink } from '../../src/sink/sink.js';
import { BIN, runCli, waitFor } from '../helpers.js';
import { withSink } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'wflg-sink-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes `pieces` to the TCP port one by one (optionally pausing), then ends and waits for close. */
function sendTcp(port: number, pieces: Array<string | Buffer>, gapMs = 0): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    sock.on('data', (c: Buffer) => got.push(c));
    sock.on('error', reject);
    sock.on('close', () => resolve(Buffer.concat(got)));
    sock.on('connect', () => {
      void (async () => {
        for (const p of pieces) {
          sock.write(p);
          if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
        }
        sock.end();
      })();
    });
  });
}

async function settle(s: Sink, want: () => boolean): Promise<void> {
  await waitFor('the sink to settle', want, 2000, 10).catch(() => undefined);
  assert.ok(want(), `sink did not settle: ${JSON.stringify(s.stats(5))}`);
}

const GOOD = [
  'cpu.load 1.5 1700000000 source=a env=prod',
  'cpu.load 2.5 1700000001 source=b env=prod',
  '!M 1700000000 #3 1.5 #1 2 lat.ms source=a',
  'disk.free 10 source=a',
];
const BAD = ['cpu.load abc source=a', 'bad name 1 source=a'];

test('TCP: counts good and rejected lines exactly, per kind, code and family', async () => {
  await withSink({}, async (s) => {
    await sendTcp(s.tcpPort, [GOOD.join('\n') + '\n' + BAD.join('\n') + '\n']);
    await settle(s, () => s.counts.lines === 6);
    const st = s.stats();
    assert.equal(st.lines, 6);
    assert.equal(st.rejected, 2);
    assert.equal(st.byKind.metric, 5);
    assert.equal(st.byKind.histogram_m, 1);
    assert.equal(
      Object.values(st.byCode).reduce((a, b) => a + b, 0),
      2,
    );
    const cpu = st.families.find((f) => f.name === 'cpu.load' && f.rejected === 0);
    assert.ok(cpu);
    assert.equal(cpu.lines, 2);
    assert.equal(cpu.kind, 'metric');
    assert.match(cpu.id, /^[0-9a-f]{16}$/);
  });
});

test('TCP: lines split at every byte boundary count the same; unterminated tail is dropped', async () => {
  await withSink({}, async (s) => {
    const text = GOOD.join('\n') + '\nlast.line 1 source=a';
    await sendTcp(
      s.tcpPort,
      [...Buffer.from(text)].map((b) => Buffer.from([b])),
    );
    await settle(s, () => s.counts.byCode.get('unterminated') === 1);
    assert.equal(s.counts.lines, 4);
    assert.equal(s.counts.rejected, 1);
    assert.equal(s.counts.lostBytes, 'last.line 1 source=a'.length);
  });
});

test('TCP: a connection that ends before its first two bytes loses that byte once (regression: end and close both counted it)', async () => {
  await withSink({}, async (s) => {
    await sendTcp(s.tcpPort, ['x']);
    await waitFor('the connection to close', () => s.stats().tcpConnections === 0, 2000, 10);
    assert.equal(s.counts.lostBytes, 1);
    assert.equal(s.counts.lines, 0);
  });
});

test("TCP: a gzip stream's unterminated tail is dropped and counted once, after the inflater ends (regression: counted only if close came after the inflated bytes)", async () => {
  await withSink({}, async (s) => {
    const tail = 'last.line 1 source=a';
    await sendTcp(s.tcpPort, [gzipSync(GOOD.join('\n') + '\n' + tail)]);
    await settle(s, () => s.counts.byCode.get('unterminated') === 1);
    await waitFor('the connection to close', () => s.stats().tcpConnections === 0, 2000, 10);
    assert.equal(s.counts.lines, 4);
    assert.equal(s.counts.rejected, 1);
    assert.equal(s.counts.lostBytes, tail.length);
  });
});

test('TCP: an over-long line is dropped without buffering it and the stream goes on', async () => {
  await withSink({}, async (s) => {
    const huge = 'x'.repeat(200_000);
    // The long line arrives in many pieces, then normal lines follow on the same connection.
    const pieces = ['a.b 1 source=a\n', huge.slice(0, 70000), huge.slice(70000), ' 1 source=a\n'];
    pieces.push('c.d 2 source=a\n', 'x'.repeat(40000) + ' 1\n', 'e.f 3 source=a\n');
    await sendTcp(s.tcpPort, pieces, 5);
    await settle(s, () => s.counts.lines >= 3);
    assert.equal(s.counts.lines, 3 + 1, 'the 40 kB line within one read is parsed, then refused');
    assert.equal(s.counts.byCode.get('line_too_long'), 1);
    assert.equal(s.counts.rejected, 2);
  });
});

test('TCP: a stream that starts like HTTP is lost whole, answered 400 and counted', async () => {
  await withSink({}, async (s) => {
    const reply = await sendTcp(s.tcpPort, ['POWER.usage 1 source=a\nx.y 2 source=a\n']);
    assert.match(reply.toString(), /^HTTP\/1\.1 400/);
    await settle(s, () => s.counts.byCode.get('http_on_tcp') === 1);
    assert.equal(s.counts.lines, 0);
    assert.ok(s.counts.lostBytes > 0);
  });
});

test('TCP: a gzip stream is inflated like the proxy does', async () => {
  await withSink({}, async (s) => {
    await sendTcp(s.tcpPort, [gzipSync(GOOD.join('\n') + '\n')]);
    await settle(s, () => s.counts.lines === 4);
    assert.equal(s.counts.rejected, 0);
  });
});

test('HTTP /report: formats, gzip, 202 even with bad lines, auth, bad gzip, oversize', async () => {
  await withSink({ token: 'sekret' }, async (s) => {
    const url = `http://127.0.0.1:${s.httpPort}/report`;
    const auth = { authorization: 'Bearer sekret' };
    let r = await fetch(`${url}?f=wavefront`, { method: 'POST', body: 'a.b 1 source=x\n' });
    assert.equal(r.status, 401);
    r = await fetch(`${url}?f=wavefront`, {
      method: 'POST',
      headers: { ...auth, 'content-encoding': 'gzip' },
      body: gzipSync(GOOD.join('\n') + '\n' + BAD[0]),
    });
    assert.equal(r.status, 202);
    assert.equal(s.counts.lines, 5);
    // f=wavefront feeds the histogram line to the metric decoder: rejected like at the proxy.
    assert.equal(s.counts.rejected, 2);
    r = await fetch(`${url}?f=histogram`, {
      method: 'POST',
      headers: auth,
      body: GOOD[2],
    });
    assert.equal(r.status, 202);
    // Under f=wavefront the first `!M` line was a (rejected) metric; this one is a histogram.
    assert.equal(s.counts.byKind[3], 1);
    r = await fetch(url, {
      method: 'POST',
      headers: { ...auth, 'content-encoding': 'gzip' },
      body: Buffer.from('not gzip at all'),
    });
    assert.equal(r.status, 400);
    r = await fetch(url, {
      method: 'POST',
      headers: { ...auth, 'content-encoding': 'br' },
      body: 'x',
    });
    assert.equal(r.status, 415);
    r = await fetch(url, {
      method: 'POST',
      headers: auth,
      body: Buffer.alloc((16 << 20) + 1, 0x41),
    });
    assert.equal(r.status, 413);
    assert.equal(s.counts.lines, 6, 'refused bodies count no lines');
  });
});

test('HTTP: a slow client trickling its body is counted once it completes', async () => {
  await withSink({}, async (s) => {
    const body = GOOD.join('\n') + '\n';
    const stream = new ReadableStream<Uint8Array>({
      async start(c) {
        for (const b of Buffer.from(body)) {
          c.enqueue(Uint8Array.of(b));
          await new Promise((r) => setTimeout(r, 1));
        }
        c.close();
      },
    });
    const r = await fetch(`http://127.0.0.1:${s.httpPort}/report`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    });
    assert.equal(r.status, 202);
    assert.equal(s.counts.lines, 4);
  });
});

test('control endpoints: stats, metrics, health, fault injection validated, reset', async () => {
  await withSink({}, async (s) => {
    const base = `http://127.0.0.1:${s.httpPort}`;
    await fetch(`${base}/report`, { method: 'POST', body: GOOD.join('\n') });
    const stats = (await (await fetch(`${base}/v1/stats`)).json()) as { lines: number };
    assert.equal(stats.lines, 4);
    const m = await (await fetch(`${base}/metrics`)).text();
    assert.match(m, /wflg_sink_lines_total\{kind="metric"\} 3/);
    assert.match(m, /wflg_sink_lines_total\{kind="histogram_m"\} 1/);
    assert.equal((await fetch(`${base}/health`)).status, 200);
    let r = await fetch(`${base}/v1/fault`, {
      method: 'PUT',
      body: JSON.stringify({ failStatus: 'x', nope: 1 }),
    });
    assert.equal(r.status, 400);
    const err = (await r.json()) as { problems: string[] };
    assert.equal(err.problems.length, 2, 'every problem is reported at once');
    r = await fetch(`${base}/v1/fault`, { method: 'PUT', body: '{"failStatus":503}' });
    assert.equal(r.status, 200);
    r = await fetch(`${base}/report`, { method: 'POST', body: GOOD[0] });
    assert.equal(r.status, 503);
    assert.equal(s.counts.lines, 4);
    await fetch(`${base}/v1/reset`, { method: 'POST' });
    assert.equal(s.counts.lines, 0);
  });
});

test('tee: what arrives is written as capture records the profiler can read', async () => {
  const path = join(tmp, 'tee.wf.zst');
  await withSink({ tee: path }, async (s) => {
    const body = GOOD.join('\n');
    await fetch(`http://127.0.0.1:${s.httpPort}/report?f=wavefront`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body: gzipSync(body),
    });
    await sendTcp(s.tcpPort, [BAD.join('\n') + '\n']);
    await settle(s, () => s.counts.lines === 6);
  });
  const dec = native().decodeFrames(readFileSync(path), 1 << 28);
  assert.equal(dec.corrupt.length, 0);
  const recs = [...records(dec.data)];
  assert.equal(recs.length, 2);
  assert.equal(recs[0]!.header.encoding, 'gzip');
  assert.equal(recs[0]!.header.query, 'f=wavefront');
  assert.equal(recs[0]!.header.path, '/report');
  assert.equal(recs[0]!.header.lines, 4);
  assert.equal(recs[0]!.body.toString(), GOOD.join('\n') + '\n');
  assert.equal(recs[1]!.header.path, 'tcp');
  assert.equal(recs[1]!.body.toString(), BAD.join('\n') + '\n');
});

let child: ReturnType<typeof spawn> | undefined;
after(() => child?.kill('SIGKILL'));

test('CLI: prints its ports as one JSON line, serves, exits 0 on SIGTERM; bad flags exit 2', async () => {
  child = spawn(process.execPath, [BIN, 'sink', '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = await new Promise<string>((resolve) =>
    child!.stdout!.once('data', (c: Buffer) => resolve(c.toString())),
  );
  const info = JSON.parse(line) as { port: number; tcpPort: number };
  await sendTcp(info.tcpPort, ['a.b 1 source=x\n']);
  const r = await fetch(`http://127.0.0.1:${info.port}/report`, {
    method: 'POST',
    body: 'c.d 1 source=x',
  });
  assert.equal(r.status, 202);
  const stats = (await (await fetch(`http://127.0.0.1:${info.port}/v1/stats`)).json()) as {
    lines: number;
  };
  assert.equal(stats.lines, 2);
  const exit = new Promise<number | null>((resolve) => child!.on('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exit, 0);
  const bad = await runCli(['sink', '--listen', 'nope', '--bogus']);
  assert.equal(bad.code, 2);
});
