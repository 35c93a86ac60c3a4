// Pure parts: MIG state mapping, localities, the builder, the validator, snapshots (encode →
// decode round trip, determinism), capture clamping, the static file parser and the guardrail.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { isWflgError } from '../../src/lib/errors.js';
import { buildLoadAssignment, buildResources, clampCapture } from '../../src/xds/builder.js';
import { loadXdsConfig } from '../../src/xds/config.js';
import { localityOf, mapManagedInstance, type Host } from '../../src/xds/inventory.js';
import { guardrail } from '../../src/xds/poller.js';
import {
  decodeResponse,
  emptyLoadAssignmentAny,
  encodeAny,
  encodeResponse,
  TYPE,
  TYPE_URLS,
} from '../../src/xds/proto.js';
import { makeSnapshot } from '../../src/xds/snapshot.js';
import { parseStaticInventory, StaticFileSource } from '../../src/xds/static-source.js';
import { validateCluster, validateLoadAssignment } from '../../src/xds/validate.js';
import { host, inv, SETTINGS } from './harness.js';

const STATUSES = [
  'PROVISIONING',
  'STAGING',
  'RUNNING',
  'STOPPING',
  'STOPPED',
  'SUSPENDING',
  'SUSPENDED',
  'REPAIRING',
  'TERMINATED',
];
// What EDS says of a VM that was being served (H HEALTHY, D DRAINING, O left out), one column per
// status above. Written out rather than derived, so the table is the specification the mapping is
// checked against.
const SERVED_VM = `
#                         PROV STAG RUN  STOPPING STOPPED SUSPENDING SUSPENDED REPAIRING TERMINATED
NONE                      O    O    H    D        D       D          D         D         D
REFRESHING                O    O    H    D        D       D          D         D         D
VERIFYING                 O    O    H    D        D       D          D         D         D
CREATING                  O    O    O    D        D       D          D         D         D
CREATING_WITHOUT_RETRIES  O    O    O    D        D       D          D         D         D
STARTING                  O    O    O    D        D       D          D         D         D
RESUMING                  O    O    O    D        D       D          D         D         D
RECREATING                D    D    D    D        D       D          D         D         D
DELETING                  D    D    D    D        D       D          D         D         D
ABANDONING                D    D    D    D        D       D          D         D         D
RESTARTING                D    D    D    D        D       D          D         D         D
STOPPING                  D    D    D    D        D       D          D         D         D
SUSPENDING                D    D    D    D        D       D          D         D         D
`;
const LETTER = { H: 'HEALTHY', D: 'DRAINING', O: 'OMIT' } as const;

test('MIG state mapping: every currentAction × instanceStatus pair', () => {
  const rows = SERVED_VM.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  assert.equal(rows.length, 13);
  for (const row of rows) {
    const [action, ...cells] = row.trim().split(/\s+/) as [string, ...(keyof typeof LETTER)[]];
    assert.equal(cells.length, STATUSES.length, action);
    STATUSES.forEach((status, i) => {
      const served = LETTER[cells[i]!];
      // A VM that was never served is left out rather than drained.
      const neverServed = served === 'DRAINING' ? 'OMIT' : served;
      for (const [prev, want] of [
        ['HEALTHY', served],
        ['DRAINING', served],
        ['OMIT', neverServed],
        [undefined, neverServed],
      ] as const)
        assert.deepEqual(
          mapManagedInstance(action, status, true, prev),
          { mapping: want, unknown: false },
          `${action}/${status}/${String(prev)}`,
        );
    });
  }
  // No IP yet: not served.
  assert.equal(mapManagedInstance('NONE', 'RUNNING', false, undefined).mapping, 'OMIT');
  // Unknown future values keep the last mapping and are flagged.
  assert.deepEqual(mapManagedInstance('TELEPORTING', 'RUNNING', true, 'HEALTHY'), {
    mapping: 'HEALTHY',
    unknown: true,
  });
  assert.deepEqual(mapManagedInstance('NONE', 'HIBERNATING', true, 'DRAINING'), {
    mapping: 'DRAINING',
    unknown: true,
  });
  assert.deepEqual(mapManagedInstance('TELEPORTING', 'RUNNING', true, undefined), {
    mapping: 'OMIT',
    unknown: true,
  });
});

