// Runs ./store-child.js jobs as real processes: wait for a line, SIGKILL, collect the result.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../helpers.js';
import type { Job } from './store-child.js';

const SCRIPT = join(ROOT, 'dist', 'test', 'lib', 'store', 'store-child.js');

export interface ChildRun {
  readonly child: ChildProcess;
  /** Resolves when the child prints `line` (e.g. 'hanging'). */
  waitFor(line: string): Promise<void>;
  /** The child's JSON result line, or undefined if it died without one. */
  readonly result: Promise<{ ok: boolean; value?: unknown; code?: string } | undefined>;
  kill(): Promise<void>;
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
