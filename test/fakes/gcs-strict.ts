// A strict fake of the GCS JSON API subset wflg uses, on a real HTTP socket (127.0.0.1, port 0):
// resumable uploads (./gcs-resumable-sessions.ts), the multipart upload the client library uses
// for small objects, object metadata and media GET (with Range), listing with pages, and delete.
// Generations and ifGenerationMatch behave as on GCS, declared crc32c (metadata and X-Goog-Hash)
// is checked at finalize, and faults are injected per method (./gcs-faults.ts). Object bytes are
// kept in files, and the CRC32C here is an independent table implementation, so a bug in the
// store's native checksum path cannot cancel itself out.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultQueue, type Fault, type FaultMethod } from './gcs-faults.js';
import {
  parseContentRange,
  rangeHeader,
  readBody,
  Sessions,
  type Session,
} from './gcs-resumable-sessions.js';
import { parseMultipart } from './multipart.js';

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function tableCrc32c(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = (TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const b64crc = (crc: number): string => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc >>> 0);
  return b.toString('base64');
};

export interface FakeObject {
  readonly bucket: string;
  readonly name: string;
  readonly generation: string;
  readonly size: number;
  readonly crc32c: string;
  readonly md5Hash: string;
  readonly contentType: string;
  readonly metadata: Record<string, string>;
  readonly path: string;
  readonly created: string;
}

const MAX_BODY = 64 * 1024 * 1024;

export class StrictGcs extends EventEmitter {
  readonly faults = new FaultQueue();
  readonly stats = {
    initiations: 0,
    chunks: 0,
    statusQueries: 0,
    bytesPersisted: 0,
    finalized: 0,
    multipart: 0,
    rejected: 0,
  };
  /** Moves the fake's clock (session expiry) without waiting. */
  clockOffsetMs = 0;
  readonly #objects = new Map<string, FakeObject>();
  readonly #buckets: Set<string>;
  readonly #sessions: Sessions;
  #lastGeneration = 0n;
  readonly #closing = new AbortController();
  endpoint = '';

  private constructor(
    private readonly server: Server,
    private readonly dir: string,
    buckets: string[],
  ) {
    super();
    this.#buckets = new Set(buckets);
    this.#sessions = new Sessions(dir, () => Date.now() + this.clockOffsetMs);
  }

  static async start(buckets: string[] = ['bucket']): Promise<StrictGcs> {
    const dir = mkdtempSync(join(tmpdir(), 'wflg-strict-gcs-'));
    const server = createServer();
    const fake = new StrictGcs(server, dir, buckets);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      fake.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, { error: { code: 500, message: String(err) } });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    this.#closing.abort();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }

  expireSessions(): Promise<void> {
    return this.#sessions.forgetAll();
  }

  object(bucket: string, name: string): FakeObject | undefined {
    return this.#objects.get(`${bucket}\0${name}`);
  }

  async content(bucket: string, name: string): Promise<Buffer | undefined> {
    const o = this.object(bucket, name);
    return o ? readFile(o.path) : undefined;
  }

