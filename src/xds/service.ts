// Wires the parts of `wflg xds` together and runs them until a signal: inventory source → poller
// → controller (builder + snapshot) → gRPC server, with the admin API beside them.
import { XDS_SPEC, loadXdsConfig, type XdsPlan } from './config.js';
import { optionsHelp, type Env } from '../lib/config.js';
import type { Listening } from '../lib/http.js';
import { startAdmin } from './admin.js';
import { Controller } from './controller.js';
import { computeApi, GceSource } from './gce.js';
import { XdsMetrics } from './metrics.js';
import { Poller } from './poller.js';
import { XdsServer } from './server.js';
import { StaticFileSource, type InventorySource } from './static-source.js';

export interface XdsService {
  readonly grpcPort: number;
  readonly adminPort: number;
  readonly controller: Controller;
  readonly server: XdsServer;
  readonly poller: Poller;
  readonly metrics: XdsMetrics;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly log?: (msg: string) => void;
  /** An auth client for the Compute API (tests against a fake endpoint). */
  readonly gceAuthClient?: unknown;
  /** A ready-made source instead of the configured one (tests). */
  readonly source?: InventorySource;
}

export async function startXds(plan: XdsPlan, opts: StartOptions = {}): Promise<XdsService> {
  const c = plan.config;
  const log = opts.log ?? (() => undefined);
  const metrics = new XdsMetrics();
  const server = new XdsServer(metrics, {
    keepaliveMs: c.keepalive * 1000,
    maxConnectionAgeMs: c.maxConnectionAge * 1000,
  });
  const health = (p: string): string | undefined => (c.healthChecks ? p : undefined);
  const controller = new Controller(
    {
      runtimeLayer: c.runtimeLayer,
      captureStreamMs: c.captureTimeout * 1000,
      captureConnectMs: c.captureConnectTimeout * 1000,
      collectorConnectMs: c.collectorConnectTimeout * 1000,
      healthPath: {
        collector_cluster: health(c.collectorHealthPath),
        capture_cluster: health(c.captureHealthPath),
      },
      healthIntervalMs: c.healthInterval * 1000,
      captureMaxRequests: c.captureMaxRequests,
      captureMaxPending: c.captureMaxPending,
      grpcListeners: plan.grpcListeners,
    },
    plan.captureEnabled,
    server,
    metrics,
    { quietMs: c.debounce * 1000, maxMs: c.debounceMax * 1000 },
    log,
  );
  const source =
    opts.source ??
    (c.inventory === 'gce'
      ? new GceSource(
          plan.migs,
          await computeApi({
            ...(c.gceEndpoint ? { endpoint: c.gceEndpoint } : {}),
            ...(opts.gceAuthClient !== undefined ? { authClient: opts.gceAuthClient } : {}),
            timeoutMs: c.gceTimeout * 1000,
          }),
          log,
        )
      : new StaticFileSource(c.staticFile!));
  const poller = new Poller(
    source,
    (inv) => controller.setInventory(inv),
    {
      intervalMs: c.pollInterval * 1000,
      backoffBaseMs: Math.min(1000, c.backoffMax * 1000),
      backoffMaxMs: c.backoffMax * 1000,
      random: Math.random,
    },
    metrics,
    log,
  );
  const grpcPort = await server.listen(c.listen);
  let admin: Listening;
  try {
    admin = await startAdmin(c.admin, {
      controller,
      server,
      metrics,
      poller,
      token: c.adminToken,
    });
  } catch (err) {
    await server.close(true);
    throw err;
  }
  poller.start();
  return {
    grpcPort,
    adminPort: admin.port,
    controller,
    server,
    poller,
    metrics,
    async close() {
      poller.stop();
      controller.close();
      admin.close();
      await server.close();
    },
  };
}

export const XDS_HELP = `Usage: wflg xds [options]

xDS control plane for the capture tier: serves CDS, EDS and RTDS (capture.enabled) over ADS to
Envoy (and LDS/RDS to gRPC clients) from GCE managed instance groups or a watched host file.

Options:
${optionsHelp(XDS_SPEC)}`;

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

/** `wflg xds`: prints one JSON line with the bound ports, runs until SIGINT/SIGTERM. */
export async function xdsCommand(
  argv: readonly string[],
  io: CommandIo,
  env: Env,
  signals: NodeJS.EventEmitter = process,
): Promise<number> {
  const { plan, help } = loadXdsConfig(argv, env);
  if (help || !plan) {
    io.out(XDS_HELP + '\n');
    return 0;
  }
  const svc = await startXds(plan, {
    log: (m) => io.err(`${JSON.stringify({ t: new Date().toISOString(), msg: m })}\n`),
  });
  io.out(
    JSON.stringify({
      role: 'xds',
      listen: { host: plan.config.listen.host, port: svc.grpcPort },
      admin: { host: plan.config.admin.host, port: svc.adminPort },
    }) + '\n',
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      signals.off('SIGINT', stop);
      signals.off('SIGTERM', stop);
      resolve();
    };
    signals.on('SIGINT', stop);
    signals.on('SIGTERM', stop);
  });
  await svc.close();
  return 0;
}
