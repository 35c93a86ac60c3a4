// Child processes for the demo: every role runs as the real `wflg` command it is in production,
// announces itself with one JSON line on stdout, and is stopped (and awaited) on the way out.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { WflgError } from '../lib/errors.js';
import { packageRoot } from '../lib/native-loader.js';

export const WFLG_BIN = join(packageRoot(), 'dist', 'src', 'cli', 'bin.js');

export interface Role {
  readonly name: string;
  readonly info: Record<string, unknown>;
  readonly proc: ChildProcess;
  /** Everything the role printed on stderr (last 64 KiB), for error messages. */
  log(): string;
  /** Signals the role and waits for it to exit; resolves with its exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

const running = new Set<Role>();

/** Starts `wflg <args>` (or another binary) and resolves with its first stdout line as JSON. */
export async function startRole(
  name: string,
  args: string[],
  bin = process.execPath,
): Promise<Role> {
  const argv = bin === process.execPath ? [WFLG_BIN, ...args] : args;
  const proc = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-65536)));
  const lines = createInterface({ input: proc.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([l]) => String(l)),
    once(proc, 'exit').then(([code]) => {
      throw new WflgError(
        'WFLG_E_INTERNAL',
        `${name} exited (${String(code)}) before starting:\n${err}`,
      );
    }),
  ]);
  lines.on('line', () => {}); // keep draining stdout so the child never blocks on a full pipe
  let info: Record<string, unknown>;
  try {
    info = JSON.parse(first) as Record<string, unknown>;
  } catch {
    throw new WflgError(
      'WFLG_E_INTERNAL',
      `${name} printed '${first}' instead of its JSON start line`,
    );
  }
  const role: Role = {
    name,
    info,
    proc,
    log: () => err,
    stop: async (signal = 'SIGTERM', timeoutMs = 60_000) => {
      running.delete(role);
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      const exited = once(proc, 'exit');
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(t);
      return proc.exitCode;
    },
  };
  running.add(role);
  return role;
}

/** Runs `wflg <args>` to completion; resolves with stdout, rejects with stderr on failure. */
export async function runWflg(
  args: string[],
  okCodes: readonly number[] = [0],
): Promise<{ code: number; stdout: string }> {
  const proc = spawn(process.execPath, [WFLG_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-65536)));
  const [code] = (await once(proc, 'exit')) as [number | null];
  if (code === null || !okCodes.includes(code))
    throw new WflgError(
      'WFLG_E_INTERNAL',
      `wflg ${args[0] ?? ''} failed (${String(code)}):\n${err}`,
    );
  return { code, stdout: out };
}

/** Stops every role still running (Ctrl-C, errors): the demo never leaves processes behind. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((r) => r.stop('SIGTERM', 10_000)));
}

export function portOf(role: Role, key = 'port'): number {
  const v = role.info[key];
  const nested = (role.info.listen as { port?: unknown } | undefined)?.port;
  const port = typeof v === 'number' ? v : nested;
  if (typeof port !== 'number')
    throw new WflgError('WFLG_E_INTERNAL', `${role.name} did not print its ${key}`);
  return port;
}
