// The gRPC side: SotW ADS plus the standalone EDS and RTDS services, one XdsStream per call. The
// response serializer is the identity: streams hand over DiscoveryResponse bytes spliced from
// resources encoded once per version. Delta methods are not registered, so grpc-js answers them
// UNIMPLEMENTED and clients must use api_type GRPC.
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type ServerDuplexStream,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { WflgError } from '../lib/errors.js';
import type { HostPort } from '../lib/config.js';
import { method, SERVICE, TYPE, TYPE_URLS, type TypeUrl } from './proto.js';
import { XdsStream, type DiscoveryRequest, type StreamStatus } from './stream.js';
import type { Snapshot } from './snapshot.js';
import type { XdsMetrics } from './metrics.js';

export interface XdsServerOptions {
  readonly keepaliveMs: number;
  readonly maxConnectionAgeMs: number;
}

type Call = ServerDuplexStream<DiscoveryRequest, Buffer>;

function definition(service: string, name: string): ServiceDefinition {
  const m = method(service, name);
  return {
    [name]: {
      ...m,
      responseSerialize: (b: Buffer) => b,
    },
  };
}

export class XdsServer {
  private readonly server: Server;
  private readonly streams = new Map<number, XdsStream>();
  private nextId = 1;
  private current: Snapshot | undefined;

  constructor(
    private readonly metrics: XdsMetrics,
    opts: XdsServerOptions,
  ) {
    this.server = new Server({
      'grpc.keepalive_time_ms': opts.keepaliveMs,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5_000,
      // Long-lived streams pin an Envoy to one replica; ageing them out rebalances replicas.
      'grpc.max_connection_age_ms': opts.maxConnectionAgeMs,
      'grpc.max_connection_age_grace_ms': 60_000,
    });
    const all = new Set<TypeUrl>(TYPE_URLS);
    this.server.addService(definition(SERVICE.ads, 'StreamAggregatedResources'), {
      StreamAggregatedResources: (call: Call) => this.open(call, all, undefined, 'ads'),
    });
    this.server.addService(definition(SERVICE.eds, 'StreamEndpoints'), {
      StreamEndpoints: (call: Call) =>
        this.open(call, new Set([TYPE.endpoint]), TYPE.endpoint, 'eds'),
    });
    this.server.addService(definition(SERVICE.rtds, 'StreamRuntime'), {
      StreamRuntime: (call: Call) => this.open(call, new Set([TYPE.runtime]), TYPE.runtime, 'rtds'),
    });
  }

  listen(at: HostPort): Promise<number> {
    return new Promise((resolve, reject) => {
      const host = at.host.includes(':') ? `[${at.host}]` : at.host;
      this.server.bindAsync(
        `${host}:${at.port}`,
        ServerCredentials.createInsecure(),
        (err, port) => {
          if (err)
            reject(
              new WflgError('WFLG_E_USAGE', `cannot listen on ${host}:${at.port}: ${err.message}`),
            );
          else resolve(port);
        },
      );
    });
  }

  /** Publishes a snapshot to every stream (the caller has already suppressed no-op changes). */
  publish(snapshot: Snapshot): void {
    this.current = snapshot;
    const end = this.metrics.pushSeconds.startTimer();
    for (const s of this.streams.values()) s.flush();
    end();
  }

  streamStatus(): StreamStatus[] {
    return [...this.streams.values()].map((s) => s.status());
  }

  get streamCount(): number {
    return this.streams.size;
  }

  private open(
    call: Call,
    allowed: ReadonlySet<TypeUrl>,
    defaultType: TypeUrl | undefined,
    service: string,
  ): void {
    const id = this.nextId++;
    const stream = new XdsStream(
      id,
      { write: (b) => call.write(b) },
      () => this.current,
      allowed,
      defaultType,
      service,
      call.getPeer(),
      this.metrics,
    );
    this.streams.set(id, stream);
    this.metrics.streams.set(this.streams.size);
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      this.streams.delete(id);
      this.metrics.streams.set(this.streams.size);
    };
    call.on('data', (req: DiscoveryRequest) => {
      if (closed) return;
      const error = stream.onRequest(req);
      if (error !== undefined) {
        close();
        call.emit('error', { code: GrpcStatus.INVALID_ARGUMENT, details: error });
      }
    });
    call.on('drain', () => {
      if (!closed) stream.onDrain();
    });
    call.on('end', () => {
      close();
      call.end();
    });
    call.on('error', close);
    call.on('close', close);
    call.on('cancelled', close);
  }

  /** Graceful: lets open calls finish; `force` cuts every stream now. */
  close(force = false): Promise<void> {
    this.streams.clear();
    this.metrics.streams.set(0);
    if (force) {
      this.server.forceShutdown();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.server.forceShutdown(), 2_000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
