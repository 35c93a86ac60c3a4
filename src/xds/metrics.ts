// Every metric of the xDS controller, in one registry per controller (tests run several in one
// process). Labels come from bounded enums only: xDS type, cluster name, health, poll result.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type XdsTypeLabel = 'cds' | 'eds' | 'lds' | 'rds' | 'rtds';
export type PollResult = 'ok' | 'error' | 'partial' | 'guardrail' | 'unchanged';

export class XdsMetrics {
  readonly registry = new Registry();
  readonly streams = new Gauge({
    name: 'wflg_xds_streams',
    help: 'Open xDS streams',
    registers: [this.registry],
  });
  readonly responses = new Counter({
    name: 'wflg_xds_responses_total',
    help: 'DiscoveryResponses written, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly acks = new Counter({
    name: 'wflg_xds_acks_total',
    help: 'ACKs received, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly nacks = new Counter({
    name: 'wflg_xds_nacks_total',
    help: 'NACKs received (error_detail set), by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly staleRequests = new Counter({
    name: 'wflg_xds_stale_requests_total',
    help: 'Requests ignored because their nonce was not the latest sent',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly backpressured = new Counter({
    name: 'wflg_xds_backpressure_total',
    help: 'Writes that filled a stream buffer; later versions wait and only the latest is sent',
    registers: [this.registry],
  });
  readonly badRequests = new Counter({
    name: 'wflg_xds_bad_requests_total',
    help: 'Requests rejected (no type_url on ADS, or a type this server does not serve)',
    registers: [this.registry],
  });
  readonly snapshots = new Counter({
    name: 'wflg_xds_snapshots_total',
    help: 'Snapshots built, by result (published, unchanged, invalid)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly polls = new Counter({
    name: 'wflg_xds_inventory_polls_total',
    help: 'Inventory polls, by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly pollBackoff = new Gauge({
    name: 'wflg_xds_inventory_backoff_seconds',
    help: 'Delay before the next inventory poll (above the interval while backing off)',
    registers: [this.registry],
  });
  readonly hosts = new Gauge({
    name: 'wflg_xds_hosts',
    help: 'Hosts published, by cluster and health',
    labelNames: ['cluster', 'health'] as const,
    registers: [this.registry],
  });
  readonly captureEnabled = new Gauge({
    name: 'wflg_xds_capture_enabled_percent',
    help: 'capture.enabled as published over RTDS',
    registers: [this.registry],
  });
  readonly pushSeconds = new Histogram({
    name: 'wflg_xds_push_seconds',
    help: 'Time to write one snapshot change to every stream',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly lastPublish = new Gauge({
    name: 'wflg_xds_last_publish_timestamp_seconds',
    help: 'Unix time of the last published snapshot',
    registers: [this.registry],
  });

  text(): Promise<string> {
    return this.registry.metrics();
  }
  get contentType(): string {
    return this.registry.contentType;
  }
}
