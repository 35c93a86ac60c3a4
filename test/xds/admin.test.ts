// Admin API and CLI edges: bearer token, capture.enabled set/clamped/rejected, hostile bodies,
// /health, /ready, /metrics, and `wflg xds` usage errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { XdsService } from '../../src/xds/service.js';
import { runCli } from '../helpers.js';
import { startController } from './envoy-harness.js';
import { host, inv, ScriptedSource, startTestXds, until } from './harness.js';

describe('admin API', () => {
  let svc: XdsService;
  let source: ScriptedSource;
  const url = (p: string): string => `http://127.0.0.1:${svc.adminPort}${p}`;
  const auth = { authorization: 'Bearer s3cret' };
  before(async () => {
    source = new ScriptedSource(inv([host(1)]));
    source.failWith = new Error('not yet');
    svc = await startTestXds(source, ['--admin-token', 's3cret', '--capture-enabled', '5']);
  });
  after(() => svc.close());

  test('/health always, /ready only after a first inventory', async () => {
    assert.equal((await fetch(url('/health'))).status, 200);
    assert.equal((await fetch(url('/ready'))).status, 503);
    source.failWith = undefined;
    svc.poller.pollNow();
    await until(() => svc.controller.ready);
    assert.equal((await fetch(url('/ready'))).status, 200);
  });

  test('/v1 needs the bearer token', async () => {
    for (const p of ['/v1/capture', '/v1/streams', '/v1/snapshot']) {
      assert.equal((await fetch(url(p))).status, 401, p);
      assert.equal(
        (await fetch(url(p), { headers: { authorization: 'Bearer wrong!' } })).status,
        401,
        p,
      );
      assert.equal((await fetch(url(p), { headers: auth })).status, 200, p);
    }
    assert.equal(
      (await fetch(url('/v1/capture'), { method: 'PUT', body: '{"percent":9}' })).status,
      401,
    );
    assert.equal(svc.controller.captureEnabled, 5);
  });

  test('PUT /v1/capture clamps to 0..100 and rejects what is not a number', async () => {
    const put = async (body: string) => {
      const r = await fetch(url('/v1/capture'), { method: 'PUT', headers: auth, body });
      return {
        status: r.status,
        json: (r.headers.get('content-type') === 'application/json' ? await r.json() : {}) as {
          captureEnabled?: number;
          error?: string;
        },
      };
    };
    assert.deepEqual((await put('{"percent":150}')).json.captureEnabled, 100);
    assert.deepEqual((await put('{"percent":-5}')).json.captureEnabled, 0);
    assert.deepEqual((await put('{"percent":33.7}')).json.captureEnabled, 33);
    for (const bad of [
      '{"percent":"NaN"}',
      '{"percent":true}',
      '{"percent":null}',
      '{}',
      '[]',
      '7',
      '{"percent":',
      'x'.repeat(70_000),
    ]) {
      const r = await put(bad);
      assert.ok(r.status === 400 || r.status === 413, `${bad.slice(0, 20)} → ${r.status}`);
      assert.equal(svc.controller.captureEnabled, 33, 'the previous value stays');
    }
    assert.equal((await put('{"percent":"NaN"}')).json.error, 'WFLG_E_XDS_CAPTURE_VALUE');
    const metrics = await (await fetch(url('/metrics'))).text();
    assert.match(metrics, /wflg_xds_capture_enabled_percent 33/);
    assert.match(metrics, /wflg_xds_snapshots_total\{result="published"\}/);
  });

  test('GET /v1/snapshot shows versions and decoded resources', async () => {
    const j = (await (await fetch(url('/v1/snapshot'), { headers: auth })).json()) as {
      digest: string;
      types: Record<string, { version: string; resources: { name: string }[] }>;
    };
    assert.match(j.digest, /^[0-9a-f]{12}$/);
    const cds = j.types['type.googleapis.com/envoy.config.cluster.v3.Cluster']!;
    assert.deepEqual(cds.resources.map((r) => r.name).sort(), [
      'capture_cluster',
      'collector_cluster',
    ]);
  });

  test('unknown paths are 404', async () => {
    assert.equal((await fetch(url('/nope'))).status, 404);
  });
});

describe('wflg xds CLI', () => {
  test('--help, usage errors exit 2 with every problem listed', async () => {
    const help = await runCli(['xds', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout.toString(), /--capture-enabled/);
    const range = await runCli(['xds', '--capture-timeout', '1s', '--poll-interval', 'soon']);
    assert.equal(range.code, 2);
    assert.match(range.stderr, /WFLG_E_USAGE.*poll-interval.*capture-timeout/);
    const cross = await runCli(['xds', '--admin', '0.0.0.0:0', '--grpc-listeners', 'x']);
    assert.equal(cross.code, 2);
    assert.match(cross.stderr, /admin-token.*static-file.*grpc-listeners/);
  });

  test('runs on a watched static file; an edit is published, a broken edit is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wflg-xds-cli-'));
    const file = join(dir, 'hosts.yaml');
    writeFileSync(
      file,
      'clusters:\n  collector_cluster:\n    - {address: 10.0.0.1, port: 2878, zone: us-central1-a}\n',
    );
    const ctl = await startController(['--static-file', file, '--debounce', '0']);
    try {
      const snap = async (): Promise<string> =>
        JSON.stringify(await (await fetch(`http://127.0.0.1:${ctl.adminPort}/v1/snapshot`)).json());
      let s = '';
      const shows = (text: string, what: string): Promise<void> =>
        until(
          () => s.includes(text),
          5000,
          what,
          async () => void (s = await snap()),
        );
      await shows('10.0.0.1', 'first publish');
      writeFileSync(
        file,
        'clusters:\n  collector_cluster:\n    - {address: 10.0.0.2, port: 2878, zone: us-central1-a}\n',
      );
      await shows('10.0.0.2', 'edit published');
      writeFileSync(
        file,
        'clusters:\n  collector_cluster:\n    - {address: not-an-ip, port: 2878}\n',
      );
      await shows('IP literal', 'error visible');
      assert.ok(s.includes('10.0.0.2'), 'the last good inventory stays live');
    } finally {
      await ctl.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
