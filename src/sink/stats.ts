// The JSON shape of `GET /v1/stats`: totals, per kind, per code, the busiest families and the
// per-second history (lines and bytes per whole second, from the running totals).
import { KIND_NAMES, codeName as wfCodeName } from '../lib/wavefront.js';
import type { Counts, FamilyCount } from './counter.js';

export interface SinkStats {
  startedMs: number;
  lines: number;
  bytes: number;
  rejected: number;
  requests: number;
  lostBytes: number;
  byKind: Record<string, number>;
  rejectedByKind: Record<string, number>;
  byCode: Record<string, number>;
  familyCount: number;
  families: FamilyCount[];
  otherFamilies: FamilyCount;
  perSecond: Array<{ t: number; lines: number; bytes: number }>;
  tcpConnections: number;
  tee: { path: string; records: number; frames: number } | null;
}

export function codeName(k: number | string): string {
  return typeof k === 'number' ? wfCodeName(k) : k;
}

export function statsOf(
  c: Counts,
  history: ReadonlyArray<{ t: number; lines: number; bytes: number }>,
  startedMs: number,
  families: number,
  extra: Pick<SinkStats, 'tcpConnections' | 'tee'>,
): SinkStats {
  const byKind: Record<string, number> = {};
  const rejectedByKind: Record<string, number> = {};
  KIND_NAMES.forEach((k, i) => {
    if (c.byKind[i]) byKind[k] = c.byKind[i]!;
    if (c.rejectedByKind[i]) rejectedByKind[k] = c.rejectedByKind[i]!;
  });
  const byCode: Record<string, number> = {};
  for (const [k, v] of c.byCode) byCode[codeName(k)] = v;
  const perSecond: SinkStats['perSecond'] = [];
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1]!;
    const b = history[i]!;
    perSecond.push({ t: a.t, lines: b.lines - a.lines, bytes: b.bytes - a.bytes });
  }
  return {
    startedMs,
    lines: c.lines,
    bytes: c.bytes,
    rejected: c.rejected,
    requests: c.requests,
    lostBytes: c.lostBytes,
    byKind,
    rejectedByKind,
    byCode,
    familyCount: c.families.size,
    families: [...c.families.values()]
      .sort((a, b) => b.lines - a.lines || (a.id < b.id ? -1 : 1))
      .slice(0, Math.max(0, families)),
    otherFamilies: c.otherFamilies,
    perSecond,
    ...extra,
  };
}
