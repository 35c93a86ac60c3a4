// The per-stream state machine driven directly (no transport): CDS changes, which the running
// controller only makes on restart, and the warming rule that follows them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildResources, type BuildSettings } from '../../src/xds/builder.js';
import { XdsMetrics } from '../../src/xds/metrics.js';
import { decodeResponse, TYPE, type TypeUrl } from '../../src/xds/proto.js';
import { makeSnapshot, type Snapshot } from '../../src/xds/snapshot.js';
import { XdsStream } from '../../src/xds/stream.js';
import { host, inv, SETTINGS } from './harness.js';

const STREAM_SETTINGS: BuildSettings = { ...SETTINGS, captureEnabled: 10, grpcListeners: {} };

interface Sent {
  type_url: string;
  nonce: string;
  version_info: string;
  resources: Record<string, unknown>[];
}

function harness(first: Snapshot) {
  let snap = first;
  const sent: Sent[] = [];
  let writable = true;
  const s = new XdsStream(
    1,
    {
      write: (b) => {
        sent.push(decodeResponse(b) as unknown as Sent);
        return writable;
      },
    },
    () => snap,
    new Set(Object.values(TYPE)),
    undefined,
    'ads',
    'test',
    new XdsMetrics(),
  );
  return {
    s,
    sent,
    set: (n: Snapshot) => {
      snap = n;
      s.flush();
    },
    block: (b: boolean) => (writable = !b),
    req: (type: TypeUrl, names: string[], last?: Sent, error?: string) =>
      s.onRequest({
        type_url: type,
        resource_names: names,
        version_info: last?.version_info ?? '',
        response_nonce: last?.nonce ?? '',
        ...(error ? { error_detail: { code: 3, message: error } } : {}),
      }),
  };
}

const snap = (extra: Partial<BuildSettings> = {}, hosts = [host(1), host(2)]): Snapshot =>
  makeSnapshot(buildResources(inv(hosts, [host(9)]), { ...STREAM_SETTINGS, ...extra }), 'capture');

test('a joint CDS+EDS change is written CDS first, then EDS', () => {
  const h = harness(snap());
  h.req(TYPE.cluster, []);
  h.req(TYPE.endpoint, ['collector_cluster']);
  h.req(TYPE.cluster, [], h.sent[0]);
  h.req(TYPE.endpoint, ['collector_cluster'], h.sent[1]);
  assert.equal(h.sent.length, 2);
  h.set(snap({ captureStreamMs: 200 }, [host(1), host(3)]));
  assert.deepEqual(
    h.sent.slice(2).map((r) => r.type_url),
    [TYPE.cluster, TYPE.endpoint],
  );
});

test('warming: after a CDS push, an EDS request with unchanged names and version is answered in full', () => {
  const h = harness(snap());
  h.req(TYPE.cluster, []);
  h.req(TYPE.endpoint, ['collector_cluster', 'capture_cluster']);
  h.req(TYPE.cluster, [], h.sent[0]);
  h.req(TYPE.endpoint, ['collector_cluster', 'capture_cluster'], h.sent[1]);
  h.set(snap({ captureStreamMs: 120 })); // CDS only: endpoints unchanged
  assert.equal(h.sent.length, 3);
  assert.equal(h.sent[2]!.type_url, TYPE.cluster);
  h.req(TYPE.cluster, [], h.sent[2]);
  assert.equal(h.sent.length, 3, 'the CDS ACK itself needs no answer');
  // Envoy re-creates the cluster and re-requests its endpoints with the same names and version.
  h.req(TYPE.endpoint, ['collector_cluster', 'capture_cluster'], h.sent[1]);
  assert.equal(h.sent.length, 4);
  assert.equal(h.sent[3]!.type_url, TYPE.endpoint);
  assert.equal(h.sent[3]!.resources.length, 2);
  // And only once: the ACK of that answer is just an ACK.
  h.req(TYPE.endpoint, ['collector_cluster', 'capture_cluster'], h.sent[3]);
  assert.equal(h.sent.length, 4);
});

test('NACKed content is not re-sent on unrelated pushes, and changed content is', () => {
  const h = harness(snap());
  h.req(TYPE.endpoint, ['collector_cluster', 'capture_cluster']);
  h.req(TYPE.endpoint, ['collector_cluster', 'capture_cluster'], h.sent[0], 'bad');
  h.set(snap({ captureEnabled: 55 })); // RTDS-only change; this stream has no RTDS
  assert.equal(h.sent.length, 1);
  h.set(snap({}, [host(1), host(4)]));
  assert.equal(h.sent.length, 2);
  assert.deepEqual(
    h.sent[1]!.resources.map((r) => r.cluster_name),
    ['collector_cluster'],
    'only the changed assignment',
  );
});

test('while blocked nothing is written; after drain only the latest content goes', () => {
  const h = harness(snap());
  h.req(TYPE.endpoint, ['collector_cluster']);
  h.block(true);
  h.req(TYPE.endpoint, ['collector_cluster'], h.sent[0]);
  h.set(snap({}, [host(1), host(5)])); // written, and the transport reports full
  assert.equal(h.sent.length, 2);
  for (let i = 6; i < 30; i++) h.set(snap({}, [host(1), host(i)]));
  assert.equal(h.sent.length, 2, 'nothing written while blocked');
  h.block(false);
  h.s.onDrain();
  assert.equal(h.sent.length, 3);
  assert.ok(JSON.stringify(h.sent[2]!.resources).includes('vm-29'));
});

test('CDS wildcard: the first empty request and "*" both mean every cluster', () => {
  const h = harness(snap());
  h.req(TYPE.cluster, ['*']);
  assert.deepEqual(
    h.sent[0]!.resources.map((r) => r.name),
    ['capture_cluster', 'collector_cluster'],
  );
  const g = harness(snap());
  g.req(TYPE.cluster, ['collector_cluster']);
  assert.deepEqual(
    g.sent[0]!.resources.map((r) => r.name),
    ['collector_cluster'],
    'explicit names (gRPC) get just those',
  );
});
