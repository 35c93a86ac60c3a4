// Capture-part frames through the N-API surface: round trip, torn tail, corrupt middle frame,
// and agreement with the zstd CLI (a part is a valid multi-frame .zst).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { native } from '../../src/lib/native.js';

const addon = native();

function part(payloads: Buffer[]): { bytes: Buffer; ends: number[] } {
  const enc = new addon.FrameEncoder(3);
  const frames = payloads.map((p) => enc.encode(p));
  const ends: number[] = [];
  let n = 0;
  for (const f of frames) ends.push((n += f.length));
  return { bytes: Buffer.concat(frames), ends };
}

const payloads = [0, 1, 2, 3].map((i) =>
  Buffer.from(
    `# req ${i}\n` +
      Array.from({ length: 200 }, (_, j) => `m.${i} ${j} source=h${j % 7}\n`).join(''),
  ),
);

test('frames round trip and the zstd CLI reads a part as plain Wavefront', () => {
  const { bytes } = part(payloads);
  const d = addon.decodeFrames(bytes, 1 << 20);
  assert.equal(d.contentOffsets.length, payloads.length + 1);
  assert.deepEqual(d.data, Buffer.concat(payloads));
  assert.equal(d.validEnd, bytes.length);
  assert.equal(d.corrupt.length, 0);
  const file = join(mkdtempSync(join(tmpdir(), 'wflg-fr-')), 'part.wf.zst');
  writeFileSync(file, bytes);
  assert.deepEqual(execFileSync('zstd', ['-dc', file]), Buffer.concat(payloads));
});

test('a torn tail is reported with the offset to truncate at, and nothing unverified escapes', () => {
  const { bytes, ends } = part(payloads);
  for (const cut of [ends[2]! + 1, ends[2]! + 20, bytes.length - 1]) {
    const s = addon.scanFrames(bytes.subarray(0, cut), 1 << 20);
    assert.equal(s.validEnd, ends[2]);
    assert.equal(s.tail?.code, 'WFLG_E_FRAME_TRUNCATED');
    const d = addon.decodeFrames(bytes.subarray(0, cut), 1 << 20);
    assert.deepEqual(d.data, Buffer.concat(payloads.slice(0, 3)));
  }
});

test('a corrupt middle frame is skipped and counted; the others are kept', () => {
  const { bytes, ends } = part(payloads);
  const bad = Buffer.from(bytes);
  const at = ends[0]! + 30;
  bad[at] = bad[at]! ^ 0x40;
  const d = addon.decodeFrames(bad, 1 << 20);
  assert.equal(d.corrupt.length, 1);
  assert.equal(d.corrupt[0]!.code, 'WFLG_E_FRAME_CORRUPT');
  assert.deepEqual(d.data, Buffer.concat([payloads[0]!, payloads[2]!, payloads[3]!]));
});

test('hostile parts: empty, random bytes and frames over the cap are refused, not decoded', () => {
  assert.equal(addon.decodeFrames(Buffer.alloc(0), 1024).validEnd, 0);
  const junk = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 31 + 7) % 251));
  const d = addon.decodeFrames(junk, 1 << 20);
  assert.equal(d.data.length, 0);
  const { bytes } = part(payloads);
  const small = addon.decodeFrames(bytes, 16);
  assert.equal(small.data.length, 0, 'frames over the caller cap are refused, not decoded');
});

test('decodeFramesInto: asks for room, then decodes what decodeFrames does into the caller buffer', () => {
  const { bytes, ends } = part(payloads);
  const bad = Buffer.from(bytes);
  bad[ends[0]! + 30] = bad[ends[0]! + 30]! ^ 0x40;
  for (const input of [bytes, bad, bytes.subarray(0, ends[2]! + 20), Buffer.alloc(0)]) {
    const want = addon.decodeFrames(input, 1 << 20);
    let out = Buffer.alloc(0);
    let d = addon.decodeFramesInto(input, out, 1 << 20);
    if (want.data.length > 0) {
      assert.ok(d.need >= want.data.length, 'too small: asks for at least what verifies');
      assert.equal(d.contentOffsets.length, 1);
      out = Buffer.alloc(d.need, 0xee);
      d = addon.decodeFramesInto(input, out, 1 << 20);
    }
    assert.equal(d.need, 0);
    assert.deepEqual([...d.contentOffsets], [...want.contentOffsets]);
    assert.deepEqual([...d.frameOffsets], [...want.frameOffsets]);
    assert.deepEqual(d.corrupt, want.corrupt);
    assert.deepEqual(d.tail ?? null, want.tail ?? null);
    assert.equal(d.validEnd, want.validEnd);
    assert.deepEqual(out.subarray(0, want.data.length), want.data);
  }
  const small = addon.decodeFramesInto(bytes, Buffer.alloc(1 << 16), 16);
  assert.equal(small.need, 0);
  assert.equal(
    small.contentOffsets.length,
    1,
    'frames over the caller cap are refused, not decoded',
  );
  const shared = Buffer.alloc(bytes.length * 4);
  bytes.copy(shared);
  assert.throws(
    () => addon.decodeFramesInto(shared.subarray(0, bytes.length), shared, 1 << 20),
    /overlap/,
  );
});

test('encodeIntoAsync writes the same frame as encode, off the event loop', async () => {
  const enc = new addon.FrameEncoder(3);
  const target = Buffer.alloc(addon.frameBound(payloads[1]!.length) + 8);
  const n = await enc.encodeIntoAsync(payloads[1]!, target, 8);
  assert.deepEqual(target.subarray(8, 8 + n), enc.encode(payloads[1]!));
  assert.deepEqual(addon.decodeFrames(target.subarray(8, 8 + n), 1 << 20).data, payloads[1]);
});
