// The generator's Prometheus metrics (DESIGN §2.6). Everything is read from the aggregated worker
// reports at scrape time; labels are bounded enums (status, result, state). Per-family divergence
// is exported as gauges labelled by family id: bounded by the recipe set, which is loaded and
// capped at start, not by traffic.
import { Counter, Gauge, Registry } from 'prom-client';
import { totalCounters } from '../lib/metrics.js';
import type { Recipe } from '../lib/recipe.js';
import type { Generator } from './generator.js';
import type { Totals } from './messages.js';

const MAX_FAMILY_SERIES = 2000;

/** Counters that publish one of the summed worker totals. */
const TOTALS: ReadonlyArray<[keyof Totals, string, string]> = [
  ['sent', 'wflg_generator_lines_emitted_total', 'Lines rendered and handed to the transport'],
  ['bytes', 'wflg_generator_bytes_emitted_total', 'Bytes written to the target (after gzip)'],
  ['planned', 'wflg_generator_lines_planned_total', 'Lines the plan asked for'],
  [
    'dropped',
    'wflg_generator_lines_dropped_total',
    'Planned lines not sent (collector down or too late)',
  ],
  ['late', 'wflg_generator_lines_late_total', 'Lines sent later than the lateness threshold'],
  [
    'capped',
    'wflg_generator_lines_capped_total',
    'Lines skipped to keep one point per series per second',
  ],
  ['malformed', 'wflg_generator_lines_malformed_total', 'Malformed lines injected on purpose'],
  [
    'httpErrors',
    'wflg_generator_http_errors_total',
    'HTTP requests that failed or got a non-2xx answer',
  ],
  ['reconnects', 'wflg_generator_reconnects_total', 'TCP reconnects'],
  [
    'lostBytes',
    'wflg_generator_lost_bytes_total',
    'Bytes in socket buffers when a connection died',
  ],
];

export function generatorMetrics(g: Generator): Registry {
  const registry = new Registry();
  totalCounters(registry, TOTALS, (key) => g.totals()[key]);
  let lastSent = 0;
  let lastMs = Date.now();
  new Gauge({
    name: 'wflg_generator_rate_actual',
    help: 'Lines per second sent since the previous scrape',
    registers: [registry],
    collect() {
      const now = Date.now();
      const sent = g.totals().sent;
      this.set(now > lastMs ? ((sent - lastSent) * 1000) / (now - lastMs) : 0);
      lastSent = sent;
      lastMs = now;
    },
  });
  // The recipes' mean rate changes only with the set: summed once per reload, not per scrape
  // (every family's intensity curve, up to 20 160 buckets each).
  let baseOf: readonly Recipe[] | undefined;
  let base = 0;
  new Gauge({
    name: 'wflg_generator_rate_target',
    help: 'Target lines per second (absolute rate, or the recipes mean × multiplier)',
    registers: [registry],
    collect() {
      const s = g.scenario;
      if (g.recipes !== baseOf) {
        baseOf = g.recipes;
        base = baseOf.reduce((a, r) => a + mean(r.arrivals.intensity), 0);
      }
      this.set(s.paused ? 0 : (s.rate ?? base * s.multiplier) / g.opts.shard.count);
    },
  });
  new Gauge({
    name: 'wflg_generator_paused',
    help: '1 while paused',
    registers: [registry],
    collect() {
      this.set(g.scenario.paused ? 1 : 0);
    },
  });
  new Counter({
    name: 'wflg_generator_recipe_reloads_total',
    help: 'Recipe set reloads by result',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ result: 'loaded' }, g.reload.loaded);
      this.inc({ result: 'refused' }, g.reload.refused);
    },
  });
  const div = (
    name: string,
    help: string,
    pick: (d: ReturnType<Generator['families']>[number]) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['family'],
      registers: [registry],
      collect() {
        this.reset();
        for (const d of g.families().slice(0, MAX_FAMILY_SERIES)) {
          const v = pick(d);
          if (Number.isFinite(v)) this.set({ family: d.id }, v);
        }
      },
    });
  div('wflg_generator_divergence_rate_error_ratio', 'Sent vs plan, recent', (d) => d.rateError);
  div(
    'wflg_generator_divergence_value_ks',
    'One-sample KS of sent values vs the recipe',
    (d) => d.valueKs,
  );
  div(
    'wflg_generator_divergence_value_js',
    'Jensen–Shannon of sent values vs the recipe bins',
    (d) => d.valueJs,
  );
  new Gauge({
    name: 'wflg_generator_divergence_families',
    help: 'Families by divergence status (green ≤ DESIGN §4 targets, amber ≤ 2×, red beyond)',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      const n: Record<string, number> = { green: 0, amber: 0, red: 0, unknown: 0 };
      for (const d of g.families()) n[d.status]!++;
      for (const [status, v] of Object.entries(n)) this.set({ status }, v);
    },
  });
  return registry;
}

function mean(a: readonly number[]): number {
  return a.length ? a.reduce((x, y) => x + y, 0) / a.length : 0;
}
