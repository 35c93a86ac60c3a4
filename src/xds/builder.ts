// Pure translation from inventory and settings to xDS resources (plain proto3-JSON objects).
// Deterministic: the same inputs give the same objects in the same order, so the same bytes and
// versions. The controller owns the clusters' health checking and mirror-side protections.
import { CLUSTERS, sortHosts, type Host, type Inventory } from './inventory.js';
import { TYPE, type TypeUrl } from './proto.js';

export interface BuildSettings {
  /** Percentage of requests mirrored (integer 0–100). */
  readonly captureEnabled: number;
  /** RTDS layer (resource) name; Envoy's bootstrap names the same layer. */
  readonly runtimeLayer: string;
  /** Mirror-side cap on a whole capture request (Envoy's mirrors inherit no timeout of their own). */
  readonly captureStreamMs: number;
  readonly captureConnectMs: number;
  readonly collectorConnectMs: number;
  /** Active HTTP health checks per cluster; undefined path = no active health check. */
  readonly healthPath: Readonly<Record<string, string | undefined>>;
  readonly healthIntervalMs: number;
  /** Capture tier circuit breakers: a slow capture fleet must not tie up Envoy. */
  readonly captureMaxRequests: number;
  readonly captureMaxPending: number;
  /** gRPC clients look clusters up through a listener name: `name → cluster`. */
  readonly grpcListeners: Readonly<Record<string, string>>;
}

export type Resources = Readonly<Record<TypeUrl, readonly Record<string, unknown>[]>>;

const ms = (n: number): { seconds: number; nanos: number } => ({
  seconds: Math.floor(n / 1000),
  nanos: Math.round((n % 1000) * 1e6),
});

const HTTP_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

function healthChecks(path: string | undefined, s: BuildSettings): Record<string, unknown>[] {
  if (path === undefined) return [];
  return [
    {
      timeout: ms(1000),
      interval: ms(s.healthIntervalMs),
      no_traffic_interval: ms(s.healthIntervalMs),
      unhealthy_threshold: { value: 2 },
      healthy_threshold: { value: 2 },
      http_health_check: { path },
    },
  ];
}

function baseCluster(name: string, connectMs: number, s: BuildSettings): Record<string, unknown> {
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
    connect_timeout: ms(connectMs),
    lb_policy: 'ROUND_ROBIN',
    common_lb_config: {
      locality_weighted_lb_config: {},
      ignore_new_hosts_until_first_hc: s.healthPath[name] !== undefined,
    },
    // Ejection on consecutive 5xx only. Success-rate ejection stays off (enforcing 0): besides
    // being noisy on small fleets, @grpc/grpc-js 1.14 crashes the client process when it runs
    // with no host at the request volume (empty reduce in runSuccessRateCheck), seen in our e2e.
    outlier_detection: {
      consecutive_5xx: { value: 5 },
      enforcing_success_rate: { value: 0 },
      interval: ms(5000),
      base_ejection_time: ms(30_000),
      max_ejection_percent: { value: 50 },
    },
  };
}

export function buildClusters(s: BuildSettings): Record<string, unknown>[] {
  const collector = {
    ...baseCluster('collector_cluster', s.collectorConnectMs, s),
    health_checks: healthChecks(s.healthPath.collector_cluster, s),
    // A host gone from EDS stops receiving traffic at once, whatever its last health check said.
    ignore_health_on_host_removal: true,
  };
  const base = baseCluster('capture_cluster', s.captureConnectMs, s);
  const capture = {
    ...base,
    health_checks: healthChecks(s.healthPath.capture_cluster, s),
    ignore_health_on_host_removal: true,
    common_lb_config: {
      ...(base.common_lb_config as Record<string, unknown>),
      // Below the panic threshold Envoy would balance over every host, DRAINING ones included:
      // a mirror is better dropped than sent to an agent being deleted.
      healthy_panic_threshold: { value: 0 },
    },
    circuit_breakers: {
      thresholds: [
        {
          priority: 'DEFAULT',
          max_connections: { value: s.captureMaxRequests },
          max_pending_requests: { value: s.captureMaxPending },
          max_requests: { value: s.captureMaxRequests },
          max_retries: { value: 0 },
        },
      ],
    },
    typed_extension_protocol_options: {
      [HTTP_OPTIONS]: {
        '@type': `type.googleapis.com/${HTTP_OPTIONS}`,
        common_http_protocol_options: { max_stream_duration: ms(s.captureStreamMs) },
        explicit_http_config: { http_protocol_options: {} },
      },
    },
  };
  return [collector, capture];
}

/**
 * One ClusterLoadAssignment. Locality weight = hosts able to take traffic, at least 1 (0 is
 * invalid for Envoy and grpc-go, and grpc-js silently drops an unweighted locality). Endpoint
 * weights are never set: draining is `health_status: DRAINING`, never weight 0.
 */
export function buildLoadAssignment(
  cluster: string,
  hosts: readonly Host[],
): Record<string, unknown> {
  const byZone = new Map<string, Host[]>();
  for (const h of sortHosts(hosts)) {
    const key = `${h.region}\u001f${h.zone}`;
    let list = byZone.get(key);
    if (!list) byZone.set(key, (list = []));
    list.push(h);
  }
  const endpoints = [...byZone.values()].map((list) => ({
    locality: { region: list[0]!.region, zone: list[0]!.zone },
    load_balancing_weight: {
      value: Math.max(1, list.filter((h) => h.health !== 'DRAINING').length),
    },
    lb_endpoints: list.map((h) => ({
      endpoint: {
        address: { socket_address: { address: h.address, port_value: h.port } },
        hostname: h.name,
      },
      health_status: h.health,
    })),
  }));
  return endpoints.length ? { cluster_name: cluster, endpoints } : { cluster_name: cluster };
}

export function buildRuntime(layer: string, captureEnabled: number): Record<string, unknown> {
  return { name: layer, layer: { fields: { 'capture.enabled': { numberValue: captureEnabled } } } };
}

/** An api_listener for gRPC clients (`xds:///name`), routing every call to one cluster. */
export function buildGrpcListener(name: string, cluster: string): Record<string, unknown>[] {
  const routeName = `${name}-route`;
  const listener = {
    name,
    api_listener: {
      api_listener: {
        '@type':
          'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
        rds: { route_config_name: routeName, config_source: { ads: {} } },
        http_filters: [
          {
            name: 'router',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
            },
          },
        ],
      },
    },
  };
  const route = {
    name: routeName,
    virtual_hosts: [
      {
        name,
        domains: ['*'],
        routes: [{ match: { prefix: '' }, route: { cluster } }],
      },
    ],
  };
  return [listener, route];
}

export function buildResources(inventory: Inventory, s: BuildSettings): Resources {
  const listeners: Record<string, unknown>[] = [];
  const routes: Record<string, unknown>[] = [];
  for (const name of Object.keys(s.grpcListeners).sort()) {
    const [l, r] = buildGrpcListener(name, s.grpcListeners[name]!);
    listeners.push(l!);
    routes.push(r!);
  }
  return {
    [TYPE.cluster]: buildClusters(s),
    [TYPE.endpoint]: CLUSTERS.map((c) => buildLoadAssignment(c, inventory.get(c) ?? [])),
    [TYPE.listener]: listeners,
    [TYPE.route]: routes,
    [TYPE.runtime]: [buildRuntime(s.runtimeLayer, s.captureEnabled)],
  };
}

/** capture.enabled from any source: clamped to 0–100 and floored; undefined if not a number. */
export function clampCapture(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
  return Math.min(100, Math.max(0, Math.floor(n)));
}
