// Test plumbing for the store suites: source files with independently computed checksums, code
// assertions, and draining streams.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isWflgError, type ErrorCodeName } from '../../../src/lib/errors.js';
import { tableCrc32c } from '../../fakes/gcs-strict.js';

export interface Source {
  readonly path: string;
  readonly data: Buffer;
  readonly size: number;
  readonly crc32c: number;
}

export function tempDir(label: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `wflg-${label}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

let counter = 0;

/** A file of `size` random bytes (or `data`), with its CRC32C from the fake's table code. */
export function source(dir: string, sizeOrData: number | Buffer): Source {
  const data = typeof sizeOrData === 'number' ? randomBytes(sizeOrData) : sizeOrData;
  const path = join(dir, `src-${process.pid}-${++counter}`);
  writeFileSync(path, data);
  return { path, data, size: data.length, crc32c: tableCrc32c(data) };
}

export async function rejectsWith(p: Promise<unknown>, code: ErrorCodeName): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isWflgError(e), `expected WflgError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    return true;
  });
}

export async function drain(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
