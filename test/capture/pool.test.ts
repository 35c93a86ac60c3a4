// Dispatch to the batch workers: a batch goes to the worker with the fewest outstanding bytes, a
// finished batch gives its bytes back, and idle workers take turns.
import assert from 'node:assert/strict';
import test from 'node:test';
import { LeastLoaded } from '../../src/capture/pool.js';

test('a batch avoids the worker busy with a large body and goes back once it is done', () => {
  const d = new LeastLoaded(3);
  assert.equal(d.assign(0, 16 << 20), 0);
  assert.equal(d.assign(1, 64 << 10), 1);
  assert.equal(d.assign(2, 64 << 10), 2);
  assert.equal(d.assign(3, 64 << 10), 1, 'ties go in turn, never to the busy worker');
  assert.equal(d.assign(4, 64 << 10), 2);
  d.done(0);
  assert.equal(d.loadOf(0), 0);
  assert.equal(d.assign(5, 1 << 20), 0);
  d.done(5);
  d.done(5);
  assert.equal(d.loadOf(0), 0, 'a batch is given back once');
  for (const b of [1, 2, 3, 4]) d.done(b);
  assert.deepEqual(
    [0, 1, 2].map((w) => d.loadOf(w)),
    [0, 0, 0],
  );
});

test('idle workers share the work in turn', () => {
  const d = new LeastLoaded(2);
  const got: number[] = [];
  for (let b = 0; b < 6; b++) {
    got.push(d.assign(b, 100));
    d.done(b);
  }
  assert.deepEqual(got, [0, 1, 0, 1, 0, 1]);
});
