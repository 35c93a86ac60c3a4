// Durable filesystem steps. A rename or a new directory entry survives power loss only once the
// directory holding it has been fsync'd, so every helper here ends with that fsync.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RESERVED_SEGMENT_PREFIX } from './names.js';

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * mkdir -p where each directory created is made durable in its parent. Concurrent creators are
 * fine: EEXIST from a racing process still gets its parent fsync'd before we build on it.
 */
export async function mkdirDurable(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    const st = await stat(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (st) {
      if (!st.isDirectory())
        throw Object.assign(new Error(`${d} is not a directory`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    await mkdir(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    await fsyncDir(dirname(d));
  }
}

/** A name in `dir` no other writer will pick, hidden from listings by the reserved prefix. */
export function tempName(dir: string, role: string): string {
  return join(
    dir,
    `${RESERVED_SEGMENT_PREFIX}-${role}-${process.pid}-${randomBytes(6).toString('hex')}`,
  );
}

/**
 * Removes temp files in `dir` whose writer process is gone (a SIGKILLed put leaves one). The
 * writer's pid is in the name; a live pid, ours included, is left alone, so this never races a
 * put in progress. A dead writer's pid reused by an unrelated process only delays the cleanup.
 */
export async function sweepTemps(dir: string): Promise<number> {
  const pattern = new RegExp(
    `^${RESERVED_SEGMENT_PREFIX.replace('.', '\\.')}-[a-z]+-(\\d+)-[0-9a-f]+$`,
  );
  let removed = 0;
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(pattern.exec(entry)?.[1]);
    if (!pid || pid === process.pid || pidAlive(pid)) continue;
    await unlink(join(dir, entry)).then(
      () => removed++,
      () => undefined,
    );
  }
  return removed;
}

/** kill(pid, 0): EPERM still means the process exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Replaces `path` with `data` so a crash leaves either the old or the new content, never a mix. */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  mode = 0o644,
): Promise<void> {
  const dir = dirname(path);
  await mkdirDurable(dir);
  // The shared temp form: hidden from store listings, and a killed writer's leftover is swept.
  const tmp = tempName(dir, 'atomic');
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  await fsyncDir(dir);
}

/**
 * `writeFileAtomic` for a file with one writer (a process's own state), synchronously: through
 * `<path>.tmp`, which the next write replaces if a crash left it.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    // writeSync may write less than asked (a signal, a full pipe): loop until all is down.
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Unlinks `path` durably; absent is fine. */
export async function removeDurable(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  await fsyncDir(dirname(path));
}
