// Lines per request by load (src/profiler/request-rates.ts): the bins a format's sampled requests
// give, that a merged sample bins exactly as the union does, and what too little or odd input gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_BINS,
  MIN_PER_BIN,
  RequestSizes,
  SIZE_SAMPLE_CAP,
  ratedRequests,
} from '../../src/profiler/request-rates.js';

const T0 = 1_795_000_020_000;

/** A stream of `seconds` seconds: quiet ones with one 3-line request, busy ones (every third)
 * with ten 100-line requests. */
function stream(seconds: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let s = 0; s < seconds; s++) {
    const t = T0 + s * 1000;
    if (s % 3 === 2) for (let k = 0; k < 10; k++) out.push([t + k * 37, 100]);
    else out.push([t + 500, 3]);
  }
  return out;
}

function median(q: { q: [number, number][] }): number {
  return q.q.find(([p]) => p === 0.5)![1];
}

test('quiet seconds bin apart from busy ones, rates undone for the mirror fraction', () => {
  const r = new RequestSizes();
  for (const [t, n] of stream(600)) r.add(t, n);
  const bins = r.bins(0.5);
  assert.ok(bins.length >= 2 && bins.length <= MAX_BINS, `${bins.length} bins`);
  for (let i = 1; i < bins.length; i++) assert.ok(bins[i]!.upTo > bins[i - 1]!.upTo);
  // A quiet second's request has no company: rate 0, 3 lines.
  assert.equal(bins[0]!.upTo, 0);
  assert.equal(median(bins[0]!.linesPerRequest), 3);
  // A busy one has nine others of 100 lines: 900 lines/s captured, 1800 at 1× with half mirrored.
  const top = bins.at(-1)!;
  assert.equal(top.upTo, 1800);
  assert.ok(Math.abs(median(top.linesPerRequest) - 100) <= 2);
  const n = bins.reduce((a, b) => a + b.linesPerRequest.n, 0);
  assert.equal(n, 200 * 10 + 400);
  for (const b of bins) assert.ok(b.linesPerRequest.n >= MIN_PER_BIN);
  // Sketches travel with each bin: the generator draws from them.
  assert.ok(bins.every((b) => b.linesPerRequest.sketch !== null));
});

test('a sample merged from parts bins exactly as one fed everything, past the cap', () => {
  // 12 000 s hold 44 000 requests: windows are evicted, so the merge has to choose the same ones.
  const all = stream(12_000);
  assert.ok(all.length > 2 * SIZE_SAMPLE_CAP);
  const whole = new RequestSizes();
  const parts = [new RequestSizes(), new RequestSizes(), new RequestSizes()];
  all.forEach(([t, n], i) => {
    whole.add(t, n);
    parts[Math.floor(i / 997) % 3]!.add(t, n);
  });
  const merged = new RequestSizes();
  for (const p of parts) merged.windows.merge(p.windows.state());
  assert.deepEqual(merged.bins(1), whole.bins(1));
  assert.ok(whole.windows.size <= SIZE_SAMPLE_CAP);
  // Whole windows are kept: every kept second still has all ten of its busy requests.
  const busy = ratedRequests(whole.windows.state(), 1).filter(([, n]) => n === 100);
  assert.ok(busy.length > 0 && busy.every(([x]) => x === 900));
});

test('too little to bin: few requests, or all at one rate, give no bins (the marginal serves)', () => {
  const few = new RequestSizes();
  for (const [t, n] of stream(2 * MIN_PER_BIN - 40)) few.add(t, n);
  assert.deepEqual(few.bins(1), []);
  const alone = new RequestSizes();
  for (let s = 0; s < 500; s++) alone.add(T0 + s * 1000, 1 + (s % 50));
  assert.deepEqual(alone.bins(1), [], 'one request a second: every rate is 0, ties are not split');
});

test('odd input: fractional times, huge, zero and negative line counts stay exact and bounded', () => {
  const r = new RequestSizes();
  r.add(T0 + 0.7, 2 ** 40);
  r.add(T0 + 999.9, -5);
  r.add(T0 + 1000, 0);
  r.add(T0 - 1, 7); // the previous window
  const got = ratedRequests(r.windows.state(), 1).sort((a, b) => a[1] - b[1]);
  assert.deepEqual(got, [
    [2 ** 32 - 1, 0], // the negative count, as 0, beside the capped huge one in its second
    [0, 0],
    [0, 7],
    [0, 2 ** 32 - 1],
  ]);
});
