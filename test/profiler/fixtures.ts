// Profile options for tests: in-process, no k-anonymity, default sample caps; a test overrides
// only what it is about.
import type { ProfileOptions } from '../../src/profiler/run.js';

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
  seriesCap: 1024,
  instantCap: 4096,
  version: 'test',
  ...over,
});