test('locality from zonal and regional instance URLs', () => {
  assert.deepEqual(
    localityOf(
      'https://www.googleapis.com/compute/v1/projects/p/zones/europe-west1-b/instances/vm-1',
    ),
    {
      region: 'europe-west1',
      zone: 'europe-west1-b',
      name: 'vm-1',
    },
  );
  assert.deepEqual(localityOf('projects/p/zones/us-east4-c/instances/x'), {
    region: 'us-east4',
    zone: 'us-east4-c',
    name: 'x',
  });
  assert.equal(localityOf('projects/p/regions/us-east4/instances/x'), undefined);
  assert.equal(localityOf(''), undefined);
});

test('locality weights count hosts able to serve, never below 1; endpoint weights never set', () => {
  const cla = buildLoadAssignment('collector_cluster', [
    host(1, 'us-central1-a'),
    host(2, 'us-central1-a'),
    host(3, 'us-central1-b', 'DRAINING'),
  ]) as {
    endpoints: {
      locality: unknown;
      load_balancing_weight: { value: number };
      lb_endpoints: Record<string, unknown>[];
    }[];
  };
  assert.deepEqual(
    cla.endpoints.map((e) => [e.locality, e.load_balancing_weight.value]),
    [
      [{ region: 'us-central1', zone: 'us-central1-a' }, 2],
      [{ region: 'us-central1', zone: 'us-central1-b' }, 1],
    ],
  );
  for (const e of cla.endpoints)
    for (const ep of e.lb_endpoints) assert.equal(ep.load_balancing_weight, undefined);
  assert.equal(cla.endpoints[1]!.lb_endpoints[0]!.health_status, 'DRAINING');
  assert.deepEqual(buildLoadAssignment('x', []), { cluster_name: 'x' });
});

test('validator rejects what Envoy, grpc-go or grpc-js would NACK', () => {
  const good = buildLoadAssignment('c', [host(1), host(2, 'us-central1-b')]);
  assert.deepEqual(validateLoadAssignment(good), []);
  const mutate = (
    f: (o: {
      cluster_name: string;
      endpoints: Record<string, unknown>[];
      policy?: unknown;
    }) => void,
  ): string => {
    const o = structuredClone(good) as never;
    f(o);
    return validateLoadAssignment(o).join('|');
  };
  const ep = (o: { endpoints: Record<string, unknown>[] }) =>
    (o.endpoints[0]!.lb_endpoints as Record<string, unknown>[])[0]!;
  assert.match(
    mutate((o) => (ep(o).load_balancing_weight = { value: 0 })),
    /never weight 0/,
  );
  assert.match(
    mutate((o) => (o.endpoints[0]!.load_balancing_weight = { value: 0 })),
    /locality weight 0/,
  );
  assert.match(
    mutate((o) => delete o.endpoints[0]!.load_balancing_weight),
    /locality weight unset/,
  );
  assert.match(
    mutate((o) => delete o.endpoints[0]!.locality),
    /locality unset/,
  );
  assert.match(
    mutate((o) => (o.endpoints[1]!.locality = o.endpoints[0]!.locality)),
    /duplicate locality/,
  );
  assert.match(
    mutate((o) => (o.endpoints[1]!.lb_endpoints = o.endpoints[0]!.lb_endpoints)),
    /duplicate address/,
  );
  assert.match(
    mutate((o) => (o.endpoints[1]!.priority = 2)),
    /priority 2 present but 1 missing/,
  );
  assert.match(
    mutate((o) => (o.cluster_name = '')),
    /cluster_name empty/,
  );
  assert.match(
    mutate((o) => (o.policy = { endpoint_stale_after: { seconds: 5 } })),
    /stale/,
  );
  assert.match(
    mutate((o) => (o.policy = { drop_overloads: [{}, {}] })),
    /drop_overload/,
  );
  assert.match(
    mutate(
      (o) =>
        ((
          ep(o).endpoint as { address: { socket_address: { address: string } } }
        ).address.socket_address.address = 'vm-1.internal'),
    ),
    /not an IP literal/,
  );
  assert.match(
    mutate((o) => (ep(o).health_status = 'UNHEALTHY')),
    /not HEALTHY or DRAINING/,
  );
  const [collector] = buildResources(inv([]), SETTINGS)[TYPE.cluster] as Record<string, unknown>[];
  assert.deepEqual(validateCluster(collector!), []);
  assert.match(
    validateCluster({ ...collector, eds_cluster_config: { eds_config: { path: '/x' } } }).join(),
    /ads or self/,
  );
  assert.match(
    validateCluster({
      ...collector,
      health_checks: [{ http_health_check: { path: '/h' } }],
    }).join(),
    /timeout required/,
  );
});

