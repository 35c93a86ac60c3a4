// FileStore: the shared contract, plus what only a filesystem store can get wrong: processes
// racing on one root, SIGKILL mid-put, stale locks left by a killed writer, and paths escaping
// the root.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { openStore } from '../../../src/lib/store/index.js';
import { runChild, runPutFile } from './child.js';
import { contractSuite, HOSTILE_NAMES } from './contract.js';
import { collect, rejectsWith, source, tempDir } from './util.js';

contractSuite('file://', () => {
  const t = tempDir('file-contract');
  let n = 0;
  return Promise.resolve({
    open: () => openStore(pathToFileURL(join(t.dir, `store-${++n}`)).href),
    stop: () => Promise.resolve(t.remove()),
  });
});

describe('FileStore beyond the contract', () => {
  const t = tempDir('file-store');
  after(() => t.remove());
  let n = 0;
  const fresh = (): { root: string; url: string } => {
    const root = join(t.dir, `root-${++n}`);
    return { root, url: pathToFileURL(root).href };
  };

  test('store URLs must be file:///absolute without query or host', async () => {
    for (const url of ['file:relative', 'file://host/x', `${fresh().url}?x=1`, 's3://b/x'])
      await rejectsWith(openStore(url), 'WFLG_E_CONFIG_INVALID');
  });

  test('hostile names leave nothing outside the root', async () => {
    const outer = join(t.dir, `outer-${++n}`);
    mkdirSync(outer);
    const s = await openStore(pathToFileURL(join(outer, 'root')).href);
    for (const name of HOSTILE_NAMES)
      await s.putBytes(name, Buffer.from('x'), '0').catch(() => undefined);
    assert.deepEqual(readdirSync(outer), ['root']);
    assert.deepEqual(readdirSync(join(outer, 'root')), ['.wflg-store']);
  });

  test('a name cannot be both an object and a directory', async () => {
    const s = await openStore(fresh().url);
    const src = source(t.dir, 10);
    await s.putFile('a', src.path, src);
    await rejectsWith(s.putFile('a/b', src.path, src), 'WFLG_E_STORE_CONFLICT');
    await s.putFile('d/e', src.path, src);
    await rejectsWith(s.putFile('d', src.path, src), 'WFLG_E_STORE_CONFLICT');
    assert.equal(await s.stat('d'), undefined);
  });

  test('files the store did not write (symlinks, temp names, odd names) are not listed', async () => {
    const { root, url } = fresh();
    const s = await openStore(url);
    await s.putBytes('real', Buffer.from('r'), '0');
    writeFileSync(join(root, '.wflg-tmp-123-abc'), 'partial');
    writeFileSync(join(root, 'bad\nname'), 'x');
    const { symlinkSync } = await import('node:fs');
    symlinkSync('/etc/hostname', join(root, 'link'));
    assert.deepEqual(
      (await collect(s.list(''))).map((o) => o.name),
      ['real'],
    );
  });

  test('processes racing on one generation: exactly one wins', async () => {
    const { url } = fresh();
    const s = await openStore(url);
    const base = await s.putBytes('lease', Buffer.from('base'), '0');
    const goFile = join(t.dir, `go-${++n}`);
    const runs = Array.from({ length: 4 }, (_, i) =>
      runChild({
        url,
        op: 'putBytes',
        name: 'lease',
        data: `p${i}`,
        generation: base.generation,
        goFile,
      }),
    );
    const creators = Array.from({ length: 3 }, (_, i) =>
      runChild({ url, op: 'putBytes', name: 'new', data: `c${i}`, generation: '0', goFile }),
    );
    await new Promise((r) => setTimeout(r, 300)); // let every child reach the start line
    writeFileSync(goFile, '');
    const results = await Promise.all(runs.map((r) => r.result));
    const winners = results.filter((r) => r?.ok);
    assert.equal(winners.length, 1, JSON.stringify(results));
    assert.ok(results.every((r) => r?.ok || r?.code === 'WFLG_E_STORE_PRECONDITION'));
    const won = results.findIndex((r) => r?.ok);
    assert.equal((await s.readAll('lease')).data.toString(), `p${won}`);
    const created = await Promise.all(creators.map((r) => r.result));
    assert.equal(created.filter((r) => r?.ok).length, 1, JSON.stringify(created));
  });

  for (const hang of ['copy', 'sync'] as const) {
    test(`SIGKILL during putFile (${hang === 'copy' ? 'mid-copy' : 'before publish'}) leaves no visible object`, async () => {
      const { root, url } = fresh();
      const src = source(t.dir, 3 * 1024 * 1024 + 5);
      await openStore(url); // the root exists, so the child's first fsync is the temp file's
      const run = runPutFile(url, 'part', src, { hang });
      await run.waitFor('hanging');
      await run.kill();
      assert.equal(await run.result, undefined);
      const s = await openStore(url);
      assert.equal(await s.stat('part'), undefined);
      assert.deepEqual(await collect(s.list('')), []);
      assert.ok(
        readdirSync(root).some((f) => f.startsWith('.wflg-tmp-')),
        'the killed copy left its temp file',
      );
      const put = await s.putFile('part', src.path, src);
      assert.equal(put.outcome, 'created');
      assert.ok((await s.readAll('part')).data.equals(src.data));
      assert.deepEqual(
        readdirSync(root).filter((f) => f.startsWith('.wflg-tmp-')),
        [],
        "the dead writer's temp file was swept",
      );
    });
  }

  test('SIGKILL at random points: the object is absent or whole, and a retry settles', async () => {
    const { url } = fresh();
    const src = source(t.dir, 24 * 1024 * 1024);
    const s = await openStore(url);
    for (let i = 0; i < 8; i++) {
      const run = runPutFile(url, 'p', src);
      await new Promise((r) => setTimeout(r, 30 + Math.random() * 80));
      await run.kill();
      const info = await s.stat('p');
      if (info) {
        assert.deepEqual([info.size, info.crc32c], [src.size, src.crc32c]);
        assert.ok((await s.readAll('p')).data.equals(src.data));
      }
    }
    const put = await s.putFile('p', src.path, src);
    assert.ok(put.outcome === 'created' || put.outcome === 'existed');
    assert.ok((await s.readAll('p')).data.equals(src.data));
  });

  test('a lock left by a SIGKILLed writer is broken, and the write it guarded never landed', async () => {
    const { root, url } = fresh();
    const s = await openStore(url);
    const v1 = await s.putBytes('x', Buffer.from('1'), '0');
    const run = runChild({
      url,
      op: 'putBytes',
      name: 'x',
      data: 'killed',
      generation: v1.generation,
      hang: 'sync',
    });
    await run.waitFor('hanging');
    assert.ok(existsSync(join(root, '.wflg-store', 'lock')));
    await run.kill();
    const v2 = await s.putBytes('x', Buffer.from('2'), v1.generation);
    assert.equal((await s.readAll('x')).data.toString(), '2');
    assert.equal(await s.delete('x', v2.generation), 'deleted');
    assert.equal(existsSync(join(root, '.wflg-store', 'lock')), false);
  });
});
