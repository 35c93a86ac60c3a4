// The ObjectStore contract as one suite, run against every implementation and backend
// (file.test.ts, gcs-fake-server.test.ts, gcs-strict.test.ts), so file:// and gs:// cannot drift.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isWflgError } from '../../../src/lib/errors.js';
import type { ObjectStore } from '../../../src/lib/store/index.js';
import { collect, drain, rejectsWith, source, tempDir } from './util.js';

export interface Backend {
  /** A store over a fresh, empty namespace. */
  open(): Promise<ObjectStore>;
  stop(): Promise<void>;
  /** fake-gcs-server ignores ifGenerationMatch on DELETE (v1.56.1, fakestorage/object.go). */
  readonly deleteIgnoresGeneration?: boolean;
  /**
   * fake-gcs-server forgets the declared crc32c after the first non-final chunk (v1.56.1,
   * fakestorage/upload.go re-stores the session without it), so it finalizes wrong bytes that
   * GCS would refuse. The store must still report VERIFY; only "nothing stored" cannot hold.
   */
  readonly keepsBadChecksumUploads?: boolean;
}

export const HOSTILE_NAMES = [
  '',
  '/etc/passwd',
  '../escape',
  'a/../../escape',
  'a/..',
  '.',
  'a/./b',
  'a//b',
  'a/',
  'a\u0000b',
  'a\nb',
  'a\\..\\b',
  '.wflg-store/lock',
  'x/.wflg-tmp-1',
  'lone\ud800surrogate',
  'x'.repeat(1025),
];