test('capture.enabled clamping', () => {
  assert.equal(clampCapture(-5), 0);
  assert.equal(clampCapture(150), 100);
  assert.equal(clampCapture(33.7), 33);
  assert.equal(clampCapture('42'), 42);
  assert.equal(clampCapture(Number.NaN), undefined);
  assert.equal(clampCapture('abc'), undefined);
  assert.equal(clampCapture(''), undefined);
  assert.equal(clampCapture(null), undefined);
  assert.equal(clampCapture(Infinity), undefined);
});

const arbHosts = fc
  .uniqueArray(
    fc.record({
      n: fc.integer({ min: 0, max: 5000 }),
      zone: fc.constantFrom('us-central1-a', 'us-central1-b', 'europe-west1-c'),
      health: fc.constantFrom('HEALTHY' as const, 'DRAINING' as const),
      port: fc.integer({ min: 1, max: 65535 }),
    }),
    { selector: (h) => h.n, maxLength: 40 },
  )
  .map((list) => list.map((h) => host(h.n, h.zone, h.health, h.port)));

test('property: every snapshot from a random inventory validates, round-trips and is deterministic', () => {
  fc.assert(
    fc.property(arbHosts, arbHosts, fc.integer({ min: 0, max: 100 }), (a, b, pct) => {
      const settings = { ...SETTINGS, captureEnabled: pct };
      const s1 = makeSnapshot(buildResources(inv(a, b), settings), 'capture');
      const s2 = makeSnapshot(
        buildResources(inv([...a].reverse(), [...b].reverse()), settings),
        'capture',
      );
      assert.equal(s1.digest, s2.digest, 'order of the listing must not matter');
      for (const t of TYPE_URLS) {
        const ts = s1.types.get(t)!;
        for (const r of ts.resources.values())
          assert.ok(r.any.equals(s2.types.get(t)!.resources.get(r.name)!.any));
        const decoded = decodeResponse(
          encodeResponse({
            versionInfo: ts.version,
            typeUrl: t,
            nonce: '1',
            resources: [...ts.resources.values()].map((r) => r.any),
          }),
        );
        assert.equal(decoded.version_info, ts.version);
        assert.equal((decoded.resources as unknown[]).length, ts.resources.size);
      }
    }),
    { numRuns: 60 },
  );
});

test('property: any inventory change gives a new EDS version', () => {
  fc.assert(
    fc.property(arbHosts, arbHosts, (a, b) => {
      const key = (l: Host[]) =>
        JSON.stringify(
          [...l].sort((x, y) => x.address.localeCompare(y.address) || x.port - y.port),
        );
      fc.pre(key(a) !== key(b));
      const va = makeSnapshot(buildResources(inv(a), SETTINGS), 'capture').types.get(
        TYPE.endpoint,
      )!;
      const vb = makeSnapshot(buildResources(inv(b), SETTINGS), 'capture').types.get(
        TYPE.endpoint,
      )!;
      assert.notEqual(va.version, vb.version);
    }),
    { numRuns: 60 },
  );
});

test('the strict encoder refuses fields that do not exist in the proto', () => {
  assert.throws(
    () => encodeAny(TYPE.cluster, { name: 'x', conect_timeout: { seconds: 1 } }),
    (e: unknown) => isWflgError(e, 'WFLG_E_XDS_INVALID') && /conect_timeout/.test(e.message),
  );
  assert.throws(
    () => encodeAny(TYPE.runtime, { name: 'x', layer: { fields: { k: { number_value: 1 } } } }),
    (e: unknown) => isWflgError(e, 'WFLG_E_XDS_INVALID'),
  );
});

test('the hand-written empty assignment is byte for byte what the strict encoder writes', () => {
  for (const name of ['', 'x', 'future_cluster', 'ü-€-名', 'n'.repeat(200), 'n'.repeat(20_000)])
    assert.deepEqual(
      emptyLoadAssignmentAny(name),
      encodeAny(TYPE.endpoint, { cluster_name: name }),
      `name of ${name.length} chars`,
    );
});

