import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { us_listen_socket } from 'uWebSockets.js';
import { loadUws } from '../../src/lib/uws.js';

test('loadUws returns the native build and serves a real request', async () => {
  const uws = loadUws();
  assert.equal(typeof uws.getParts, 'function', 'the JS shim has no getParts');
  const app = uws.App().get('/ping', (res) => {
    res.end('pong');
  });
  const socket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('listen failed'))));
  });
  try {
    const port = uws.us_socket_local_port(socket);
    const response = await fetch(`http://127.0.0.1:${port}/ping`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'pong');
  } finally {
    // An open listen socket makes Node abort at exit with "uv_loop_close() while having open handles".
    uws.us_listen_socket_close(socket);
  }
});

test('loadUws refuses the JS fallback', () => {
  const script = `
    import { loadUws } from ${JSON.stringify(new URL('../../src/lib/uws.js', import.meta.url).href)};
    try { loadUws(); process.exit(0); } catch (e) { console.log(e.code); process.exit(3); }
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, UWS_USE_FALLBACK: '1' },
    encoding: 'utf8',
  });
  assert.equal(child.status, 3, child.stderr);
  assert.equal(child.stdout.trim().split('\n').pop(), 'WFLG_E_NATIVE_FALLBACK');
});
