// Why the validator exists: a real Envoy NACKs a ClusterLoadAssignment that sets an endpoint
// weight of 0 (PGV `gte: 1`) and keeps its previous endpoints. makeSnapshot refuses the very same
// resources, so the controller never publishes such a snapshot; this test splices the bad CLA
// into a snapshot by hand (encodeAny, no validation) and serves it from an in-process XdsServer.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { WflgError } from '../../src/lib/errors.js';
import { buildResources, type Resources } from '../../src/xds/builder.js';
import { XdsMetrics } from '../../src/xds/metrics.js';
import { encodeAny, TYPE } from '../../src/xds/proto.js';
import { XdsServer } from '../../src/xds/server.js';
import { makeSnapshot, type Snapshot } from '../../src/xds/snapshot.js';
import {
  ensureEnvoy,
  startBackend,
  startEnvoy,
  type Backend,
  type ClustersJson,
  type Envoy,
} from './envoy-harness.js';
import { host, inv, SETTINGS, until } from './harness.js';

type Obj = Record<string, unknown>;
/** Envoy's NACK message quotes the whole resource first; the reason follows it. */
const reason = (message: string | null): string =>
  /Proto constraint validation failed.*$/s.exec(message ?? '')?.[0] ?? String(message);
const NODE = 'envoy-nack';
const COLLECTOR = 'collector_cluster';
/** No active health checks: a host Envoy accepts shows up in /clusters at once. */
const BUILD = { ...SETTINGS, healthPath: {}, grpcListeners: {} };

interface EdsStatus {
  ackedVersion: string;
  nackedVersion: string | null;
  lastError: string | null;
  nacks: number;
}

/** The snapshot with one CLA replaced, encoded but never validated (what makeSnapshot forbids). */
function unvalidated(base: Snapshot, cla: Obj): Snapshot {
  const any = encodeAny(TYPE.endpoint, cla);
  const version = `unvalidated-${createHash('sha256').update(any).digest('hex').slice(0, 12)}`;
  const eds = base.types.get(TYPE.endpoint)!;
  const resources = new Map(eds.resources);
  const name = String(cla.cluster_name);
  resources.set(name, { name, version, any, value: cla });
  const types = new Map(base.types);
  types.set(TYPE.endpoint, { version, resources });
  return { types, digest: version };
}

