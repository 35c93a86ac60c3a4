import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { isWflgError } from '../../src/lib/errors.js';
import { native } from '../../src/lib/native.js';
import {
  decodeRecipeFile,
  MAX_RECIPE_BYTES,
  openRecipeRoot,
  RECIPES_DIR,
} from '../../src/lib/recipe-root.js';

const inputError = (e: unknown): boolean => isWflgError(e, 'WFLG_E_INPUT_READ');

test('a local root lists recipes/v1 sorted, reads files, refuses an oversized one unread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-root-'));
  mkdirSync(join(dir, RECIPES_DIR, 'nested'), { recursive: true });
  writeFileSync(join(dir, RECIPES_DIR, 'b.json'), '{"x":2}');
  writeFileSync(join(dir, RECIPES_DIR, 'a.json'), '{"x":1}');
  writeFileSync(join(dir, RECIPES_DIR, 'huge.json'), '');
  truncateSync(join(dir, RECIPES_DIR, 'huge.json'), MAX_RECIPE_BYTES + 1);
  const root = await openRecipeRoot(dir);
  assert.ok(root.url.startsWith('file://'));
  assert.deepEqual(
    await root.list(),
    ['a.json', 'b.json', 'huge.json', 'nested'].map((n) => `${RECIPES_DIR}/${n}`),
  );
  assert.equal((await root.read(`${RECIPES_DIR}/a.json`)).toString(), '{"x":1}');
  assert.ok(await root.has(`${RECIPES_DIR}/b.json`));
  assert.ok(!(await root.has(`${RECIPES_DIR}/c.json`)));
  await assert.rejects(root.read(`${RECIPES_DIR}/huge.json`), inputError);
  const empty = await openRecipeRoot(mkdtempSync(join(tmpdir(), 'wflg-root-')));
  assert.deepEqual(await empty.list(), []);
});

test('recipe files decode from zstd or plain JSON; damage names the file', () => {
  const doc = { schema: 'wflg.recipe/v1', n: 1 };
  const z = new (native().FrameEncoder)(3).encode(Buffer.from(JSON.stringify(doc)));
  assert.deepEqual(decodeRecipeFile('a.json.zst', z), doc);
  assert.deepEqual(decodeRecipeFile('a.json', Buffer.from(JSON.stringify(doc))), doc);
  const cases: Array<[string, Uint8Array, RegExp]> = [
    [
      't.json.zst',
      z.subarray(0, z.length - 5),
      /t\.json\.zst: not a readable zstd file \(truncated\)/,
    ],
    ['g.json.zst', Buffer.from('garbage'), /g\.json\.zst: not a readable zstd file/],
    ['e.json.zst', Buffer.alloc(0), /e\.json\.zst: not a readable zstd file \(empty\)/],
    ['j.json', Buffer.from('{"a":'), /j\.json: not JSON/],
  ];
  for (const [name, bytes, msg] of cases)
    assert.throws(
      () => decodeRecipeFile(name, bytes),
      (e: unknown) => inputError(e) && msg.test((e as Error).message),
      name,
    );
});
