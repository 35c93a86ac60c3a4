// Deferred line counts: slicing a body at line ends counts exactly what one pass over the whole
// body counts, each step does bounded work, the held bytes stay within the cap, and every batch's
// counts are posted once, in order, empty batches included.
import assert from 'node:assert/strict';
import test from 'node:test';
import { Classifier, newCounts, type Counts } from '../../src/capture/classify.js';
import { DeferredCounts, type LineCounter } from '../../src/capture/deferred.js';
import type { CountsOut } from '../../src/capture/protocol.js';

function body(lines: number, seed: number, trailingNewline: boolean): Buffer {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const r = (i * 13 + seed) % 11;
    out.push(
      r === 0
        ? ''
        : r === 1
          ? `bad"name 1 source=s`
          : r === 2
            ? `∆req.count ${i % 3} source=h${i % 4}\r`
            : r === 3
              ? `long.line ${i} source=x tag="${'v'.repeat(3000)}"`
              : r === 4
                ? `!M 1533529977 #3 0.5 #1 2 lat source=a`
                : `cpu.load.${i % 7} ${i}.25 1533529977 source=host-${i % 50}`,
    );
  }
  return Buffer.from(out.join('\n') + (trailingNewline ? '\n' : ''));
}

function whole(bodies: readonly Buffer[], queries: readonly string[]): Counts {
  const c = new Classifier();
  const into = newCounts();
  bodies.forEach((b, i) => c.count(b, queries[i]!, into));
  return into;
}

function same(got: CountsOut, want: Counts): void {
  assert.deepEqual([...got.kinds], [...want.kinds]);
  assert.deepEqual(new Map([...got.rejects].sort()), new Map([...want.rejects].sort()));
}

test('counts from slices cut at line ends equal one pass over each whole body', () => {
  const bodies = [body(400, 1, true), body(333, 2, false), body(50, 3, false)];
  const queries = ['f=wavefront', 'f=histogram', ''];
  const want = whole(bodies, queries);
  assert.ok(want.rejects.size > 0, 'the bodies hold rejected lines');
  for (const slice of [1, 7, 100, 4096, 1 << 20]) {
    const posted: CountsOut[] = [];
    const d = new DeferredCounts(
      new Classifier(),
      newCounts,
      (c) => posted.push(c),
      1 << 30,
      slice,
    );
    d.add(5, bodies, queries);
    while (d.step());
    assert.equal(posted.length, 1, `slice ${slice}`);
    assert.equal(posted[0]!.counts, 5);
    same(posted[0]!, want);
    assert.equal(d.backlogBytes, 0);
    assert.ok(d.idle);
  }
});

test('a step counts one slice, extended only to the end of the line it falls in', () => {
  const seen: number[] = [];
  const spy: LineCounter = {
    count(b) {
      seen.push(b.length);
      return 0;
    },
  };
  const lines = Array.from({ length: 200 }, (_, i) => `m.${i} ${i} source=s${'x'.repeat(i % 37)}`);
  const b = Buffer.from(lines.join('\n'));
  const longest = Math.max(...lines.map((l) => l.length + 1));
  const d = new DeferredCounts(spy, newCounts, () => undefined, 1 << 30, 256);
  d.add(0, [b], ['']);
  let steps = 0;
  while (d.step()) steps++;
  assert.equal(
    seen.reduce((a, n) => a + n, 0),
    b.length,
    'every byte counted once',
  );
  for (const n of seen.slice(0, -1)) assert.ok(n >= 256 && n <= 256 + longest, `slice ${n}`);
  assert.equal(steps, seen.length);
  assert.ok(steps > b.length / (256 + longest));
});

test('a slice that ends on a line end stops there', () => {
  const seen: string[] = [];
  const spy: LineCounter = {
    count(b) {
      seen.push(b.toString());
      return 0;
    },
  };
  const d = new DeferredCounts(spy, newCounts, () => undefined, 1 << 30, 4);
  d.add(0, [Buffer.from('abc\ndefghij\nk\n')], ['']);
  while (d.step());
  assert.deepEqual(seen, ['abc\n', 'defghij\n', 'k\n']);
});

test('batches post in order, each once; empty ones wait their turn; trim keeps the cap', () => {
  const posted: number[] = [];
  const d = new DeferredCounts(
    new Classifier(),
    newCounts,
    (c) => posted.push(c.counts),
    3000,
    500,
  );
  const b = (n: number): Buffer => body(n, n, true);
  d.add(1, [b(40), b(10)], ['', '']);
  d.add(2, [Buffer.alloc(0)], ['']);
  d.add(3, [b(30)], ['']);
  assert.equal(posted.length, 0, 'nothing is counted on add');
  assert.ok(d.backlogBytes > 3000);
  d.trim();
  assert.ok(d.backlogBytes <= 3000, `held ${d.backlogBytes}`);
  assert.ok(posted.length >= 1 && posted[0] === 1);
  while (d.step(Infinity));
  assert.deepEqual(posted, [1, 2, 3]);
  const empty = new DeferredCounts(new Classifier(), newCounts, (c) => posted.push(c.counts), 0, 1);
  empty.add(9, [], []);
  assert.deepEqual(posted.slice(3), [9], 'a batch with nothing stored posts at once when first');
  assert.equal(empty.step(), false);
});
