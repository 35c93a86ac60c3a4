// Tag-value distributions of one family on both sides: per point-tag key (and the source, which
// the family key leaves out), the Jensen–Shannon divergence of the published value frequencies —
// the top values by name plus the tail's occurrences as one more bucket, so a shift of mass into or
// out of the long tail counts. A key present on one side only scores 1, the maximum.
import type { FreqTable, Recipe } from '../lib/recipe.js';
import { jensenShannonCounts } from '../lib/stats/divergence.js';

/** The source, compared like a tag key; parenthesised because no tag key can be named so. */
export const SOURCE_KEY = '(source)';
const TAIL = '\u0000tail';

export interface TagComparison {
  /** Worst key: its JS divergence, 1 when a key is on one side only. */
  readonly worst: number;
  readonly worstKey: string | null;
  /** Keys A has and B lacks, and the reverse. */
  readonly dropped: readonly string[];
  readonly added: readonly string[];
  readonly perKey: readonly { key: string; js: number }[];
}

function frequencies(t: FreqTable): Map<string, number> {
  const m = new Map<string, number>();
  for (const { v, n } of t.top) m.set(v, (m.get(v) ?? 0) + n);
  if (t.tail.count > 0) m.set(TAIL, t.tail.count);
  return m;
}

function tables(r: Recipe): Map<string, FreqTable> {
  const m = new Map<string, FreqTable>([[SOURCE_KEY, r.series.sources]]);
  for (const k of r.series.keys) m.set(k.key, k.values);
  return m;
}

export function compareTags(a: Recipe, b: Recipe): TagComparison {
  const ta = tables(a);
  const tb = tables(b);
  const dropped = [...ta.keys()].filter((k) => !tb.has(k)).sort();
  const added = [...tb.keys()].filter((k) => !ta.has(k)).sort();
  const perKey: { key: string; js: number }[] = [];
  for (const k of [...new Set([...ta.keys(), ...tb.keys()])].sort()) {
    const x = ta.get(k);
    const y = tb.get(k);
    perKey.push({ key: k, js: x && y ? jensenShannonCounts(frequencies(x), frequencies(y)) : 1 });
  }
  let worst = 0;
  let worstKey: string | null = null;
  for (const p of perKey)
    if (p.js > worst) {
      worst = p.js;
      worstKey = p.key;
    }
  return { worst, worstKey, dropped, added, perKey };
}
