// The identity caches are pure speed-ups: whatever the byte cache holds, was cleared of or never
// held, and with the per-slot value indices and prebuilt tag combinations, the bytes on the wire
// are the ones a fresh rendering (no cache, no kept indices, one copy per tag) gives, through
// churn (a slot's new identity must never reuse its old rendering), drift, replica sources (N×
// universes), a full arena and its resets.
import assert from 'node:assert/strict';
import test from 'node:test';
import { compileFamily } from '../../src/generator/model.js';
import { Out } from '../../src/generator/out.js';
import { FamilySynth } from '../../src/generator/synth.js';
import { CacheBudget, TagCache } from '../../src/generator/tag-cache.js';
import { Rng } from '../../src/lib/rng.js';
import { BENCH_KEYS, recipe } from './recipes.js';

const EPOCH = 1732233600000;

function run(
  kind: 'metric' | 'delta' | 'histogram_m',
  cache: TagCache,
  keepIndices = true,
  seen?: { prebuilt: number },
): Buffer {
  const name = kind === 'delta' ? '∆cache.count' : `cache.${kind}`;
  const sources = Array.from(
    { length: 30 },
    (_, i) => [`h${i}.example`, 30 - i] as [string, number],
  );
  const r = recipe({ name, kind, rate: 50, series: 40, keys: BENCH_KEYS, sources });
  // One key on some series only: absent values take part in the prebuilt combinations too.
  const keys = r.series.keys as Array<{ presence: number }>;
  keys[0]!.presence = 0.6;
  const m = compileFamily(r);
  const syn = new FamilySynth(m, 0, 1, cache, keepIndices);
  const rng = new Rng(7);
  const churn = new Rng(8);
  const parts: Buffer[] = [];
  for (let s = 0; s < 60; s++) {
    // Universe above the recipe's series count: slots past it carry replica sources.
    syn.setUniverse(s < 20 ? 40 : 90);
    if (s % 3 === 0) syn.churn(5, churn);
    const out = new Out(1 << 16);
    syn.emit(out, 60, EPOCH + s * 1000, rng, 0, s >= 30 ? 0.4 : 0);
    parts.push(out.take());
  }
  if (seen) seen.prebuilt = syn.prebuiltCopies;
  return Buffer.concat(parts);
}

