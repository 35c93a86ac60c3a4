// A cross-process mutex for the file store built from O_EXCL creates, because Node has no flock.
//
// The lock file holds "<pid> <token>". A waiter that finds the holder's pid dead (a SIGKILLed
// writer) breaks the lock, but only while holding a second O_EXCL "breaker" file, and only if the
// lock still holds exactly the content it judged dead. The dead holder cannot touch the file, and
// breakers exclude each other, so nothing can replace that content between the re-read and the
// unlink: a live lock is never broken. Two assumptions remain and are stated rather than hidden:
// a breaker file older than BREAKER_STALE_MS is itself treated as abandoned (breaking takes
// microseconds), and a dead holder's pid reused by an unrelated process stalls waiters until the
// timeout (they fail with WFLG_E_STORE_UNAVAILABLE, they never proceed unlocked).
import { randomBytes } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { WflgError } from '../errors.js';
import { pidAlive } from './durable.js';

const BREAKER_STALE_MS = 10_000;
// A lock file still empty after this long was created by a process that died before writing it.
const EMPTY_STALE_MS = 2_000;

async function ageMs(path: string): Promise<number | undefined> {
  const st = await stat(path).catch(() => undefined);
  return st ? Date.now() - st.mtimeMs : undefined;
}

export class FileLock {
  // Serialises this process's own callers so they queue on a promise instead of polling the file.
  #tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly timeoutMs = 30_000,
  ) {}

  withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(async () => {
      const token = await this.#acquire();
      try {
        return await fn();
      } finally {
        await this.#release(token);
      }
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #acquire(): Promise<string> {
    const token = `${process.pid} ${randomBytes(8).toString('hex')}`;
    const deadline = Date.now() + this.timeoutMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      try {
        const fh = await open(this.path, 'wx', 0o644);
        try {
          await fh.writeFile(token);
        } finally {
          await fh.close();
        }
        return token;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const seen = await readFile(this.path, 'utf8').catch(() => undefined);
      if (seen !== undefined && (await this.#isStale(seen))) await this.#break(seen);
      if (Date.now() > deadline)
        throw new WflgError(
          'WFLG_E_STORE_UNAVAILABLE',
          `file store lock ${this.path} held by '${seen ?? '?'}' for over ${this.timeoutMs} ms`,
          { lock: this.path },
        );
      await sleep(wait + Math.random() * wait);
    }
  }

  async #isStale(content: string): Promise<boolean> {
    if (content === '') return ((await ageMs(this.path)) ?? 0) > EMPTY_STALE_MS;
    const pid = Number(content.split(' ')[0]);
    return !Number.isInteger(pid) || pid <= 0 || !pidAlive(pid);
  }

  async #break(seen: string): Promise<void> {
    const breaker = `${this.path}.break`;
    let fh;
    try {
      fh = await open(breaker, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (((await ageMs(breaker)) ?? 0) > BREAKER_STALE_MS)
        await unlink(breaker).catch(() => undefined);
      return;
    }
    await fh.close();
    try {
      const now = await readFile(this.path, 'utf8').catch(() => undefined);
      if (now === seen) await unlink(this.path).catch(() => undefined);
    } finally {
      await unlink(breaker).catch(() => undefined);
    }
  }

  async #release(token: string): Promise<void> {
    // Only ever remove our own lock: if a bug let another take it, unlinking theirs would cascade.
    const now = await readFile(this.path, 'utf8').catch(() => undefined);
    if (now === token) await unlink(this.path);
  }
}
