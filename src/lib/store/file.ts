// file:///abs/dir, the embedded default store: one regular file per object under the root.
//
// Writes never touch a visible file in place. Content goes to a temp name in the object's own
// directory (same filesystem), is fsync'd, then published with one atomic step and the directory
// fsync'd. Create-only publishes use link(2), which fails with EEXIST instead of replacing, so two
// creators can never both win and no lock is needed. Replacing or deleting an existing object
// (putBytes with a generation, delete) is check-then-act, so it runs under the store's FileLock;
// creates cannot interfere with it because they only succeed where nothing exists.
// A process killed at any point leaves at most a temp file, which listings never show.
import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';
import { copyFile, link, lstat, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WflgError } from '../errors.js';
import { crc32c, crc32cOfHandle } from './crc.js';
import { fsyncDir, mkdirDurable, sweepTemps, tempName } from './durable.js';
import { FileLock } from './file-lock.js';
import { CrcCache, generationOf, META_DIR, nextStampUs, stampSeconds } from './file-meta.js';
import { listTree } from './file-list.js';
import { checkName } from './names.js';
import { conflict, notFound, precondition, settle } from './outcome.js';
import type { ObjectInfo, ObjectStore, PutFileOptions, PutOutcome, ReadRange } from './types.js';

type Errno = NodeJS.ErrnoException;
const errno = (e: unknown): string | undefined => (e as Errno).code;

export class FileStore implements ObjectStore {
  readonly #lock: FileLock;
  readonly #crc: CrcCache;
  // Directories this process has cleared of dead writers' temp files (once each, not per put).
  readonly #swept = new Set<string>();

  private constructor(
    readonly url: string,
    readonly root: string,
  ) {
    this.#lock = new FileLock(join(root, META_DIR, 'lock'));
    this.#crc = new CrcCache(root);
  }

  static async open(url: string): Promise<ObjectStore> {
    let root: string;
    try {
      const u = new URL(url);
      if (u.search || u.hash || (u.host !== '' && u.host !== 'localhost'))
        throw new Error('extra parts');
      root = fileURLToPath(u).replace(/\/+$/, '') || '/';
    } catch (e) {
      throw new WflgError(
        'WFLG_E_CONFIG_INVALID',
        `store URL '${url}' is not file:///absolute/dir`,
        {
          url,
        },
        { cause: e },
      );
    }
    await mkdirDurable(join(root, META_DIR));
    return new FileStore(url, root);
  }

