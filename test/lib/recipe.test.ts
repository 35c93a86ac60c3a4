import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { isWflgError } from '../../src/lib/errors.js';
import {
  OPTIONAL_KEYS,
  SCHEMA_KEYS,
  compatibleSchema,
  recipeSchema,
  validateGlobalRecipe,
  validateRecipe,
  type GlobalRecipe,
  type Recipe,
} from '../../src/lib/recipe.js';
import { ROOT } from '../helpers.js';

const example = <T = Record<string, unknown>>(name: string): T =>
  JSON.parse(readFileSync(join(ROOT, 'schema', 'examples', name), 'utf8')) as T;

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(isWflgError(err, 'WFLG_E_RECIPE_INVALID'), String(err));
    return err.details?.problems as string[];
  }
  assert.fail('expected WFLG_E_RECIPE_INVALID');
}

test('the TS types and the JSON Schema name exactly the same properties', () => {
  const defs = (
    recipeSchema() as { $defs: Record<string, { properties: object; required: string[] }> }
  ).$defs;
  assert.deepEqual(Object.keys(SCHEMA_KEYS).sort(), Object.keys(defs).sort());
  for (const [def, keys] of Object.entries(SCHEMA_KEYS)) {
    assert.deepEqual(Object.keys(defs[def]!.properties).sort(), [...keys].sort(), def);
    const optional = OPTIONAL_KEYS[def] ?? [];
    for (const k of optional) assert.ok(keys.includes(k), `${def}: optional ${k} is a property`);
    assert.deepEqual(
      [...defs[def]!.required].sort(),
      keys.filter((k) => !optional.includes(k)).sort(),
      `${def}: all required but ${optional.join(', ') || 'none'}`,
    );
  }
});

test('the documented examples validate', () => {
  assert.equal(validateRecipe(example('recipe.metric.json')).family.name, 'system.cpu.load');
  assert.equal(validateGlobalRecipe(example('global.json')).mirrorFraction, 0.25);
  assert.ok(compatibleSchema(example('global.json')));
  assert.ok(!compatibleSchema({ schema: 'wflg.recipe/v2' }));
});

test('unknown fields, wrong types and missing fields are all reported at once', () => {
  const r = example('recipe.metric.json');
  r.extra = 1;
  (r.totals as Record<string, unknown>).lines = -1;
  delete (r as { lineBytes?: unknown }).lineBytes;
  (r.family as Record<string, unknown>).kind = 'gauge';
  const problems = problemsOf(() => validateRecipe(r));
  for (const bit of ["'extra'", '/totals/lines', "'lineBytes'", '/family/kind'])
    assert.ok(
      problems.some((p) => p.includes(bit)),
      `${bit} in ${problems.join(' | ')}`,
    );
});

test('cross-field rules: family id, key order, hawkes stationarity, quantile order, kind models', () => {
  const cases: Array<[string, (r: Recipe) => void]> = [
    ['/family/id', (r) => (r.family.id = '0000000000000000')],
    ['/family/tagKeys', (r) => (r.family.tagKeys = ['role', 'env'])],
    ['branchingRatio', (r) => (r.arrivals.hawkes!.alpha = 1.0)],
    [
      'probabilities must increase',
      (r) =>
        (r.lineBytes.q = [
          [0.5, 60],
          [0.5, 61],
        ]),
    ],
    [
      'values must not decrease',
      (r) =>
        (r.lineBytes.q = [
          [0, 60],
          [1, 50],
        ]),
    ],
    ['/values', (r) => (r.values = null)],
    ['one entry per bucket', (r) => r.arrivals.counts.push(1)],
  ];
  for (const [bit, mutate] of cases) {
    const r = example<Recipe>('recipe.metric.json');
    mutate(r);
    const problems = problemsOf(() => validateRecipe(r));
    assert.ok(
      problems.some((p) => p.includes(bit)),
      `${bit} in ${problems.join(' | ')}`,
    );
  }
  const hawkes = example<Recipe>('recipe.metric.json');
  hawkes.arrivals.hawkes!.alpha = 2;
  hawkes.arrivals.hawkes!.branchingRatio = 1;
  assert.ok(problemsOf(() => validateRecipe(hawkes)).some((p) => p.includes('branchingRatio')));
});

test('hostile documents are rejected, not crashed on', () => {
  for (const doc of [null, 42, 'recipe', [], {}, { schema: 'wflg.recipe/v1' }])
    assert.ok(problemsOf(() => validateRecipe(doc)).length > 0);
  const g = example<GlobalRecipe>('global.json');
  g.totals.coveredLines = g.totals.lines + 1;
  assert.ok(problemsOf(() => validateGlobalRecipe(g)).some((p) => p.includes('coveredLines')));
});
