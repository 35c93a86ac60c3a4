// The typed column view against the native describer, family ids against the shared vector file,
// and hostile batches.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isWflgError } from '../../src/lib/errors.js';
import { lineBatches, openInput } from '../../src/lib/input.js';
import {
  ParserSet,
  formatOfParam,
  formatOfQuery,
  familyIdOfKey,
  familyKey,
  WavefrontParser,
  type ParsedBatch,
  type KindName,
  type WavefrontFormat,
} from '../../src/lib/wavefront.js';
import { CORPUS, readJsonl, ROOT, sameValue } from '../helpers.js';

interface FamilyVector {
  format: WavefrontFormat;
  line: string;
  family_key: string;
  family_id: string;
}

test('family ids: native parser, TS key builder and node:crypto agree with the vector file', () => {
  const vectors = readJsonl<FamilyVector>(join(ROOT, 'vectors', 'family-ids.jsonl'));
  assert.ok(vectors.length >= 15);
  for (const v of vectors) {
    const b = new WavefrontParser({ format: v.format }).parse(Buffer.from(v.line));
    assert.equal(b.familyId(0), v.family_id, v.line);
    assert.equal(familyIdOfKey(v.family_key), v.family_id, v.line);
    const [kind, name, ...keys] = v.family_key.split('\u001f') as [KindName, string, ...string[]];
    // Rebuilding the key from the parsed fields proves the TS key builder sorts as Rust does.
    const parsedKeys = b
      .tags(0)
      .map(([k]) => k)
      .filter((k) => !['parent', 'followsFrom'].includes(k));
    assert.deepEqual(new Set(parsedKeys), new Set(keys), v.line);
    assert.equal(familyKey(kind, name, [...keys].reverse()), v.family_key);
    assert.equal(familyKey(b.kind(0), b.name(0), parsedKeys), v.family_key);
  }
});

test('column getters agree with the native describer on every corpus line', async () => {
  let checked = 0;
  for await (const batch of lineBatches(openInput(CORPUS), 'corpus')) {
    for (const format of ['auto', 'trace'] as const) {
      const parser = new WavefrontParser({ format });
      const b = parser.parse(batch);
      const described = parser.describe(batch).ndjson.toString().trimEnd().split('\n');
      assert.equal(described.length, b.length);
      for (let i = 0; i < b.length; i++) {
        const d = JSON.parse(described[i]!) as Record<string, unknown>;
        if (!b.ok(i)) {
          assert.equal(d.code, b.code(i));
          assert.equal(d.stage, b.stage(i));
          continue;
        }
        checked++;
        assert.equal(d.name, b.name(i).replaceAll('*', '-'));
        assert.equal(d.source ?? undefined, b.source(i));
        if (b.kind(i) === 'span') {
          assert.equal(d.traceId, b.traceId(i));
          assert.equal(d.spanId, b.spanId(i));
          assert.equal(d.durationMs, b.durationMs(i));
          assert.ok(
            sameValue(d.tags, b.tags(i)),
            `${JSON.stringify(d.tags)} vs ${JSON.stringify(b.tags(i))}`,
          );
        } else if (b.kind(i).startsWith('histogram')) {
          const cs = (d.centroids as Array<{ count: number; mean: number }>).map((c) => [
            c.count,
            c.mean,
          ]);
          assert.deepEqual(b.centroids(i), cs);
          assert.equal(d.alignedMs ?? undefined, b.timestampMs(i));
          assert.ok(sameValue(d.tags, Object.fromEntries(b.tags(i))));
        } else {
          const v = d.value;
          assert.ok(
            typeof v === 'number' ? v === b.value(i) : String(b.value(i)) === v,
            `value ${String(v)}`,
          );
          const ts = d.timestamp as { ms: number } | null;
          assert.equal(ts?.ms, b.timestampMs(i));
          assert.ok(sameValue(d.tags, Object.fromEntries(b.tags(i))));
        }
      }
    }
  }
  assert.ok(checked > 300_000, `only ${checked} accepted lines compared`);
});

