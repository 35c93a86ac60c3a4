// Pairing families across the two sides. Families are matched by id (DESIGN §2.2: kind, name and
// sorted tag keys). A family whose tag keys changed has a new id, so it would read as one family
// missing and another extra; instead, leftovers with the same kind and name whose key sets differ by
// exactly one key are paired and reported as a tag added or dropped. What still has no partner is
// missing from B (in A only) or extra in B.
import type { Recipe } from '../lib/recipe.js';

export type MatchKind = 'same' | 'tags-changed' | 'missing' | 'extra';

export interface FamilyPair {
  readonly match: MatchKind;
  readonly a: Recipe | null;
  readonly b: Recipe | null;
  /** Tag keys of A's family absent from B's, and the reverse (tags-changed only). */
  readonly dropped: readonly string[];
  readonly added: readonly string[];
}

const groupKey = (r: Recipe): string => `${r.family.kind}\u001f${r.family.name}`;

function keyDiff(a: Recipe, b: Recipe): { dropped: string[]; added: string[] } {
  const ka = new Set(a.family.tagKeys);
  const kb = new Set(b.family.tagKeys);
  return {
    dropped: a.family.tagKeys.filter((k) => !kb.has(k)),
    added: b.family.tagKeys.filter((k) => !ka.has(k)),
  };
}

export function matchFamilies(as: readonly Recipe[], bs: readonly Recipe[]): FamilyPair[] {
  const byId = new Map(bs.map((r) => [r.family.id, r]));
  const out: FamilyPair[] = [];
  const leftA: Recipe[] = [];
  for (const a of as) {
    const b = byId.get(a.family.id);
    if (b) {
      out.push({ match: 'same', a, b, dropped: [], added: [] });
      byId.delete(a.family.id);
    } else leftA.push(a);
  }
  const leftB = new Map<string, Recipe[]>();
  for (const b of byId.values()) {
    const g = leftB.get(groupKey(b));
    if (g) g.push(b);
    else leftB.set(groupKey(b), [b]);
  }
  // Biggest families pick first; among candidates the closest in volume wins, ties by id.
  leftA.sort((x, y) => y.totals.lines - x.totals.lines || (x.family.id < y.family.id ? -1 : 1));
  for (const a of leftA) {
    const group = leftB.get(groupKey(a)) ?? [];
    let best = -1;
    for (let i = 0; i < group.length; i++) {
      const d = keyDiff(a, group[i]!);
      if (d.dropped.length + d.added.length !== 1) continue;
      const gap = Math.abs(group[i]!.totals.lines - a.totals.lines);
      if (best < 0 || gap < Math.abs(group[best]!.totals.lines - a.totals.lines)) best = i;
    }
    if (best < 0) {
      out.push({ match: 'missing', a, b: null, dropped: [], added: [] });
      continue;
    }
    const b = group.splice(best, 1)[0]!;
    out.push({ match: 'tags-changed', a, b, ...keyDiff(a, b) });
  }
  for (const group of leftB.values())
    for (const b of group) out.push({ match: 'extra', a: null, b, dropped: [], added: [] });
  return out;
}
