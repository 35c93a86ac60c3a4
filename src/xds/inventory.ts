// What the controller knows about the fleet, independent of where it came from (GCE or a file),
// and the pure mapping from a managed instance's state to what EDS says about it.

export type Health = 'HEALTHY' | 'DRAINING';

export interface Host {
  /** Stable identity (GCE instance id, or address:port for the file provider). */
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly region: string;
  readonly zone: string;
  readonly health: Health;
}

/** Hosts per cluster name. A cluster present with no hosts is a real, complete, empty listing. */
export type Inventory = ReadonlyMap<string, readonly Host[]>;

export const CLUSTERS = ['collector_cluster', 'capture_cluster'] as const;
export type ClusterName = (typeof CLUSTERS)[number];

/** `currentAction` values in which the VM keeps serving (GCE ManagedInstance). */
const SERVING_ACTIONS = new Set(['NONE', 'REFRESHING', 'VERIFYING']);
/** Actions that end or interrupt the VM's service: drain it. */
const DRAIN_ACTIONS = new Set([
  'DELETING',
  'ABANDONING',
  'RECREATING',
  'RESTARTING',
  'STOPPING',
  'SUSPENDING',
]);
/** Actions of a VM not yet serving: leave it out. */
const STARTING_ACTIONS = new Set(['CREATING', 'CREATING_WITHOUT_RETRIES', 'STARTING', 'RESUMING']);
const DRAIN_STATUSES = new Set([
  'STOPPING',
  'STOPPED',
  'SUSPENDING',
  'SUSPENDED',
  'TERMINATED',
  'REPAIRING',
]);

export type MigMapping = Health | 'OMIT';

/**
 * Maps a managed instance to its EDS state. `previous` is what the last poll published for the
 * same instance id: a VM that was never served is omitted rather than drained, and an unknown
 * (future) enum value keeps the previous mapping, so a new GCE value never yanks a serving host.
 */
export function mapManagedInstance(
  currentAction: string | null | undefined,
  instanceStatus: string | null | undefined,
  hasAddress: boolean,
  previous: MigMapping | undefined,
): { readonly mapping: MigMapping; readonly unknown: boolean } {
  const action = currentAction ?? 'NONE';
  const status = instanceStatus ?? '';
  const served = previous === 'HEALTHY' || previous === 'DRAINING';
  const knownAction =
    SERVING_ACTIONS.has(action) || DRAIN_ACTIONS.has(action) || STARTING_ACTIONS.has(action);
  if (!knownAction) return { mapping: previous ?? 'OMIT', unknown: true };
  if (DRAIN_ACTIONS.has(action) || DRAIN_STATUSES.has(status))
    return { mapping: served ? 'DRAINING' : 'OMIT', unknown: false };
  if (STARTING_ACTIONS.has(action)) return { mapping: 'OMIT', unknown: false };
  if (status === 'RUNNING') return { mapping: hasAddress ? 'HEALTHY' : 'OMIT', unknown: false };
  if (status === 'PROVISIONING' || status === 'STAGING' || status === '')
    return { mapping: 'OMIT', unknown: false };
  return { mapping: previous ?? 'OMIT', unknown: true };
}

/** `…/zones/europe-west1-b/instances/vm-1` → {region: europe-west1, zone: europe-west1-b, name: vm-1}. */
export function localityOf(
  instanceUrl: string,
): { readonly region: string; readonly zone: string; readonly name: string } | undefined {
  const m = /(?:^|\/)zones\/(([a-z]+-[a-z]+\d+)-[a-z])\/instances\/([^/?#]+)$/.exec(instanceUrl);
  if (!m) return undefined;
  return { zone: m[1]!, region: m[2]!, name: m[3]! };
}

/** Stable order so identical inventories give identical bytes: zone, then address, then port. */
export function sortHosts(hosts: readonly Host[]): Host[] {
  return [...hosts].sort(
    (a, b) =>
      cmp(a.region, b.region) ||
      cmp(a.zone, b.zone) ||
      cmp(a.address, b.address) ||
      a.port - b.port,
  );
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
