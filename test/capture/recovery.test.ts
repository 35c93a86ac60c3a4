// Start-up recovery of the data directory: torn tails are cut back to the last verified frame,
// a corrupt frame in the middle is skipped, counted and set aside while the rest is kept, and
// running recovery again changes nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { encodeHeader } from '../../src/lib/capture-format.js';
import { native } from '../../src/lib/native.js';
import { crc32c } from '../../src/lib/store/crc.js';
import { WavefrontParser } from '../../src/lib/wavefront.js';
import { dirsOf, loadWriterState, makeDirs, partFile } from '../../src/capture/layout.js';
import { CaptureMetrics } from '../../src/capture/metrics.js';
import { recover } from '../../src/capture/recovery.js';

const enc = new (native().FrameEncoder)(3);

/** One frame holding request `seq` (3 lines, one the proxy rejects, unless `body` is given). */
function frame(
  seq: number,
  body = `m.a ${seq} source=s\nm.b ${seq} source=s\nnot a metric\n`,
): Buffer {
  const lines = body.split('\n').length - 1;
  const header = encodeHeader({
    arrivalMs: 1_700_000_000_000 + seq,
    wireBytes: body.length,
    encoding: 'identity',
    storedBytes: body.length,
    lines,
    path: '/report',
    query: 'f=wavefront',
    client: '0123456789abcdef',
    mirrorFraction: 1,
    seq,
  });
  return enc.encode(Buffer.from(header + body));
}

async function setup(): Promise<{ root: string; writer: string }> {
  const root = mkdtempSync(join(tmpdir(), 'wflg-recovery-'));
  await makeDirs(dirsOf(root));
  const { writer } = await loadWriterState(root);
  return { root, writer };
}

test('a torn tail is cut back to the last whole frame, at any offset inside it', async () => {
  const frames = [0, 1, 2, 3].map((s) => frame(s));
  const whole = Buffer.concat(frames.slice(0, 3));
  const last = frames[3]!;
  for (const cut of [1, 4, 13, last.length >> 1, last.length - 1]) {
    const { root, writer } = await setup();
    const file = partFile(writer, 7);
    writeFileSync(
      join(root, 'open', `${file}.open`),
      Buffer.concat([whole, last.subarray(0, cut)]),
    );
    const metrics = new CaptureMetrics();
    const state = await loadWriterState(root);
    const r = await recover(dirsOf(root), state, metrics);
    assert.equal(r.truncatedBytes, cut, `cut ${cut}`);
    assert.equal(r.corruptFrames, 0);
    assert.equal(r.sealed.length, 1);
    const p = r.sealed[0]!;
    assert.equal(p.size, whole.length);
    assert.equal(p.crc32c, crc32c(whole));
    assert.equal(p.stats.requests, 3);
    assert.equal(p.stats.lines, 9);
    assert.deepEqual(Object.fromEntries(p.stats.rejects), { [rejectCode()]: 3 });
    assert.deepEqual(readFileSync(join(root, 'sealed', file)), whole);
    assert.deepEqual(readdirSync(join(root, 'open')), []);
    // Seqs continue past everything recovered.
    assert.equal(state.nextPartSeq, 8);
    assert.equal(state.nextRequestSeq, 3);
  }
});

test('a zero-filled tail (size reached the disk, data did not) counts as torn', async () => {
  const { root, writer } = await setup();
  const file = partFile(writer, 0);
  const good = Buffer.concat([frame(0), frame(1)]);
  writeFileSync(join(root, 'open', `${file}.open`), Buffer.concat([good, Buffer.alloc(4096)]));
  const r = await recover(dirsOf(root), await loadWriterState(root), new CaptureMetrics());
  assert.equal(r.truncatedBytes, 4096);
  assert.equal(r.sealed[0]!.size, good.length);
  assert.deepEqual(readdirSync(join(root, 'quarantine')), []);
});

test('a corrupt frame in the middle is skipped, counted and set aside; the rest is kept', async () => {
  const { root, writer } = await setup();
  const file = partFile(writer, 3);
  const frames = [10, 11, 12, 13, 14].map((s) => frame(s));
  const f2 = frames[2]!;
  const at = f2.length >> 1;
  f2[at] = f2[at]! ^ 0x5a;
  const bytes = Buffer.concat(frames);
  writeFileSync(join(root, 'sealed', file), bytes);
  const metrics = new CaptureMetrics();
  const r = await recover(dirsOf(root), await loadWriterState(root), metrics);
  assert.equal(r.corruptFrames, 1);
  const p = r.sealed[0]!;
  assert.equal(p.size, bytes.length, 'the part is shipped whole; readers skip the bad frame');
  assert.equal(p.stats.requests, 4);
  assert.equal(p.stats.maxSeq, 14);
  assert.equal(p.crc32c, crc32c(bytes));
  const q = readdirSync(join(root, 'quarantine'));
  assert.equal(q.length, 1);
  assert.match(q[0]!, new RegExp(`^${file}@\\d+\\.bad$`));
  assert.ok((await metrics.text()).includes('wflg_capture_corrupt_frames_total 1'));

  // Recovery again (a crash during recovery): same outcome, nothing new set aside.
  const again = await recover(dirsOf(root), await loadWriterState(root), new CaptureMetrics());
  assert.deepEqual(
    again.sealed.map((s) => [s.file, s.size, s.crc32c, s.stats.requests]),
    r.sealed.map((s) => [s.file, s.size, s.crc32c, s.stats.requests]),
  );
  assert.equal(readdirSync(join(root, 'quarantine')).length, 1);
});

test('a part larger than the read window is verified, counted and checksummed across windows', async () => {
  const { root, writer } = await setup();
  const file = partFile(writer, 1);
  // Incompressible bodies, so the frames alone outgrow the 8 MiB window and one straddles its edge.
  const noise = (): string =>
    `${randomBytes(600_000).toString('base64').replace(/.{76}/g, '$&\n')}\n`;
  const frames = Array.from({ length: 20 }, (_, i) => frame(i, noise()));
  const whole = Buffer.concat(frames);
  assert.ok(whole.length > 9 << 20, `only ${whole.length} bytes`);
  const torn = frame(20).subarray(0, 20);
  writeFileSync(join(root, 'open', `${file}.open`), Buffer.concat([whole, torn]));
  const r = await recover(dirsOf(root), await loadWriterState(root), new CaptureMetrics());
  assert.equal(r.truncatedBytes, torn.length);
  assert.equal(r.corruptFrames, 0);
  const p = r.sealed[0]!;
  assert.equal(p.size, whole.length);
  assert.equal(p.crc32c, crc32c(whole));
  assert.equal(p.stats.requests, 20);
  assert.equal(p.stats.maxSeq, 19);
});

test('an open part with no whole frame is removed; its seq is not reused', async () => {
  const { root, writer } = await setup();
  const f = frame(0);
  writeFileSync(join(root, 'open', `${partFile(writer, 5)}.open`), f.subarray(0, 7));
  const state = await loadWriterState(root);
  const r = await recover(dirsOf(root), state, new CaptureMetrics());
  assert.deepEqual(r.sealed, []);
  assert.deepEqual(r.dropped, [partFile(writer, 5)]);
  assert.equal(existsSync(join(root, 'open', `${partFile(writer, 5)}.open`)), false);
  assert.equal(state.nextPartSeq, 6);
  assert.equal((await loadWriterState(root)).nextPartSeq, 6, 'persisted');
});

function rejectCode(): string {
  return new WavefrontParser({ format: 'wavefront' }).parse(Buffer.from('not a metric\n')).code(0);
}
