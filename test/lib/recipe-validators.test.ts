import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'node:test';
import { loadValidators, PRECOMPILED, writePrecompiled } from '../../src/lib/recipe-validators.js';
import { ROOT } from '../helpers.js';

const example = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(ROOT, 'schema', 'examples', name), 'utf8')) as Record<
    string,
    unknown
  >;

/** Documents that pass and that fail in different ways, for both definitions. */
function documents(): Array<{ def: 'family' | 'global'; doc: unknown }> {
  const docs: Array<{ def: 'family' | 'global'; doc: unknown }> = [];
  const mutations: Array<(r: Record<string, unknown>) => void> = [
    () => undefined,
    (r) => (r.extra = 1),
    (r) => delete r.schema,
    (r) => (r.schema = 'wflg.recipe/v2'),
    (r) => (r.totals = { lines: -1 }),
    (r) => (r.family = 'x'.repeat(10_000)),
    (r) => {
      r.totals = null;
      r.lineBytes = [];
    },
  ];
  for (const [def, file] of [
    ['family', 'recipe.metric.json'],
    ['global', 'global.json'],
  ] as const) {
    for (const m of mutations) {
      const r = example(file);
      m(r);
      docs.push({ def, doc: r });
    }
    docs.push({ def, doc: null }, { def, doc: [] }, { def, doc: 'recipe' });
  }
  return docs;
}

test('the build ships the validators precompiled, for the schema as it is', () => {
  // `npm test` builds first: a missing or stale file here means the build step is broken, and
  // every command would pay the schema compile again.
  assert.equal(loadValidators().source, 'precompiled');
});

test('precompiled and compiled validators accept and reject the same documents, with the same errors', () => {
  const pre = loadValidators();
  const dir = mkdtempSync(join(tmpdir(), 'wflg-validators-'));
  try {
    const fresh = loadValidators(join(dir, 'absent.cjs'));
    assert.equal(fresh.source, 'compiled');
    let rejected = 0;
    for (const { def, doc } of documents()) {
      const a = pre[def](doc);
      const b = fresh[def](doc);
      assert.equal(a, b, JSON.stringify(doc).slice(0, 80));
      assert.deepEqual(pre[def].errors ?? null, fresh[def].errors ?? null);
      if (!a) rejected++;
    }
    assert.ok(rejected >= 10, `only ${rejected} documents rejected: the cases test nothing`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a precompiled file for another version of the schema, or a damaged one, is not used', () => {
  // Beside the real one, so the generated code resolves ajv's runtime as it does there.
  const at = (name: string): string => join(dirname(PRECOMPILED), `${name}-${process.pid}.cjs`);
  const file = writePrecompiled(at('fresh'));
  const stale = at('stale');
  const damaged = at('damaged');
  try {
    assert.equal(loadValidators(file).source, 'precompiled');
    writeFileSync(
      stale,
      readFileSync(file, 'utf8').replace(
        /schemaSha256 = "[0-9a-f]{64}"/,
        `schemaSha256 = "${'0'.repeat(64)}"`,
      ),
    );
    assert.equal(loadValidators(stale).source, 'compiled');
    writeFileSync(damaged, readFileSync(file, 'utf8').slice(0, 5000));
    assert.equal(loadValidators(damaged).source, 'compiled');
  } finally {
    for (const f of [file, stale, damaged]) rmSync(f, { force: true });
  }
});
