// What may leave the profiler: a string seen fewer than k times is replaced by a synthetic token
// of the same length and character classes (digits stay digits, letters letters of the same case,
// punctuation kept), derived from a keyed hash so the same input maps to the same token within a
// run and across families. --hash-names replaces every name, key and value by a keyed hash.
import { createHmac } from 'node:crypto';
import type { Privacy } from '../lib/recipe.js';

export interface PrivacyOptions {
  readonly k: number;
  readonly hashNames: boolean;
  /** Key for tokens and hashes; empty means unsalted (deterministic across runs, guessable). */
  readonly salt: string;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';

export class Privatizer {
  constructor(readonly opts: PrivacyOptions) {}

  get mode(): Privacy {
    return {
      mode: this.opts.hashNames ? 'hashed' : this.opts.k > 1 ? 'k-anonymous' : 'raw',
      k: this.opts.k,
      salted: this.opts.salt.length > 0,
    };
  }

  private digest(s: string): Buffer {
    return createHmac('sha256', this.opts.salt).update(s, 'utf8').digest();
  }

  /** Same length and character classes as `s`; deterministic per (salt, s). */
  token(s: string): string {
    let d = this.digest(s);
    let out = '';
    let j = 0;
    for (const ch of s) {
      if (j >= d.length) {
        d = this.digest(d.toString('hex'));
        j = 0;
      }
      const r = d[j++]!;
      if (ch >= 'a' && ch <= 'z') out += LOWER[r % 26];
      else if (ch >= 'A' && ch <= 'Z') out += UPPER[r % 26];
      else if (ch >= '0' && ch <= '9') out += DIGITS[r % 10];
      else if (ch.charCodeAt(0) > 127) out += LOWER[r % 26];
      else out += ch;
    }
    return out;
  }

  hash(s: string): string {
    return `h${this.digest(s).toString('hex').slice(0, 15)}`;
  }

  /** A name or value seen `count` times, as it may be published. */
  publish(s: string, count: number): { v: string; synthetic: boolean } {
    if (this.opts.hashNames) return { v: this.hash(s), synthetic: true };
    if (count < this.opts.k) return { v: this.token(s), synthetic: true };
    return { v: s, synthetic: false };
  }
}

export type CharClass =
  'digits' | 'hex' | 'lower' | 'upper' | 'alpha' | 'alnum' | 'mixed' | 'empty';

export function charClassOf(values: readonly string[]): CharClass {
  if (values.length === 0 || values.every((v) => v.length === 0)) return 'empty';
  const all = (re: RegExp) => values.every((v) => re.test(v));
  if (all(/^[0-9]*$/)) return 'digits';
  if (all(/^[0-9a-f]*$/)) return 'hex';
  if (all(/^[a-z]*$/)) return 'lower';
  if (all(/^[A-Z]*$/)) return 'upper';
  if (all(/^[A-Za-z]*$/)) return 'alpha';
  if (all(/^[A-Za-z0-9]*$/)) return 'alnum';
  return 'mixed';
}
