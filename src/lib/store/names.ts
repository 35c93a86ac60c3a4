// Object names and list prefixes, checked once at the store boundary. The rules are the
// intersection of what GCS accepts and what maps safely onto a directory tree: a name that could
// climb out of the file store's root, alias another name, or collide with the store's own
// bookkeeping files is refused before any I/O, with WFLG_E_STORE_NAME_INVALID.
import { WflgError } from '../errors.js';

/** GCS caps object names at 1024 bytes of UTF-8; the gs:// prefix counts towards it. */
export const MAX_NAME_BYTES = 1024;
/** Directory entries starting with this belong to the file store (temp files, lock, meta). */
export const RESERVED_SEGMENT_PREFIX = '.wflg';

// C0 controls and DEL: GCS rejects CR/LF, NUL truncates C strings, the rest only hide mischief.
// Backslash is a separator on other systems, so it is refused to keep names portable.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHAR = /[\u0000-\u001f\u007f\\]/;
// A lone UTF-16 surrogate encodes to U+FFFD, so two different strings would name one object.
const LONE_SURROGATE = /\p{Cs}/u;

function invalid(what: string, value: unknown, reason: string): WflgError {
  const shown = typeof value === 'string' ? JSON.stringify(value).slice(0, 200) : typeof value;
  return new WflgError('WFLG_E_STORE_NAME_INVALID', `${what} ${shown}: ${reason}`, {
    reason,
  });
}

function checkChars(what: string, value: string): void {
  if (FORBIDDEN_CHAR.test(value))
    throw invalid(what, value, 'contains a control character or backslash');
  if (LONE_SURROGATE.test(value)) throw invalid(what, value, 'is not well-formed UTF-16');
  if (Buffer.byteLength(value, 'utf8') > MAX_NAME_BYTES)
    throw invalid(what, value, `is longer than ${MAX_NAME_BYTES} bytes of UTF-8`);
  if (value.startsWith('/')) throw invalid(what, value, 'is absolute (starts with /)');
}

function checkSegment(what: string, value: string, segment: string): void {
  if (segment === '') throw invalid(what, value, 'has an empty segment');
  if (segment === '.' || segment === '..') throw invalid(what, value, `has a '${segment}' segment`);
  if (segment.startsWith(RESERVED_SEGMENT_PREFIX))
    throw invalid(
      what,
      value,
      `has a segment starting with the reserved '${RESERVED_SEGMENT_PREFIX}'`,
    );
}

/** Throws WFLG_E_STORE_NAME_INVALID unless `name` is a safe relative object name. */
export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw invalid('object name', name, 'is empty');
  checkChars('object name', name);
  for (const segment of name.split('/')) checkSegment('object name', name, segment);
  return name;
}

/** checkName as a test, for names found rather than asked for (listings, URL prefixes). */
export function isValidName(name: string): boolean {
  try {
    checkName(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * A list prefix: '' (everything), whole segments ending in '/', or a partial last segment
 * ('capture/dt=2024-'). Every complete segment obeys the name rules.
 */
export function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') throw invalid('list prefix', prefix, 'is not a string');
  if (prefix === '') return prefix;
  checkChars('list prefix', prefix);
  const segments = prefix.split('/');
  segments.pop(); // the partial tail may be anything the character rules allow
  for (const segment of segments) checkSegment('list prefix', prefix, segment);
  return prefix;
}

/** Byte-wise UTF-8 order, the order GCS lists in (JS string order differs above U+FFFF). */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