export function contractSuite(label: string, start: () => Promise<Backend>): void {
  describe(`ObjectStore contract: ${label}`, () => {
    let backend: Backend;
    const tmp = tempDir('store-contract');
    before(async () => {
      backend = await start();
    });
    after(async () => {
      await backend?.stop();
      tmp.remove();
    });

    test('putFile creates once, then answers existed for the same bytes', async () => {
      const s = await backend.open();
      const src = source(tmp.dir, 700 * 1024 + 13);
      const put = await s.putFile('capture/dt=2026-01-01/part-1-1.wf.zst', src.path, src);
      assert.equal(put.outcome, 'created');
      assert.deepEqual([put.size, put.crc32c], [src.size, src.crc32c]);
      const again = await s.putFile('capture/dt=2026-01-01/part-1-1.wf.zst', src.path, src);
      assert.equal(again.outcome, 'existed');
      assert.equal(again.generation, put.generation);
      const { data, info } = await s.readAll('capture/dt=2026-01-01/part-1-1.wf.zst');
      assert.ok(data.equals(src.data));
      assert.deepEqual(info, await s.stat('capture/dt=2026-01-01/part-1-1.wf.zst'));
      assert.equal(info.generation, put.generation);
    });

    test('putFile of other bytes under a taken name is a conflict and keeps the original', async () => {
      const s = await backend.open();
      const first = source(tmp.dir, 1000);
      const other = source(tmp.dir, 1000);
      await s.putFile('p', first.path, first);
      await rejectsWith(s.putFile('p', other.path, other), 'WFLG_E_STORE_CONFLICT');
      assert.ok((await s.readAll('p')).data.equals(first.data));
    });

    test('putFile refuses a source that does not match its declared size or checksum', async () => {
      const s = await backend.open();
      const src = source(tmp.dir, 300 * 1024);
      await rejectsWith(
        s.putFile('bad-crc', src.path, { size: src.size, crc32c: (src.crc32c + 1) >>> 0 }),
        'WFLG_E_STORE_VERIFY',
      );
      await rejectsWith(
        s.putFile('bad-size', src.path, { size: src.size + 1, crc32c: src.crc32c }),
        'WFLG_E_STORE_VERIFY',
      );
      if (!backend.keepsBadChecksumUploads) {
        assert.equal(await s.stat('bad-crc'), undefined);
        assert.deepEqual(await collect(s.list('')), []);
      }
      assert.equal(await s.stat('bad-size'), undefined);
    });

    test('empty objects round-trip', async () => {
      const s = await backend.open();
      const src = source(tmp.dir, Buffer.alloc(0));
      const put = await s.putFile('empty', src.path, src);
      assert.deepEqual([put.outcome, put.size, put.crc32c], ['created', 0, 0]);
      assert.equal((await s.readAll('empty')).data.length, 0);
    });

    test('putBytes: create-only with 0, replace by generation, stale generations refused', async () => {
      const s = await backend.open();
      const v1 = await s.putBytes('state/lease', Buffer.from('v1'), '0');
      await rejectsWith(
        s.putBytes('state/lease', Buffer.from('again'), '0'),
        'WFLG_E_STORE_PRECONDITION',
      );
      const v2 = await s.putBytes('state/lease', Buffer.from('v2!'), v1.generation);
      assert.notEqual(v2.generation, v1.generation);
      assert.equal(v2.size, 3);
      await rejectsWith(
        s.putBytes('state/lease', Buffer.from('v3'), v1.generation),
        'WFLG_E_STORE_PRECONDITION',
      );
      await rejectsWith(
        s.putBytes('state/other', Buffer.from('x'), v2.generation),
        'WFLG_E_STORE_PRECONDITION',
      );
      const got = await s.readAll('state/lease');
      assert.equal(got.data.toString(), 'v2!');
      assert.equal(got.info.generation, v2.generation);
    });

    test('racing putBytes on one generation: exactly one writer wins', async () => {
      const s = await backend.open();
      const base = await s.putBytes('race', Buffer.from('base'), '0');
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          s.putBytes('race', Buffer.from(`writer-${i}`), base.generation),
        ),
      );
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      assert.equal(won.length, 1, `winners: ${won.join(',')}`);
      for (const r of results)
        if (r.status === 'rejected')
          assert.ok(isWflgError(r.reason, 'WFLG_E_STORE_PRECONDITION'), String(r.reason));
      assert.equal((await s.readAll('race')).data.toString(), `writer-${won[0] as number}`);
      const fresh = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => s.putBytes('fresh', Buffer.from(`c${i}`), '0')),
      );
      assert.equal(fresh.filter((r) => r.status === 'fulfilled').length, 1);
    });

    test('racing putFile of one name: one created, same bytes existed, other bytes conflict', async () => {
      const s = await backend.open();
      const a = source(tmp.dir, 64 * 1024);
      const b = source(tmp.dir, 64 * 1024);
      const results = await Promise.allSettled(
        [a, a, a, b, b].map((src) => s.putFile('part', src.path, src)),
      );
      const created = results.filter(
        (r) => r.status === 'fulfilled' && r.value.outcome === 'created',
      );
      assert.equal(created.length, 1);
      const winner = (await s.readAll('part')).data.equals(a.data) ? a : b;
      results.forEach((r, i) => {
        const mine = i < 3 ? a : b;
        if (mine === winner) assert.equal(r.status, 'fulfilled');
        else assert.ok(r.status === 'rejected' && isWflgError(r.reason, 'WFLG_E_STORE_CONFLICT'));
      });
    });

    test('list walks name order (UTF-8 bytes) and honours partial prefixes', async () => {
      const s = await backend.open();
      const names = ['a/b', 'a.c', 'a0', 'a/c/d', 'b', 'é/x', 'z', 'a/b2', 'a/b-c'];
      for (const n of names) await s.putBytes(n, Buffer.from(n), '0');
      const order = (xs: string[]): string[] =>
        [...xs].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      const listed = await collect(s.list(''));
      assert.deepEqual(
        listed.map((o) => o.name),
        order(names),
      );
      for (const info of listed) assert.deepEqual(info, await s.stat(info.name));
      const under = async (p: string): Promise<string[]> =>
        (await collect(s.list(p))).map((o) => o.name);
      assert.deepEqual(await under('a/'), order(names.filter((n) => n.startsWith('a/'))));
      assert.deepEqual(await under('a/b'), order(['a/b', 'a/b2', 'a/b-c']));
      assert.deepEqual(await under('a'), order(names.filter((n) => n.startsWith('a'))));
      assert.deepEqual(await under('nope/'), []);
    });

    test('delete only removes the generation it names', async () => {
      const s = await backend.open();
      const v1 = await s.putBytes('d', Buffer.from('1'), '0');
      const v2 = await s.putBytes('d', Buffer.from('2'), v1.generation);
      if (!backend.deleteIgnoresGeneration) {
        assert.equal(await s.delete('d', v1.generation), 'changed');
        assert.equal((await s.stat('d'))?.generation, v2.generation);
      }
      assert.equal(await s.delete('d', v2.generation), 'deleted');
      assert.equal(await s.stat('d'), undefined);
      assert.equal(await s.delete('d', v2.generation), 'absent');
      assert.deepEqual(await collect(s.list('')), []);
      const v3 = await s.putBytes('d', Buffer.from('3'), '0');
      assert.notEqual(v3.generation, v2.generation);
    });

    test('read streams objects and ranges; missing objects are NOT_FOUND', async () => {
      const s = await backend.open();
      const src = source(tmp.dir, 600 * 1024);
      await s.putFile('r', src.path, src);
      assert.ok((await drain(await s.read('r'))).equals(src.data));
      assert.ok(
        (await drain(await s.read('r', { start: 1000, end: 300_000 }))).equals(
          src.data.subarray(1000, 300_000),
        ),
      );
      assert.ok(
        (await drain(await s.read('r', { start: 500_000 }))).equals(src.data.subarray(500_000)),
      );
      await rejectsWith(s.read('missing'), 'WFLG_E_STORE_NOT_FOUND');
      await rejectsWith(s.readAll('missing'), 'WFLG_E_STORE_NOT_FOUND');
      assert.equal(await s.stat('missing'), undefined);
      assert.equal(await s.delete('missing', '1'), 'absent');
    });

    test('hostile names are refused with NAME_INVALID before any I/O', async () => {
      const s = await backend.open();
      const src = source(tmp.dir, 10);
      for (const name of HOSTILE_NAMES) {
        await rejectsWith(s.putBytes(name, Buffer.from('x'), '0'), 'WFLG_E_STORE_NAME_INVALID');
        await rejectsWith(s.putFile(name, src.path, src), 'WFLG_E_STORE_NAME_INVALID');
        await rejectsWith(s.stat(name), 'WFLG_E_STORE_NAME_INVALID');
        await rejectsWith(s.read(name), 'WFLG_E_STORE_NAME_INVALID');
        await rejectsWith(s.readAll(name), 'WFLG_E_STORE_NAME_INVALID');
        await rejectsWith(s.delete(name, '1'), 'WFLG_E_STORE_NAME_INVALID');
      }
      for (const prefix of ['/', '../', 'a/../', 'a//', 'x\u0000'])
        await rejectsWith(collect(s.list(prefix)), 'WFLG_E_STORE_NAME_INVALID');
      assert.deepEqual(await collect(s.list('')), []);
    });
  });
}
