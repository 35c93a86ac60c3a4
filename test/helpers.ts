// Shared test plumbing: repository paths and running the built CLI as a real child process.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { packageRoot } from '../src/lib/native-loader.js';

export const ROOT = packageRoot();
/** `shared/` beside the checkout (CI clones main with it there); override with WFLG_SHARED_DIR. */
export const SHARED = process.env.WFLG_SHARED_DIR ?? join(ROOT, '..', 'shared');
export const CORPUS = join(ROOT, 'fixtures', 'corpus', 'public-telemetry.wf.zst');
export const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.js');

export interface Vector {
  id: string;
  kind: string;
  format: string;
  line: string;
  context: {
    nowMs?: number;
    limits?: string;
    transport?: string;
    customSourceTags?: string[];
    listener?: string;
  };
  expect: Record<string, unknown>;
}

export function readJsonl<T>(path: string): T[] {
  if (!existsSync(path)) throw new Error(`missing ${path}`);
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `node dist/src/cli/bin.js ...args`, feeding `stdin` when given. */
export function runCli(args: string[], stdin?: Buffer | string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
  });
}

/** Deep equality where numbers compare by value (1 == 1.0) and only `expect`'s keys count. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number')
    return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a && typeof a === 'object') {
    if (!b || typeof b !== 'object' || Array.isArray(b)) return false;
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length &&
      ka.every((k) =>
        sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
      )
    );
  }
  return a === b;
}

export function matchesExpect(
  expect: Record<string, unknown>,
  got: Record<string, unknown>,
): boolean {
  if ('error' in expect) return got.stage === expect.stage && got.code === expect.code;
  return Object.entries(expect).every(([k, v]) => k in got && sameValue(v, got[k]));
}

/**
 * Polls `cond` until it holds (a throw counts as "not yet") or `timeoutMs` passes. For waiting on
 * real processes and sockets; never a performance assertion.
 */
export async function waitFor(
  what: string,
  cond: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await cond()) return;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A loopback port nothing listens on right now (bound, read, released). */
export async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