describe('real Envoy NACKs what the validator refuses', () => {
  let bin: string;
  let collectorA: Backend;
  let collectorB: Backend;
  let capture: Backend;
  let server: XdsServer;
  let envoy: Envoy;
  let resources: Resources;
  let good: Snapshot;

  const eds = (): EdsStatus | undefined =>
    server.streamStatus().find((s) => s.node?.id === NODE)?.types.eds as EdsStatus | undefined;
  const collectorPorts = async (): Promise<number[]> => {
    const j = await envoy.adminJson<ClustersJson>('/clusters?format=json');
    return (j.cluster_statuses?.find((c) => c.name === COLLECTOR)?.host_statuses ?? [])
      .map((h) => h.address?.socket_address?.port_value ?? 0)
      .sort((a, b) => a - b);
  };
  /** The collector CLA with host B added to host A's locality; `patch` edits it. */
  const withB = (patch: (locality: Obj, b: Obj) => void): Obj => {
    const cla = structuredClone(
      resources[TYPE.endpoint].find((r) => r.cluster_name === COLLECTOR)!,
    ) as Obj;
    const locality = (cla.endpoints as Obj[])[0]!;
    const b: Obj = {
      endpoint: {
        address: { socket_address: { address: '127.0.0.1', port_value: collectorB.port } },
        hostname: 'collector-b',
      },
      health_status: 'HEALTHY',
    };
    (locality.lb_endpoints as Obj[]).push(b);
    patch(locality, b);
    return cla;
  };
  const replaced = (cla: Obj): Resources => ({
    ...resources,
    [TYPE.endpoint]: resources[TYPE.endpoint].map((r) => (r.cluster_name === COLLECTOR ? cla : r)),
  });
  /** Publishes `snap` and waits until Envoy answered its EDS version with an ACK or a NACK. */
  const push = async (snap: Snapshot): Promise<'ACK' | 'NACK'> => {
    const version = snap.types.get(TYPE.endpoint)!.version;
    server.publish(snap);
    let got: 'ACK' | 'NACK' | undefined;
    await until(
      () => got !== undefined,
      10_000,
      `Envoy answering EDS ${version}`,
      () => {
        const s = eds();
        if (s?.ackedVersion === version) got = 'ACK';
        else if (s?.nackedVersion === version) got = 'NACK';
        return Promise.resolve();
      },
    );
    return got!;
  };

  before(async () => {
    bin = ensureEnvoy();
    [collectorA, collectorB, capture] = await Promise.all([
      startBackend(),
      startBackend(),
      startBackend(),
    ]);
    resources = buildResources(
      inv(
        [host(1, 'us-central1-a', 'HEALTHY', collectorA.port, '127.0.0.1')],
        [host(2, 'us-central1-a', 'HEALTHY', capture.port, '127.0.0.1')],
      ),
      BUILD,
    );
    good = makeSnapshot(resources, BUILD.runtimeLayer);
    server = new XdsServer(new XdsMetrics(), {
      keepaliveMs: 30_000,
      maxConnectionAgeMs: 3_600_000,
    });
    const port = await server.listen({ host: '127.0.0.1', port: 0 });
    server.publish(good);
    envoy = await startEnvoy(bin, port, NODE);
    const version = good.types.get(TYPE.endpoint)!.version;
    await until(() => eds()?.ackedVersion === version, 15_000, 'Envoy ACKing the valid EDS');
  });

  after(async () => {
    await envoy?.stop();
    await server?.close(true);
    await Promise.all([collectorA?.close(), collectorB?.close(), capture?.close()]);
  });

  test('weight-0 endpoint: refused by makeSnapshot, NACKed by Envoy, never applied', async (t) => {
    assert.deepEqual(await collectorPorts(), [collectorA.port]);
    const bad = withB((_, b) => (b.load_balancing_weight = { value: 0 }));
    assert.throws(
      () => makeSnapshot(replaced(bad), BUILD.runtimeLayer),
      (e: unknown) =>
        e instanceof WflgError &&
        e.code === 'WFLG_E_XDS_INVALID' &&
        /lb_endpoints\[1\]: weight 0 not in 1\.\.2\^32-1/.test(e.message),
    );
    const before = eds()!;
    const snap = unvalidated(good, bad);
    assert.equal(await push(snap), 'NACK');
    const after = eds()!;
    t.diagnostic(`Envoy's NACK: ${reason(after.lastError)}`);
    assert.equal(after.nacks, before.nacks + 1);
    // A NACK carries the last version Envoy applied.
    assert.equal(after.ackedVersion, good.types.get(TYPE.endpoint)!.version);
    assert.match(
      reason(after.lastError),
      /LbEndpointValidationError\.LoadBalancingWeight: value must be greater than or equal to 1/,
    );
    assert.deepEqual(await collectorPorts(), [collectorA.port], 'the zero-weight host is absent');
  });

  test('weight-0 locality: refused by makeSnapshot, and Envoy’s answer recorded', async (t) => {
    const bad = withB((locality) => (locality.load_balancing_weight = { value: 0 }));
    assert.throws(
      () => makeSnapshot(replaced(bad), BUILD.runtimeLayer),
      (e: unknown) =>
        e instanceof WflgError &&
        e.code === 'WFLG_E_XDS_INVALID' &&
        /endpoints\[0\]: locality weight 0 not in 1\.\.2\^32-1/.test(e.message),
    );
    const answer = await push(unvalidated(good, bad));
    t.diagnostic(
      `Envoy ${answer}s a LocalityLbEndpoints weight 0` +
        (answer === 'NACK' ? `: ${reason(eds()!.lastError)}` : ''),
    );
    // §2.7: PGV `gte: 1` on the locality weight too.
    assert.equal(answer, 'NACK');
    assert.match(
      reason(eds()!.lastError),
      /LocalityLbEndpointsValidationError\.LoadBalancingWeight: value must be greater than or equal to 1/,
    );
    assert.deepEqual(await collectorPorts(), [collectorA.port]);
  });

  test('control: the same CLA with valid weights passes makeSnapshot and Envoy applies it', async () => {
    const fixed = withB((locality) => (locality.load_balancing_weight = { value: 2 }));
    const snap = makeSnapshot(replaced(fixed), BUILD.runtimeLayer, good);
    assert.equal(await push(snap), 'ACK');
    let ports: number[] = [];
    await until(
      () => ports.length === 2,
      5000,
      'host B in /clusters',
      async () => void (ports = await collectorPorts()),
    );
    assert.deepEqual(
      ports,
      [collectorA.port, collectorB.port].sort((a, b) => a - b),
    );
  });
});
