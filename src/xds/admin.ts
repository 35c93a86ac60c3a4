// Admin HTTP API of the controller (uWebSockets.js): the capture switch, per-stream ACK/NACK state,
// the published snapshot, and the usual /health, /ready, /metrics. Everything under /v1 needs the
// bearer token when one is configured (the CLI insists on one beyond loopback).
import type { HostPort } from '../lib/config.js';
import {
  authed,
  guard,
  listen,
  readJson,
  send,
  sendJson,
  sendMetrics,
  type Handler,
  type Listening,
} from '../lib/http.js';
import { loadUws } from '../lib/uws.js';
import { clampCapture } from './builder.js';
import { describeSnapshot } from './snapshot.js';
import type { Controller } from './controller.js';
import type { XdsServer } from './server.js';
import type { XdsMetrics } from './metrics.js';
import type { Poller } from './poller.js';

export interface AdminDeps {
  readonly controller: Controller;
  readonly server: XdsServer;
  readonly metrics: XdsMetrics;
  readonly poller: Poller | undefined;
  readonly token: string | undefined;
}

export function startAdmin(at: HostPort, d: AdminDeps): Promise<Listening> {
  const app = loadUws().App();
  const v1 = (handler: Handler) => authed(d.token, handler);
  const capture = () => ({
    captureEnabled: d.controller.captureEnabled,
    published: d.controller.snapshot() !== undefined,
  });

  app.get('/health', (res) => send(res, guard(res), 200, 'ok\n'));
  app.get('/ready', (res) => {
    const ready = d.controller.ready;
    send(res, guard(res), ready ? 200 : 503, ready ? 'ready\n' : 'no inventory published yet\n');
  });
  app.get('/metrics', (res) =>
    sendMetrics(res, guard(res), () => d.metrics.text(), d.metrics.contentType),
  );
  app.get(
    '/v1/capture',
    v1((res, _req, state) => sendJson(res, state, 200, capture())),
  );
  app.put(
    '/v1/capture',
    v1((res, _req, state) => {
      void readJson(res, state).then((body) => {
        if (body === undefined) return;
        const raw =
          body !== null && typeof body === 'object' && !Array.isArray(body)
            ? (body as { percent?: unknown }).percent
            : undefined;
        const value = clampCapture(raw);
        if (value === undefined || typeof raw === 'boolean') {
          sendJson(res, state, 400, {
            error: 'WFLG_E_XDS_CAPTURE_VALUE',
            problems: ['body must be {"percent": N} with N a number; it is clamped to 0..100'],
          });
          return;
        }
        d.controller.setCapture(value);
        sendJson(res, state, 200, capture());
      });
    }),
  );
  app.get(
    '/v1/streams',
    v1((res, _req, state) => sendJson(res, state, 200, { streams: d.server.streamStatus() })),
  );
  app.get(
    '/v1/snapshot',
    v1((res, _req, state) =>
      sendJson(res, state, 200, {
        ...describeSnapshot(d.controller.snapshot()),
        lastInvalid: d.controller.lastInvalid ?? null,
        inventory: d.poller
          ? {
              lastError: d.poller.lastError ?? null,
              lastSuccessAt: d.poller.lastSuccessAt ?? null,
              polls: d.poller.polls,
            }
          : null,
      }),
    ),
  );
  app.any('/*', (res) => sendJson(res, guard(res), 404, { error: 'not found' }));
  return listen(app, at);
}
