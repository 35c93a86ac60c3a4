// The client-side rules (Envoy's PGV constraints, grpc-go and grpc-js-xds hand checks) that a
// snapshot must pass before any client sees it. A client should never have to NACK us: a
// snapshot failing here is dropped and the previous one stays live.
import { isIP } from 'node:net';
import { TYPE, type TypeUrl } from './proto.js';

type Obj = Record<string, unknown>;
const U32 = 0xffff_ffff;

const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** A UInt32Value wrapper's value, or undefined when unset. */
const wrapped = (v: unknown): number | undefined => {
  const o = obj(v);
  return o === undefined ? undefined : Number(o.value ?? 0);
};
const text = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : '';
const isDuration = (v: unknown): boolean => {
  const o = obj(v);
  return o !== undefined && (Number(o.seconds ?? 0) > 0 || Number(o.nanos ?? 0) > 0);
};

export function validateLoadAssignment(cla: Obj): string[] {
  const errors: string[] = [];
  const name = cla.cluster_name;
  const at = `ClusterLoadAssignment ${String(name)}`;
  if (typeof name !== 'string' || name.length === 0) errors.push(`${at}: cluster_name empty`);
  const policy = obj(cla.policy);
  if (policy?.endpoint_stale_after !== undefined)
    errors.push(`${at}: endpoint_stale_after would expire endpoints while the controller is down`);
  if (arr(policy?.drop_overloads).length > 1) errors.push(`${at}: more than one drop_overload`);
  const localities = new Set<string>();
  const addresses = new Set<string>();
  const priorities = new Set<number>();
  const weightPerPriority = new Map<number, number>();
  arr(cla.endpoints).forEach((raw, i) => {
    const le = obj(raw) ?? {};
    const where = `${at}: endpoints[${i}]`;
    const loc = obj(le.locality);
    if (!loc) errors.push(`${where}.locality unset`);
    const priority = Number(le.priority ?? 0);
    priorities.add(priority);
    const locKey = `${priority}/${text(loc?.region)}/${text(loc?.zone)}/${text(loc?.sub_zone)}`;
    if (localities.has(locKey)) errors.push(`${where}: duplicate locality at priority ${priority}`);
    localities.add(locKey);
    const lw = wrapped(le.load_balancing_weight);
    if (lw === undefined)
      errors.push(`${where}: locality weight unset (the locality gets no load)`);
    else if (!Number.isInteger(lw) || lw < 1 || lw > U32)
      errors.push(`${where}: locality weight ${lw} not in 1..2^32-1`);
    const sum = (weightPerPriority.get(priority) ?? 0) + (lw ?? 0);
    weightPerPriority.set(priority, sum);
    if (sum > U32)
      errors.push(`${where}: locality weights overflow uint32 at priority ${priority}`);
    let endpointSum = 0;
    arr(le.lb_endpoints).forEach((rawEp, j) => {
      const ep = obj(rawEp) ?? {};
      const w = `${where}.lb_endpoints[${j}]`;
      const ew = wrapped(ep.load_balancing_weight);
      if (ew !== undefined && (!Number.isInteger(ew) || ew < 1 || ew > U32))
        errors.push(`${w}: weight ${ew} not in 1..2^32-1 (drain with DRAINING, never weight 0)`);
      endpointSum += ew ?? 1;
      const health = ep.health_status;
      if (health !== undefined && health !== 'HEALTHY' && health !== 'DRAINING')
        errors.push(`${w}: health_status ${text(health)} is not HEALTHY or DRAINING`);
      const sa = obj(obj(obj(ep.endpoint)?.address)?.socket_address);
      const address = sa?.address;
      const port = Number(sa?.port_value);
      if (typeof address !== 'string' || isIP(address) === 0)
        errors.push(`${w}: address ${String(address)} is not an IP literal`);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        errors.push(`${w}: port ${String(sa?.port_value)} not in 1..65535`);
      const key = `${String(address)}:${port}`;
      if (addresses.has(key)) errors.push(`${w}: duplicate address ${key}`);
      addresses.add(key);
    });
    if (endpointSum > U32) errors.push(`${where}: endpoint weights overflow uint32`);
  });
  const sorted = [...priorities].sort((a, b) => a - b);
  sorted.forEach((p, i) => {
    if (p !== i) errors.push(`${at}: priority ${p} present but ${i} missing`);
  });
  return errors;
}