  #path(name: string): string {
    return join(this.root, checkName(name));
  }

  async putFile(
    name: string,
    path: string,
    opts: PutFileOptions,
  ): Promise<ObjectInfo & { readonly outcome: PutOutcome }> {
    const target = this.#path(name);
    const before = await this.stat(name);
    if (before) return settle(before, opts);
    const tmp = await this.#tempIn(name, target);
    try {
      const st = await copyVerified(path, tmp, opts);
      try {
        await link(tmp, target);
      } catch (e) {
        if (errno(e) !== 'EEXIST') throw e;
        const now = await this.stat(name);
        if (!now) throw conflict(name, 'a directory of that name exists');
        return settle(now, opts);
      }
      await unlink(tmp);
      await fsyncDir(dirname(target));
      await this.#crc.put(name, generationOf(st), opts.size, opts.crc32c);
      return { ...infoOf(name, st, opts.crc32c), outcome: 'created' };
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async putBytes(name: string, data: Uint8Array, ifGenerationMatch: string): Promise<ObjectInfo> {
    const target = this.#path(name);
    const crc = crc32c(data);
    if (ifGenerationMatch === '0') {
      const tmp = await this.#tempIn(name, target);
      try {
        const st = await writeTemp(tmp, data, nextStampUs());
        await link(tmp, target).catch((e: unknown) => {
          throw errno(e) === 'EEXIST' ? precondition(name, ifGenerationMatch) : e;
        });
        await fsyncDir(dirname(target));
        await this.#crc.put(name, generationOf(st), data.length, crc);
        return infoOf(name, st, crc);
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
    }
    return this.#lock.withLock(async () => {
      const cur = await lstatOf(target);
      if (!cur?.isFile() || generationOf(cur) !== ifGenerationMatch)
        throw precondition(name, ifGenerationMatch);
      const tmp = await this.#tempIn(name, target);
      try {
        const st = await writeTemp(tmp, data, nextStampUs(cur.mtimeNs));
        await rename(tmp, target);
        await fsyncDir(dirname(target));
        await this.#crc.put(name, generationOf(st), data.length, crc);
        return infoOf(name, st, crc);
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
    });
  }

  async stat(name: string): Promise<ObjectInfo | undefined> {
    const o = await this.#openObject(name);
    if (!o) return undefined;
    try {
      return infoOf(name, o.st, await this.#crc.crcOf(name, o.fh, o.st));
    } finally {
      await o.fh.close();
    }
  }

  list(prefix: string): AsyncIterable<ObjectInfo> {
    return listTree(this.root, prefix, (name) => this.stat(name));
  }

  async read(name: string, range: ReadRange = {}): Promise<Readable> {
    const o = await this.#openObject(name);
    if (!o) throw notFound(name);
    const end = range.end === undefined ? undefined : range.end - 1;
    return o.fh.createReadStream({ start: range.start ?? 0, end, autoClose: true });
  }

  async readAll(name: string): Promise<{ readonly data: Buffer; readonly info: ObjectInfo }> {
    const o = await this.#openObject(name);
    if (!o) throw notFound(name);
    const { fh, st } = o;
    try {
      const data = Buffer.allocUnsafe(Number(st.size));
      let got = 0;
      while (got < data.length) {
        const { bytesRead } = await fh.read(data, got, data.length - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const crc = crc32c(data.subarray(0, got));
      const cached = await this.#crc.get(name, generationOf(st), got);
      if (got !== data.length || (cached !== undefined && cached !== crc))
        throw new WflgError(
          'WFLG_E_STORE_VERIFY',
          `${name}: content changed without a new generation`,
          {
            name,
          },
        );
      return { data, info: infoOf(name, st, crc) };
    } finally {
      await fh.close();
    }
  }

  async delete(name: string, generation: string): Promise<'deleted' | 'absent' | 'changed'> {
    const target = this.#path(name);
    return this.#lock.withLock(async () => {
      const cur = await lstatOf(target);
      if (!cur?.isFile()) return 'absent';
      if (generationOf(cur) !== generation) return 'changed';
      await unlink(target);
      await fsyncDir(dirname(target));
      await this.#crc.drop(name);
      return 'deleted';
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  async #tempIn(name: string, target: string): Promise<string> {
    try {
      await mkdirDurable(dirname(target));
    } catch (e) {
      if (errno(e) === 'ENOTDIR') throw conflict(name, 'a parent segment is an object');
      throw nameError(name, e);
    }
    const dir = dirname(target);
    if (!this.#swept.has(dir)) {
      this.#swept.add(dir);
      await sweepTemps(dir);
    }
    return tempName(dir, 'tmp');
  }

  /** Opens the object's regular file and stats it, or undefined where nothing (or a directory) is. */
  async #openObject(name: string): Promise<{ fh: FileHandle; st: BigIntStats } | undefined> {
    const path = this.#path(name);
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined;
      throw nameError(name, e);
    }
    const st = await fh.stat({ bigint: true });
    if (st.isFile()) return { fh, st };
    await fh.close();
    return undefined;
  }
}

/**
 * Copies `src` to the new file `tmp` in the kernel (copy_file_range, reflinks where the
 * filesystem has them), then checksums the copy itself: what gets verified is exactly what will
 * be published, and a source rewritten mid-copy fails instead of landing half-old.
 */
async function copyVerified(src: string, tmp: string, opts: PutFileOptions): Promise<BigIntStats> {
  opts.signal?.throwIfAborted();
  await copyFile(src, tmp, constants.COPYFILE_EXCL);
  const out = await open(tmp, 'r+');
  try {
    const { crc32c: crc, size } = await crc32cOfHandle(out, opts.signal);
    if (size !== opts.size || crc !== opts.crc32c >>> 0)
      throw new WflgError(
        'WFLG_E_STORE_VERIFY',
        `${src}: read ${size} bytes crc32c ${crc}, expected ${opts.size} bytes crc32c ${opts.crc32c}`,
        { path: src, size, crc32c: crc, expectedSize: opts.size, expectedCrc32c: opts.crc32c },
      );
    const s = stampSeconds(nextStampUs());
    await out.utimes(s, s);
    await out.sync();
    return await out.stat({ bigint: true });
  } finally {
    await out.close();
  }
}

async function writeTemp(tmp: string, data: Uint8Array, stampUs: bigint): Promise<BigIntStats> {
  const out = await open(tmp, 'wx', 0o644);
  try {
    await out.writeFile(data);
    const s = stampSeconds(stampUs);
    await out.utimes(s, s);
    await out.sync();
    return await out.stat({ bigint: true });
  } finally {
    await out.close();
  }
}

async function lstatOf(path: string): Promise<BigIntStats | undefined> {
  return lstat(path, { bigint: true }).catch((e: unknown) => {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined;
    throw e;
  });
}

function infoOf(name: string, st: BigIntStats, crc: number): ObjectInfo {
  return { name, size: Number(st.size), crc32c: crc >>> 0, generation: generationOf(st) };
}

function nameError(name: string, e: unknown): unknown {
  if (errno(e) === 'ENAMETOOLONG')
    return new WflgError(
      'WFLG_E_STORE_NAME_INVALID',
      `${name}: a segment is too long for this filesystem`,
      {
        name,
      },
    );
  return e;
}
