import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Generator } from '../../src/generator/generator.js';
import { loadRecipes } from '../../src/generator/recipes.js';
import { DEFAULT_SCENARIO } from '../../src/generator/scenario.js';
import { recipe, writeRoot } from './recipes.js';

const tmp = mkdtempSync(join(tmpdir(), 'wflg-reload-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('reload: unchanged bytes are unchanged; a changed set loads; a new unreadable file is refused', async () => {
  const root = writeRoot(join(tmp, 'r'), [recipe({ name: 'a.b', rate: 1 })]);
  const set = await loadRecipes(root);
  // Never started: checkRecipes talks to the (empty) worker pool only by broadcast.
  const g = new Generator(
    {
      recipes: root,
      target: 'tcp://127.0.0.1:9',
      seed: 1,
      workers: 1,
      shard: { index: 0, count: 1 },
      epochMs: undefined,
      durationMs: 0,
      connections: 1,
      identityCacheBytes: 16 << 20,
      token: undefined,
      pace: 'real',
      maxLateMs: 1000,
      lateMs: 100,
      stateDir: undefined,
    },
    set,
    DEFAULT_SCENARIO,
  );
  let r = await g.checkRecipes();
  assert.equal(r.lastResult, 'unchanged');
  assert.equal(r.loaded, 1);
  writeRoot(root, [recipe({ name: 'c.d', rate: 1 })]);
  r = await g.checkRecipes();
  assert.equal(r.lastResult, 'loaded');
  assert.notEqual(r.version, set.version);
  assert.deepEqual(g.recipes.map((x) => x.family.name).sort(), ['a.b', 'c.d']);
  const loaded = r.version;
  // A directory named like a recipe: listed, unreadable, and every other byte is as before.
  mkdirSync(join(root, 'recipes', 'v1', 'zz.json'));
  r = await g.checkRecipes();
  assert.equal(r.lastResult, 'refused');
  assert.match(String(r.reason), /zz\.json: unreadable/);
  assert.equal(g.reload.version, loaded);
});
