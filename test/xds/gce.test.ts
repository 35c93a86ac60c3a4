// The GCE inventory through the real @google-cloud/compute client against a strict fake endpoint:
// paging, zonal and regional MIGs, IP lookups cached by instance id, state mapping, faults and
// backoff, partial failures and the removal guardrail.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isWflgError } from '../../src/lib/errors.js';
import {
  computeApi,
  errorStatus,
  GceSource,
  isRetryable,
  PartialListing,
  type ComputeApi,
} from '../../src/xds/gce.js';
import { TYPE } from '../../src/xds/proto.js';
import { startXds, type XdsService } from '../../src/xds/service.js';
import { FakeGce, passThroughAuth, vm } from './fake-gce.js';
import { sleep, testPlan, until } from './harness.js';

describe('GCE inventory (fake Compute endpoint)', () => {
  const gce = new FakeGce();
  let api: ComputeApi;
  before(async () => {
    await gce.start();
    api = await computeApi({
      endpoint: gce.endpoint,
      authClient: passThroughAuth(),
      timeoutMs: 2000,
    });
  });
  after(async () => {
    await api.close();
    await gce.close();
  });

  const refs = [
    {
      cluster: 'collector_cluster' as const,
      project: 'proj',
      zone: 'us-central1-a',
      name: 'col',
      port: 2878,
    },
    {
      cluster: 'capture_cluster' as const,
      project: 'proj',
      region: 'us-central1',
      name: 'cap',
      port: 8080,
    },
  ];

  test('pages through zonal and regional MIGs; IPs resolved once per instance id', async () => {
    gce.migs.set('zones/us-central1-a/col', [vm(1), vm(2), vm(3), vm(4), vm(5)]);
    gce.migs.set('regions/us-central1/cap', [vm(10, 'us-central1-b'), vm(11, 'us-central1-c')]);
    gce.pageSize = 2;
    const src = new GceSource(refs, api);
    const inv = await src.poll();
    assert.deepEqual(
      inv
        .get('collector_cluster')!
        .map((h) => h.address)
        .sort(),
      ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'],
    );
    assert.deepEqual(
      inv.get('capture_cluster')!.map((h) => [h.zone, h.region, h.port]),
      [
        ['us-central1-b', 'us-central1', 8080],
        ['us-central1-c', 'us-central1', 8080],
      ],
    );
    assert.equal(gce.callsTo('get'), 7);
    await src.poll();
    assert.equal(gce.callsTo('get'), 7, 'no IP lookups for known ids');
  });

  test('a large MIG resolves its IPs a few at a time, not one by one, in listing order', async () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      vm(100 + i, 'us-central1-f', 'NONE', 'RUNNING', `10.0.1.${i}`),
    );
    gce.migs.set('zones/us-central1-a/col', many);
    gce.migs.set('regions/us-central1/cap', []);
    gce.pageSize = 500;
    gce.getDelayMs = 25;
    gce.maxGetsInFlight = 0;
    try {
      const inv = await new GceSource(refs, api).poll();
      assert.deepEqual(
        inv.get('collector_cluster')!.map((h) => h.address),
        many.map((m) => m.ip),
      );
      // One at a time, 40 lookups of 25 ms each would be strictly sequential.
      assert.ok(gce.maxGetsInFlight > 1, `at most ${gce.maxGetsInFlight} lookups at once`);
      assert.ok(gce.maxGetsInFlight <= 8, `${gce.maxGetsInFlight} lookups at once (bound 8)`);
    } finally {
      gce.getDelayMs = 0;
      gce.pageSize = 2;
    }
  });

  test('states: DELETING drains a served VM, CREATING is left out, RECREATING drains then the new id serves', async () => {
    gce.migs.set('zones/us-central1-a/col', [vm(1), vm(2)]);
    gce.migs.set('regions/us-central1/cap', [vm(10, 'us-central1-b')]);
    const src = new GceSource(refs, api);
    await src.poll();
    gce.migs.set('zones/us-central1-a/col', [
      vm(1, undefined, 'DELETING'),
      vm(2, undefined, 'RECREATING'),
      vm(3, undefined, 'CREATING', 'PROVISIONING'),
    ]);
    const inv = await src.poll();
    assert.deepEqual(
      inv
        .get('collector_cluster')!
        .map((h) => [h.name, h.health])
        .sort(),
      [
        ['vm-1', 'DRAINING'],
        ['vm-2', 'DRAINING'],
      ],
    );
    // vm-2 recreated: new id, new IP.
    gce.migs.set('zones/us-central1-a/col', [
      { ...vm(2, undefined, 'NONE', 'RUNNING', '127.0.0.99'), id: '9999' },
    ]);
    const inv2 = await src.poll();
    assert.deepEqual(
      inv2.get('collector_cluster')!.map((h) => [h.id, h.address, h.health]),
      [['9999', '127.0.0.99', 'HEALTHY']],
    );
  });

  test('faults: 503 / 403 rateLimitExceeded / 429 are retryable, 403 forbidden is not; a first failure publishes nothing', async () => {
    gce.migs.set('zones/us-central1-a/col', [vm(1)]);
    gce.migs.set('regions/us-central1/cap', [vm(10, 'us-central1-b')]);
    for (const [status, reason, retry] of [
      [503, 'backendError', true],
      [403, 'rateLimitExceeded', true],
      [429, 'rateLimitExceeded', true],
      [403, 'forbidden', false],
    ] as const) {
      gce.faults = [{ status, reason }];
      gce.faultMig = 'zones/us-central1-a/col';
      const src = new GceSource(refs, api);
      await assert.rejects(src.poll(), (e: unknown) => {
        assert.ok(isWflgError(e, 'WFLG_E_XDS_INVENTORY'));
        assert.ok(!(e instanceof PartialListing), 'never a partial first listing');
        const cause = (e as { cause?: unknown }).cause;
        assert.equal(errorStatus(cause), status);
        assert.equal(isRetryable(cause), retry, `${status} ${reason}`);
        return true;
      });
    }
    gce.faultMig = undefined;
  });

  test('one MIG failing later keeps its last good listing while the other updates', async () => {
    gce.migs.set('zones/us-central1-a/col', [vm(1), vm(2)]);
    gce.migs.set('regions/us-central1/cap', [vm(10, 'us-central1-b')]);
    const src = new GceSource(refs, api);
    await src.poll();
    gce.migs.set('zones/us-central1-a/col', [vm(1), vm(2, undefined, 'DELETING')]);
    gce.migs.set('regions/us-central1/cap', []);
    gce.faultMig = 'regions/us-central1/cap';
    gce.faults = [{ status: 503, reason: 'backendError' }];
    await assert.rejects(src.poll(), (e: unknown) => {
      assert.ok(e instanceof PartialListing);
      assert.equal(e.inventory.get('capture_cluster')!.length, 1, 'last good capture listing kept');
      assert.equal(
        e.inventory.get('collector_cluster')!.find((h) => h.name === 'vm-2')!.health,
        'DRAINING',
      );
      return true;
    });
    gce.faultMig = undefined;
  });
});

