// What to profile: a capture prefix or plain Wavefront files, as an ordered list of tasks. Local
// paths and file:// URLs are read from disk directly (each worker reads its own file); gs:// goes
// through the object store and the main thread hands the bytes over.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WflgError } from '../lib/errors.js';

export interface InputItem {
  /** Name relative to the input root (for display, ordering and the run id). */
  readonly name: string;
  readonly size: number;
  /** Local path, for file inputs. */
  readonly path?: string;
  /** Object store generation, for gs:// inputs (raw deletion by precondition). */
  readonly generation?: string;
}

export function localPath(url: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
  return url;
}

const WANTED = /\.wf(\.zst)?$/;

function walk(dir: string, root: string, out: InputItem[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, root, out);
    else if (e.isFile() && WANTED.test(e.name))
      out.push({ name: relative(root, p), size: statSync(p).size, path: p });
  }
}

/** Local inputs under a file, directory or file:// URL, in name order. */
export function listLocal(path: string): InputItem[] {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new WflgError('WFLG_E_INPUT_READ', `${path}: ${String(err)}`, { path });
  }
  if (st.isFile()) return [{ name: path.split('/').pop()!, size: st.size, path }];
  const out: InputItem[] = [];
  walk(path, path, out);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