  /** Stores an object directly, as another writer would. */
  async insert(bucket: string, name: string, data: Buffer): Promise<FakeObject> {
    const tmp = join(this.dir, `insert-${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, data);
    return (await this.#commit(
      bucket,
      name,
      tmp,
      data,
      'application/octet-stream',
      {},
    )) as FakeObject;
  }

  #nextGeneration(): string {
    const now = BigInt(Date.now()) * 1000n;
    this.#lastGeneration = now > this.#lastGeneration ? now : this.#lastGeneration + 1n;
    return String(this.#lastGeneration);
  }

  async #commit(
    bucket: string,
    name: string,
    src: string,
    data: Buffer,
    contentType: string,
    metadata: Record<string, string>,
    ifGenerationMatch?: string | null,
  ): Promise<FakeObject | undefined> {
    const generation = this.#nextGeneration();
    const path = join(this.dir, `object-${generation}`);
    await rename(src, path);
    // Checked and applied with no await in between: GCS preconditions are atomic.
    if (this.#preconditionFails(bucket, name, ifGenerationMatch)) {
      await rm(path, { force: true });
      return undefined;
    }
    const old = this.object(bucket, name);
    const o: FakeObject = {
      bucket,
      name,
      generation,
      size: data.length,
      crc32c: b64crc(tableCrc32c(data)),
      md5Hash: createHash('md5').update(data).digest('base64'),
      contentType,
      metadata,
      path,
      created: new Date().toISOString(),
    };
    this.#objects.set(`${bucket}\0${name}`, o);
    if (old) await rm(old.path, { force: true });
    this.emit('finalized', o);
    return o;
  }

  /** GCS preconditions: '0' = no live object; otherwise the live object's generation. */
  #preconditionFails(bucket: string, name: string, want: string | null | undefined): boolean {
    if (want === null || want === undefined) return false;
    const cur = this.object(bucket, name);
    return want === '0' ? cur !== undefined : cur?.generation !== want;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.endpoint);
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if ((m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path))) {
      const bucket = decodeURIComponent(m[1] as string);
      const type = url.searchParams.get('uploadType');
      if (req.method === 'POST' && type === 'resumable')
        return this.#fault('upload.initiate', req, res, () =>
          this.#initiate(bucket, url, req, res),
        );
      if (req.method === 'POST' && type === 'multipart')
        return this.#fault('upload.multipart', req, res, () =>
          this.#multipart(bucket, url, req, res),
        );
      if (req.method === 'PUT' && url.searchParams.has('upload_id')) {
        const cr = parseContentRange(req.headers['content-range']);
        const method: FaultMethod = cr?.query ? 'upload.status' : 'upload.chunk';
        return this.#fault(method, req, res, (f) =>
          this.#put(url.searchParams.get('upload_id'), req, res, f),
        );
      }
      return error(res, 400, `unsupported upload request ${req.method} ${type}`);
    }
    if ((m = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
      const bucket = decodeURIComponent(m[1] as string);
      const name = decodeURIComponent(m[2] as string);
      if (req.method === 'GET' && url.searchParams.get('alt') === 'media')
        return this.#fault('object.media', req, res, () =>
          this.#media(bucket, name, url, req, res),
        );
      if (req.method === 'GET')
        return this.#fault('object.get', req, res, () => this.#metadata(bucket, name, url, res));
      if (req.method === 'DELETE')
        return this.#fault('object.delete', req, res, () => this.#delete(bucket, name, url, res));
    }
    if ((m = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(path)) && req.method === 'GET')
      return this.#fault('object.list', req, res, () =>
        this.#list(decodeURIComponent(m?.[1] as string), url, res),
      );
    return error(res, 404, `no route for ${req.method} ${path}`);
  }

  /** Applies the next queued fault for `method`, if any, around the real handler. */
  async #fault(
    method: FaultMethod,
    req: IncomingMessage,
    res: ServerResponse,
    handler: (f: Fault | undefined) => Promise<void>,
  ): Promise<void> {
    const f = this.faults.take(method);
    if (f?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (f?.kind === 'status') {
      await readBody(req, MAX_BODY);
      return error(res, f.status, `injected ${f.status}`);
    }
    if (f?.kind === 'stall')
      await sleep(f.ms, undefined, { signal: this.#closing.signal }).catch(() => undefined);
    if (this.#closing.signal.aborted) return void req.socket.destroy();
    if (f?.kind === 'drop-response') {
      res.writeHead = () => res;
      res.end = () => {
        req.socket.destroy();
        return res;
      };
    }
    if (f?.kind === 'expire-session')
      await this.#sessions.forget(
        new URL(req.url ?? '/', this.endpoint).searchParams.get('upload_id') ?? '',
      );
    if (f?.kind === 'broken-stream' && method !== 'upload.chunk') {
      await readBody(req, MAX_BODY, f.bytes);
      req.socket.destroy();
      return;
    }
    return handler(f);
  }

  async #initiate(
    bucket: string,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const body = await readBody(req, 1 << 20);
    if (body === 'too-large') return error(res, 413, 'metadata too large');
    let meta: {
      name?: string;
      crc32c?: string;
      contentType?: string;
      metadata?: Record<string, string>;
    } = {};
    if (body.length) {
      try {
        meta = JSON.parse(body.toString('utf8')) as typeof meta;
      } catch {
        return error(res, 400, 'initiation body is not JSON');
      }
    }
    if (!this.#buckets.has(bucket)) return error(res, 404, `no bucket ${bucket}`);
    const name = url.searchParams.get('name') ?? meta.name;
    if (!name) return error(res, 400, 'no object name');
    const ifGen = url.searchParams.get('ifGenerationMatch') ?? undefined;
    if (this.#preconditionFails(bucket, name, ifGen))
      return error(res, 412, 'At least one of the pre-conditions you specified did not hold.');
    const declared = req.headers['x-upload-content-length'];
    const total = declared === undefined ? undefined : Number(declared);
    if (total !== undefined && !Number.isSafeInteger(total))
      return error(res, 400, 'bad X-Upload-Content-Length');
    this.stats.initiations++;
    const s = await this.#sessions.create({
      bucket,
      name,
      total,
      declaredCrc32c: meta.crc32c,
      ifGenerationMatch: ifGen,
      contentType:
        meta.contentType ??
        String(req.headers['x-upload-content-type'] ?? 'application/octet-stream'),
      metadata: meta.metadata ?? {},
    });
    const q = new URLSearchParams({ uploadType: 'resumable', name, upload_id: s.id });
    send(res, 200, undefined, {
      location: `${this.endpoint}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?${q.toString()}`,
    });
  }

  #put(
    id: string | null,
    req: IncomingMessage,
    res: ServerResponse,
    f: Fault | undefined,
  ): Promise<void> {
    // One request per session at a time: a status query must see the bytes an earlier, cut
    // request persisted, as GCS's answer reflects everything it has committed.
    const s = this.#sessions.get(id);
    if (!s) return this.#putTo(undefined, req, res, f);
    const run = s.queue.then(() => this.#putTo(s, req, res, f));
    s.queue = run.catch(() => undefined);
    return run;
  }

  async #putTo(
    s: Session | undefined,
    req: IncomingMessage,
    res: ServerResponse,
    f: Fault | undefined,
  ): Promise<void> {
    if (!s) {
      await readBody(req, MAX_BODY);
      return error(res, 404, 'No such upload session (expired or unknown)');
    }
    const cr = parseContentRange(req.headers['content-range']);
    if (!cr) {
      await readBody(req, MAX_BODY);
      return error(res, 400, `invalid Content-Range '${String(req.headers['content-range'])}'`);
    }
    if (cr.query) {
      this.stats.statusQueries++;
      const body = await readBody(req, MAX_BODY);
      if (body === 'too-large' || body.length)
        return error(res, 400, 'a status query has an empty body');
    }
    if (s.finalized) {
      if (!cr.query) await readBody(req, MAX_BODY);
      return send(res, 200, s.finalized);
    }
    if (s.dead) {
      if (!cr.query) await readBody(req, MAX_BODY);
      return error(res, 410, 'upload session failed and is closed');
    }
    if (cr.query) {
      if (cr.total !== undefined && s.total !== undefined && cr.total !== s.total)
        return error(res, 400, `total ${cr.total} differs from ${s.total}`);
      if (cr.total !== undefined && s.persisted === cr.total) return this.#finalize(s, req, res);
      return send(res, 308, undefined, rangeHeader(s));
    }
    this.stats.chunks++;
    const before = s.persisted;
    const r = await this.#sessions.chunk(s, req, cr, f, MAX_BODY);
    this.stats.bytesPersisted += s.persisted - before;
    if (s.persisted !== before)
      this.emit('persisted', { id: s.id, name: s.name, persisted: s.persisted, total: s.total });
    if (r.kind === 'cut') return;
    if (r.kind === 'error') {
      this.stats.rejected++;
      return error(res, r.status, r.message);
    }
    if (r.kind === 'partial') return send(res, 308, undefined, rangeHeader(s));
    return this.#finalize(s, req, res);
  }

  async #finalize(s: Session, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const data = await this.#sessions.content(s);
    const crc = b64crc(tableCrc32c(data));
    const hash = /(?:^|,)\s*crc32c=([^,\s]+)/.exec(String(req.headers['x-goog-hash'] ?? ''))?.[1];
    const fail = (status: number, message: string): void => {
      s.dead = true;
      this.stats.rejected++;
      error(res, status, message);
    };
    if (s.declaredCrc32c !== undefined && s.declaredCrc32c !== crc)
      return fail(
        400,
        `Provided CRC32C "${s.declaredCrc32c}" doesn't match calculated CRC32C "${crc}".`,
      );
    if (hash !== undefined && hash !== crc)
      return fail(400, `X-Goog-Hash crc32c ${hash} does not match ${crc}`);
    if (this.#preconditionFails(s.bucket, s.name, s.ifGenerationMatch))
      return fail(412, 'At least one of the pre-conditions you specified did not hold.');
    const tmp = join(this.dir, `final-${s.id}`);
    await rename(s.path, tmp);
    await writeFile(s.path, ''); // the session file stays for forget() to remove
    const o = await this.#commit(
      s.bucket,
      s.name,
      tmp,
      data,
      s.contentType,
      s.metadata,
      s.ifGenerationMatch,
    );
    if (!o) return fail(412, 'At least one of the pre-conditions you specified did not hold.');
    this.stats.finalized++;
    s.finalized = this.#resource(o);
    send(res, 200, s.finalized);
  }

