import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import {
  bodyLayout,
  clientHash,
  encodeHeader,
  parseHeader,
  records,
  type RequestHeader,
} from '../../src/lib/capture-format.js';
import { isWflgError } from '../../src/lib/errors.js';

const base: RequestHeader = {
  arrivalMs: 1732233600123,
  wireBytes: 5321,
  encoding: 'gzip',
  storedBytes: 0,
  lines: 0,
  path: '/report',
  query: 'f=wavefront',
  client: '3fa2b9c1d4e5f601',
  mirrorFraction: 0.25,
  seq: 42,
};

function record(body: string, over: Partial<RequestHeader> = {}): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([Buffer.from(encodeHeader({ ...base, storedBytes: b.length, ...over })), b]);
}

test('header round-trips, including hostile paths and queries', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), fc.nat(), (path, query, seq) => {
      const h = { ...base, path, query, seq };
      const line = encodeHeader(h);
      assert.equal(line.indexOf('\n'), line.length - 1);
      assert.deepEqual(parseHeader(line.slice(0, -1)), h);
    }),
  );
});

test('records are walked by byte count, so body lines starting with # stay in the body', () => {
  const tricky =
    '#wflg1 t=1 b=1 e=identity d=999 n=1 p=/ q= c=0000000000000000 m=1 r=0\ncpu 1 source=a\n';
  const content = Buffer.concat([
    record(tricky, { lines: 2 }),
    record(''),
    record('x 1 source=b\n', { seq: 43 }),
  ]);
  const got = [...records(content)];
  assert.equal(got.length, 3);
  assert.equal(got[0]!.body.toString(), tricky);
  assert.equal(got[1]!.body.length, 0);
  assert.equal(got[2]!.header.seq, 43);
});

test('malformed records fail with WFLG_E_CAPTURE_RECORD, never a guessed body', () => {
  const good = record('a 1 source=x\n');
  const cases: Array<[string, Buffer]> = [
    ['no header', Buffer.from('a 1 source=x\n')],
    ['truncated body', good.subarray(0, good.length - 3)],
    ['unterminated header', Buffer.from('#wflg1 t=1')],
    ['huge header', Buffer.from('#wflg1 ' + 'x'.repeat(10000) + '\n')],
    ['body without newline', record('a 1', { storedBytes: 3 })],
    ['bad encoding', record('', { encoding: 'br' as never })],
    ['bad fraction', Buffer.from(encodeHeader({ ...base, mirrorFraction: 2 }))],
    ['bad number', Buffer.from(encodeHeader(base).replace('t=1732233600123', 't=-1'))],
    ['bad percent', Buffer.from(encodeHeader(base).replace('p=/report', 'p=%E0%A4'))],
  ];
  for (const [name, buf] of cases)
    assert.throws(
      () => [...records(buf)],
      (e: unknown) => isWflgError(e, 'WFLG_E_CAPTURE_RECORD'),
      name,
    );
  assert.equal(parseHeader(encodeHeader(base).replace('\n', ' zz=future\n').slice(0, -1)).seq, 42);
});

test('body layout: a missing final newline is added and counted; client hashes are salted', () => {
  assert.deepEqual(bodyLayout(Buffer.from('a 1\nb 2\n')), {
    storedBytes: 8,
    lines: 2,
    needsNewline: false,
  });
  assert.deepEqual(bodyLayout(Buffer.from('a 1\nb 2')), {
    storedBytes: 8,
    lines: 2,
    needsNewline: true,
  });
  assert.deepEqual(bodyLayout(Buffer.alloc(0)), { storedBytes: 0, lines: 0, needsNewline: false });
  assert.deepEqual(bodyLayout(Buffer.from('\n\n')), {
    storedBytes: 2,
    lines: 2,
    needsNewline: false,
  });
  const h = clientHash('salt', '10.0.0.1');
  assert.match(h, /^[0-9a-f]{16}$/);
  assert.equal(clientHash('salt', '10.0.0.1'), h);
  assert.notEqual(clientHash('other', '10.0.0.1'), h);
  // What the reader requires of a header's `c`.
  assert.equal(parseHeader(encodeHeader({ ...base, client: h }).slice(0, -1)).client, h);
});
