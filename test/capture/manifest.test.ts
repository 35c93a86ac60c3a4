// Manifest appends against the real file store: a part is listed once however often its append
// is retried (crash after the write, before the local delete), concurrent appends to one manifest
// all land, and a write that lost a generation race is re-read rather than overwriting.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { CrashPoints } from '../../src/capture/layout.js';
import { listedObjects, Manifests, type ManifestLine } from '../../src/capture/manifest.js';
import { openStore } from '../../src/lib/store/index.js';

function line(seq: number): ManifestLine {
  return {
    object: `capture/dt=2026-01-01/mig=m/i/part-0123456789ab-${String(seq).padStart(8, '0')}.wf.zst`,
    size: 100 + seq,
    crc32c: seq,
    generation: '1',
    lines: 3,
    requests: 1,
    rawBytes: 200,
    firstArrivalMs: 1,
    lastArrivalMs: 2,
    writer: '0123456789ab',
    seq,
    mirrorFraction: 0.5,
    rejects: { 'WF-300': 1 },
  };
}

const NAME = 'capture/dt=2026-01-01/manifests/i-manifest.jsonl';

test('an append retried after a crash does not list the part twice', async () => {
  const store = await openStore(`file://${mkdtempSync(join(tmpdir(), 'wflg-manifest-'))}`);
  const m = new Manifests(store, new CrashPoints(undefined));
  assert.equal(await m.append(NAME, line(0)), 'appended');
  assert.equal(await m.append(NAME, line(0)), 'present');
  assert.equal(await m.append(NAME, line(1)), 'appended');
  const text = (await store.readAll(NAME)).data.toString();
  assert.equal(text.split('\n').filter(Boolean).length, 2);
  assert.deepEqual(JSON.parse(text.split('\n')[1]!), line(1));
  await store.close();
});

test('concurrent appends to one manifest all land, each once', async () => {
  const store = await openStore(`file://${mkdtempSync(join(tmpdir(), 'wflg-manifest-'))}`);
  const m = new Manifests(store, new CrashPoints(undefined));
  await Promise.all(Array.from({ length: 20 }, (_, i) => m.append(NAME, line(i % 10))));
  const listed = listedObjects((await store.readAll(NAME)).data.toString());
  assert.equal(listed.size, 10);
  await store.close();
});

test('a lost generation race is re-read, not overwritten', async () => {
  const store = await openStore(`file://${mkdtempSync(join(tmpdir(), 'wflg-manifest-'))}`);
  const a = new Manifests(store, new CrashPoints(undefined));
  const b = new Manifests(store, new CrashPoints(undefined)); // a second, independent writer
  await Promise.all([a.append(NAME, line(1)), b.append(NAME, line(2)), a.append(NAME, line(3))]);
  const listed = listedObjects((await store.readAll(NAME)).data.toString());
  assert.deepEqual([...listed].sort(), [line(1), line(2), line(3)].map((l) => l.object).sort());
  await store.close();
});

test('a foreign or torn line is skipped when reading the listing', () => {
  const text = `${JSON.stringify(line(1))}\n{"object": "x"\nnot json\n${JSON.stringify(line(2))}`;
  assert.deepEqual([...listedObjects(text)], [line(1).object, line(2).object]);
});
