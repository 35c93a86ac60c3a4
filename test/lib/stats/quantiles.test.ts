// The recipe `quantiles` block helpers: the sketch codec (regression: decodeSketch looped forever on
// a varint running past the end of damaged bytes) and the CDF read back from the pairs.
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { isWflgError } from '../../../src/lib/errors.js';
import { DDSketch } from '../../../src/lib/stats/ddsketch.js';
import {
  cdfOfQuantiles,
  decodeSketch,
  encodeSketch,
  segmentOf,
} from '../../../src/lib/stats/quantiles.js';

test('sketches round-trip through their base64 form', () => {
  const s = new DDSketch();
  for (let i = 1; i <= 1000; i++) s.add(i * 0.37 - 50);
  const back = decodeSketch(encodeSketch(s));
  assert.equal(back.count, s.count);
  assert.equal(back.quantile(0.5), s.quantile(0.5));
});

test('damaged sketch bytes fail with WFLG_E_RECIPE_INVALID, never hang or allocate wildly', () => {
  const good = Buffer.from(
    encodeSketch(
      (() => {
        const s = new DDSketch();
        for (let i = 1; i <= 100; i++) s.add(i);
        return s;
      })(),
    ),
    'base64',
  );
  const cases = [
    Buffer.alloc(0),
    good.subarray(0, 47),
    good.subarray(0, good.length - 1),
    Buffer.concat([good.subarray(0, 48), Buffer.alloc(20, 0xff)]),
    Buffer.concat([good.subarray(0, 48), Buffer.from([0x00, 0xff, 0xff, 0xff, 0x7f])]),
    // Bytes after the last store, and more bins than any sketch writes (with the bytes present).
    Buffer.concat([good, Buffer.from([0])]),
    Buffer.concat([good.subarray(0, 48), Buffer.from([0, 0x81, 0x80, 0x04]), Buffer.alloc(65537)]),
  ];
  for (const b of cases)
    assert.throws(
      () => decodeSketch(b.toString('base64')),
      (e: unknown) => isWflgError(e, 'WFLG_E_RECIPE_INVALID'),
    );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        decodeSketch(Buffer.concat([good.subarray(0, 48), bytes]).toString('base64'));
      } catch (e) {
        assert.ok(isWflgError(e), String(e));
      }
    }),
  );
});

test('regression: the CDF of a quantiles block jumps where probabilities share a value past the first', () => {
  const q = {
    n: 10,
    min: 0,
    max: 4,
    mean: 2,
    q: [
      [0, 0],
      [0.25, 2],
      [0.5, 2],
      [1, 4],
    ] as [number, number][],
    sketch: null,
  };
  const F = cdfOfQuantiles(q);
  assert.equal(F(-1), 0);
  // Linear up to the left limit 0.25 at 2 (it used to run up to 0.5, the value after the jump).
  assert.equal(F(1), 0.125);
  assert.ok(Math.abs(F(2 - 1e-9) - 0.25) < 1e-9);
  assert.equal(F(2), 0.5);
  assert.equal(F(3), 0.75);
  assert.equal(F(4), 1);
  assert.ok(Number.isNaN(cdfOfQuantiles({ ...q, n: 0, q: [] })(1)));
});

test('segmentOf finds the knot segment holding x, clamped to the first and last segment', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 40 }),
      fc.double({ min: -2e6, max: 2e6, noNaN: true }),
      (raw, x) => {
        const xs = Float64Array.from(raw).sort();
        const i = segmentOf(xs, x);
        assert.ok(i >= 0 && i <= xs.length - 2);
        if (i > 0) assert.ok(xs[i]! <= x, `xs[${i}] = ${xs[i]} > ${x}`);
        if (i < xs.length - 2) assert.ok(x < xs[i + 1]!, `${x} ≥ xs[${i + 1}] = ${xs[i + 1]}`);
      },
    ),
  );
  assert.equal(segmentOf(Float64Array.of(0, 1, 1, 2), 1), 2);
});
