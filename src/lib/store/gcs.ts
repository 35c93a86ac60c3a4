// gs://bucket/prefix through @google-cloud/storage for metadata, listing, reads, small writes and
// deletes (every mutation carries ifGenerationMatch, which is also what lets the library retry
// it), and through ./gcs-resumable.ts for part uploads, whose crash-resume the library does not
// do reliably. With an endpoint override (emulators) requests go unauthenticated.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { IdempotencyStrategy, Storage, type File } from '@google-cloud/storage';
import { WflgError } from '../errors.js';
import { crc32c, crc32cFromBase64, crc32cToBase64, crc32cOfFile } from './crc.js';
import { notFound, precondition, settle } from './outcome.js';
import { uploadResumable, type UploadTarget } from './gcs-resumable.js';
import { checkName, checkPrefix, isValidName, MAX_NAME_BYTES } from './names.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import type { ObjectInfo, ObjectStore, PutFileOptions, PutOutcome, ReadRange } from './types.js';

export interface GcsStoreOptions {
  /** API endpoint override, e.g. http://127.0.0.1:4443 (emulators); disables authentication. */
  readonly gcsEndpoint?: string | undefined;
  /** Resumable chunk size: a multiple of 256 KiB; also the upload's memory per stream. */
  readonly chunkSize?: number;
  /** Objects per list page. */
  readonly pageSize?: number;
  readonly retry?: Partial<RetryPolicy>;
}

const QUANTUM = 256 * 1024;
const WRITE_ID_KEY = 'wflg-write-id';

interface Meta {
  name?: string;
  size?: string | number;
  crc32c?: string;
  generation?: string | number;
  metadata?: Record<string, unknown> | null;
}

export class GcsStore implements ObjectStore {
  readonly #storage: Storage;
  readonly #target: Omit<UploadTarget, 'object'>;
  readonly #chunkSize: number;
  readonly #pageSize: number;
  readonly #retry: RetryPolicy;