test('responses decode whatever the field lengths: empty strings, one- to three-byte lengths', () => {
  const big = encodeAny(TYPE.endpoint, {
    cluster_name: 'big',
    endpoints: [
      {
        locality: { zone: 'z' },
        lb_endpoints: Array.from({ length: 1500 }, (_, i) => ({
          endpoint: {
            address: { socket_address: { address: '10.0.0.1', port_value: (i % 65535) + 1 } },
          },
        })),
      },
    ],
  });
  assert.ok(big.length > 16_384, 'a three-byte length');
  const small = emptyLoadAssignmentAny('c');
  for (const [versionInfo, nonce, resources] of [
    ['', '', []],
    ['v1', '', [small]],
    ['', 'n', [small, big]],
    ['x'.repeat(300), 'é', [big, small, small]],
  ] as const) {
    const got = decodeResponse(
      encodeResponse({ versionInfo, typeUrl: TYPE.endpoint, nonce, resources }),
    ) as { version_info?: string; nonce?: string; type_url: string; resources?: unknown[] };
    assert.equal(got.version_info ?? '', versionInfo);
    assert.equal(got.nonce ?? '', nonce);
    assert.equal(got.type_url, TYPE.endpoint);
    assert.equal(got.resources?.length ?? 0, resources.length);
    const names = (got.resources ?? []).map((r) => (r as { cluster_name: string }).cluster_name);
    assert.deepEqual(
      names,
      resources.map((r) => (r === big ? 'big' : 'c')),
    );
  }
});

test('an invalid inventory never becomes a snapshot', () => {
  const bad: Host = { ...host(1), address: 'not-an-ip' };
  assert.throws(
    () => makeSnapshot(buildResources(inv([bad]), SETTINGS), 'capture'),
    (e: unknown) => isWflgError(e, 'WFLG_E_XDS_INVALID'),
  );
});

test('static inventory file: good, malformed, hostile', () => {
  const good = parseStaticInventory(
    'clusters:\n  collector_cluster:\n    - {address: 10.0.0.1, port: 2878, zone: us-central1-a}\n    - {address: "::1", port: 1, zone: z-b, health: DRAINING}\n  capture_cluster: []\n',
    'x.yaml',
  );
  assert.equal(good.get('collector_cluster')!.length, 2);
  assert.equal(good.get('collector_cluster')![0]!.region, 'us-central1');
  assert.deepEqual(good.get('capture_cluster'), []);
  const bad = (text: string, where = 'x.yaml'): string => {
    try {
      parseStaticInventory(text, where);
    } catch (e) {
      assert.ok(isWflgError(e, 'WFLG_E_XDS_INVENTORY'));
      return e.message;
    }
    throw new Error('accepted');
  };
  assert.match(bad('clusters: {nope_cluster: []}'), /unknown cluster/);
  assert.match(bad('clusters: {collector_cluster: [{address: 10.0.0.1, port: 0}]}'), /port/);
  assert.match(
    bad('clusters: {collector_cluster: [{address: host.example, port: 1}]}'),
    /IP literal/,
  );
  assert.match(
    bad('clusters: {collector_cluster: [{address: 10.0.0.1, port: 1, weight: 0}]}'),
    /unknown key 'weight'/,
  );
  assert.match(
    bad('clusters: {collector_cluster: [{address: 10.0.0.1, port: 1, health: UNHEALTHY}]}'),
    /health/,
  );
  assert.match(
    bad(
      'clusters: {collector_cluster: [{address: 10.0.0.1, port: 1}, {address: 10.0.0.1, port: 1}]}',
    ),
    /duplicate/,
  );
  assert.match(bad('{"clusters": {"collector_cluster": [', 'x.json'), /does not parse/);
  assert.match(bad('[]'), /one object/);
  assert.match(bad('clusters: 3'), /must be an object/);
  assert.match(bad('a: &a [*a, *a]\nclusters: {}'), /parse|unknown key/);
  // Every problem reported at once.
  assert.match(
    bad('x: 1\nclusters: {collector_cluster: [{port: 0}]}'),
    /unknown key 'x'.*address.*port/,
  );
});

