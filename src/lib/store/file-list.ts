// Listing the file store in GCS order (byte-wise UTF-8 of the full name), one directory in memory
// at a time. Siblings sort with directories keyed as "<name>/", which yields global name order:
// every name below directory "a" starts with "a/", so "a.c" (0x2E) comes before all of them and
// "a0" (0x30) after. Only descends into directories that can hold a match for the prefix.
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectInfo } from './types.js';
import { checkPrefix, compareNames, isValidName, RESERVED_SEGMENT_PREFIX } from './names.js';

export async function* listTree(
  root: string,
  prefix: string,
  statOf: (name: string) => Promise<ObjectInfo | undefined>,
): AsyncGenerator<ObjectInfo> {
  checkPrefix(prefix);
  const cut = prefix.lastIndexOf('/');
  yield* walk(root, cut < 0 ? '' : prefix.slice(0, cut), prefix, statOf);
}

async function* walk(
  root: string,
  rel: string,
  prefix: string,
  statOf: (name: string) => Promise<ObjectInfo | undefined>,
): AsyncGenerator<ObjectInfo> {
  let entries: Dirent[];
  try {
    entries = await readdir(rel === '' ? root : join(root, rel), { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw e;
  }
  const keyed: { key: string; dir: boolean }[] = [];
  for (const e of entries) {
    // Symlinks, sockets and the store's own temp/meta entries are not objects.
    if (e.name.startsWith(RESERVED_SEGMENT_PREFIX) || !(e.isFile() || e.isDirectory())) continue;
    const full = rel === '' ? e.name : `${rel}/${e.name}`;
    keyed.push({ key: e.isDirectory() ? `${full}/` : full, dir: e.isDirectory() });
  }
  keyed.sort((a, b) => compareNames(a.key, b.key));
  for (const { key, dir } of keyed) {
    if (dir) {
      if (key.startsWith(prefix) || prefix.startsWith(key))
        yield* walk(root, key.slice(0, -1), prefix, statOf);
      continue;
    }
    // Files placed by hand under names the store could never address are skipped, not fatal.
    if (!key.startsWith(prefix) || !isValidName(key)) continue;
    // Gone between readdir and stat means deleted meanwhile: not listed, like GCS.
    const info = await statOf(key);
    if (info) yield info;
  }
}