test('escaped quotes decode lazily to the same text as the describer', () => {
  const input = Buffer.from(`m 1 source="a \\"b\\"" k='it\\'s' "q\\"k"="v"\n`);
  const b = new WavefrontParser().parse(input);
  assert.equal(b.source(0), 'a "b"');
  assert.deepEqual(b.tags(0), [
    ['k', "it's"],
    ['q"k', 'v'],
  ]);
});

test('unknown options are refused with a usage error', () => {
  for (const bad of [{ format: 'nope' }, { limits: 'tiny' }, { nowMs: Number.NaN }]) {
    assert.throws(
      () => new WavefrontParser(bad as never),
      (e) => isWflgError(e, 'WFLG_E_USAGE'),
    );
  }
});

test('hostile batches: random bytes, NULs, a 2 MiB line, lone quotes never throw', () => {
  const parser = new WavefrontParser();
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  const garbage = Buffer.from(Uint8Array.from({ length: 1 << 20 }, rnd));
  const newlines = garbage.filter((c) => c === 10).length;
  const b = parser.parse(garbage);
  assert.ok(b.length >= newlines && b.length <= newlines + 1);
  const nuls = parser.parse(Buffer.alloc(4096));
  assert.equal(nuls.length, 1);
  assert.equal(nuls.kind(0), 'blank', 'NULs are trimmed like every char <= U+0020');
  const long = Buffer.from(`m 1 source=h k="${'x'.repeat(2 << 20)}"\n`);
  const lb = parser.parse(long);
  assert.equal(lb.code(0), 'WF-411');
  const quotes = parser.parse(Buffer.from('"\n\'\n"a\\"\n!M "\n@Event "\n{"\n'));
  assert.equal(quotes.length, 6);
  for (let i = 0; i < quotes.length; i++) assert.equal(quotes.ok(i), false);
  const limited = new WavefrontParser({ maxLineBytes: 100 }).parse(long);
  assert.equal(limited.stage(0), 'frame');
});

