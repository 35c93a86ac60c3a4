// The sink's Prometheus metrics. Hot paths count into plain numbers (Counts); these are read only
// at scrape time, so counting costs nothing per line. Labels: kind names and reject codes, both
// bounded sets (parser kinds, WF codes, the sink's own few reasons).
import { Counter, Gauge, Registry } from 'prom-client';
import { totalCounters } from '../lib/metrics.js';
import { KIND_NAMES } from '../lib/wavefront.js';
import type { Counts } from './counter.js';
import { codeName } from './stats.js';

/** Counters that publish one of the running totals. */
const TOTALS: ReadonlyArray<['bytes' | 'lostBytes' | 'requests', string, string]> = [
  ['bytes', 'wflg_sink_bytes_total', 'Bytes received on the wire (before content decoding)'],
  [
    'lostBytes',
    'wflg_sink_lost_bytes_total',
    'Bytes dropped before parsing (unterminated tails, streams taken for HTTP)',
  ],
  ['requests', 'wflg_sink_requests_total', 'HTTP requests received'],
];

export interface SinkMetrics {
  readonly registry: Registry;
}

export function sinkMetrics(counts: Counts, connections: () => number): SinkMetrics {
  const registry = new Registry();
  // Counters are set to the running totals at scrape time: reset, then one inc per label set.
  const publish = (c: Counter<string>, label: string, entries: Iterable<[string, number]>) => {
    c.reset();
    for (const [k, v] of entries) if (v > 0) c.inc({ [label]: k }, v);
  };
  new Counter({
    name: 'wflg_sink_lines_total',
    help: 'Lines received (non-blank), by kind',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      publish(
        this,
        'kind',
        KIND_NAMES.map((k, i) => [k, counts.byKind[i] ?? 0]),
      );
    },
  });
  new Counter({
    name: 'wflg_sink_rejects_total',
    help: 'Lines rejected, by WF code (n/a: rejected without a code) or sink reason',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      publish(
        this,
        'code',
        [...counts.byCode].map(([k, v]) => [codeName(k), v]),
      );
    },
  });
  totalCounters(registry, TOTALS, (key) => counts[key]);
  new Gauge({
    name: 'wflg_sink_tcp_connections',
    help: 'Open plaintext connections',
    registers: [registry],
    collect() {
      this.set(connections());
    },
  });
  return { registry };
}
