// The merged request-level and global tallies → the global recipe (wflg.recipe-global/v1).
import {
  GLOBAL_SCHEMA,
  type GlobalRecipe,
  type Privacy,
  type RequestModel,
} from '../lib/recipe.js';
import { BucketCounts } from '../lib/stats/intensity.js';
import { DDSketch } from '../lib/stats/ddsketch.js';
import { KIND_NAMES } from '../lib/wavefront.js';
import { codeShares, fitArrivals } from './fit.js';
import type { GlobalAcc } from './partial.js';
import { InstantWindows } from './sample.js';
import { quantilesOf } from '../lib/stats/quantiles.js';

export interface GlobalContext {
  runId: string;
  version: string;
  inputs: number;
  input: string;
  privacy: Privacy;
  families: number;
  coveredLines: number;
}

function shares<K extends string>(m: Map<string, number>, total: number, max: number) {
  return [...m]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, max)
    .map(([k, n]) => [k as K, total > 0 ? Math.min(1, n / total) : 0] as const);
}

export function mirrorOf(g: GlobalAcc): number {
  const m = g.requests > 0 ? g.mirrorSum / g.requests : 1;
  return m > 0 && m <= 1 ? m : 1;
}

export function buildGlobal(g: GlobalAcc, ctx: GlobalContext): GlobalRecipe {
  const rejected = [...g.rejects.values()].reduce((a, b) => a + b, 0);
  const startMs = Number.isFinite(g.minMs) ? Math.max(0, Math.round(g.minMs)) : 0;
  const endMs = Number.isFinite(g.maxMs) ? Math.max(startMs, Math.round(g.maxMs)) : startMs;
  let requests: RequestModel | null = null;
  if (g.captured) {
    const reqPerClient = new DDSketch();
    const linesByClient = new DDSketch();
    for (const [, [r, l]] of [...g.clients].sort()) {
      reqPerClient.add(r);
      linesByClient.add(r > 0 ? l / r : 0);
    }
    // Sketch merges add bucket counts, so the all-format sketches equal ones fed every request.
    const reqLines = new DDSketch();
    const wire = new DDSketch();
    const perFormat = new Map<string, number>();
    for (const [format, [l, w]] of g.byFormat) {
      reqLines.merge(l);
      wire.merge(w);
      perFormat.set(format, l.count);
    }
    const notes: string[] = [];
    requests = {
      linesPerRequest: quantilesOf(reqLines, true),
      wireBytes: quantilesOf(wire, true),
      storedBytes: quantilesOf(g.stored),
      interArrivalMs: quantilesOf(g.gaps),
      encodings: shares<'identity' | 'gzip' | 'deflate'>(g.encodings, g.requests, 3).map(
        ([encoding, share]) => ({ encoding, share }),
      ),
      formats: shares(perFormat, g.requests, 8).map(([format, share]) => {
        const [l, w, sizes] = g.byFormat.get(format)!;
        const byRate = sizes.bins(mirrorOf(g));
        return {
          format: format.slice(0, 32),
          share,
          linesPerRequest: quantilesOf(l, true),
          wireBytes: quantilesOf(w, true),
          ...(byRate.length ? { byRate } : {}),
        };
      }),
      paths: shares(g.paths, g.requests, 32).map(([path, share]) => ({
        path: path.slice(0, 256),
        share,
      })),
      arrivals: fitArrivals(
        g.reqCurve.length ? g.reqCurve.state() : new BucketCounts().state(),
        g.reqInst.size ? g.reqInst : new InstantWindows(),
        startMs,
        endMs,
        mirrorOf(g),
        notes,
      ),
      clients: {
        count: g.clients.size + (g.clientsOverflow > 0 ? 1 : 0),
        requestsPerClient: quantilesOf(reqPerClient),
        linesPerRequestByClient: quantilesOf(linesByClient),
      },
    };
  }
  const kinds = KIND_NAMES.map((kind, i) => ({ kind, lines: g.byKind[i] ?? 0 }))
    .filter((k) => k.lines > 0)
    .map((k) => ({ ...k, share: g.lines ? k.lines / g.lines : 0 }));
  return {
    schema: GLOBAL_SCHEMA,
    run: { id: ctx.runId, profiler: ctx.version, inputs: ctx.inputs, input: ctx.input },
    privacy: ctx.privacy,
    window: {
      startMs,
      endMs,
      seconds: (endMs - startMs) / 1000,
      timeAxis: g.captured ? 'arrival' : 'timestamp',
    },
    mirrorFraction: mirrorOf(g),
    totals: {
      lines: g.lines,
      bytes: g.read.textBytes,
      requests: g.requests,
      families: ctx.families,
      acceptedLines: g.lines - rejected,
      rejectedLines: rejected,
      coveredLines: ctx.coveredLines,
      coverage: g.lines > 0 ? Math.min(1, ctx.coveredLines / g.lines) : 0,
    },
    kinds,
    requests,
    rejects: codeShares(g.rejects, g.lines, 128),
    lineBytes: quantilesOf(g.lineBytes),
  };
}