  async #multipart(
    bucket: string,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const body = await readBody(req, MAX_BODY);
    if (body === 'too-large') return error(res, 413, 'body too large');
    if (!this.#buckets.has(bucket)) return error(res, 404, `no bucket ${bucket}`);
    const parts = parseMultipart(String(req.headers['content-type'] ?? ''), body);
    if (!parts || parts.length !== 2)
      return error(res, 400, 'multipart upload needs a metadata part and a media part');
    let meta: {
      name?: string;
      crc32c?: string;
      contentType?: string;
      metadata?: Record<string, string>;
    };
    try {
      meta = JSON.parse((parts[0] as Buffer).toString('utf8')) as typeof meta;
    } catch {
      return error(res, 400, 'multipart metadata is not JSON');
    }
    const name = url.searchParams.get('name') ?? meta.name;
    if (!name) return error(res, 400, 'no object name');
    const data = parts[1] as Buffer;
    if (meta.crc32c !== undefined && meta.crc32c !== b64crc(tableCrc32c(data)))
      return error(res, 400, 'Provided CRC32C does not match the data');
    if (this.#preconditionFails(bucket, name, url.searchParams.get('ifGenerationMatch')))
      return error(res, 412, 'At least one of the pre-conditions you specified did not hold.');
    this.stats.multipart++;
    const tmp = join(this.dir, `mp-${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, data);
    const o = await this.#commit(
      bucket,
      name,
      tmp,
      data,
      meta.contentType ?? 'application/octet-stream',
      meta.metadata ?? {},
      url.searchParams.get('ifGenerationMatch'),
    );
    if (!o)
      return error(res, 412, 'At least one of the pre-conditions you specified did not hold.');
    send(res, 200, this.#resource(o));
  }

  #live(bucket: string, name: string, url: URL): FakeObject | undefined {
    const o = this.object(bucket, name);
    const gen = url.searchParams.get('generation');
    // Without object versioning a replaced generation is gone.
    return o && (gen === null || gen === o.generation) ? o : undefined;
  }

  #metadata(bucket: string, name: string, url: URL, res: ServerResponse): Promise<void> {
    const o = this.#live(bucket, name, url);
    if (!o) return Promise.resolve(error(res, 404, `No such object: ${bucket}/${name}`));
    return Promise.resolve(send(res, 200, this.#resource(o)));
  }

  async #media(
    bucket: string,
    name: string,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const o = this.#live(bucket, name, url);
    if (!o) return error(res, 404, `No such object: ${bucket}/${name}`);
    const data = await readFile(o.path);
    const headers: Record<string, string> = {
      'content-type': o.contentType,
      'x-goog-hash': `crc32c=${o.crc32c},md5=${o.md5Hash}`,
      'x-goog-generation': o.generation,
      'x-goog-stored-content-length': String(o.size),
      'x-goog-stored-content-encoding': 'identity',
    };
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
    if (!range) return send(res, 200, data, headers);
    const first = Number(range[1]);
    const last = range[2] === '' ? o.size - 1 : Math.min(Number(range[2]), o.size - 1);
    if (first >= o.size || last < first) return error(res, 416, 'range not satisfiable');
    send(res, 206, data.subarray(first, last + 1), {
      ...headers,
      'content-range': `bytes ${first}-${last}/${o.size}`,
    });
  }

  async #delete(bucket: string, name: string, url: URL, res: ServerResponse): Promise<void> {
    const o = this.object(bucket, name);
    if (!o) return error(res, 404, `No such object: ${bucket}/${name}`);
    if (this.#preconditionFails(bucket, name, url.searchParams.get('ifGenerationMatch')))
      return error(res, 412, 'At least one of the pre-conditions you specified did not hold.');
    this.#objects.delete(`${bucket}\0${name}`);
    await rm(o.path, { force: true });
    send(res, 204, undefined);
  }

  #list(bucket: string, url: URL, res: ServerResponse): Promise<void> {
    if (!this.#buckets.has(bucket)) return Promise.resolve(error(res, 404, `no bucket ${bucket}`));
    const prefix = url.searchParams.get('prefix') ?? '';
    const max = Math.min(Number(url.searchParams.get('maxResults') ?? 1000), 1000);
    const after = url.searchParams.get('pageToken');
    const from = after === null ? '' : Buffer.from(after, 'base64url').toString('utf8');
    const names = [...this.#objects.values()]
      .filter(
        (o) =>
          o.bucket === bucket &&
          o.name.startsWith(prefix) &&
          (after === null || Buffer.compare(Buffer.from(o.name), Buffer.from(from)) > 0),
      )
      .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    const page = names.slice(0, max);
    const more = names.length > max && page.length > 0;
    return Promise.resolve(
      send(res, 200, {
        kind: 'storage#objects',
        items: page.map((o) => this.#resource(o)),
        ...(more
          ? {
              nextPageToken: Buffer.from((page[page.length - 1] as FakeObject).name).toString(
                'base64url',
              ),
            }
          : {}),
      }),
    );
  }

  #resource(o: FakeObject): Record<string, unknown> {
    return {
      kind: 'storage#object',
      id: `${o.bucket}/${o.name}/${o.generation}`,
      name: o.name,
      bucket: o.bucket,
      generation: o.generation,
      metageneration: '1',
      contentType: o.contentType,
      size: String(o.size),
      crc32c: o.crc32c,
      md5Hash: o.md5Hash,
      timeCreated: o.created,
      updated: o.created,
      ...(Object.keys(o.metadata).length ? { metadata: o.metadata } : {}),
    };
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload =
    body === undefined
      ? Buffer.alloc(0)
      : Buffer.isBuffer(body)
        ? body
        : Buffer.from(JSON.stringify(body));
  const type = Buffer.isBuffer(body) ? {} : { 'content-type': 'application/json; charset=UTF-8' };
  res.writeHead(status, { ...type, ...headers, 'content-length': String(payload.length) });
  res.end(payload);
}

function error(res: ServerResponse, status: number, message: string): void {
  send(res, status, {
    error: {
      code: status,
      message,
      errors: [{ message, reason: status === 412 ? 'conditionNotMet' : 'invalid' }],
    },
  });
}
