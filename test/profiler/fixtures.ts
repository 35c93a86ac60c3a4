// Profile options for tests: in-process, no k-anonymity, default sample caps; a test overrides
// only what it is about.
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
