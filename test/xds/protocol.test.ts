// Protocol conformance with a raw client that behaves like Envoy: the state-of-the-world rules
// (first request answered, stale nonce ignored, NACK not re-sent, resource hints, reconnect,
// CDS→EDS ordering and warming, no-op suppression, backpressure).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TYPE } from '../../src/xds/proto.js';
import type { XdsService } from '../../src/xds/service.js';
import { RawAdsClient } from './raw-client.js';
import { host, inv, ScriptedSource, sleep, startTestXds, until } from './harness.js';

const COLLECTOR = 'collector_cluster';
const CAPTURE = 'capture_cluster';
const names = (r: { resources: Record<string, unknown>[] }): string[] =>
  r.resources.map((x) => String(x.cluster_name ?? x.name));

describe('xDS protocol (raw client)', () => {
  let source: ScriptedSource;
  let svc: XdsService;
  const clients: RawAdsClient[] = [];
  const client = (
    id = `raw-${clients.length}`,
    service: 'ads' | 'eds' | 'rtds' = 'ads',
  ): RawAdsClient => {
    const c = new RawAdsClient(svc.grpcPort, id, service);
    clients.push(c);
    return c;
  };
  const change = async (n: number): Promise<void> => {
    source.inventory = inv([host(1), host(2, 'us-central1-b'), host(100 + n)], [host(50)]);
    svc.poller.pollNow();
    await until(
      () =>
        svc.controller.snapshot()?.types.get(TYPE.endpoint)?.resources.get(COLLECTOR)?.value !==
          undefined &&
        JSON.stringify(
          svc.controller.snapshot()!.types.get(TYPE.endpoint)!.resources.get(COLLECTOR)!.value,
        ).includes(`vm-${100 + n}`),
      3000,
      'snapshot',
    );
  };

  before(async () => {
    source = new ScriptedSource(inv([host(1), host(2, 'us-central1-b')], [host(50)]));
    svc = await startTestXds(source, ['--capture-enabled', '25']);
    await until(() => svc.controller.ready);
  });
  after(async () => {
    for (const c of clients) c.close();
    await svc.close();
  });

  test('first request gets the full set; an ACK gets nothing more', async () => {
    const c = client();
    c.subscribe(TYPE.cluster);
    const r = await c.next(TYPE.cluster);
    assert.deepEqual(names(r).sort(), [CAPTURE, COLLECTOR]);
    assert.equal(r.version_info, svc.controller.snapshot()!.types.get(TYPE.cluster)!.version);
    c.ack(r);
    assert.ok(await c.quiet(undefined, 300), 'no response to an ACK');
  });

  test('stale nonce is ignored even with a different version or names', async () => {
    const c = client();
    c.subscribe(TYPE.endpoint, [COLLECTOR]);
    const r1 = await c.next(TYPE.endpoint);
    c.ack(r1);
    c.send({
      type_url: TYPE.endpoint,
      version_info: 'other',
      response_nonce: 'stale-nonce',
      resource_names: [COLLECTOR, CAPTURE],
    });
    assert.ok(await c.quiet(undefined, 300));
    const st = await fetchJson(svc, '/v1/streams');
    assert.ok(JSON.stringify(st).includes('"subscribed":["collector_cluster"]'));
  });

  test('NACK: never re-sent for 2 s, next content change is sent, /v1/streams shows it', async () => {
    const c = client('nacker');
    c.subscribe(TYPE.endpoint, [COLLECTOR]);
    const r1 = await c.next(TYPE.endpoint);
    c.nack(r1, '', 'endpoints[0] rejected by test');
    const mark = c.count(TYPE.endpoint);
    assert.ok(await c.quiet(TYPE.endpoint, 2000), 'a NACKed version must not be re-sent');
    const streams = (await fetchJson(svc, '/v1/streams')) as {
      streams: {
        node: { id: string };
        types: Record<string, { nackedVersion: string; lastError: string }>;
      }[];
    };
    const mine = streams.streams.find((s) => s.node?.id === 'nacker')!;
    assert.equal(mine.types.eds!.nackedVersion, r1.version_info);
    assert.equal(mine.types.eds!.lastError, 'endpoints[0] rejected by test');
    await change(1);
    const r2 = await c.next(TYPE.endpoint, 3000, mark);
    assert.notEqual(r2.version_info, r1.version_info);
    assert.ok(JSON.stringify(r2.resources).includes('vm-101'));
  });

  test('resource hints: added name sent at once, removed name no longer pushed, unknown name gets an empty CLA', async () => {
    const c = client();
    c.subscribe(TYPE.endpoint, [COLLECTOR]);
    const r1 = await c.next(TYPE.endpoint);
    assert.deepEqual(names(r1), [COLLECTOR]);
    c.ack(r1, [COLLECTOR, CAPTURE]);
    const r2 = await c.next(TYPE.endpoint);
    assert.deepEqual(names(r2), [CAPTURE], 'only the newly requested name');
    c.ack(r2, [COLLECTOR]);
    assert.ok(await c.quiet(undefined, 200));
    // A capture-only change must not reach a stream no longer subscribed to capture.
    source.inventory = inv(source.inventory.get(COLLECTOR) as never, [host(50), host(51)]);
    svc.poller.pollNow();
    assert.ok(await c.quiet(TYPE.endpoint, 400), 'unsubscribed resource pushed');
    c.ack(r2, [COLLECTOR, 'future_cluster']);
    const r3 = await c.next(TYPE.endpoint);
    assert.deepEqual(r3.resources, [{ cluster_name: 'future_cluster', '@type': TYPE.endpoint }]);
  });

  test('reconnect with the old version and an empty nonce is still answered', async () => {
    const c1 = client('reconnect');
    c1.subscribe(TYPE.endpoint, [COLLECTOR]);
    const r1 = await c1.next(TYPE.endpoint);
    c1.ack(r1);
    c1.close();
    const c2 = client('reconnect');
    c2.subscribe(TYPE.endpoint, [COLLECTOR], r1.version_info, '');
    const r2 = await c2.next(TYPE.endpoint);
    assert.equal(r2.version_info, r1.version_info, 'same content, same hash version');
    assert.deepEqual(r2.resources, r1.resources);
  });

  test('answers owed before the first snapshot go out in ADS order: CDS, EDS, LDS, RDS, RTDS', async () => {
    const src = new ScriptedSource(inv([host(1)], [host(50)]));
    src.failWith = new Error('inventory not there yet');
    const s2 = await startTestXds(src, ['--grpc-listeners', 'collector=collector_cluster']);
    try {
      const c = new RawAdsClient(s2.grpcPort, 'order');
      clients.push(c);
      c.subscribe(TYPE.runtime, ['capture']);
      c.subscribe(TYPE.route, ['collector-route']);
      c.subscribe(TYPE.listener, ['collector']);
      c.subscribe(TYPE.endpoint, [COLLECTOR]);
      c.subscribe(TYPE.cluster);
      assert.ok(await c.quiet(undefined, 300), 'nothing to say before an inventory');
      src.failWith = undefined;
      s2.poller.pollNow();
      await until(() => c.count() >= 5, 3000, 'five responses');
      assert.deepEqual(
        c.responses.map((r) => r.type_url),
        [TYPE.cluster, TYPE.endpoint, TYPE.listener, TYPE.route, TYPE.runtime],
      );
      c.close();
    } finally {
      await s2.close();
    }
  });

  test('RTDS: layer holds capture.enabled, changes are pushed, only the matching layer name', async () => {
    const c = client('rtds', 'rtds');
    c.subscribe(TYPE.runtime, ['capture', 'other-layer']);
    const r1 = await c.next(TYPE.runtime);
    assert.deepEqual(names(r1), ['capture']);
    const layer = r1.resources[0]!.layer as { fields: Record<string, { numberValue: number }> };
    assert.equal(layer.fields['capture.enabled']!.numberValue, 25);
    c.ack(r1, ['capture', 'other-layer']);
    const put = await fetch(`http://127.0.0.1:${svc.adminPort}/v1/capture`, {
      method: 'PUT',
      body: JSON.stringify({ percent: 70 }),
    });
    assert.equal(put.status, 200);
    const r2 = await c.next(TYPE.runtime);
    const l2 = r2.resources[0]!.layer as { fields: Record<string, { numberValue: number }> };
    assert.equal(l2.fields['capture.enabled']!.numberValue, 70);
    assert.equal(r2.resources.length, 1, 'no duplicate names');
  });

  test('standalone EDS service: type_url may be omitted', async () => {
    const c = client('eds-svc', 'eds');
    c.send({ resource_names: [COLLECTOR] });
    const r = await c.next();
    assert.equal(r.type_url, TYPE.endpoint);
    assert.deepEqual(names(r), [COLLECTOR]);
  });

  test('ADS without type_url is rejected with INVALID_ARGUMENT', async () => {
    const c = client('bad');
    c.send({ resource_names: [] });
    await until(() => c.ended !== undefined, 3000, 'stream end');
    assert.equal((c.ended as unknown as { code: number }).code, 3);
  });

  test('no-op suppression: 20 unchanged polls produce 0 responses', async () => {
    const c = client('noop');
    c.subscribe(TYPE.cluster);
    c.ack(await c.next(TYPE.cluster));
    c.subscribe(TYPE.endpoint, [COLLECTOR, CAPTURE]);
    c.ack(await c.next(TYPE.endpoint));
    c.subscribe(TYPE.runtime, ['capture']);
    c.ack(await c.next(TYPE.runtime));
    await sleep(50);
    const mark = c.count();
    const polls = source.polls;
    for (let i = 0; i < 20; i++) {
      svc.poller.pollNow();
      await until(() => source.polls > polls + i, 2000, 'poll');
    }
    await sleep(200);
    assert.deepEqual(
      c.responses.slice(mark).map((r) => `${r.type_url} ${r.version_info}`),
      [],
      'responses after unchanged polls',
    );
  });

  test('backpressure: a stalled client later gets the newest version, not every intermediate one', async () => {
    const big = (k: number) =>
      // 300 steady hosts and 100 replaced per update: under the removal guardrail's threshold.
      inv(
        [
          ...Array.from({ length: 300 }, (_, i) =>
            host(1000 + i, i % 2 ? 'us-central1-a' : 'us-central1-b'),
          ),
          ...Array.from({ length: 100 }, (_, i) => host(2000 + i + k * 100)),
        ],
        [host(50)],
      );
    source.inventory = big(0);
    svc.poller.pollNow();
    await sleep(100);
    const c = client('slow');
    c.subscribe(TYPE.endpoint, [COLLECTOR]);
    c.ack(await c.next(TYPE.endpoint));
    c.pause();
    const updates = 100;
    for (let k = 1; k <= updates; k++) {
      source.inventory = big(k);
      svc.poller.pollNow();
      await until(
        () =>
          JSON.stringify(
            svc.controller.snapshot()!.types.get(TYPE.endpoint)!.resources.get(COLLECTOR)!.value,
          ).includes(`vm-${2000 + k * 100}"`),
        3000,
        `update ${k}`,
      );
    }
    type Status = {
      streams: { node: { id: string }; blocked: boolean; types: { eds: { responses: number } } }[];
    };
    const status = (await fetchJson(svc, '/v1/streams')) as Status;
    const slow = status.streams.find((s) => s.node?.id === 'slow')!;
    assert.ok(slow.blocked, 'the stream should be blocked by now');
    assert.ok(
      slow.types.eds.responses < updates / 2,
      `${slow.types.eds.responses} responses written`,
    );
    const latest = svc.controller.snapshot()!.types.get(TYPE.endpoint)!.version;
    c.resume();
    await until(
      () => c.of(TYPE.endpoint).at(-1)?.version_info === latest,
      5000,
      'latest version after resume',
    );
    const got = c.count(TYPE.endpoint) - 1;
    assert.ok(got < updates / 2, `received ${got} of ${updates} intermediate versions`);
  });
});

async function fetchJson(svc: XdsService, path: string): Promise<unknown> {
  const r = await fetch(`http://127.0.0.1:${svc.adminPort}${path}`);
  return r.json();
}
