// Real processes for the Envoy tests: Envoy itself (installed by scripts/setup-envoy.sh), the
// controller as a `wflg xds` child process, and tiny node:http collector/capture backends.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { ensureEnvoy as ensure } from '../../src/demo/envoy.js';
import { BIN } from '../helpers.js';
import { sleep } from './harness.js';

// Envoy itself is started by the same code the demo uses.
export { renderBootstrap, startEnvoy, type Envoy } from '../../src/demo/envoy.js';

export function ensureEnvoy(): string {
  return ensure(process.env);
}

export interface Controller {
  readonly grpcPort: number;
  readonly adminPort: number;
  readonly proc: ChildProcess;
  stderr(): string;
  kill(): Promise<void>;
}

/** `wflg xds` as a real child process; resolves once it printed its ports. */
export async function startController(args: string[]): Promise<Controller> {
  const proc = spawn(
    process.execPath,
    [BIN, 'xds', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  proc.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-20_000)));
  const lines = createInterface({ input: proc.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([l]) => String(l)),
    once(proc, 'exit').then(() => {
      throw new Error(`wflg xds exited: ${err}`);
    }),
  ]);
  const j = JSON.parse(first) as { listen: { port: number }; admin: { port: number } };
  return {
    grpcPort: j.listen.port,
    adminPort: j.admin.port,
    proc,
    stderr: () => err,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await once(proc, 'exit');
      }
    },
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
