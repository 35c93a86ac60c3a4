// The error and outcome vocabulary both stores share, so callers see one behaviour per situation.
import { WflgError } from '../errors.js';
import type { ObjectInfo, PutFileOptions, PutOutcome } from './types.js';

/** An object already there: the same bytes make the put idempotent, anything else is a conflict. */
export function settle(
  existing: ObjectInfo,
  opts: PutFileOptions,
): ObjectInfo & { readonly outcome: PutOutcome } {
  if (existing.size === opts.size && existing.crc32c === opts.crc32c >>> 0)
    return { ...existing, outcome: 'existed' };
  throw conflict(
    existing.name,
    `holds ${existing.size} bytes crc32c ${existing.crc32c}, not ${opts.size} bytes crc32c ${opts.crc32c >>> 0}`,
  );
}

export function conflict(name: string, why: string): WflgError {
  return new WflgError('WFLG_E_STORE_CONFLICT', `${name}: ${why}`, { name });
}

export function precondition(name: string, generation: string): WflgError {
  return new WflgError(
    'WFLG_E_STORE_PRECONDITION',
    `${name}: generation is no longer ${generation === '0' ? "'absent'" : generation}`,
    { name, ifGenerationMatch: generation },
  );
}

export function notFound(name: string): WflgError {
  return new WflgError('WFLG_E_STORE_NOT_FOUND', `${name}: no such object`, { name });
}
