// Runs fsouza/fake-gcs-server (installed by scripts/setup-fake-gcs.sh into .wflg-tools/bin) on a
// free loopback port with the in-memory backend, for tests of the real client library path.
// It is a second opinion on the happy path, preconditions, listing and deletes only: its
// resumable status query finalizes the object (see ./gcs-resumable-sessions.ts), so resume and
// fault tests use the strict fake instead.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { packageRoot } from '../../src/lib/native-loader.js';
import { freePort } from '../helpers.js';

export interface FakeGcsServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** The binary's path, installing it on first use; undefined (with the reason) if impossible here. */
export function fakeGcsBinary(): { path?: string; why?: string } {
  const root = packageRoot();
  const bin = join(root, '.wflg-tools', 'bin', 'fake-gcs-server');
  if (existsSync(bin)) return { path: bin };
  const r = spawnSync('bash', [join(root, 'scripts', 'setup-fake-gcs.sh')], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status === 0 && existsSync(bin)) return { path: bin };
  return {
    why: `scripts/setup-fake-gcs.sh failed: ${(r.stderr || String(r.error)).trim().slice(-400)}`,
  };
}

async function ready(endpoint: string, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    try {
      const res = await fetch(`${endpoint}/storage/v1/b`);
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  return false;
}

/** Starts the server with `buckets` pre-created (as directories of its -data seed). */
export async function startFakeGcsServer(bin: string, buckets: string[]): Promise<FakeGcsServer> {
  const data = mkdtempSync(join(tmpdir(), 'wflg-fake-gcs-'));
  for (const b of buckets) mkdirSync(join(data, b));
  // The port is picked before the start because -external-url (the Location of upload
  // sessions) must name it; a lost race with another process just fails readiness, so retry.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn(
      bin,
      [
        '-scheme',
        'http',
        '-host',
        '127.0.0.1',
        '-port',
        String(port),
        '-backend',
        'memory',
        '-data',
        data,
        '-external-url',
        endpoint,
        '-log-level',
        'error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    if (await ready(endpoint, child)) {
      return {
        endpoint,
        async stop() {
          if (child.exitCode === null) {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGTERM');
            await exited;
          }
          rmSync(data, { recursive: true, force: true });
        },
      };
    }
    child.kill('SIGKILL');
    if (attempt === 4) throw new Error(`fake-gcs-server did not start: ${stderr.slice(-400)}`);
  }
  throw new Error('unreachable');
}
