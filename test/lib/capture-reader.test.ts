import assert from 'node:assert/strict';
import test from 'node:test';
import { encodeHeader, type RequestHeader } from '../../src/lib/capture-format.js';
import {
  DecodeScratch,
  emptyReadStats,
  partRecords,
  streamsOf,
  type PartRef,
} from '../../src/lib/capture-reader.js';
import { native } from '../../src/lib/native.js';

const header = (seq: number, body: Buffer): string =>
  encodeHeader({
    arrivalMs: 1_700_000_000_000 + seq,
    wireBytes: body.length,
    encoding: 'identity',
    storedBytes: body.length,
    lines: 1,
    path: '/report',
    query: 'f=wavefront',
    client: '0123456789abcdef',
    mirrorFraction: 1,
    seq,
  } satisfies RequestHeader);

function frame(seqs: number[], content?: Buffer): Buffer {
  const enc = new (native().FrameEncoder)(3);
  const payload =
    content ??
    Buffer.concat(
      seqs.map((s) => {
        const body = Buffer.from(`m${s} ${s} source=h\n`);
        return Buffer.concat([Buffer.from(header(s, body)), body]);
      }),
    );
  return enc.encode(payload);
}

test('records come back in order; a corrupt middle frame and a torn tail are skipped and counted', () => {
  const f1 = frame([1, 2]);
  const f2 = frame([3]);
  const f3 = frame([4, 5]);
  const f4 = frame([6]);
  f2[Math.floor(f2.length / 2)]! ^= 0xff;
  const part = Buffer.concat([f1, f2, f3, f4.subarray(0, f4.length - 5)]);
  const stats = emptyReadStats();
  const seqs = [...partRecords(part, stats)].map((r) => r.header.seq);
  assert.deepEqual(seqs, [1, 2, 4, 5]);
  assert.equal(stats.corruptFrames, 1);
  assert.ok(stats.corruptBytes > 0);
  assert.equal(stats.tailBytes, f4.length - 5);
  assert.equal(stats.requests, 4);
});

test('a frame whose checksum passes but whose records do not parse yields nothing from it', () => {
  const good = frame([1]);
  const foreign = frame([], Buffer.from('cpu 1 source=a\n'));
  const body = Buffer.from('x 1 source=b\n');
  const truncated = frame([], Buffer.concat([Buffer.from(header(9, body)), body.subarray(0, 5)]));
  const stats = emptyReadStats();
  const got = [...partRecords(Buffer.concat([foreign, good, truncated]), stats)];
  assert.deepEqual(
    got.map((r) => r.header.seq),
    [1],
  );
  assert.equal(stats.badRecordFrames, 2);
  assert.equal(stats.frames, 3);
});

test('garbage and empty input give no records and no crash', () => {
  const stats = emptyReadStats();
  assert.equal([...partRecords(Buffer.from('not zstd at all\n'.repeat(100)), stats)].length, 0);
  assert.ok(stats.tailBytes > 0 || stats.corruptBytes > 0);
  assert.equal([...partRecords(Buffer.alloc(0), emptyReadStats())].length, 0);
});

test('a reused decode buffer yields the same records and damage counts, part after part', () => {
  const f = (n: number): Buffer => frame(Array.from({ length: n }, (_, i) => n * 100 + i));
  const torn = f(3);
  const corrupt = f(2);
  corrupt[Math.floor(corrupt.length / 2)]! ^= 0xff;
  const parts = [
    Buffer.concat([f(40), f(5)]),
    Buffer.concat([f(2), corrupt, f(7), torn.subarray(0, torn.length - 4)]),
    Buffer.concat([f(90)]),
    Buffer.alloc(0),
    Buffer.from('not zstd\n'.repeat(50)),
    Buffer.concat([f(1)]),
  ];
  const scratch = new DecodeScratch();
  const sizes: number[] = [];
  for (const p of parts) {
    const plain = emptyReadStats();
    const reused = emptyReadStats();
    const want = [...partRecords(p, plain)].map((r) => [r.header, r.body.toString()]);
    const got = [...partRecords(p, reused, undefined, scratch)].map((r) => [
      r.header,
      r.body.toString(),
    ]);
    assert.deepEqual(got, want);
    assert.deepEqual(reused, plain);
    sizes.push(scratch.buf.length);
  }
  // Grown for the largest part, then kept: smaller parts decode into the same memory.
  assert.ok(sizes[2]! > sizes[0]! && sizes[0]! > 0);
  assert.deepEqual(sizes.slice(3), [sizes[2], sizes[2], sizes[2]]);
});

test('a part whose frames claim more than the scratch may grow to is decoded fresh', () => {
  // 70 MiB of one byte compresses to a few KiB: past both the 64 MiB floor and 32 × its size.
  const huge = frame([], Buffer.alloc(70 << 20, 0x20));
  const scratch = new DecodeScratch();
  const stats = emptyReadStats();
  assert.equal([...partRecords(huge, stats, 256 << 20, scratch)].length, 0);
  assert.equal(stats.badRecordFrames, 1, 'decoded (and its content then refused as records)');
  assert.equal(stats.frames, 1);
  assert.equal(scratch.buf.length, 0, 'the scratch did not grow to the claim');
});

test('parts group into per-writer streams in sequence order', () => {
  const ref = (stream: string, seq: number): PartRef => ({
    info: { name: `${stream}-${seq}`, size: 1, crc32c: 0, generation: '1' },
    stream,
    seq,
  });
  const streams = streamsOf([ref('a/w1', 1), ref('a/w1', 2), ref('a/w2', 1), ref('b/w1', 7)]);
  assert.deepEqual(
    streams.map((s) => s.map((p) => `${p.stream}#${p.seq}`)),
    [['a/w1#1', 'a/w1#2'], ['a/w2#1'], ['b/w1#7']],
  );
});
