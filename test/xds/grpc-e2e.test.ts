// End to end with the real gRPC xDS client (@grpc/grpc-js-xds, in a child process) against a real
// `wflg xds` process whose inventory is a regional MIG on a fake Compute endpoint. Backends are
// grpc-js servers on distinct loopback addresses sharing one port, as VMs of a MIG do. The
// client's own view (CSDS, from its admin server) must match the controller's versions.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import type { Server } from '@grpc/grpc-js';
import { ROOT } from '../helpers.js';
import { TYPE } from '../../src/xds/proto.js';
import { csdsClient, fetchClientStatus, type ClientConfig } from './csds.js';
import { serveEcho, xdsBootstrap } from './echo.js';
import { startController, type Controller } from './envoy-harness.js';
import { FakeGce, vm, type FakeInstance } from './fake-gce.js';
import { sleep, until } from './harness.js';

interface Call {
  t: number;
  ok: boolean;
  b?: string;
  e?: string;
}

/** §11 test 19: how long the controller stays dead while RPCs must keep succeeding. */
const OUTAGE_S = 30;

describe('grpc-js-xds end to end', () => {
  const gce = new FakeGce();
  const MIG = 'regions/us-central1/col';
  const servers: Server[] = [];
  let port = 0;
  let ctl: Controller;
  let client: ChildProcess;
  const calls: Call[] = [];
  let controllerArgs: string[] = [];
  let adminPort = 0;

  const set = (list: FakeInstance[]): void => void gce.migs.set(MIG, list);
  const since = (t: number): Call[] => calls.filter((c) => c.t >= t);
  const failures = (t: number): Call[] => since(t).filter((c) => !c.ok);
  const snapshotVersions = async (): Promise<Record<string, string>> => {
    const j = (await (await fetch(`http://127.0.0.1:${ctl.adminPort}/v1/snapshot`)).json()) as {
      types: Record<string, { version: string }>;
    };
    return Object.fromEntries(Object.entries(j.types).map(([t, v]) => [t, v.version]));
  };
  const snapshotVersion = async (): Promise<string> => (await snapshotVersions())[TYPE.endpoint]!;

  before(async () => {
    await gce.start();
    gce.pageSize = 2;
    const first = await serveEcho('127.0.0.2', 0, 'vm-1');
    port = first.port;
    servers.push(first.server);
    for (const [ip, name] of [
      ['127.0.0.3', 'vm-2'],
      ['127.0.0.4', 'vm-3'],
      ['127.0.0.5', 'vm-2b'],
    ] as const)
      servers.push((await serveEcho(ip, port, name)).server);
    set([vm(1, 'us-central1-a'), vm(2, 'us-central1-a'), vm(3, 'us-central1-b')]);
    controllerArgs = [
      ...gce.controllerArgs('regions/us-central1/instanceGroupManagers/col'),
      '--collector-port',
      String(port),
      '--grpc-listeners',
      'collector=collector_cluster',
      '--poll-interval',
      '0.2s',
      '--debounce',
      '0',
    ];
    ctl = await startController(controllerArgs);
    const bootstrap = xdsBootstrap(ctl.grpcPort, 'grpc-e2e');
    client = spawn(
      process.execPath,
      [join(ROOT, 'dist', 'test', 'xds', 'grpc-client-child.js'), 'collector', '2', 'admin'],
      {
        env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap) },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    createInterface({ input: client.stdout! }).on('line', (l) => {
      const j = JSON.parse(l) as Call | { admin: number };
      if ('admin' in j) adminPort = j.admin;
      else calls.push(j);
    });
  });

  after(async () => {
    client?.stdin?.end();
    client?.kill();
    await ctl?.kill();
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.tryShutdown(() => r()))));
    await gce.close();
  });

  test('xds:///collector resolves through LDS/RDS/CDS/EDS to every VM of the MIG', async () => {
    await until(
      () => new Set(calls.filter((c) => c.ok).map((c) => c.b)).size === 3,
      15_000,
      'all three VMs',
    );
    assert.deepEqual([...new Set(calls.filter((c) => c.ok).map((c) => c.b))].sort(), [
      'vm-1',
      'vm-2',
      'vm-3',
    ]);
  });

  test('CSDS: the client reports LDS, RDS, CDS and EDS ACKED at the controller’s versions', async (t) => {
    await until(() => adminPort > 0, 5000, 'the child’s admin port');
    const csds = csdsClient(adminPort);
    const fetchStatus = (): Promise<ClientConfig[]> => fetchClientStatus(csds);
    try {
      const want = await snapshotVersions();
      const expected = [
        { type_url: TYPE.cluster, name: 'collector_cluster' },
        { type_url: TYPE.endpoint, name: 'collector_cluster' },
        { type_url: TYPE.listener, name: 'collector' },
        { type_url: TYPE.route, name: 'collector-route' },
      ].map((r) => ({
        // csds.proto: type_url is the message's full name ("envoy.v3.Cluster"), no type.googleapis.com/.
        type_url: r.type_url.replace(/^type\.googleapis\.com\//, ''),
        name: r.name,
        client_status: 'ACKED',
        version_info: want[r.type_url],
      }));
      let got: object[] = [];
      let node = '';
      const view = (c: ClientConfig[]): void => {
        node = c[0]?.node?.id ?? '';
        got = (c[0]?.generic_xds_configs ?? [])
          .map(({ type_url, name, client_status, version_info }) => ({
            type_url,
            name,
            client_status,
            version_info,
          }))
          .sort((a, b) => a.type_url.localeCompare(b.type_url));
      };
      // Each type is ACKED once its response is applied; the first RPCs can precede the last ACK.
      await until(
        () => JSON.stringify(got) === JSON.stringify(expected),
        5000,
        'CSDS showing all four ACKED',
        async () => view(await fetchStatus()),
      ).catch(() => undefined);
      t.diagnostic(`CSDS (node ${node}): ${JSON.stringify(got)}`);
      assert.equal(node, 'grpc-e2e');
      assert.deepEqual(got, expected);
    } finally {
      csds.close();
    }
  });

  test('locality weights hold: zone a (2 VMs) takes 2/3 of calls, ±10 %', async (t) => {
    // grpc-js picks a locality at random by weight, so the share is binomial: over 1,200 calls
    // ±10 % of 2/3 is about ±5 standard deviations.
    const t0 = Date.now();
    await until(() => since(t0).length >= 1200, 30_000, '1200 calls');
    const window = since(t0).slice(0, 1200);
    assert.equal(window.filter((c) => !c.ok).length, 0);
    const a = window.filter((c) => c.b === 'vm-1' || c.b === 'vm-2').length;
    const share = a / window.length;
    t.diagnostic(
      `zone a ${a} of ${window.length} (${(share * 100).toFixed(1)} %, expected 66.7 %)`,
    );
    assert.ok(Math.abs(share - 2 / 3) <= (2 / 3) * 0.1, `zone a share ${share}`);
  });

  const drain = async (action: string, instanceStatus = 'RUNNING'): Promise<number> => {
    const t0 = Date.now();
    set([
      vm(1, 'us-central1-a'),
      vm(2, 'us-central1-a', action, instanceStatus),
      vm(3, 'us-central1-b'),
    ]);
    // poll interval (200 ms) + 500 ms, then vm-2 must get nothing.
    await sleep(700);
    const t1 = Date.now();
    await sleep(500);
    assert.equal(
      since(t1).filter((c) => c.b === 'vm-2').length,
      0,
      `${action}: vm-2 still gets calls`,
    );
    assert.ok(since(t1).length > 50);
    const last =
      since(t0)
        .filter((c) => c.b === 'vm-2')
        .at(-1)?.t ?? t0;
    return last - t0;
  };

  test('DELETING drains vm-2 with zero failed RPCs, then its removal costs none either', async (t) => {
    const t0 = Date.now();
    const took = await drain('DELETING');
    t.diagnostic(`last call to vm-2 ${took} ms after the MIG said DELETING`);
    set([vm(1, 'us-central1-a'), vm(3, 'us-central1-b')]);
    await sleep(800);
    assert.deepEqual(failures(t0), []);
    set([vm(1, 'us-central1-a'), vm(2, 'us-central1-a'), vm(3, 'us-central1-b')]);
    await until(() => since(Date.now() - 200).some((c) => c.b === 'vm-2'), 5000, 'vm-2 back');
  });

  test('ABANDONING and STOPPING drain with zero errors; RECREATING drains, then the new VM serves', async () => {
    const t0 = Date.now();
    for (const [action, status] of [
      ['ABANDONING', 'RUNNING'],
      ['NONE', 'STOPPING'],
    ] as const) {
      await drain(action, status);
      set([vm(1, 'us-central1-a'), vm(2, 'us-central1-a'), vm(3, 'us-central1-b')]);
      await until(() => since(Date.now() - 200).some((c) => c.b === 'vm-2'), 5000, 'vm-2 back');
    }
    await drain('RECREATING');
    set([
      vm(1, 'us-central1-a'),
      { ...vm(2, 'us-central1-a', 'NONE', 'RUNNING', '127.0.0.5'), id: '2002' },
      vm(3, 'us-central1-b'),
    ]);
    await until(
      () => since(Date.now() - 200).some((c) => c.b === 'vm-2b'),
      5000,
      'the recreated VM serving',
    );
    assert.deepEqual(failures(t0), []);
  });

  test('Compute outage (503, then 403 rateLimitExceeded): no push, RPCs unaffected', async () => {
    const version = await snapshotVersion();
    const t0 = Date.now();
    gce.sticky = { status: 503, reason: 'backendError' };
    try {
      await sleep(1000);
      gce.sticky = { status: 403, reason: 'rateLimitExceeded' };
      await sleep(1000);
    } finally {
      gce.sticky = undefined;
    }
    assert.equal(await snapshotVersion(), version);
    assert.deepEqual(failures(t0), []);
    assert.ok(since(t0).length > 100);
  });

  test('controller killed: RPCs continue for 30 s; a replacement on the same port with new inventory is picked up', async (t) => {
    const grpcPort = ctl.grpcPort;
    const t0 = Date.now();
    await ctl.kill();
    await sleep(OUTAGE_S * 1000);
    assert.deepEqual(failures(t0), []);
    assert.ok(since(t0 + OUTAGE_S * 1000 - 500).length > 50, 'calls kept flowing');
    const perSecond = Array.from(
      { length: OUTAGE_S },
      (_, i) => since(t0 + i * 1000).filter((c) => c.ok && c.t < t0 + (i + 1) * 1000).length,
    );
    t.diagnostic(
      `${OUTAGE_S} s without a controller: ${perSecond.reduce((a, b) => a + b, 0)} calls, 0 failed, per second min ${Math.min(...perSecond)} max ${Math.max(...perSecond)}`,
    );
    assert.ok(
      perSecond.every((n) => n > 0),
      `a second without calls: ${perSecond.join(',')}`,
    );
    set([
      vm(1, 'us-central1-a'),
      { ...vm(2, 'us-central1-a', 'NONE', 'RUNNING', '127.0.0.5'), id: '2002' },
      vm(3, 'us-central1-b', 'DELETING'),
    ]);
    const started = Date.now();
    ctl = await startController(controllerArgs.concat(['--listen', `127.0.0.1:${grpcPort}`]));
    // When the client reconnects is up to its backoff (gRPC: 1 s × 1.6ⁿ ±20 %, so after a 30 s
    // outage the next attempt can be ~20 s away); from then on it is ours.
    let connectedAt = 0;
    await until(
      () => connectedAt > 0,
      60_000,
      'the client reconnecting',
      async () => {
        const j = (await (await fetch(`http://127.0.0.1:${ctl.adminPort}/v1/streams`)).json()) as {
          streams: { node: { id: string } }[];
        };
        if (j.streams.some((s) => s.node?.id === 'grpc-e2e')) connectedAt = Date.now();
      },
    );
    await until(
      () =>
        since(Date.now() - 300).length > 20 && !since(Date.now() - 300).some((c) => c.b === 'vm-3'),
      10_000,
      'converged without vm-3',
    );
    const lastVm3 = calls.filter((c) => c.b === 'vm-3').at(-1)!.t;
    t.diagnostic(
      `client reconnected ${connectedAt - started} ms after the replacement started; last call to vm-3 ${lastVm3 - connectedAt} ms after that`,
    );
    assert.ok(
      lastVm3 - connectedAt < 2000,
      `converged ${lastVm3 - connectedAt} ms after reconnecting`,
    );
    assert.deepEqual(failures(t0), []);
  });
});