describe('GCE outage through the running controller', () => {
  const gce = new FakeGce();
  let svc: XdsService;
  before(async () => {
    await gce.start();
    gce.migs.set('zones/us-central1-a/col', [vm(1), vm(2), vm(3), vm(4)]);
    gce.pageSize = 10;
    const plan = testPlan([
      ...gce.controllerArgs('zones/us-central1-a/instanceGroupManagers/col'),
      '--poll-interval',
      '0.1s',
      '--backoff-max',
      '2s',
    ]);
    svc = await startXds(plan, { gceAuthClient: passThroughAuth() });
    await until(() => svc.controller.ready, 10_000, 'first listing');
  });
  after(async () => {
    await svc.close();
    await gce.close();
  });

  const edsVersion = (): string => svc.controller.snapshot()!.types.get(TYPE.endpoint)!.version;
  const polls = (): Promise<string> =>
    svc.metrics.registry.getSingleMetricAsString('wflg_xds_inventory_polls_total');

  test('503 then 403 rateLimitExceeded: nothing published, polls back off, recovery on success', async () => {
    const version = edsVersion();
    gce.migs.set('zones/us-central1-a/col', []); // what a broken listing might look like
    const start = gce.callsTo('list');
    gce.faults = [];
    gce.sticky = { status: 503, reason: 'backendError' };
    let during: number;
    try {
      await sleep(1500);
      gce.sticky = { status: 403, reason: 'rateLimitExceeded' };
      await sleep(1500);
    } finally {
      during = gce.callsTo('list') - start;
      gce.sticky = undefined;
    }
    assert.equal(edsVersion(), version, 'no push during the outage');
    // Healthy polling at 100 ms would have made ~30 calls in 3 s; backoff 1 s, 2 s, 2 s… makes few.
    assert.ok(during <= 8, `${during} list calls during a 3 s outage`);
    assert.ok((await polls()).includes('result="error"'));
    gce.migs.set('zones/us-central1-a/col', [vm(1), vm(2), vm(3), vm(5)]);
    await until(() => edsVersion() !== version, 5000, 'recovery');
  });

  test('guardrail: a listing dropping most hosts is published only once a second poll agrees', async () => {
    gce.migs.set('zones/us-central1-a/col', [vm(1), vm(2), vm(3), vm(5)]);
    await until(
      () =>
        svc.controller.snapshot()!.types.get(TYPE.endpoint)!.resources.get('collector_cluster')!
          .value.endpoints !== undefined,
      3000,
    );
    await sleep(300);
    const held = (await polls()).match(/result="guardrail"} (\d+)/)?.[1] ?? '0';
    gce.migs.set('zones/us-central1-a/col', [vm(1)]);
    await until(
      () =>
        JSON.stringify(
          svc.controller.snapshot()!.types.get(TYPE.endpoint)!.resources.get('collector_cluster')!
            .value,
        ).match(/vm-/g)?.length === 1,
      5000,
      'shrink after confirmation',
    );
    const now = (await polls()).match(/result="guardrail"} (\d+)/)?.[1];
    assert.ok(Number(now) > Number(held), 'the first shrinking listing was held');
  });
});
