// GcsStore against the strict fake GCS: the shared contract, then the resumable upload under
// faults (modelled on storage-testbench's Retry Test API) and across a SIGKILLed process.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { GcsStore, type GcsStoreOptions } from '../../../src/lib/store/gcs.js';
import type { ObjectStore } from '../../../src/lib/store/index.js';
import { StrictGcs } from '../../fakes/gcs-strict.js';
import { runPutFile } from './child.js';
import { contractSuite } from './contract.js';
import { rejectsWith, source, tempDir } from './util.js';

const KiB = 1024;
const CHUNK = 256 * KiB;
const FAST: GcsStoreOptions['retry'] = {
  initialDelayMs: 5,
  maxDelayMs: 40,
  maxAttempts: 6,
  requestTimeoutMs: 5000,
};

contractSuite('gs:// (strict fake)', async () => {
  const fake = await StrictGcs.start(['wflg-test']);
  let n = 0;
  return {
    open: () =>
      GcsStore.open(`gs://wflg-test/t${++n}`, {
        gcsEndpoint: fake.endpoint,
        chunkSize: CHUNK,
        pageSize: 2,
        retry: FAST,
      }),
    stop: () => fake.close(),
  };
});

describe('GcsStore resumable uploads under faults (strict fake)', () => {
  const t = tempDir('gcs-strict');
  after(() => t.remove());
  let n = 0;

  async function withFake(
    fn: (fake: StrictGcs, store: ObjectStore, sessionPath: string) => Promise<void>,
  ): Promise<void> {
    const fake = await StrictGcs.start(['wflg-test']);
    try {
      const store = await GcsStore.open('gs://wflg-test/root', {
        gcsEndpoint: fake.endpoint,
        chunkSize: 2 * CHUNK,
        retry: FAST,
      });
      await fn(fake, store, join(t.dir, `session-${++n}.json`));
      assert.deepEqual(fake.faults.remaining(), {}, 'every injected fault was exercised');
    } finally {
      await fake.close();
    }
  }

  async function stored(fake: StrictGcs, name: string): Promise<Buffer | undefined> {
    return fake.content('wflg-test', `root/${name}`);
  }

  test('happy path: one session, whole chunks, no status queries, session file removed', () =>
    withFake(async (fake, store, sessionPath) => {
      const src = source(t.dir, 5 * CHUNK + 17);
      const put = await store.putFile('p', src.path, { ...src, sessionPath });
      assert.equal(put.outcome, 'created');
      assert.ok((await stored(fake, 'p'))?.equals(src.data));
      assert.equal(put.generation, fake.object('wflg-test', 'root/p')?.generation);
      assert.deepEqual(
        [fake.stats.initiations, fake.stats.chunks, fake.stats.statusQueries, fake.stats.finalized],
        [1, 3, 0, 1],
      );
      assert.equal(existsSync(sessionPath), false);
    }));

  test('503/429 on initiate and chunks, and a reset connection, are retried; bytes land once', () =>
    withFake(async (fake, store, sessionPath) => {
      fake.faults.add('upload.initiate', 'return-503');
      fake.faults.add('upload.chunk', 'return-503', 'return-reset-connection', 'return-429');
      fake.faults.add('upload.status', 'return-503');
      const src = source(t.dir, 4 * CHUNK + 1);
      const put = await store.putFile('p', src.path, { ...src, sessionPath });
      assert.equal(put.outcome, 'created');
      assert.ok((await stored(fake, 'p'))?.equals(src.data));
      assert.equal(fake.stats.bytesPersisted, src.size, 'nothing persisted twice');
      assert.equal(fake.stats.finalized, 1);
      assert.ok(fake.stats.statusQueries >= 3, 'each failed chunk is followed by a status query');
    }));

  test('a stream broken mid-chunk resumes from what the server kept', () =>
    withFake(async (fake, store, sessionPath) => {
      fake.faults.add('upload.chunk', 'return-broken-stream-after-300K');
      const src = source(t.dir, 3 * CHUNK);
      await store.putFile('p', src.path, { ...src, sessionPath });
      assert.ok((await stored(fake, 'p'))?.equals(src.data));
      assert.equal(fake.stats.bytesPersisted, src.size);
      assert.equal(fake.stats.initiations, 1);
    }));

  test('a 308 with a shorter Range (partial persist) is honoured by re-sending from the server offset', () =>
    withFake(async (fake, store, sessionPath) => {
      fake.faults.add('upload.chunk', 'persist-partial-256K', 'persist-partial-256K');
      const src = source(t.dir, 4 * CHUNK + 3);
      await store.putFile('p', src.path, { ...src, sessionPath });
      assert.ok((await stored(fake, 'p'))?.equals(src.data));
      assert.equal(fake.stats.bytesPersisted, src.size);
    }));

  test('a lost final response is settled by the status query, not by a second upload', () =>
    withFake(async (fake, store, sessionPath) => {
      fake.faults.add('upload.chunk', 'return-broken-stream-final-chunk-after-0B');
      const src = source(t.dir, CHUNK + 5);
      const put = await store.putFile('p', src.path, { ...src, sessionPath });
      assert.equal(put.outcome, 'created');
      assert.deepEqual([fake.stats.initiations, fake.stats.finalized], [1, 1]);
      assert.ok(fake.stats.statusQueries >= 1);
    }));

  test('an expired session restarts the upload under ifGenerationMatch=0', () =>
    withFake(async (fake, store, sessionPath) => {
      fake.faults.add('upload.chunk', 'return-503');
      fake.faults.add('upload.status', 'expire-session');
      const src = source(t.dir, 3 * CHUNK);
      const put = await store.putFile('p', src.path, { ...src, sessionPath });
      assert.equal(put.outcome, 'created');
      assert.ok((await stored(fake, 'p'))?.equals(src.data));
      assert.equal(fake.stats.initiations, 2);
    }));

  test('412 at initiation is settled by checksum: same bytes existed, other bytes conflict', () =>
    withFake(async (fake, store, sessionPath) => {
      const src = source(t.dir, CHUNK + 1);
      const other = source(t.dir, CHUNK + 1);
      await fake.insert('wflg-test', 'root/same', src.data);
      await fake.insert('wflg-test', 'root/diff', other.data);
      // A stale read makes the pre-upload look miss, so the precondition is what catches it.
      fake.faults.add('object.get', 'return-404', 'return-404');
      const same = await store.putFile('same', src.path, { ...src, sessionPath });
      assert.equal(same.outcome, 'existed');
      await rejectsWith(
        store.putFile('diff', src.path, { ...src, sessionPath }),
        'WFLG_E_STORE_CONFLICT',
      );
      assert.ok(
        (await stored(fake, 'diff'))?.equals(other.data),
        'the existing object is untouched',
      );
      assert.equal(fake.stats.bytesPersisted, 0);
    }));

  test('a checksum the server rejects at finalize is VERIFY and stores nothing', () =>
    withFake(async (fake, store, sessionPath) => {
      const src = source(t.dir, 2 * CHUNK + 9);
      await rejectsWith(
        store.putFile('p', src.path, {
          size: src.size,
          crc32c: (src.crc32c ^ 1) >>> 0,
          sessionPath,
        }),
        'WFLG_E_STORE_VERIFY',
      );
      assert.equal(fake.object('wflg-test', 'root/p'), undefined);
      assert.ok(fake.stats.rejected >= 1);
      assert.equal(existsSync(sessionPath), false);
    }));

  test('persistent 503s give up with UNAVAILABLE and keep the session for a later resume', () =>
    withFake(async (fake, store, sessionPath) => {
      const src = source(t.dir, 3 * CHUNK);
      fake.faults.add('upload.chunk', 'return-503');
      fake.faults.add('upload.status', ...Array.from({ length: 5 }, () => 'return-503'));
      await rejectsWith(
        store.putFile('p', src.path, { ...src, sessionPath }),
        'WFLG_E_STORE_UNAVAILABLE',
      );
      assert.ok(existsSync(sessionPath));
      await store.putFile('p', src.path, { ...src, sessionPath });
      assert.ok((await stored(fake, 'p'))?.equals(src.data));
      assert.equal(fake.stats.initiations, 1, 'the second call resumed the persisted session');
    }));

  test('library path: 503 and a lost response on small writes and deletes are retried safely', () =>
    withFake(async (fake, store) => {
      fake.faults.add(
        'upload.multipart',
        'return-503',
        'return-broken-stream-final-chunk-after-0B',
      );
      const v1 = await store.putBytes('lease', Buffer.from('one'), '0');
      const v2 = await store.putBytes('lease', Buffer.from('two'), v1.generation);
      assert.equal((await fake.content('wflg-test', 'root/lease'))?.toString(), 'two');
      assert.equal(v2.generation, fake.object('wflg-test', 'root/lease')?.generation);
      fake.faults.add('object.delete', 'return-503');
      assert.equal(await store.delete('lease', v2.generation), 'deleted');
    }));

  test('SIGKILL mid-upload: the restarted process resumes the persisted session', () =>
    withFake(async (fake, store, sessionPath) => {
      const src = source(t.dir, 12 * CHUNK + 100);
      const url = 'gs://wflg-test/root';
      let frozen = false;
      const half = new Promise<void>((resolve) =>
        fake.on('persisted', (e: { persisted: number }) => {
          // Emitted before the 308 goes out, so the child's next chunk is the one that stalls.
          if (e.persisted >= 4 * CHUNK && !frozen) {
            frozen = true;
            fake.faults.add('upload.chunk', 'stall-for-60000ms');
            resolve();
          }
        }),
      );
      const run = runPutFile(url, 'p', src, {
        sessionPath,
        gcsEndpoint: fake.endpoint,
        chunkSize: CHUNK,
      });
      await half;
      await run.kill();
      assert.equal(await run.result, undefined);
      const session = JSON.parse(readFileSync(sessionPath, 'utf8')) as { uri: string };
      assert.match(session.uri, /upload_id=/);
      assert.equal(fake.object('wflg-test', 'root/p'), undefined);
      const persistedBefore = fake.stats.bytesPersisted;
      assert.ok(persistedBefore >= 4 * CHUNK && persistedBefore < src.size);
      fake.faults.take('upload.chunk'); // the stall the dead child never reached, if any
      const put = await store.putFile('p', src.path, { ...src, sessionPath });
      assert.equal(put.outcome, 'created');
      assert.ok((await stored(fake, 'p'))?.equals(src.data));
      assert.deepEqual([fake.stats.initiations, fake.stats.finalized], [1, 1]);
      assert.ok(fake.stats.statusQueries >= 1);
      assert.equal(
        fake.stats.bytesPersisted,
        src.size,
        'resumed at the server offset, nothing re-stored',
      );
      assert.equal(existsSync(sessionPath), false);
    }));
});