export function validateCluster(c: Obj): string[] {
  const errors: string[] = [];
  const at = `Cluster ${String(c.name)}`;
  if (typeof c.name !== 'string' || c.name.length === 0) errors.push(`${at}: name empty`);
  if (c.type === 'EDS') {
    const eds = obj(obj(c.eds_cluster_config)?.eds_config);
    if (!eds || (obj(eds.ads) === undefined && obj(eds.self) === undefined))
      errors.push(`${at}: eds_config must be ads or self`);
    if (eds?.initial_fetch_timeout !== undefined && !isDuration(eds.initial_fetch_timeout))
      errors.push(`${at}: bad initial_fetch_timeout`);
  }
  if (!isDuration(c.connect_timeout)) errors.push(`${at}: connect_timeout must be > 0`);
  arr(c.health_checks).forEach((raw, i) => {
    const hc = obj(raw) ?? {};
    const where = `${at}: health_checks[${i}]`;
    if (!isDuration(hc.timeout)) errors.push(`${where}.timeout required`);
    if (!isDuration(hc.interval)) errors.push(`${where}.interval required`);
    if (wrapped(hc.unhealthy_threshold) === undefined)
      errors.push(`${where}.unhealthy_threshold required`);
    if (wrapped(hc.healthy_threshold) === undefined)
      errors.push(`${where}.healthy_threshold required`);
    const path = obj(hc.http_health_check)?.path;
    if (typeof path !== 'string' || !path.startsWith('/'))
      errors.push(`${where}.http_health_check.path must start with /`);
  });
  const od = obj(c.outlier_detection);
  if (od && wrapped(od.enforcing_success_rate) !== 0)
    errors.push(
      `${at}: outlier_detection.enforcing_success_rate must be 0 (grpc-js 1.14 crashes on success-rate ejection)`,
    );
  const mep = wrapped(od?.max_ejection_percent);
  if (mep !== undefined && (mep < 0 || mep > 100))
    errors.push(`${at}: max_ejection_percent ${mep} not in 0..100`);
  const panic = obj(obj(c.common_lb_config)?.healthy_panic_threshold)?.value;
  if (panic !== undefined && (Number(panic) < 0 || Number(panic) > 100))
    errors.push(`${at}: healthy_panic_threshold not in 0..100`);
  return errors;
}

export function validateRuntime(r: Obj, layer: string): string[] {
  const errors: string[] = [];
  if (r.name !== layer) errors.push(`Runtime ${String(r.name)}: layer name must be ${layer}`);
  const fields = obj(obj(r.layer)?.fields) ?? {};
  for (const [k, v] of Object.entries(fields)) {
    const n = obj(v)?.numberValue;
    if (
      k === 'capture.enabled' &&
      (typeof n !== 'number' || n < 0 || n > 100 || !Number.isInteger(n))
    )
      errors.push(`Runtime ${layer}: capture.enabled ${String(n)} not an integer in 0..100`);
  }
  return errors;
}

/** Every rule for one type's resources, plus the cross-resource rule: no duplicate names. */
export function validateType(
  typeUrl: TypeUrl,
  resources: readonly Obj[],
  runtimeLayer: string,
): string[] {
  const errors: string[] = [];
  const names = new Set<string>();
  for (const r of resources) {
    const name = resourceName(typeUrl, r);
    if (names.has(name)) errors.push(`${typeUrl}: duplicate resource name ${name}`);
    names.add(name);
    if (typeUrl === TYPE.endpoint) errors.push(...validateLoadAssignment(r));
    else if (typeUrl === TYPE.cluster) errors.push(...validateCluster(r));
    else if (typeUrl === TYPE.runtime) errors.push(...validateRuntime(r, runtimeLayer));
    else if (name.length === 0) errors.push(`${typeUrl}: resource without a name`);
  }
  return errors;
}

export function resourceName(typeUrl: TypeUrl, r: Obj): string {
  const n = typeUrl === TYPE.endpoint ? r.cluster_name : r.name;
  return typeof n === 'string' ? n : '';
}
