// Generations and the CRC32C cache of the file store.
//
// Generation: every write lands as a fresh inode whose mtime the store sets itself, so the
// generation is "<mtime ns>.<inode>". A rewrite can only produce an equal token if it reuses both
// the inode and the exact mtime. Replacements of an existing object run under the store lock with
// mtime forced above the previous one; fresh creates stamp the wall clock in microseconds, and two
// writes of one name are always further apart than that (each involves fsyncs). The residual case,
// a wall clock stepped back onto a freed inode's old mtime, is not defended against. Anything
// that rewrites the file outside the store moves mtime, so it also changes the generation.
//
// CRC cache: ObjectInfo carries a CRC32C, and listing a tree of large parts must not re-read them,
// so the checksum computed at write time is kept in a side file under <root>/.wflg-store/crc/,
// keyed by generation. It is only a cache: a missing, stale or torn entry is recomputed.
import type { BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { crc32cOfHandle } from './crc.js';
import { tempName } from './durable.js';

export const META_DIR = '.wflg-store';

export function generationOf(st: BigIntStats): string {
  return `${st.mtimeNs}.${st.ino}`;
}

let lastStampUs = 0n;

/** Wall-clock microseconds, strictly increasing within this process and above `floorNs`. */
export function nextStampUs(floorNs = 0n): bigint {
  const now = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
  let us = now > lastStampUs ? now : lastStampUs + 1n;
  const floorUs = floorNs / 1000n + 1n;
  if (us < floorUs) us = floorUs;
  lastStampUs = us;
  return us;
}

/** futimes takes seconds as a double (≈0.25 µs resolution today), enough to keep µs stamps apart. */
export function stampSeconds(us: bigint): number {
  return Number(us / 1_000_000n) + Number(us % 1_000_000n) / 1e6;
}

const ENTRY = /^(\d+\.\d+) (\d+) (\d+)\n$/;

export class CrcCache {
  constructor(private readonly root: string) {}

  #path(name: string): string {
    return join(this.root, META_DIR, 'crc', name);
  }

  async get(name: string, generation: string, size: number): Promise<number | undefined> {
    const text = await readFile(this.#path(name), 'utf8').catch(() => undefined);
    const m = text === undefined ? null : ENTRY.exec(text);
    if (!m || m[1] !== generation || Number(m[2]) !== size) return undefined;
    const crc = Number(m[3]);
    return crc <= 0xffffffff ? crc : undefined;
  }

  /** Best effort and not fsync'd: losing an entry costs one re-read, never a wrong answer. */
  async put(name: string, generation: string, size: number, crc: number): Promise<void> {
    const path = this.#path(name);
    try {
      await mkdir(dirname(path), { recursive: true });
      const tmp = tempName(dirname(path), 'crc');
      await writeFile(tmp, `${generation} ${size} ${crc >>> 0}\n`);
      await rename(tmp, path);
    } catch {
      // A read-only or full meta tree degrades to recomputing checksums.
    }
  }

  async drop(name: string): Promise<void> {
    await unlink(this.#path(name)).catch(() => undefined);
  }

  /**
   * The cached checksum, or one computed from the open file (and then cached). Reading through the
   * handle `st` came from keeps a concurrent replacement from being cached under this generation.
   */
  async crcOf(name: string, fh: FileHandle, st: BigIntStats): Promise<number> {
    const generation = generationOf(st);
    const size = Number(st.size);
    const cached = await this.get(name, generation, size);
    if (cached !== undefined) return cached;
    const got = await crc32cOfHandle(fh);
    await this.put(name, generation, got.size, got.crc32c);
    return got.crc32c;
  }
}
