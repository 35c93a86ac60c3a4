import assert from 'node:assert/strict';
import test from 'node:test';
import { encodeHeader, type RequestHeader } from '../../src/lib/capture-format.js';
import {
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
