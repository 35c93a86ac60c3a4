// Regression: decodeSketch looped forever on a varint running past the end of damaged bytes.
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { isWflgError } from '../../src/lib/errors.js';
import { DDSketch } from '../../src/lib/stats/ddsketch.js';
import { decodeSketch, encodeSketch } from '../../src/profiler/quantiles.js';

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