test('the corpus parses to the kinds its README states', async () => {
  const counts = new Map<string, number>();
  const parser = new WavefrontParser();
  for await (const batch of lineBatches(openInput(CORPUS), 'corpus')) {
    const b = parser.parse(batch);
    for (let i = 0; i < b.length; i++) {
      const k = b.ok(i) || b.code(i) === 'WF-404' ? b.kind(i) : `rejected:${b.kind(i)}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  // README: 152,255 points, 197,241 deltas, 210 !M, 1,209 spans (rejected under auto: the proxy
  // never auto-detects spans on 2878).
  assert.equal(counts.get('metric'), 152_255);
  assert.equal(counts.get('delta'), 197_241);
  assert.equal(counts.get('histogram_m'), 210);
  assert.equal(counts.get('rejected:metric'), 1_209);
  assert.ok(readFileSync(CORPUS).length > 1_000_000);
});

test('f= selects the line format as the proxy maps it; unknown or hostile values parse per line', () => {
  assert.equal(formatOfQuery(''), 'auto');
  assert.equal(formatOfQuery('f=trace'), 'trace');
  assert.equal(formatOfQuery('x=1&f=graphite_v2'), 'wavefront');
  assert.equal(formatOfQuery('f=event'), 'event');
  for (const f of ['toString', '__proto__', 'constructor', 'TRACE', '', 'auto'])
    assert.equal(formatOfParam(f), 'auto', f);
  assert.equal(formatOfParam(undefined), 'auto');
});

test('a parser set keeps one parser per format with the shared options', () => {
  const set = new ParserSet({ maxLineBytes: 16 });
  assert.equal(set.get('auto'), set.get('auto'));
  assert.notEqual(set.get('auto'), set.get('trace'));
  const b = set.get('auto').parse(Buffer.from('a 1 source=x\nlong.metric.name.here 1 source=x\n'));
  assert.ok(b.ok(0));
  assert.ok(!b.ok(1), 'the shared maxLineBytes applies');
  assert.equal(set.get('auto').columns(Buffer.from('a 1 source=x\n')).lines.length, 26);
});

/** Rejected lines by code, counted line by line from a parsed batch (what `count` must give). */
function rejectsOf(b: ParsedBatch): Map<string, number> {
  const rejects = new Map<string, number>();
  for (let i = 0; i < b.length; i++)
    if (b.kindCode(i) !== 0 && !b.ok(i)) rejects.set(b.code(i), (rejects.get(b.code(i)) ?? 0) + 1);
  return rejects;
}

test('reused columns equal fresh ones batch after batch, through growth, and counts match them', async () => {
  const reused = new WavefrontParser();
  const fresh = new WavefrontParser();
  // Batches that shrink and grow (a tiny one first, then corpus batches, a histogram batch with
  // many centroids, an empty one) exercise both the copy and the grow-and-copy-again paths.
  const batches: Buffer[] = [Buffer.from('m 1 source=h k=v\n')];
  for await (const batch of lineBatches(openInput(CORPUS), 'corpus')) batches.push(batch);
  const centroids = Array.from({ length: 400 }, (_, i) => `#${i + 1} ${i}.5`).join(' ');
  batches.push(Buffer.from(`!M 1793577600 ${centroids} h.lat source=a\n`.repeat(50)));
  batches.push(Buffer.alloc(0), Buffer.from('m 1 source=h\n'));
  const bytes = (a: Uint32Array | Float64Array) =>
    Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  for (const batch of batches) {
    const want = fresh.parse(batch);
    const got = reused.columns(batch);
    const wantCols = fresh.columns(batch);
    for (const k of ['lines', 'tags', 'nums', 'aux'] as const) {
      assert.equal(got[k].length, wantCols[k].length, k);
      assert.ok(bytes(got[k]).equals(bytes(wantCols[k])), k);
    }
    assert.equal(got.lines.length / 26, want.length);
    const counts = reused.count(batch);
    const kinds = new Float64Array(counts.kinds.length);
    for (let i = 0; i < want.length; i++) kinds[want.kindCode(i)]!++;
    assert.deepEqual([...counts.kinds], [...kinds]);
    assert.deepEqual(new Map(counts.rejects), rejectsOf(want));
  }
});

test('counting keeps every reject code when a batch holds more codes than the first guess', () => {
  const lines = [
    'm 1 source=h k',
    'a:b 1 source=h',
    'm 1 source=h k:y=v',
    '∆m -1 source=h',
    'm 1 source=" "',
    `m 1 source=${'h'.repeat(1100)}`,
    `${'m'.repeat(1100)} 1 source=h`,
    `m 1 source=h ${Array.from({ length: 120 }, (_, i) => `k${i}=v`).join(' ')}`,
    `m 1 source=h k=${'v'.repeat(300)}`,
    `m 1 source=h ${'k'.repeat(200)}=v`,
    'm 1 source=h k=" "',
    '!M 1793577600 #0 1 h.lat source=a',
    '',
    'm 1 source=h',
  ];
  const p = new WavefrontParser();
  const body = Buffer.from(lines.join('\n'));
  const rejects = rejectsOf(p.parse(body));
  assert.ok(
    rejects.size > 8,
    `only ${rejects.size} distinct codes: ${[...rejects.keys()].join(' ')}`,
  );
  assert.deepEqual(new Map(p.count(body).rejects), rejects);
  // The next, code-free batch reports none of them.
  const empty = p.count(Buffer.from('m 1 source=h\n\n'));
  assert.deepEqual(empty.rejects, []);
  assert.equal(empty.kinds[0], 1);
  assert.equal(empty.kinds[1], 1);
});
