// Real processes for the Envoy tests: Envoy itself (installed by scripts/setup-envoy.sh), the
// controller as a `wflg xds` child process, and tiny node:http collector/capture backends.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BIN, ROOT } from '../helpers.js';
import { sleep } from './harness.js';

/** Path of a runnable Envoy: ENVOY_BIN or the setup script's project-local install. */
export function ensureEnvoy(): string {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'setup-envoy.sh')], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`scripts/setup-envoy.sh failed (${r.status}): ${r.stderr}`);
  const path = r.stdout.trim().split('\n').at(-1)!;
  return path;
}

export function renderBootstrap(vars: Record<string, string | number>): string {
  const text = readFileSync(join(ROOT, 'infra', 'envoy', 'bootstrap.yaml'), 'utf8');
  const out = text.replace(/\$\{([A-Z_]+)\}/g, (_, k: string) => {
    if (!(k in vars)) throw new Error(`bootstrap placeholder ${k} has no value`);
    return String(vars[k]);
  });
  return out;
}

export interface Envoy {
  readonly adminPort: number;
  readonly port: number;
  readonly proc: ChildProcess;
  admin(path: string): Promise<string>;
  adminJson<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export async function startEnvoy(bin: string, xdsPort: number, nodeId: string): Promise<Envoy> {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-envoy-'));
  const config = join(dir, 'bootstrap.yaml');
  const addressFile = join(dir, 'admin-address');
  writeFileSync(
    config,
    renderBootstrap({
      ENVOY_NODE_ID: nodeId,
      ENVOY_ADMIN_PORT: 0,
      ENVOY_LISTEN_ADDRESS: '127.0.0.1',
      ENVOY_LISTEN_PORT: 0,
      WFLG_XDS_ADDRESS: '127.0.0.1',
      WFLG_XDS_PORT: xdsPort,
    }),
  );
  const proc = spawn(
    bin,
    [
      '-c',
      config,
      '--disable-hot-restart',
      '--concurrency',
      '1',
      '--drain-time-s',
      '1',
      '-l',
      'warning',
      '--admin-address-path',
      addressFile,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  proc.stderr.on('data', (c: Buffer) => {
    log = (log + c.toString()).slice(-20_000);
  });
  let adminPort = 0;
  for (let i = 0; i < 200 && adminPort === 0; i++) {
    if (proc.exitCode !== null) throw new Error(`envoy exited ${proc.exitCode}: ${log}`);
    try {
      adminPort = Number(/:(\d+)$/.exec(readFileSync(addressFile, 'utf8').trim())?.[1] ?? 0);
    } catch {
      /* not written yet */
    }
    if (adminPort === 0) await sleep(50);
  }
  if (adminPort === 0) throw new Error(`envoy admin did not come up: ${log}`);
  const admin = async (path: string): Promise<string> =>
    (await fetch(`http://127.0.0.1:${adminPort}${path}`)).text();
  let port = 0;
  for (let i = 0; i < 200 && port === 0; i++) {
    const j = JSON.parse(await admin('/listeners?format=json')) as {
      listener_statuses?: {
        name: string;
        local_address?: { socket_address?: { port_value?: number } };
      }[];
    };
    port =
      j.listener_statuses?.find((l) => l.name === 'wavefront')?.local_address?.socket_address
        ?.port_value ?? 0;
    if (port === 0) await sleep(50);
  }
  if (port === 0) throw new Error(`envoy listener did not bind: ${log}`);
  return {
    adminPort,
    port,
    proc,
    admin,
    adminJson: async <T>(path: string) => JSON.parse(await admin(path)) as T,
    stop: async () => {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await once(proc, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
