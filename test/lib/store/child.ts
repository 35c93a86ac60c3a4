// Runs ./store-child.js jobs as real processes: wait for a line, SIGKILL, collect the result.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../helpers.js';
import type { Job } from './store-child.js';
import type { Source } from './util.js';

const SCRIPT = join(ROOT, 'dist', 'test', 'lib', 'store', 'store-child.js');

export interface ChildRun {
  readonly child: ChildProcess;
  /** Resolves when the child prints `line` (e.g. 'hanging'). */
  waitFor(line: string): Promise<void>;
  /** The child's JSON result line, or undefined if it died without one. */
  readonly result: Promise<{ ok: boolean; value?: unknown; code?: string } | undefined>;
  kill(): Promise<void>;
}

/** Runs `putFile(name, src)` in a child, with what a caller declares: src's path, size and crc32c. */
export function runPutFile(
  url: string,
  name: string,
  src: Source,
  extra: Omit<Job, 'url' | 'op' | 'name' | 'path' | 'size' | 'crc32c'> = {},
): ChildRun {
  return runChild({
    url,
    op: 'putFile',
    name,
    path: src.path,
    size: src.size,
    crc32c: src.crc32c,
    ...extra,
  });
}

export function runChild(job: Job): ChildRun {
  const child = spawn(process.execPath, [SCRIPT, JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
    for (const w of waiters) if (out.split('\n').includes(w.line)) w.resolve();
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const result = exited.then(() => {
    const last = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop();
    return last ? (JSON.parse(last) as { ok: boolean; value?: unknown; code?: string }) : undefined;
  });
  return {
    child,
    result,
    waitFor: (line) =>
      new Promise<void>((resolve, reject) => {
        if (out.split('\n').includes(line)) return resolve();
        waiters.push({ line, resolve });
        void exited.then(() => reject(new Error(`child exited before printing '${line}': ${out}`)));
      }),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
