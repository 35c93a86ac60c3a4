// Conformance of the strict fake itself: it must refuse what GCS refuses, or the upload tests
// that run against it prove nothing. Plain HTTP, no store code involved.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { parseFault } from '../../fakes/gcs-faults.js';
import { StrictGcs, tableCrc32c } from '../../fakes/gcs-strict.js';

const Q = 256 * 1024;
const b64 = (crc: number): string => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc);
  return b.toString('base64');
};

describe('strict fake GCS refuses what GCS refuses', () => {
  let fake: StrictGcs;
  before(async () => {
    fake = await StrictGcs.start(['bkt']);
  });
  after(() => fake.close());

  async function initiate(
    name: string,
    total: number,
    meta: object = {},
    query = '',
  ): Promise<Response> {
    return fetch(
      `${fake.endpoint}/upload/storage/v1/b/bkt/o?uploadType=resumable&name=${name}${query}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-upload-content-length': String(total) },
        body: JSON.stringify(meta),
      },
    );
  }
  async function session(name: string, total: number, meta: object = {}): Promise<string> {
    const res = await initiate(name, total, meta);
    assert.equal(res.status, 200);
    return res.headers.get('location') as string;
  }
  async function put(
    uri: string,
    range: string,
    body: Buffer = Buffer.alloc(0),
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const res = await fetch(uri, {
      method: 'PUT',
      headers: { 'content-range': range, ...headers },
      body,
      redirect: 'manual',
    });
    await res.arrayBuffer();
    return res;
  }

  test('chunk placement, size and range rules', async () => {
    const data = randomBytes(3 * Q + 10);
    const uri = await session('rules', data.length);
    assert.equal(
      (await put(uri, `bytes 0-${Q + 9}/${data.length}`, data.subarray(0, Q + 10))).status,
      400,
      'non-final chunk not a multiple of 256 KiB',
    );
    assert.equal(
      (await put(uri, `bytes ${Q}-${2 * Q - 1}/${data.length}`, data.subarray(Q, 2 * Q))).status,
      400,
      'gap',
    );
    assert.equal(
      (await put(uri, `bytes 0-${Q - 1}/${data.length}`, data.subarray(0, Q - 1))).status,
      400,
      'body shorter than range',
    );
    assert.equal(
      (await put(uri, 'bytes=0-5', data.subarray(0, 6))).status,
      400,
      'malformed Content-Range',
    );
    const first = await put(uri, `bytes 0-${Q - 1}/${data.length}`, data.subarray(0, Q));
    assert.deepEqual([first.status, first.headers.get('range')], [308, `bytes=0-${Q - 1}`]);
    assert.equal(
      (await put(uri, `bytes 0-${Q - 1}/${data.length}`, data.subarray(0, Q))).status,
      400,
      'overlap',
    );
    assert.equal(
      (await put(uri, `bytes ${Q}-${2 * Q - 1}/${data.length + 1}`, data.subarray(Q, 2 * Q)))
        .status,
      400,
      'total changed',
    );
    const status = await put(uri, `bytes */${data.length}`);
    assert.deepEqual([status.status, status.headers.get('range')], [308, `bytes=0-${Q - 1}`]);
    assert.equal(
      fake.object('bkt', 'rules'),
      undefined,
      'a status query never finalizes a partial upload',
    );
    assert.equal(
      (await put(uri, `bytes */${data.length}`, Buffer.from('x'))).status,
      400,
      'status query with a body',
    );
    assert.equal(
      (await put(uri, `bytes ${Q}-${data.length - 1}/${data.length}`, data.subarray(Q))).status,
      200,
    );
    assert.ok((await fake.content('bkt', 'rules'))?.equals(data));
    const again = await fetch(uri, {
      method: 'PUT',
      headers: { 'content-range': `bytes */${data.length}` },
      body: Buffer.alloc(0),
    });
    assert.equal(again.status, 200, 'a finalized session answers with the object');
    assert.equal(((await again.json()) as { size: string }).size, String(data.length));
  });

  test('checksums: declared crc32c and X-Goog-Hash are checked at finalize, and a failed session is closed', async () => {
    const data = randomBytes(100);
    const bad = await session('crc-bad', data.length, {
      crc32c: b64((tableCrc32c(data) ^ 1) >>> 0),
    });
    assert.equal((await put(bad, `bytes 0-99/100`, data)).status, 400);
    assert.equal((await put(bad, `bytes */100`)).status, 410);
    const hashed = await session('hash-bad', data.length);
    assert.equal(
      (await put(hashed, `bytes 0-99/100`, data, { 'x-goog-hash': `crc32c=${b64(0)}` })).status,
      400,
    );
    const good = await session('crc-good', data.length, { crc32c: b64(tableCrc32c(data)) });
    assert.equal(
      (
        await put(good, `bytes 0-99/100`, data, {
          'x-goog-hash': `crc32c=${b64(tableCrc32c(data))}`,
        })
      ).status,
      200,
    );
    assert.equal(fake.object('bkt', 'crc-bad'), undefined);
  });

  test('preconditions at initiation and finalize; unknown and expired sessions are 404', async () => {
    await fake.insert('bkt', 'taken', Buffer.from('x'));
    assert.equal((await initiate('taken', 1, {}, '&ifGenerationMatch=0')).status, 412);
    const late = await initiate('late', 1, {}, '&ifGenerationMatch=0');
    const uri = late.headers.get('location') as string;
    await fake.insert('bkt', 'late', Buffer.from('y'));
    assert.equal(
      (await put(uri, 'bytes 0-0/1', Buffer.from('z'))).status,
      412,
      'checked again at finalize',
    );
    assert.equal(
      (
        await put(
          `${fake.endpoint}/upload/storage/v1/b/bkt/o?uploadType=resumable&upload_id=nope`,
          'bytes */1',
        )
      ).status,
      404,
    );
    const old = await session('old', 1);
    fake.clockOffsetMs = 8 * 24 * 3600 * 1000;
    try {
      assert.equal((await put(old, 'bytes 0-0/1', Buffer.from('o'))).status, 404);
    } finally {
      fake.clockOffsetMs = 0;
    }
  });

  test('fault instructions parse as documented and unknown ones are refused', () => {
    assert.deepEqual(parseFault('return-503'), { kind: 'status', status: 503 });
    assert.deepEqual(parseFault('return-broken-stream-after-256K'), {
      kind: 'broken-stream',
      bytes: Q,
    });
    assert.throws(() => parseFault('return-teapot'));
  });
});
