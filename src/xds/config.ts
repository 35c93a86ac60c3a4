// `wflg xds` options, validated once by the shared loader. Cross-option rules (a token beyond
// loopback, MIG lists with the GCE source) are checked here so every problem is reported at once.
import { loadConfig, type ConfigOf, type Spec, type Env } from '../lib/config.js';
import { isLoopback } from '../lib/http.js';
import { clampCapture } from './builder.js';
import { parseMigRef, type MigRef } from './gce.js';

export const XDS_SPEC = {
  listen: {
    type: 'hostport',
    help: 'gRPC xDS listen address',
    default: { host: '127.0.0.1', port: 18000 },
  },
  admin: {
    type: 'hostport',
    help: 'admin HTTP listen address',
    default: { host: '127.0.0.1', port: 18001 },
  },
  adminToken: {
    type: 'string',
    help: 'bearer token for /v1 (required when --admin is not loopback)',
    env: 'WFLG_XDS_ADMIN_TOKEN',
  },
  captureEnabled: {
    type: 'number',
    help: 'initial capture.enabled, percent of requests mirrored (clamped to 0..100)',
    env: 'WFLG_CAPTURE_ENABLED',
    default: 0,
  },
  runtimeLayer: {
    type: 'string',
    help: 'RTDS layer name',
    default: 'capture',
    pattern: /^[A-Za-z0-9_.-]+$/,
  },
  inventory: {
    type: 'enum',
    values: ['static', 'gce'],
    help: 'inventory source',
    default: 'static',
  },
  staticFile: { type: 'string', help: 'YAML/JSON host list for --inventory static (watched)' },
  gceProject: { type: 'string', help: 'default project for MIG references' },
  collectorMigs: {
    type: 'list',
    help: 'MIGs of collector_cluster: [projects/P/]zones/Z|regions/R/instanceGroupManagers/N,…',
    default: [],
  },
  captureMigs: { type: 'list', help: 'MIGs of capture_cluster (same form)', default: [] },
  collectorPort: {
    type: 'int',
    help: 'collector port on each VM',
    default: 2878,
    min: 1,
    max: 65535,
  },
  capturePort: {
    type: 'int',
    help: 'capture agent port on each VM',
    default: 8080,
    min: 1,
    max: 65535,
  },
  gceEndpoint: {
    type: 'url',
    schemes: ['http', 'https'],
    help: 'Compute API endpoint override (emulators); default the real API with default credentials',
  },
  pollInterval: {
    type: 'seconds',
    help: 'inventory poll interval',
    default: 10,
    min: 0.05,
    max: 3600,
  },
  backoffMax: {
    type: 'seconds',
    help: 'cap of the poll backoff after errors',
    default: 60,
    min: 0.1,
  },
  gceTimeout: { type: 'seconds', help: 'timeout of one Compute call', default: 10, min: 0.1 },
  debounce: {
    type: 'seconds',
    help: 'quiet period merging inventory changes',
    default: 0.2,
    min: 0,
    max: 10,
  },
  debounceMax: {
    type: 'seconds',
    help: 'longest a change waits for quiet',
    default: 2,
    min: 0,
    max: 60,
  },
  captureTimeout: {
    type: 'seconds',
    help: 'max_stream_duration of a mirrored request (100–200 ms)',
    default: 0.15,
    min: 0.1,
    max: 0.2,
  },
  captureConnectTimeout: {
    type: 'seconds',
    help: 'capture_cluster connect timeout',
    default: 0.1,
    min: 0.01,
    max: 1,
  },
  collectorConnectTimeout: {
    type: 'seconds',
    help: 'collector_cluster connect timeout',
    default: 1,
    min: 0.01,
    max: 30,
  },
  captureMaxRequests: {
    type: 'int',
    help: 'capture_cluster circuit breaker: max requests',
    default: 256,
    min: 1,
  },
  captureMaxPending: {
    type: 'int',
    help: 'capture_cluster circuit breaker: max pending',
    default: 64,
    min: 1,
  },
  healthChecks: { type: 'bool', help: 'active HTTP health checks on both clusters', default: true },
  collectorHealthPath: {
    type: 'string',
    help: 'collector health-check path',
    default: '/health',
    pattern: /^\//,
  },
  captureHealthPath: {
    type: 'string',
    help: 'capture agent health-check path',
    default: '/health',
    pattern: /^\//,
  },
  healthInterval: {
    type: 'seconds',
    help: 'health-check interval',
    default: 5,
    min: 0.1,
    max: 300,
  },
  grpcListeners: {
    type: 'list',
    help: 'LDS/RDS for gRPC clients: name=cluster,… (xds:///name routes to cluster)',
    default: [],
  },
  keepalive: { type: 'seconds', help: 'gRPC keepalive ping interval', default: 30, min: 1 },
  maxConnectionAge: {
    type: 'seconds',
    help: 'gRPC max connection age (rebalances replicas)',
    default: 1800,
    min: 1,
  },
} as const satisfies Spec;

export type XdsConfig = ConfigOf<typeof XDS_SPEC>;

export interface XdsPlan {
  readonly config: XdsConfig;
  readonly migs: readonly MigRef[];
  readonly grpcListeners: Readonly<Record<string, string>>;
  readonly captureEnabled: number;
}

export function loadXdsConfig(
  argv: readonly string[],
  env: Env,
): { plan: XdsPlan | undefined; help: boolean } {
  const migs: MigRef[] = [];
  const grpcListeners: Record<string, string> = {};
  const loaded = loadConfig(XDS_SPEC, argv, env, (c, problems, positionals) => {
    if (positionals.length) problems.push(`unexpected argument '${positionals[0]}'`);
    if (c.admin && !isLoopback(c.admin.host) && !c.adminToken)
      problems.push('--admin beyond loopback needs --admin-token (or WFLG_XDS_ADMIN_TOKEN)');
    const collectorMigs = c.collectorMigs ?? [];
    const captureMigs = c.captureMigs ?? [];
    if (c.inventory === 'static') {
      if (!c.staticFile) problems.push('--inventory static needs --static-file');
      if (collectorMigs.length || captureMigs.length)
        problems.push('--collector-migs/--capture-migs need --inventory gce');
    } else if (c.inventory === 'gce') {
      if (c.staticFile) problems.push('--static-file is for --inventory static');
      for (const [cluster, list, port] of [
        ['collector_cluster', collectorMigs, c.collectorPort],
        ['capture_cluster', captureMigs, c.capturePort],
      ] as const)
        for (const raw of list) {
          if (port === undefined) break; // its own problem is already reported
          const ref = parseMigRef(raw, cluster, c.gceProject, port);
          if (typeof ref === 'string') problems.push(ref);
          else migs.push(ref);
        }
      if (migs.length === 0)
        problems.push('--inventory gce needs --collector-migs and/or --capture-migs');
    }
    for (const item of c.grpcListeners ?? []) {
      const m = /^([A-Za-z0-9_.-]+)=(collector_cluster|capture_cluster)$/.exec(item);
      if (!m)
        problems.push(`--grpc-listeners: '${item}' is not name=collector_cluster|capture_cluster`);
      else grpcListeners[m[1]!] = m[2]!;
    }
  });
  if (loaded.help) return { plan: undefined, help: true };
  const c = loaded.config;
  return {
    plan: {
      config: c,
      migs,
      grpcListeners,
      // A number by now (loadConfig checked it), so never undefined.
      captureEnabled: clampCapture(c.captureEnabled)!,
    },
    help: false,
  };
}
