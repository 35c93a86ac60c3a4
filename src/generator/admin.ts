// The admin API (uWS): status, live scenario changes, pause/resume, recipe reload, metrics.
// A bearer token is required on every /v1 route when one is configured; the CLI refuses to bind
// beyond loopback without one (DESIGN §3).
import type { HostPort } from '../lib/config.js';
import { isWflgError } from '../lib/errors.js';
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
import type { Generator } from './generator.js';
import { generatorMetrics } from './metrics.js';

export async function startAdmin(
  g: Generator,
  at: HostPort,
  token: string | undefined,
): Promise<Listening> {
  const registry = generatorMetrics(g);
  const app = loadUws().App();
  const v1 = (h: Handler) => authed(token, h);
  app.get('/health', (res) => void res.end('ok\n'));
  app.get('/ready', (res) => void res.end('ready\n'));
  app.get(
    '/metrics',
    v1((res, _req, st) => sendMetrics(res, st, () => registry.metrics(), registry.contentType)),
  );
  app.get(
    '/v1/status',
    v1((res, _req, st) => sendJson(res, st, 200, g.status())),
  );
  app.get(
    '/v1/scenario',
    v1((res, _req, st) => sendJson(res, st, 200, g.scenario)),
  );
  app.put(
    '/v1/scenario',
    v1((res, _req, st) => {
      void readJson(res, st).then((body) => {
        if (body === undefined) return;
        try {
          sendJson(res, st, 200, g.setScenario(body));
        } catch (err) {
          if (!isWflgError(err)) throw err;
          sendJson(res, st, 400, {
            error: err.code,
            problems: err.details?.problems ?? [err.message],
          });
        }
      });
    }),
  );
  const pause = (paused: boolean) =>
    v1((res, _req, st) => {
      // Drain the (empty) body so uWS is done with the request before we answer.
      res.onData(() => undefined);
      sendJson(res, st, 200, g.setScenario({ paused }));
    });
  app.post('/v1/pause', pause(true));
  app.post('/v1/resume', pause(false));
  app.post(
    '/v1/reload',
    v1((res, _req, st) => {
      res.onData(() => undefined);
      void g
        .checkRecipes()
        .then((r) => sendJson(res, st, r.lastResult === 'refused' ? 409 : 200, r));
    }),
  );
  app.any('/*', (res) => send(res, guard(res), 404, 'not found\n'));
  return listen(app, at);
}
