// Shared uWebSockets.js plumbing for every network role's control endpoints (/health, /ready,
// /metrics, admin APIs). Hot ingest paths (capture, sink) handle their own bodies; this is for
// small requests where clarity beats the last microsecond.
import { timingSafeEqual } from 'node:crypto';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { WflgError } from './errors.js';
import type { HostPort } from './config.js';
import { loadUws } from './uws.js';

export interface Listening {
  readonly port: number;
  /** Closes the listen socket. Must run before the thread or process exits (uv_loop_close abort). */
  close(): void;
}

/** Binds `app` to host:port (port 0 = ephemeral) and resolves with the bound port. */
export function listen(app: TemplatedApp, at: HostPort): Promise<Listening> {
  const uws = loadUws();
  return new Promise((resolve, reject) => {
    app.listen(at.host, at.port, (socket: us_listen_socket | false) => {
      if (!socket) {
        reject(new WflgError('WFLG_E_USAGE', `cannot listen on ${at.host}:${at.port}`, { ...at }));
        return;
      }
      let open = true;
      resolve({
        port: uws.us_socket_local_port(socket),
        close: () => {
          if (open) uws.us_listen_socket_close(socket);
          open = false;
        },
      });
    });
  });
}

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK',
  202: '202 Accepted',
  204: '204 No Content',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  409: '409 Conflict',
  411: '411 Length Required',
  413: '413 Payload Too Large',
  414: '414 URI Too Long',
  415: '415 Unsupported Media Type',
  422: '422 Unprocessable Entity',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

export function statusLine(code: number): string {
  return STATUS_TEXT[code] ?? `${code} Status`;
}

/** Whether uWS may still touch `res`; `guard` registers onAborted, which uWS requires before any await. */
export interface ResState {
  aborted: boolean;
  onAbort: (() => void) | undefined;
}

export function guard(res: HttpResponse): ResState {
  const state: ResState = { aborted: false, onAbort: undefined };
  res.onAborted(() => {
    state.aborted = true;
    state.onAbort?.();
  });
  return state;
}

export function send(
  res: HttpResponse,
  state: ResState,
  status: number,
  body: string | Uint8Array,
  contentType = 'text/plain; charset=utf-8',
): void {
  if (state.aborted) return;
  res.cork(() => {
    res.writeStatus(statusLine(status)).writeHeader('content-type', contentType).end(body);
  });
}

export function sendJson(res: HttpResponse, state: ResState, status: number, value: unknown): void {
  send(res, state, status, JSON.stringify(value) + '\n', 'application/json');
}

/**
 * Reads a whole request body up to `maxBytes`; resolves undefined when the client aborted or the
 * body was too long (a 413 has then been sent). uWS neuters each chunk after the callback
 * returns, so chunks are copied once into one growing buffer.
 */
export function readBody(
  res: HttpResponse,
  state: ResState,
  maxBytes: number,
): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    res.onData((chunk, isLast) => {
      if (!over) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          over = true;
          parts.length = 0;
        } else parts.push(Buffer.from(chunk.slice(0)));
      }
      if (!isLast) return;
      if (over) {
        send(res, state, 413, `body over ${maxBytes} bytes\n`);
        resolve(undefined);
      } else resolve(Buffer.concat(parts, size));
    });
    state.onAbort = () => resolve(undefined);
  });
}

/** Reads and JSON-parses a body; answers 400/413 itself and resolves undefined on failure. */
export async function readJson(
  res: HttpResponse,
  state: ResState,
  maxBytes = 64 * 1024,
): Promise<unknown> {
  const body = await readBody(res, state, maxBytes);
  if (body === undefined) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    sendJson(res, state, 400, {
      error: 'WFLG_E_USAGE',
      problems: [`body is not JSON: ${(err as Error).message}`],
    });
    return undefined;
  }
}

/** True when the host is a loopback address: admin APIs may skip authentication only there. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Constant-time bearer-token check; `token` undefined means no authentication is configured. */
export function authorized(req: HttpRequest, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = req.getHeader('authorization');
  const want = Buffer.from(`Bearer ${token}`);
  const got = Buffer.from(header);
  return got.length === want.length && timingSafeEqual(got, want);
}

export type Handler = (res: HttpResponse, req: HttpRequest, state: ResState) => void;

/** Wraps an admin handler: without the bearer token (when one is configured) it answers 401. */
export function authed(
  token: string | undefined,
  handler: Handler,
): (res: HttpResponse, req: HttpRequest) => void {
  return (res, req) => {
    const state = guard(res);
    if (!authorized(req, token))
      return sendJson(res, state, 401, {
        error: 'WFLG_E_USAGE',
        problems: ['bearer token required'],
      });
    handler(res, req, state);
  };
}

/** Serves a Prometheus text rendering (a failure to render is a 500, never an unhandled rejection). */
export function sendMetrics(
  res: HttpResponse,
  state: ResState,
  render: () => Promise<string>,
  contentType: string,
): void {
  render().then(
    (text) => send(res, state, 200, text, contentType),
    (err: unknown) => send(res, state, 500, String(err)),
  );
}
