// A store operation in its own process, for crash (SIGKILL) and cross-process race tests.
// argv[2] is a JSON Job. The process prints one JSON line: {"ok":true,"value":...} or
// {"ok":false,"code":...}. `hang` freezes it at a chosen point (after printing "hanging") so the
// parent can kill it in a known state; `goFile` makes racers start together.
import fs, { existsSync, type PathLike } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isWflgError } from '../../../src/lib/errors.js';
import { GcsStore } from '../../../src/lib/store/gcs.js';
import { openStore } from '../../../src/lib/store/index.js';

export interface Job {
  readonly url: string;
  readonly op: 'putFile' | 'putBytes' | 'delete';
  readonly name: string;
  readonly path?: string;
  readonly size?: number;
  readonly crc32c?: number;
  readonly data?: string;
  readonly generation?: string;
  readonly sessionPath?: string;
  /**
   * 'copy': the copy stops half-way (half the bytes in the temp file) and freezes;
   * 'sync': freezes on the first fsync (the temp file complete, not yet published).
   */
  readonly hang?: 'copy' | 'sync';
  readonly goFile?: string;
  readonly gcsEndpoint?: string;
  readonly chunkSize?: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const never = (): Promise<never> => {
  process.stdout.write('hanging\n');
  return new Promise<never>(() => setInterval(() => undefined, 1 << 30));
};

async function main(): Promise<unknown> {
  if (job.hang === 'copy') {
    // Builtin ESM exports follow the CJS object after syncBuiltinESMExports, so the store's
    // imported copyFile becomes this half-copy.
    fs.promises.copyFile = async (src: PathLike, dst: PathLike) => {
      const data = await fs.promises.readFile(src);
      await fs.promises.writeFile(dst, data.subarray(0, data.length >> 1), { flag: 'wx' });
      return never();
    };
    syncBuiltinESMExports();
  }
  if (job.hang === 'sync') {
    const probe = await open(process.execPath, 'r');
    const proto = Object.getPrototypeOf(probe) as Record<
      string,
      (...a: unknown[]) => Promise<unknown>
    >;
    await probe.close();
    proto.sync = () => never();
  }
  const store = job.url.startsWith('gs://')
    ? await GcsStore.open(job.url, {
        gcsEndpoint: job.gcsEndpoint,
        ...(job.chunkSize ? { chunkSize: job.chunkSize } : {}),
        retry: { initialDelayMs: 5, maxDelayMs: 50 },
      })
    : await openStore(job.url);
  if (job.goFile) while (!existsSync(job.goFile)) await sleep(2);
  if (job.op === 'putFile')
    return store.putFile(job.name, job.path ?? '', {
      size: job.size ?? 0,
      crc32c: job.crc32c ?? 0,
      ...(job.sessionPath ? { sessionPath: job.sessionPath } : {}),
    });
  if (job.op === 'putBytes')
    return store.putBytes(job.name, Buffer.from(job.data ?? ''), job.generation ?? '0');
  return store.delete(job.name, job.generation ?? '');
}

main().then(
  (value) => process.stdout.write(`${JSON.stringify({ ok: true, value })}\n`),
  (err: unknown) => {
    process.stdout.write(
      `${JSON.stringify({ ok: false, code: isWflgError(err) ? err.code : String(err) })}\n`,
    );
  },
);
