// Raw deletion: only after _PROFILE_OK exists and reports coverage ≥ the threshold, and only the
// objects that _PROFILE_OK lists as profiled — each by its generation on an object store (an object
// rewritten since is left alone), by unchanged size locally. Never anything else: plain Wavefront
// files are not capture and are never deleted.
import { openSync, readSync, closeSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { WflgError } from '../lib/errors.js';
import { openStore } from '../lib/store/index.js';
import { localPath } from './inputs.js';
import { isCapturePart } from './task.js';

export interface DeleteOptions {
  readonly input: string;
  readonly output: string;
  readonly minCoverage: number;
  readonly gcsEndpoint?: string;
}

export interface DeleteResult {
  deleted: number;
  absent: number;
  changed: number;
  /** Why nothing was deleted, when refused. */
  refused: string | null;
}

interface ProfileOk {
  coverage: number;
  inputs: Array<{ name: string; size: number; generation: string | null }>;
}

async function readOk(output: string, gcsEndpoint?: string): Promise<ProfileOk | undefined> {
  const p = localPath(output);
  try {
    if (p !== undefined)
      return JSON.parse(readFileSync(join(p, '_PROFILE_OK'), 'utf8')) as ProfileOk;
    const store = await openStore(output, gcsEndpoint ? { gcsEndpoint } : {});
    try {
      return JSON.parse((await store.readAll('_PROFILE_OK')).data.toString('utf8')) as ProfileOk;
    } finally {
      await store.close();
    }
  } catch {
    return undefined;
  }
}

function headOf(path: string, n = 1 << 20): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(n);
    return b.subarray(0, readSync(fd, b, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

export async function deleteRaw(o: DeleteOptions): Promise<DeleteResult> {
  const res: DeleteResult = { deleted: 0, absent: 0, changed: 0, refused: null };
  const ok = await readOk(o.output, o.gcsEndpoint);
  if (!ok) return { ...res, refused: 'no readable _PROFILE_OK in the output root' };
  if (!(ok.coverage >= o.minCoverage))
    return { ...res, refused: `coverage ${ok.coverage} below ${o.minCoverage}` };
  const root = localPath(o.input);
  if (root !== undefined) {
    const single = statSync(root).isFile();
    for (const i of ok.inputs) {
      const path = single ? root : join(root, i.name);
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        res.absent++;
        continue;
      }
      // A local "generation": the size recorded at profiling time; a capture part only grows.
      if (size !== i.size) {
        res.changed++;
        continue;
      }
      // A part is told by the start of its first frame; a part damaged there is kept.
      if (!isCapturePart(headOf(path))) continue;
      unlinkSync(path);
      res.deleted++;
    }
    return res;
  }
  const store = await openStore(o.input, o.gcsEndpoint ? { gcsEndpoint: o.gcsEndpoint } : {});
  try {
    for (const i of ok.inputs) {
      if (i.generation === null)
        throw new WflgError('WFLG_E_INTERNAL', `_PROFILE_OK lists ${i.name} without a generation`);
      const r = await store.delete(i.name, i.generation);
      res[r]++;
    }
  } finally {
    await store.close();
  }
  return res;
}
