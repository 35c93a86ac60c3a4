// Line batching of streams: zstd sniffed however small the first chunks are, batches end on
// line boundaries, and a line spanning many chunks comes through whole.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { isWflgError } from '../../src/lib/errors.js';
import { BATCH_BYTES, decodeZstd, lineBatches } from '../../src/lib/input.js';
import { native } from '../../src/lib/native.js';
import { CORPUS } from '../helpers.js';

async function collect(chunks: Buffer[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const b of lineBatches(Readable.from(chunks), 'test')) out.push(b);
  return out;
}

function split(buf: Buffer, size: (i: number) => number): Buffer[] {
  const parts: Buffer[] = [];
  for (let o = 0, i = 0; o < buf.length; i++) {
    const n = size(i);
    parts.push(buf.subarray(o, o + n));
    o += n;
  }
  return parts;
}

test('zstd is detected even when the stream arrives 1–3 bytes at a time at first', async () => {
  const zst = readFileSync(CORPUS);
  const batches = await collect(split(zst, (i) => (i < 6 ? 1 + (i % 3) : 1 << 16)));
  const whole = Buffer.concat(batches);
  assert.equal(whole.toString().split('\n').length - 1, 350_915);
  for (const b of batches.slice(0, -1))
    assert.equal(b[b.length - 1], 10, 'batches end on a newline');
  assert.ok(batches.every((b) => b.length <= 2 * BATCH_BYTES));
});

test('a line longer than a batch, spread over many chunks, comes through whole', async () => {
  const long = `m 1 source=h k="${'x'.repeat(3 * BATCH_BYTES)}"\n`;
  const input = Buffer.from(`a 1 source=h\n${long}b 2 source=h`);
  const batches = await collect(split(input, () => 64 << 10));
  assert.deepEqual(Buffer.concat(batches), input);
  const lines = batches.flatMap((b) =>
    b
      .toString()
      .split('\n')
      .filter((l) => l),
  );
  assert.deepEqual(
    lines.map((l) => l.length),
    [12, long.length - 1, 12],
  );
});

test('an input shorter than four bytes is passed through', async () => {
  assert.deepEqual(Buffer.concat(await collect([Buffer.from('a\n')])), Buffer.from('a\n'));
  assert.deepEqual(await collect([]), []);
});

test('decodeZstd: whole buffers decode; truncated, oversized and foreign input is an input error', () => {
  const text = Buffer.from('a 1 source=x\n'.repeat(1000));
  const z = new (native().FrameEncoder)(3).encode(text);
  assert.deepEqual(decodeZstd(z, 1 << 20, 'x'), text);
  for (const [bad, max] of [
    [z.subarray(0, z.length - 4), 1 << 20],
    [z, 100],
    [Buffer.from('not zstd at all'), 1 << 20],
  ] as const)
    assert.throws(
      () => decodeZstd(bad, max, 'x.zst'),
      (e: unknown) => isWflgError(e, 'WFLG_E_INPUT_READ'),
    );
});