  private constructor(
    readonly url: string,
    readonly bucket: string,
    readonly prefix: string,
    opts: GcsStoreOptions,
  ) {
    this.#retry = Object.freeze({ ...DEFAULT_RETRY, ...opts.retry });
    this.#chunkSize = opts.chunkSize ?? 32 * QUANTUM;
    this.#pageSize = opts.pageSize ?? 1000;
    if (!(this.#chunkSize >= QUANTUM && this.#chunkSize % QUANTUM === 0))
      throw new WflgError(
        'WFLG_E_CONFIG_INVALID',
        `chunkSize ${this.#chunkSize} is not a positive multiple of 256 KiB`,
      );
    const endpoint = opts.gcsEndpoint?.replace(/\/+$/, '');
    const r = this.#retry;
    this.#storage = new Storage({
      ...(endpoint ? { apiEndpoint: endpoint, projectId: 'wflg-emulator' } : {}),
      retryOptions: {
        autoRetry: true,
        maxRetries: r.maxAttempts - 1,
        retryDelayMultiplier: r.multiplier,
        // The library waits at least 1 s between retries (async-retry) and rejects a smaller ceiling.
        maxRetryDelay: Math.max(1, r.maxDelayMs / 1000),
        totalTimeout: Math.max(60, (r.maxDelayMs * r.maxAttempts) / 1000),
        idempotencyStrategy: IdempotencyStrategy.RetryConditional,
      },
    });
    const auth = this.#storage.authClient;
    this.#target = {
      endpoint: endpoint ?? 'https://storage.googleapis.com',
      bucket,
      authHeaders: endpoint
        ? () => Promise.resolve({})
        : async () => plainHeaders(await auth.getRequestHeaders()),
    };
  }

  static open(url: string, opts: GcsStoreOptions = {}): Promise<ObjectStore> {
    const m = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(?:\/(.*))?$/.exec(url);
    const prefix = (m?.[2] ?? '').replace(/\/+$/, '');
    if (!m?.[1] || (prefix !== '' && !isValidName(prefix)))
      return Promise.reject(
        new WflgError('WFLG_E_CONFIG_INVALID', `store URL '${url}' is not gs://bucket[/prefix]`, {
          url,
        }),
      );
    return Promise.resolve(new GcsStore(url, m[1], prefix, opts));
  }

  #full(name: string): string {
    checkName(name);
    const full = this.prefix ? `${this.prefix}/${name}` : name;
    if (Buffer.byteLength(full) > MAX_NAME_BYTES)
      throw new WflgError(
        'WFLG_E_STORE_NAME_INVALID',
        `${name}: longer than ${MAX_NAME_BYTES} bytes with the store prefix`,
        { name },
      );
    return full;
  }

  #file(name: string, generation?: string): File {
    return this.#storage
      .bucket(this.bucket)
      .file(this.#full(name), generation ? { generation: Number(generation) } : {});
  }

  #info(name: string, m: Meta): ObjectInfo {
    const crc = crc32cFromBase64(m.crc32c);
    const size = Number(m.size);
    if (crc === undefined || !Number.isSafeInteger(size) || m.generation === undefined)
      throw new WflgError(
        'WFLG_E_STORE_UNAVAILABLE',
        `${name}: object metadata lacks size, crc32c or generation`,
        { name },
      );
    return { name, size, crc32c: crc, generation: String(m.generation) };
  }

  async putFile(
    name: string,
    path: string,
    opts: PutFileOptions,
  ): Promise<ObjectInfo & { readonly outcome: PutOutcome }> {
    const object = this.#full(name);
    for (let attempt = 0; ; attempt++) {
      const before = await this.stat(name);
      if (before) return settle(before, opts);
      const r = await uploadResumable(
        { ...this.#target, object },
        { path, ...opts },
        this.#chunkSize,
        this.#retry,
      );
      if (r.kind === 'finalized') {
        const got =
          r.meta.crc32c === undefined
            ? await this.stat(name)
            : { name, ...r.meta, crc32c: r.meta.crc32c };
        if (got && got.size === opts.size && got.crc32c === opts.crc32c >>> 0)
          return {
            name,
            size: got.size,
            crc32c: got.crc32c,
            generation: r.meta.generation,
            outcome: 'created',
          };
        // The server took and finalized different bytes: never overwrite or delete, report.
        throw new WflgError(
          'WFLG_E_STORE_VERIFY',
          `${name}: stored object does not match ${path}`,
          {
            name,
            path,
            generation: r.meta.generation,
            size: got?.size,
            crc32c: got?.crc32c,
          },
        );
      }
      if (r.kind === 'precondition') {
        const now = await this.stat(name);
        if (now) return settle(now, opts);
        if (attempt < 2) continue; // deleted between the 412 and our look: try again
      }
      if (r.kind === 'rejected') {
        const local = await crc32cOfFile(path, opts.signal);
        if (local.size !== opts.size || local.crc32c !== opts.crc32c >>> 0)
          throw new WflgError(
            'WFLG_E_STORE_VERIFY',
            `${path} no longer matches its declared size and crc32c`,
            { path },
          );
        if (attempt < 1) continue; // corrupted in transit: one fresh session
        throw new WflgError(
          'WFLG_E_STORE_UNAVAILABLE',
          `${name}: upload refused (HTTP ${r.status}): ${r.message}`,
          { name, status: r.status },
        );
      }
      throw new WflgError(
        'WFLG_E_STORE_UNAVAILABLE',
        `${name}: upload kept failing its precondition`,
        { name },
      );
    }
  }

  async putBytes(name: string, data: Uint8Array, ifGenerationMatch: string): Promise<ObjectInfo> {
    const file = this.#file(name);
    if (!/^\d+$/.test(ifGenerationMatch)) throw precondition(name, ifGenerationMatch);
    // A retry after a lost response sees its own write as a 412; the write id tells it apart.
    const writeId = randomBytes(12).toString('hex');
    try {
      await file.save(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
        resumable: false,
        validation: 'crc32c',
        preconditionOpts: { ifGenerationMatch: ifGenerationMatch as unknown as number },
        metadata: {
          contentType: 'application/octet-stream',
          crc32c: crc32cToBase64(crc32c(data)),
          metadata: { [WRITE_ID_KEY]: writeId },
        },
      });
      return this.#info(name, file.metadata);
    } catch (e) {
      if (status(e) !== 412) throw mapError(name, e);
      const [meta] = await file.getMetadata().catch((err: unknown) => {
        if (status(err) === 404) return [undefined];
        throw mapError(name, err);
      });
      if (meta && (meta as Meta).metadata?.[WRITE_ID_KEY] === writeId)
        return this.#info(name, meta);
      throw precondition(name, ifGenerationMatch);
    }
  }

  async stat(name: string): Promise<ObjectInfo | undefined> {
    try {
      const [meta] = await this.#file(name).getMetadata();
      return this.#info(name, meta);
    } catch (e) {
      if (status(e) === 404) return undefined;
      throw mapError(name, e);
    }
  }

  async *list(prefix: string): AsyncGenerator<ObjectInfo> {
    checkPrefix(prefix);
    const bucket = this.#storage.bucket(this.bucket);
    const root = this.prefix ? `${this.prefix}/` : '';
    let pageToken: string | undefined;
    do {
      const [files, next] = await bucket
        .getFiles({
          prefix: root + prefix,
          maxResults: this.#pageSize,
          autoPaginate: false,
          ...(pageToken ? { pageToken } : {}),
        })
        .catch((e: unknown) => {
          throw mapError(prefix, e);
        });
      for (const f of files) {
        const rel = f.name.slice(root.length);
        if (isValidName(rel)) yield this.#info(rel, f.metadata);
      }
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
  }

  async read(name: string, range: ReadRange = {}): Promise<Readable> {
    const info = await this.stat(name);
    if (!info) throw notFound(name);
    const whole = range.start === undefined && range.end === undefined;
    // Pinned to the generation just stat'ed, so a concurrent rewrite cannot splice content.
    return this.#file(name, info.generation).createReadStream({
      validation: whole ? 'crc32c' : false,
      ...(range.start !== undefined ? { start: range.start } : {}),
      ...(range.end !== undefined ? { end: range.end - 1 } : {}),
    });
  }

  async readAll(name: string): Promise<{ readonly data: Buffer; readonly info: ObjectInfo }> {
    const info = await this.stat(name);
    if (!info) throw notFound(name);
    const [data] = await this.#file(name, info.generation)
      .download({ validation: false })
      .catch((e: unknown) => {
        throw status(e) === 404 ? notFound(name) : mapError(name, e);
      });
    if (data.length !== info.size || crc32c(data) !== info.crc32c)
      throw new WflgError(
        'WFLG_E_STORE_VERIFY',
        `${name}: downloaded bytes do not match size/crc32c`,
        { name },
      );
    return { data, info };
  }

  async delete(name: string, generation: string): Promise<'deleted' | 'absent' | 'changed'> {
    if (!/^\d+$/.test(generation)) return (await this.stat(name)) ? 'changed' : 'absent';
    try {
      await this.#file(name).delete({ ifGenerationMatch: generation as unknown as number });
      return 'deleted';
    } catch (e) {
      if (status(e) === 404) return 'absent';
      if (status(e) === 412) return 'changed';
      throw mapError(name, e);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

// google-auth-library 9 returns a plain object, 10 a Headers instance.
function plainHeaders(h: unknown): Record<string, string> {
  if (h instanceof Headers) return Object.fromEntries(h.entries());
  return { ...(h as Record<string, string>) };
}

function status(e: unknown): number | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

function mapError(name: string, e: unknown): unknown {
  if (e instanceof WflgError) return e;
  if (status(e) === 404) return notFound(name);
  return new WflgError(
    'WFLG_E_STORE_UNAVAILABLE',
    `${name}: ${(e as Error).message}`,
    { name, status: status(e) },
    { cause: e },
  );
}
