// The state-of-the-world protocol for one stream (ADS, or a single-type EDS/RTDS stream). Requests
// only record what is owed; every write goes through flush(), which builds each response from the
// latest snapshot. So a stream that stops reading never accumulates intermediate versions: while
// it is blocked nothing is written, and once it drains it gets only the newest content.
//
// The request classifier follows the xDS protocol's rules in this order: first request on a type
// → always answer (a reconnecting client presents its old version with an empty nonce); stale
// nonce → ignore; error_detail → NACK, recorded, never answered with the same content; otherwise
// ACK, answering only new subscriptions or a pending warm-up (EDS after a CDS push).
import {
  emptyLoadAssignmentAny,
  encodeResponse,
  PUSH_ORDER,
  SHORT,
  TYPE,
  type TypeUrl,
} from './proto.js';
import type { Snapshot } from './snapshot.js';
import type { XdsMetrics } from './metrics.js';

export interface DiscoveryRequest {
  version_info?: string;
  node?: { id?: string; cluster?: string; [k: string]: unknown };
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: { code?: number; message?: string } | null;
}

export interface StreamSink {
  /** false = the transport buffer is full; wait for onDrain before writing again. */
  write(bytes: Buffer): boolean;
}

/** Types whose SotW responses carry every subscribed resource (a missing one means deleted). */
const FULL_SET = new Set<TypeUrl>([TYPE.cluster, TYPE.listener]);
const WILDCARD_CAPABLE = FULL_SET;
const EMPTY_CLA_VERSION = 'empty';

class TypeState {
  requested = false;
  wildcard = false;
  names = new Set<string>();
  sentNonce = '';
  sentVersion = '';
  /** Per resource: the version last written on this stream (ACKed or NACKed alike). */
  sentResources = new Map<string, string>();
  ackedVersion = '';
  nackedVersion: string | undefined = undefined;
  lastError: string | undefined = undefined;
  nacks = 0;
  /** A full answer is due (first request, a warm-up, or an answer owed before any snapshot). */
  owedAll = false;
  owedNames = new Set<string>();
  /** Answer the next EDS request in full: the cluster it belongs to was just re-sent. */
  forceRespond = false;
  responses = 0;
}

export interface StreamStatus {
  readonly id: number;
  readonly node: { readonly id: string; readonly cluster: string } | null;
  readonly peer: string;
  readonly service: string;
  readonly openedAt: string;
  readonly blocked: boolean;
  readonly types: Record<string, unknown>;
}

export class XdsStream {
  private readonly types = new Map<TypeUrl, TypeState>();
  private node: { id: string; cluster: string } | null = null;
  private nonce = 0;
  private blocked = false;
  private readonly openedAt = new Date().toISOString();

  constructor(
    readonly id: number,
    private readonly sink: StreamSink,
    private readonly snapshot: () => Snapshot | undefined,
    private readonly allowed: ReadonlySet<TypeUrl>,
    /** Type assumed when a single-type service's request leaves type_url empty. */
    private readonly defaultType: TypeUrl | undefined,
    private readonly service: string,
    private readonly peer: string,
    private readonly metrics: XdsMetrics,
  ) {}

  /** Returns an error message when the request is invalid and the stream must end. */
  onRequest(req: DiscoveryRequest): string | undefined {
    if (this.node === null && req.node)
      this.node = { id: String(req.node.id ?? ''), cluster: String(req.node.cluster ?? '') };
    const typeUrl = req.type_url || this.defaultType;
    if (!typeUrl) {
      this.metrics.badRequests.inc();
      return 'type_url is required on an aggregated stream';
    }
    if (!this.allowed.has(typeUrl as TypeUrl)) {
      // Not ours (e.g. secrets): never answered, like a resource that does not exist.
      this.metrics.badRequests.inc();
      return undefined;
    }
    const type = typeUrl as TypeUrl;
    const short = SHORT[type];
    let st = this.types.get(type);
    if (!st) this.types.set(type, (st = new TypeState()));
    const first = !st.requested;
    if (!first && (req.response_nonce ?? '') !== st.sentNonce) {
      this.metrics.staleRequests.inc({ type: short });
      return undefined;
    }
    st.requested = true;
    if (!first) {
      if (req.error_detail) {
        st.nackedVersion = st.sentVersion;
        st.lastError = String(req.error_detail.message ?? `code ${req.error_detail.code ?? '?'}`);
        st.nacks++;
        this.metrics.nacks.inc({ type: short });
      } else {
        this.metrics.acks.inc({ type: short });
      }
      st.ackedVersion = req.version_info ?? '';
    } else {
      // A reconnecting client states what it holds; what it holds is not what we sent here.
      st.ackedVersion = req.version_info ?? '';
      st.owedAll = true;
    }
    this.updateSubscription(type, st, req.resource_names ?? [], first);
    if (st.forceRespond && !first) {
      st.forceRespond = false;
      st.owedAll = true;
    }
    this.flush();
    return undefined;
  }