test('static inventory file source: oversized and missing files are errors of the poll', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-xds-static-'));
  try {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, 'clusters: {}\n');
    truncateSync(big, 4 * 1024 * 1024 + 1); // sparse: cheap to make
    await assert.rejects(
      new StaticFileSource(big).poll(),
      (e: unknown) =>
        isWflgError(e, 'WFLG_E_XDS_INVENTORY') && /over 4194304 bytes/.test(e.message),
    );
    await assert.rejects(
      new StaticFileSource(join(dir, 'absent.yaml')).poll(),
      (e: unknown) => isWflgError(e, 'WFLG_E_XDS_INVENTORY') && /cannot read/.test(e.message),
    );
    const ok = join(dir, 'ok.yaml');
    writeFileSync(ok, 'clusters: {capture_cluster: []}\n');
    assert.deepEqual(await new StaticFileSource(ok).poll(), new Map([['capture_cluster', []]]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('guardrail: removing over half of a cluster needs two polls that agree', () => {
  const before = inv([host(1), host(2), host(3), host(4)]);
  const half = inv([host(1), host(2)]);
  const most = inv([host(1)]);
  assert.deepEqual(guardrail(undefined, most, undefined), []);
  assert.deepEqual(guardrail(before, half, undefined), [], 'exactly half is allowed');
  assert.deepEqual(guardrail(before, most, undefined), ['collector_cluster']);
  assert.deepEqual(
    guardrail(before, most, inv([host(1), host(9)])),
    ['collector_cluster'],
    'a different held listing does not confirm',
  );
  assert.deepEqual(guardrail(before, most, most), [], 'confirmed by a second poll');
  assert.deepEqual(
    guardrail(
      before,
      inv([host(1), host(2, 'us-central1-a', 'DRAINING'), host(3), host(4)]),
      undefined,
    ),
    [],
    'draining is not removal',
  );
});

test('config: a cross-option problem with a config file is WFLG_E_CONFIG_INVALID however --config is spelt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-xds-config-'));
  try {
    const file = join(dir, 'xds.yaml');
    writeFileSync(file, 'captureEnabled: 5\n'); // no staticFile: a cross-option problem
    for (const argv of [['--config', file], [`--config=${file}`]])
      assert.throws(
        () => loadXdsConfig(argv, {}),
        (e: unknown) => isWflgError(e, 'WFLG_E_CONFIG_INVALID') && /static-file/.test(e.message),
        argv.join(' '),
      );
    assert.throws(
      () => loadXdsConfig([], {}),
      (e: unknown) => isWflgError(e, 'WFLG_E_USAGE'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config: cross-option rules, every problem at once', () => {
  const err = (argv: string[], env: Record<string, string> = {}): string => {
    try {
      loadXdsConfig(argv, env);
    } catch (e) {
      assert.ok(isWflgError(e));
      return e.message;
    }
    throw new Error('accepted');
  };
  assert.match(err(['--admin', '0.0.0.0:9', '--static-file', 'f']), /admin-token/);
  assert.match(
    err(['--inventory', 'gce', '--collector-migs', 'zones/us-a/foo/x']),
    /not \[projects/,
  );
  assert.match(
    err(['--inventory', 'gce', '--collector-migs', 'zones/us-central1-a/instanceGroupManagers/m']),
    /no project/,
  );
  assert.match(err(['--static-file', 'f', '--capture-timeout', '500ms']), /≤ 0.2/);
  assert.match(
    err(['--static-file', 'f'], { WFLG_CAPTURE_ENABLED: 'lots' }),
    /WFLG_CAPTURE_ENABLED/,
  );
  assert.match(err(['--static-file', 'f', '--grpc-listeners', 'a=b']), /grpc-listeners/);
  const both = err(['--admin', '0.0.0.0:9', '--grpc-listeners', 'a=b']);
  assert.match(both, /admin-token.*static-file.*grpc-listeners/);
  const { plan } = loadXdsConfig(['--static-file', 'f'], { WFLG_CAPTURE_ENABLED: '250' });
  assert.equal(plan!.captureEnabled, 100);
  const g = loadXdsConfig(
    [
      '--inventory',
      'gce',
      '--gce-project',
      'p',
      '--capture-migs',
      'regions/us-central1/instanceGroupManagers/cap',
    ],
    {},
  );
  assert.deepEqual(g.plan!.migs, [
    { cluster: 'capture_cluster', project: 'p', region: 'us-central1', name: 'cap', port: 8080 },
  ]);
});