for (const kind of ['metric', 'delta', 'histogram_m'] as const) {
  test(`tag cache (${kind}): same bytes as rendering every line, through churn, drift and arena resets`, () => {
    const never = new TagCache(undefined, 0);
    const plain = run(kind, never, false);
    const lines = plain.toString().split('\n');
    const withEnv = lines.filter((l) => l.includes('"env"=')).length;
    assert.ok(withEnv > lines.length * 0.3 && withEnv < lines.length * 0.9, `${withEnv} with env`);
    assert.equal(never.hits, 0);
    assert.deepEqual(
      run(kind, new TagCache(undefined, 0)),
      plain,
      'value indices kept, point tags from prebuilt combinations',
    );
    const cached = new TagCache();
    assert.deepEqual(run(kind, cached), plain);
    assert.ok(cached.hits > cached.misses * 5, `hits ${cached.hits}, misses ${cached.misses}`);
    // An arena too small for the universe fills, turns renderings away and, as churn kills its
    // entries, starts over: still the same bytes.
    const tiny = new TagCache(undefined, 1 << 16, 6000);
    assert.deepEqual(run(kind, tiny), plain);
    assert.equal(cached.clears, 0);
    assert.ok(
      tiny.clears > 0 && tiny.skipped > 0 && tiny.hits > 0,
      `${tiny.clears} clears, ${tiny.skipped} skipped, ${tiny.hits} hits`,
    );
    assert.ok(tiny.misses > cached.misses);
    assert.ok(tiny.bytes < cached.bytes);
    // Only the first slots are cached when the universe is past the limit.
    const low = new TagCache(undefined, 10);
    assert.deepEqual(run(kind, low), plain);
    assert.ok(low.hits > 0 && low.misses > cached.misses);
    // A worker budget smaller than one family's needs: it stops growing, the bytes stay the same.
    const budget = new CacheBudget(30_000);
    const capped = new TagCache(budget);
    assert.deepEqual(run(kind, capped), plain);
    assert.ok(
      budget.bytes >= 0 && capped.bytes <= 30_000 && capped.hits > 0,
      `${capped.bytes} bytes held`,
    );
    capped.release();
    assert.equal(budget.bytes, 30_000, 'everything given back');
    // The prebuilt tag combinations are charged to the budget (here the byte cache holds nothing).
    const comboBudget = new CacheBudget(1e6);
    const combosOnly = new TagCache(comboBudget, 0);
    const full = { prebuilt: 0 };
    assert.deepEqual(run(kind, combosOnly, true, full), plain);
    const used = 1e6 - comboBudget.bytes;
    assert.ok(used > 0 && full.prebuilt > 0, `${used} bytes charged, ${full.prebuilt} copies`);
    combosOnly.release();
    assert.equal(comboBudget.bytes, 1e6);
    // Half of what the combinations need: the budget refuses some, the family renders those key by
    // key, and the pieces it did build keep serving (they are paid for); all is given back.
    const halfBudget = new CacheBudget(Math.floor(used / 2));
    const half = new TagCache(halfBudget, 0);
    const halfSeen = { prebuilt: 0 };
    assert.deepEqual(run(kind, half, true, halfSeen), plain);
    assert.ok(halfBudget.bytes < Math.floor(used / 2), `${halfBudget.bytes} left`);
    assert.ok(
      halfSeen.prebuilt > full.prebuilt * 0.5,
      `${halfSeen.prebuilt} of ${full.prebuilt} copies from prebuilt pieces`,
    );
    half.release();
    assert.equal(halfBudget.bytes, Math.floor(used / 2));
    // Too small for even the combination array: nothing is charged, the bytes stay the same.
    for (const small of [0, 300]) {
      const starvedBudget = new CacheBudget(small);
      const starved = new TagCache(starvedBudget, 0);
      const seen = { prebuilt: 0 };
      assert.deepEqual(run(kind, starved, true, seen), plain);
      assert.equal(starvedBudget.bytes, small);
      assert.equal(seen.prebuilt, 0);
      starved.release();
      assert.equal(starvedBudget.bytes, small);
    }
  });
}

test('tag cache: a dropped slot is never copied again, an uncached slot past the limit never stored', () => {
  const c = new TagCache(undefined, 4, 64);
  const src = Buffer.from(' source="a" "k"="v"');
  const out = Buffer.alloc(64);
  c.put(1, src, 0, src.length);
  assert.equal(c.copyTo(1, out, 3), 3 + src.length);
  assert.equal(out.subarray(3, 3 + src.length).toString(), src.toString());
  c.drop(1);
  assert.equal(c.copyTo(1, out, 0), -1);
  c.put(4, src, 0, src.length);
  assert.equal(c.copyTo(4, out, 0), -1, 'slot 4 is past the limit of 4');
});

test('tag cache: a full arena keeps its entries until half of it is dead, then starts over', () => {
  const c = new TagCache(undefined, 8, 64);
  const src = Buffer.from(' source="a" "k"="v"');
  const out = Buffer.alloc(64);
  // Three 19-byte entries fill 64 bytes: a fourth is not kept, and the three stay (a round-robin
  // pass over more slots than fit then hits on them every time).
  for (let j = 0; j < 4; j++) c.put(j, src, 0, src.length);
  assert.deepEqual(
    [0, 1, 2, 3].map((j) => c.copyTo(j, out, 0)),
    [19, 19, 19, -1],
  );
  assert.equal(c.skipped, 1);
  assert.equal(c.clears, 0);
  // One dead entry of three is not enough to start over…
  c.drop(0);
  c.put(3, src, 0, src.length);
  assert.equal(c.copyTo(3, out, 0), -1);
  assert.equal(c.clears, 0);
  // …two are: the arena is cleared and the new entry kept.
  c.drop(1);
  c.put(3, src, 0, src.length);
  assert.equal(c.clears, 1);
  assert.equal(c.copyTo(2, out, 0), -1, 'cleared');
  assert.equal(c.copyTo(3, out, 0), 19);
});
