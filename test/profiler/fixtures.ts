// Fixtures for the profiler's tests and compare's (which profile captures first): profile options
// (in-process, no k-anonymity, default sample caps; a test overrides only what it is about) and
// capture parts built from requests.
import { join } from 'node:path';
import { encodeHeader, type ContentEncoding } from '../../src/lib/capture-format.js';
import { native } from '../../src/lib/native.js';
import { SAMPLE_DEFAULTS, type ProfileOptions } from '../../src/profiler/run.js';

export const profileOptions = (
  input: string,
  output: string,
  over: Partial<ProfileOptions> = {},
): ProfileOptions => ({
  input,
  output,
  workers: 0,
  k: 1,
  hashNames: false,
  salt: '',
  format: 'auto',
  ...SAMPLE_DEFAULTS,
  version: 'test',
  ...over,
});

/** The one capture directory (day, MIG, host) under a capture root. */
export const partDir = (captureRoot: string): string =>
  join(captureRoot, 'dt=2026-11-22', 'mig=m', 'host-1');

export interface CapturedRequest {
  t: number;
  body: string;
  q?: string;
  client?: string;
  /** Defaults to gzip for every third request, identity otherwise. */
  encoding?: ContentEncoding;
}

/** The bytes of one capture part: one frame per request, `seq` counting from 0. */
export function capturePart(reqs: readonly CapturedRequest[], mirrorFraction = 0.5): Buffer {
  const enc = new (native().FrameEncoder)(3);
  const frames = reqs.map((r, i) => {
    const body = Buffer.from(r.body);
    const head = encodeHeader({
      arrivalMs: r.t,
      wireBytes: body.length,
      encoding: r.encoding ?? (i % 3 === 0 ? 'gzip' : 'identity'),
      storedBytes: body.length,
      lines: r.body.split('\n').filter(Boolean).length,
      path: '/report',
      query: r.q ?? 'f=wavefront',
      client: r.client ?? '00000000000000a1',
      mirrorFraction,
      seq: i,
    });
    return enc.encode(Buffer.concat([Buffer.from(head), body]));
  });
  return Buffer.concat(frames);
}
