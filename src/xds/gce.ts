// GCE managed instance groups (zonal and regional) as the inventory, through @google-cloud/compute.
// listManagedInstances carries no IP, so each new instance id is resolved once with
// instances.get and cached (an IP is fixed for an instance's life; RECREATING gives a new id).
//
// Never partial: a MIG whose listing (or an IP lookup) fails this poll reuses its last good
// listing, and the poll reports the failure so the poller backs off. Until every MIG has had one
// good listing there is nothing to publish.
import { createRequire } from 'node:module';
import { WflgError } from '../lib/errors.js';
import {
  localityOf,
  mapManagedInstance,
  type ClusterName,
  type Host,
  type Inventory,
  type MigMapping,
} from './inventory.js';
import type { InventorySource } from './static-source.js';

export interface MigRef {
  readonly cluster: ClusterName;
  readonly project: string;
  readonly zone?: string;
  readonly region?: string;
  readonly name: string;
  readonly port: number;
}

/** `[projects/P/]zones/Z/instanceGroupManagers/N` or `[projects/P/]regions/R/instanceGroupManagers/N`. */
export function parseMigRef(
  raw: string,
  cluster: ClusterName,
  defaultProject: string | undefined,
  port: number,
): MigRef | string {
  const m =
    /^(?:projects\/([^/]+)\/)?(zones|regions)\/([a-z0-9-]+)\/instanceGroupManagers\/([a-z0-9-]+)$/.exec(
      raw.replace(/^https:\/\/[^/]+\/compute\/v1\//, ''),
    );
  if (!m) return `'${raw}' is not [projects/P/]zones|regions/X/instanceGroupManagers/NAME`;
  const project = m[1] ?? defaultProject;
  if (!project) return `'${raw}' names no project and --gce-project is unset`;
  return m[2] === 'zones'
    ? { cluster, project, zone: m[3]!, name: m[4]!, port }
    : { cluster, project, region: m[3]!, name: m[4]!, port };
}

interface ManagedInstance {
  instance?: string | null;
  id?: string | number | null;
  currentAction?: string | null;
  instanceStatus?: string | null;
}

/** The few Compute calls used, so a test can count them; built from @google-cloud/compute. */
export interface ComputeApi {
  listManaged(ref: MigRef): Promise<ManagedInstance[]>;
  instanceIp(project: string, zone: string, name: string): Promise<string | undefined>;
  close(): Promise<void>;
}

export interface ComputeOptions {
  /** e.g. http://127.0.0.1:8080 for an emulator; default is the real API with default credentials. */
  readonly endpoint?: string;
  /** An auth client (google-auth-library AuthClient); required with a plain-HTTP endpoint. */
  readonly authClient?: unknown;
  readonly timeoutMs: number;
}

export async function computeApi(opts: ComputeOptions): Promise<ComputeApi> {
  // Loaded lazily: the compute client's protos cost ~1 s and memory the static source never needs.
  const compute = await import('@google-cloud/compute');
  let clientOpts: Record<string, string | number | object> = {};
  if (opts.endpoint) {
    const u = new URL(opts.endpoint);
    clientOpts = {
      apiEndpoint: u.hostname,
      port: Number(u.port || (u.protocol === 'http:' ? 80 : 443)),
      protocol: u.protocol.slice(0, -1),
    };
  }
  if (opts.authClient !== undefined) clientOpts.authClient = opts.authClient as object;
  // Credentials are never sent over plain HTTP: an http:// endpoint is an emulator or a fake.
  else if (opts.endpoint?.startsWith('http:')) clientOpts.authClient = noAuthClient() as object;
  const zonal = new compute.InstanceGroupManagersClient(clientOpts);
  const regional = new compute.RegionInstanceGroupManagersClient(clientOpts);
  const instances = new compute.InstancesClient(clientOpts);
  // listManagedInstances is a POST, which gax neither retries nor times out before 600 s.
  const call = { timeout: opts.timeoutMs, maxRetries: 0 };
  const paged = { ...call, autoPaginate: false };
  return {
    async listManaged(ref) {
      const out: ManagedInstance[] = [];
      const iter = ref.zone
        ? zonal.listManagedInstancesAsync(
            {
              project: ref.project,
              zone: ref.zone,
              instanceGroupManager: ref.name,
              maxResults: 500,
            },
            paged,
          )
        : regional.listManagedInstancesAsync(
            {
              project: ref.project,
              region: ref.region!,
              instanceGroupManager: ref.name,
              maxResults: 500,
            },
            paged,
          );
      for await (const mi of iter) out.push(mi as ManagedInstance);
      return out;
    },
    async instanceIp(project, zone, name) {
      const [inst] = await instances.get({ project, zone, instance: name }, call);
      return inst.networkInterfaces?.[0]?.networkIP ?? undefined;
    },
    async close() {
      await Promise.all([zonal.close(), regional.close(), instances.close()]);
    },
  };
}

/**
 * google-auth-library's PassThroughClient, taken from the copy google-gax itself loads (the
 * compute client calls that version's fetch(); the top-level copy may be another major).
 */
export function noAuthClient(): unknown {
  const require = createRequire(import.meta.url);
  const gaxRequire = createRequire(require.resolve('google-gax'));
  const { PassThroughClient } = gaxRequire('google-auth-library') as {
    PassThroughClient: new () => unknown;
  };
  return new PassThroughClient();
}

/** HTTP status of a Compute failure (GaxiosError.status, or a GoogleError's mapped code). */
export function errorStatus(err: unknown): number | undefined {
  const e = err as { status?: unknown; code?: unknown; response?: { status?: unknown } } | null;
  if (typeof e?.status === 'number') return e.status;
  if (typeof e?.response?.status === 'number') return e.response.status;
  // google-gax maps HTTP statuses to gRPC codes on its fallback path.
  const grpcToHttp: Record<number, number> = { 8: 429, 7: 403, 14: 503, 13: 500, 4: 504, 5: 404 };
  if (typeof e?.code === 'number') return grpcToHttp[e.code];
  return undefined;
}

/** 403 rateLimitExceeded, 429, 5xx and transport errors are worth a retry; the rest are config. */
export function isRetryable(err: unknown): boolean {
  const status = errorStatus(err);
  if (status === undefined) return true;
  if (status === 429 || status >= 500) return true;
  return (
    status === 403 &&
    /rateLimitExceeded|userRateLimitExceeded|quota/i.test(String((err as Error).message))
  );
}

interface MigState {
  hosts: Host[];
  mapping: Map<string, MigMapping>;
}

export class GceSource implements InventorySource {
  private readonly last = new Map<string, MigState>();
  private readonly ips = new Map<string, { ip: string; zone: string; name: string }>();
  /** Unknown enum values seen, reported once each. */
  readonly unknownStates = new Set<string>();
  lastErrors: string[] = [];

  constructor(
    private readonly refs: readonly MigRef[],
    private readonly api: ComputeApi,
    private readonly log: (msg: string) => void = () => undefined,
  ) {}

  async poll(): Promise<Inventory> {
    const errors: unknown[] = [];
    await Promise.all(
      this.refs.map(async (ref) => {
        try {
          this.last.set(this.key(ref), await this.pollMig(ref));
        } catch (err) {
          errors.push(err);
        }
      }),
    );
    this.lastErrors = errors.map((e) => String((e as Error).message ?? e).slice(0, 300));
    const missing = this.refs.filter((r) => !this.last.has(this.key(r)));
    if (missing.length)
      throw new WflgError(
        'WFLG_E_XDS_INVENTORY',
        `no complete listing yet for ${missing.map((r) => r.name).join(', ')}`,
        { retryable: errors.every(isRetryable), errors: this.lastErrors },
        { cause: errors[0] },
      );
    const inv = new Map<string, Host[]>();
    for (const ref of this.refs) {
      const list = inv.get(ref.cluster) ?? [];
      list.push(...this.last.get(this.key(ref))!.hosts);
      inv.set(ref.cluster, list);
    }
    if (errors.length === this.refs.length)
      throw new WflgError(
        'WFLG_E_XDS_INVENTORY',
        `every instance group failed: ${this.lastErrors[0] ?? ''}`,
        { retryable: errors.every(isRetryable), errors: this.lastErrors },
        { cause: errors[0] },
      );
    if (errors.length) throw new PartialListing(inv, errors);
    return inv;
  }

  private key(ref: MigRef): string {
    return `${ref.project}/${ref.zone ?? ref.region}/${ref.name}`;
  }

  private async pollMig(ref: MigRef): Promise<MigState> {
    const listed = await this.api.listManaged(ref);
    const prev = this.last.get(this.key(ref))?.mapping;
    const mapping = new Map<string, MigMapping>();
    const hosts: Host[] = [];
    const located = listed.flatMap((mi) => {
      const loc = localityOf(mi.instance ?? '');
      const id = String(mi.id ?? mi.instance ?? '');
      return loc && id !== '' ? [{ mi, loc, id }] : [];
    });
    const lookups = located.filter(
      ({ mi, id }) =>
        !this.ips.has(id) && (mi.instanceStatus === 'RUNNING' || prev?.get(id) !== undefined),
    );
    await boundedEach(lookups, IP_LOOKUPS, async ({ id, loc }) => {
      const ip = await this.api.instanceIp(ref.project, loc.zone, loc.name);
      if (ip) this.ips.set(id, { ip, zone: loc.zone, name: loc.name });
    });
    for (const { mi, loc, id } of located) {
      const ipInfo = this.ips.get(id);
      const { mapping: m, unknown } = mapManagedInstance(
        mi.currentAction,
        mi.instanceStatus,
        ipInfo !== undefined,
        prev?.get(id),
      );
      if (unknown) {
        const k = `${mi.currentAction ?? ''}/${mi.instanceStatus ?? ''}`;
        if (!this.unknownStates.has(k))
          this.log(`unknown managed-instance state ${k}; kept its last mapping`);
        this.unknownStates.add(k);
      }
      mapping.set(id, m);
      if (m === 'OMIT' || !ipInfo) continue;
      hosts.push({
        id,
        name: loc.name,
        address: ipInfo.ip,
        port: ref.port,
        region: loc.region,
        zone: loc.zone,
        health: m,
      });
    }
    // Forget IPs of instances gone from this MIG (ids are never reused).
    for (const id of prev?.keys() ?? []) if (!mapping.has(id)) this.ips.delete(id);
    return { hosts, mapping };
  }

  close(): void {
    void this.api.close();
  }
}

/** Some MIGs failed; `inventory` holds their last good listings and the others' fresh ones. */
export class PartialListing extends WflgError {
  constructor(
    readonly inventory: Inventory,
    readonly errors: unknown[],
  ) {
    super(
      'WFLG_E_XDS_INVENTORY',
      `${errors.length} instance group(s) failed; their last good listing was kept`,
      {
        retryable: errors.every(isRetryable),
      },
    );
  }
}

/** Instance IP lookups in flight per MIG poll. One at a time, a first poll of a MIG of hundreds
 * of VMs made hundreds of sequential round trips before anything was published; a small bound
 * stays well inside the Compute API's per-second quota. */
const IP_LOOKUPS = 8;

/** Runs `f` over `items`, at most `limit` at once; rejects with the first failure (after the
 * calls already in flight settle), as the one-at-a-time loop it replaces did. */
async function boundedEach<T>(
  items: readonly T[],
  limit: number,
  f: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: { err: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await f(item);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failed) throw failed.err;
}