  private updateSubscription(type: TypeUrl, st: TypeState, names: string[], first: boolean): void {
    if (WILDCARD_CAPABLE.has(type)) {
      if (names.includes('*') || (names.length === 0 && (first || st.wildcard))) {
        if (!st.wildcard) st.owedAll = true;
        st.wildcard = true;
        st.names = new Set(names.filter((n) => n !== '*'));
        return;
      }
      if (st.wildcard) st.owedAll = true;
      st.wildcard = false;
    }
    const next = new Set(names);
    for (const n of next) if (!st.names.has(n)) st.owedNames.add(n);
    for (const n of st.names)
      if (!next.has(n)) {
        // Unsubscribed: forget what was sent, so a later subscription is answered again.
        st.sentResources.delete(n);
        st.owedNames.delete(n);
      }
    if (FULL_SET.has(type) && st.owedNames.size) st.owedAll = true;
    st.names = next;
  }

  /** Writes what is owed or changed, in push order, unless the transport is full. */
  flush(): void {
    if (this.blocked) return;
    const snap = this.snapshot();
    if (!snap) return;
    for (const type of PUSH_ORDER) {
      const st = this.types.get(type);
      if (!st?.requested) continue;
      if (!this.flushType(snap, type, st)) return;
    }
  }

  /** Returns false when the stream became blocked. */
  private flushType(snap: Snapshot, type: TypeUrl, st: TypeState): boolean {
    const ts = snap.types.get(type);
    if (!ts) return true;
    const anys: Buffer[] = [];
    const sent: [string, string][] = [];
    const pick = (name: string): void => {
      const r = ts.resources.get(name);
      if (r) {
        anys.push(r.any);
        sent.push([name, r.version]);
      } else if (type === TYPE.endpoint) {
        // An unknown cluster gets an empty assignment so it never warms forever; the real one
        // follows as soon as it exists.
        anys.push(emptyLoadAssignmentAny(name));
        sent.push([name, EMPTY_CLA_VERSION]);
      }
    };
    const current = (name: string): string | undefined =>
      ts.resources.get(name)?.version ?? (type === TYPE.endpoint ? EMPTY_CLA_VERSION : undefined);
    if (FULL_SET.has(type)) {
      if (!st.owedAll && ts.version === st.sentVersion) return true;
      const names = st.wildcard ? [...ts.resources.keys()].sort() : [...st.names].sort();
      for (const n of names) pick(n);
    } else {
      const names = st.owedAll
        ? [...st.names]
        : [...st.names].filter((n) => {
            if (st.owedNames.has(n)) return true;
            const v = current(n);
            return v !== undefined && v !== st.sentResources.get(n);
          });
      if (!st.owedAll && names.length === 0) return true;
      for (const n of names.sort()) pick(n);
    }
    const nonce = (++this.nonce).toString(36);
    const bytes = encodeResponse({
      versionInfo: ts.version,
      typeUrl: type,
      nonce,
      resources: anys,
    });
    st.sentNonce = nonce;
    st.sentVersion = ts.version;
    if (FULL_SET.has(type)) st.sentResources.clear();
    for (const [n, v] of sent) st.sentResources.set(n, v);
    st.owedAll = false;
    st.owedNames.clear();
    st.responses++;
    if (type === TYPE.cluster) {
      const eds = this.types.get(TYPE.endpoint);
      if (eds?.requested) eds.forceRespond = true;
    }
    this.metrics.responses.inc({ type: SHORT[type] });
    if (!this.sink.write(bytes)) {
      this.blocked = true;
      this.metrics.backpressured.inc();
      return false;
    }
    return true;
  }

  onDrain(): void {
    this.blocked = false;
    this.flush();
  }

  status(): StreamStatus {
    const types: Record<string, unknown> = {};
    for (const [t, st] of this.types)
      types[SHORT[t]] = {
        wildcard: st.wildcard,
        subscribed: [...st.names].sort(),
        sentVersion: st.sentVersion,
        ackedVersion: st.ackedVersion,
        nackedVersion: st.nackedVersion ?? null,
        lastError: st.lastError ?? null,
        nacks: st.nacks,
        responses: st.responses,
        pending: st.owedAll || st.owedNames.size > 0,
      };
    return {
      id: this.id,
      node: this.node,
      peer: this.peer,
      service: this.service,
      openedAt: this.openedAt,
      blocked: this.blocked,
      types,
    };
  }
}
