// The object-store contract shared by the capture uploader, the profiler and raw deletion.
// Implementations: file:// (the embedded default, ./file.ts) and gs:// (./gcs.ts). Names are
// '/'-separated and relative to the store root the URL names (gs://bucket/prefix, file:///dir);
// ./names.ts holds the rules (no empty, '.' or '..' segments, no leading '/', no control
// characters, no '.wflg' segments) and every method rejects others with WFLG_E_STORE_NAME_INVALID.
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  readonly name: string;
  readonly size: number;
  /** CRC32C (Castagnoli) of the content as an unsigned 32-bit integer (GCS reports it base64). */
  readonly crc32c: number;
  /** Opaque version token: GCS object generation; the file store derives one per write. */
  readonly generation: string;
}

export interface PutFileOptions {
  /** Expected size and CRC32C of the local file; the store verifies the object against them. */
  readonly size: number;
  readonly crc32c: number;
  /** Where a resumable upload persists its session so a restarted process resumes it. */
  readonly sessionPath?: string;
  readonly signal?: AbortSignal;
}

export type PutOutcome = 'created' | 'existed';

/** A byte range of an object: `start` inclusive (default 0), `end` exclusive (default: the end). */
export interface ReadRange {
  readonly start?: number;
  readonly end?: number;
}

export interface ObjectStore {
  readonly url: string;
  /**
   * Create-only upload of a local file, idempotent across crashes: if the name already holds an
   * object of the same size and CRC32C the result is 'existed'; different content throws
   * WFLG_E_STORE_CONFLICT. Resolves only once the object is durable and verified.
   */
  putFile(
    name: string,
    path: string,
    opts: PutFileOptions,
  ): Promise<ObjectInfo & { readonly outcome: PutOutcome }>;
  /**
   * Writes a small object under a generation precondition: '0' means "must not exist", otherwise
   * the object's current generation. A lost race throws WFLG_E_STORE_PRECONDITION.
   */
  putBytes(name: string, data: Uint8Array, ifGenerationMatch: string): Promise<ObjectInfo>;
  stat(name: string): Promise<ObjectInfo | undefined>;
  /** Every object whose name starts with `prefix`, in name order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Streams the object (or `range` of it); a missing object throws WFLG_E_STORE_NOT_FOUND. */
  read(name: string, range?: ReadRange): Promise<Readable>;
  /** The whole object and its info, checksummed as read; missing throws WFLG_E_STORE_NOT_FOUND. */
  readAll(name: string): Promise<{ readonly data: Buffer; readonly info: ObjectInfo }>;
  /** Deletes the object only if it still has `generation`. */
  delete(name: string, generation: string): Promise<'deleted' | 'absent' | 'changed'>;
  close(): Promise<void>;
}
