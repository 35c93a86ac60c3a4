// Counts a request body's lines by kind and by the proxy's reject code, with the native parser.
// Counting only: the body is stored exactly as received whatever the parser thinks of it.
import { KIND_NAMES, ParserSet, formatOfQuery } from '../lib/wavefront.js';

export const KIND_COUNT = KIND_NAMES.length;

export interface Counts {
  /** Lines by kind code (index = Kind value), blank lines excluded. */
  readonly kinds: Float64Array;
  /** Rejected lines by code ('WF-300', 'n/a'). */
  readonly rejects: Map<string, number>;
}

export function newCounts(): Counts {
  return { kinds: new Float64Array(KIND_COUNT), rejects: new Map() };
}

export class Classifier {
  private readonly parsers = new ParserSet();

  /** Adds `body`'s lines to `into`; returns the number of rejected lines. */
  count(body: Buffer, query: string, into: Counts): number {
    const c = this.parsers.get(formatOfQuery(query)).count(body);
    for (let k = 1; k < KIND_COUNT; k++) into.kinds[k] = (into.kinds[k] ?? 0) + (c.kinds[k] ?? 0);
    let rejected = 0;
    for (const [code, n] of c.rejects) {
      rejected += n;
      into.rejects.set(code, (into.rejects.get(code) ?? 0) + n);
    }
    return rejected;
  }
}
