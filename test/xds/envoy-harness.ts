// Real processes for the Envoy tests: Envoy itself (installed by scripts/setup-envoy.sh), the
// controller as a `wflg xds` child process, and tiny node:http collector/capture backends.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureEnvoy as ensure } from '../../src/demo/envoy.js';
import { startRole } from '../../src/demo/procs.js';
import { sleep } from './harness.js';

// Envoy and the controller are started by the same code the demo uses.
export { startEnvoy, type Envoy } from '../../src/demo/envoy.js';

export function ensureEnvoy(): string {
  return ensure(process.env);
}

/** The parts of Envoy's `/clusters?format=json` the tests read. */
export interface ClustersJson {
  cluster_statuses?: {
    name: string;
    host_statuses?: {
      address?: { socket_address?: { port_value?: number } };
      locality?: { zone?: string };
      health_status?: { eds_health_status?: string; failed_active_health_check?: boolean };
    }[];
  }[];
}

export interface Controller {
  readonly grpcPort: number;
  readonly adminPort: number;
  kill(): Promise<void>;
}

/** `wflg xds` as a real child process, started the way the demo starts it; resolves once bound. */
export async function startController(args: string[]): Promise<Controller> {
  const role = await startRole('wflg xds', [
    'xds',
    '--listen',
    '127.0.0.1:0',
    '--admin',
    '127.0.0.1:0',
    ...args,
  ]);
  const info = role.info as { listen: { port: number }; admin: { port: number } };
  return {
    grpcPort: info.listen.port,
    adminPort: info.admin.port,
    kill: async () => void (await role.stop('SIGKILL')),
  };
}

export interface Backend {
  readonly port: number;
  requests: number;
  bytes: number;
  /** Per request: ms from arrival until Envoy closed it, when the backend never answered. */
  readonly cut: number[];
  /** Milliseconds to wait before answering (0 = at once). */
  delayMs: number;
  close(): Promise<void>;
}

export async function startBackend(): Promise<Backend> {
  const b: Backend = {
    port: 0,
    requests: 0,
    bytes: 0,
    cut: [],
    delayMs: 0,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server: Server = createServer((req: IncomingMessage, res) => {
    if (req.url === '/health') {
      res.end('ok');
      return;
    }
    b.requests++;
    const t0 = performance.now();
    let answered = false;
    req.on('data', (c: Buffer) => (b.bytes += c.length));
    res.on('close', () => {
      if (!answered) b.cut.push(performance.now() - t0);
    });
    req.on('end', () => {
      const answer = (): void => {
        answered = true;
        if (!res.destroyed) res.end('ok');
      };
      if (b.delayMs > 0) setTimeout(answer, b.delayMs).unref();
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  (b as { port: number }).port = (server.address() as AddressInfo).port;
  return b;
}

/** Waits until `read()` stops changing for `quietMs` (async mirrors landing). */
export async function settle(read: () => number, quietMs = 300, maxMs = 5000): Promise<number> {
  const end = Date.now() + maxMs;
  let last = read();
  let since = Date.now();
  while (Date.now() < end) {
    await sleep(50);
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) break;
  }
  return last;
}
