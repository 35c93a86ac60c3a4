// The persisted resumable-upload session. It is written durably before the first byte is sent,
// so a process killed mid-upload finds the session again on restart and continues from what the
// server holds instead of starting over. The session URI is a bearer capability for the upload,
// hence mode 0600.
import { readFile } from 'node:fs/promises';
import { removeDurable, writeFileAtomic } from './durable.js';

export interface SessionRecord {
  readonly v: 1;
  readonly uri: string;
  readonly bucket: string;
  readonly object: string;
  readonly size: number;
  readonly crc32c: number;
  readonly createdAt: number;
}

/**
 * The record at `path` if it is for this exact upload; a record for another object or other
 * content (a reused path, a rewritten source) is ignored, never resumed into the wrong object.
 */
export async function loadSession(
  path: string | undefined,
  want: Omit<SessionRecord, 'v' | 'uri' | 'createdAt'>,
): Promise<SessionRecord | undefined> {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let rec: Partial<SessionRecord>;
  try {
    rec = JSON.parse(text) as Partial<SessionRecord>;
  } catch {
    return undefined;
  }
  const same =
    rec.v === 1 &&
    typeof rec.uri === 'string' &&
    /^https?:\/\//.test(rec.uri) &&
    rec.bucket === want.bucket &&
    rec.object === want.object &&
    rec.size === want.size &&
    rec.crc32c === want.crc32c >>> 0;
  return same ? (rec as SessionRecord) : undefined;
}

export async function saveSession(path: string | undefined, rec: SessionRecord): Promise<void> {
  if (path === undefined) return;
  await writeFileAtomic(path, `${JSON.stringify(rec)}\n`, 0o600);
}

export async function dropSession(path: string | undefined): Promise<void> {
  if (path !== undefined) await removeDurable(path);
}
