import assert from 'node:assert/strict';
import test from 'node:test';
import { authed, guard, listen, sendJson, sendMetrics } from '../../src/lib/http.js';
import { loadUws } from '../../src/lib/uws.js';

test('authed answers 401 without the bearer token; sendMetrics turns a render failure into a 500', async () => {
  const app = loadUws().App();
  app.get(
    '/v1/x',
    authed('s3cret', (res, _req, st) => sendJson(res, st, 200, { ok: true })),
  );
  app.get(
    '/open',
    authed(undefined, (res, _req, st) => sendJson(res, st, 200, { ok: true })),
  );
  app.get('/metrics', (res) =>
    sendMetrics(res, guard(res), () => Promise.resolve('m 1\n'), 'text/plain'),
  );
  app.get('/broken', (res) =>
    sendMetrics(res, guard(res), () => Promise.reject(new Error('boom')), 'text/plain'),
  );
  const l = await listen(app, { host: '127.0.0.1', port: 0 });
  try {
    const url = (p: string) => `http://127.0.0.1:${l.port}${p}`;
    const denied = await fetch(url('/v1/x'));
    assert.equal(denied.status, 401);
    assert.deepEqual(await denied.json(), {
      error: 'WFLG_E_USAGE',
      problems: ['bearer token required'],
    });
    assert.equal(
      (await fetch(url('/v1/x'), { headers: { authorization: 'Bearer wrong!' } })).status,
      401,
    );
    assert.equal(
      (await fetch(url('/v1/x'), { headers: { authorization: 'Bearer s3cret' } })).status,
      200,
    );
    assert.equal((await fetch(url('/open'))).status, 200, 'no token configured: open');
    const m = await fetch(url('/metrics'));
    assert.equal(m.status, 200);
    assert.equal(await m.text(), 'm 1\n');
    const b = await fetch(url('/broken'));
    assert.equal(b.status, 500);
    assert.match(await b.text(), /boom/);
  } finally {
    l.close();
  }
});
