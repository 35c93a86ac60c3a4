// Every metric of the xDS controller, in one registry per controller (tests run several in one
// process). Labels come from bounded enums only: xDS type, cluster name, health, poll result.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class XdsMetrics {
  readonly registry = new Registry();
  readonly streams = this.gauge('streams', 'Open xDS streams');
  readonly responses = this.counter('responses_total', 'DiscoveryResponses written, by type', [
    'type',
  ]);
  readonly acks = this.counter('acks_total', 'ACKs received, by type', ['type']);
  readonly nacks = this.counter('nacks_total', 'NACKs received (error_detail set), by type', [
    'type',
  ]);
  readonly staleRequests = this.counter(
    'stale_requests_total',
    'Requests ignored because their nonce was not the latest sent',
    ['type'],
  );
  readonly backpressured = this.counter(
    'backpressure_total',
    'Writes that filled a stream buffer; later versions wait and only the latest is sent',
  );
  readonly badRequests = this.counter(
    'bad_requests_total',
    'Requests rejected (no type_url on ADS, or a type this server does not serve)',
  );
  readonly snapshots = this.counter(
    'snapshots_total',
    'Snapshots built, by result (published, unchanged, invalid)',
    ['result'],
  );
  readonly polls = this.counter('inventory_polls_total', 'Inventory polls, by result', ['result']);
  readonly pollBackoff = this.gauge(
    'inventory_backoff_seconds',
    'Delay before the next inventory poll (above the interval while backing off)',
  );
  readonly hosts = this.gauge('hosts', 'Hosts published, by cluster and health', [
    'cluster',
    'health',
  ]);
  readonly captureEnabled = this.gauge(
    'capture_enabled_percent',
    'capture.enabled as published over RTDS',
  );
  readonly pushSeconds = new Histogram({
    name: 'wflg_xds_push_seconds',
    help: 'Time to write one snapshot change to every stream',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly lastPublish = this.gauge(
    'last_publish_timestamp_seconds',
    'Unix time of the last published snapshot',
  );

  text(): Promise<string> {
    return this.registry.metrics();
  }
  get contentType(): string {
    return this.registry.contentType;
  }

  private counter<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): Counter<L> {
    return new Counter({ name: `wflg_xds_${name}`, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): Gauge<L> {
    return new Gauge({ name: `wflg_xds_${name}`, help, labelNames, registers: [this.registry] });
  }
}
