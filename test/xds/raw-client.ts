// A scripted SotW xDS client that behaves like Envoy on the wire: node on the first request only,
// latest nonce echoed, ACK/NACK under the test's control, reconnect with an old version and an
// empty nonce. Records every response with its arrival time.
import { credentials, makeGenericClientConstructor, type ClientDuplexStream } from '@grpc/grpc-js';
import { method, SERVICE, TYPE, type TypeUrl } from '../../src/xds/proto.js';

export interface Response {
  version_info: string;
  type_url: string;
  nonce: string;
  resources: Record<string, unknown>[];
  at: number;
}

export interface Request {
  type_url?: string;
  version_info?: string;
  response_nonce?: string;
  resource_names?: string[];
  node?: Record<string, unknown>;
  error_detail?: { code: number; message: string };
}

type Service = 'ads' | 'eds' | 'rtds';
const METHODS: Record<Service, [string, string]> = {
  ads: [SERVICE.ads, 'StreamAggregatedResources'],
  eds: [SERVICE.eds, 'StreamEndpoints'],
  rtds: [SERVICE.rtds, 'StreamRuntime'],
};

export class RawAdsClient {
  readonly responses: Response[] = [];
  private waiters: (() => void)[] = [];
  private readonly call: ClientDuplexStream<Request, Response>;
  private readonly client: { close(): void };
  private sentNode = false;
  ended: Error | undefined;
  closed = false;
  /** Called for every response (e.g. to ACK at once, as Envoy does). */
  onResponse: ((r: Response) => void) | undefined;
  /** Keep responses in `responses` (off for load runs, which only need the hook). */
  record = true;

  constructor(
    port: number,
    readonly nodeId = 'raw-1',
    service: Service = 'ads',
  ) {
    const [svc, name] = METHODS[service];
    const m = method(svc, name);
    const Ctor = makeGenericClientConstructor({ [name]: m }, svc);
    const client = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as Record<
      string,
      () => ClientDuplexStream<Request, Response>
    > & { close(): void };
    this.client = client;
    this.call = client[name]!();
    this.call.on('data', (r: Omit<Response, 'at'>) => {
      const res: Response = {
        version_info: r.version_info ?? '',
        type_url: r.type_url ?? '',
        nonce: r.nonce ?? '',
        resources: r.resources ?? [],
        at: performance.now(),
      };
      if (this.record) this.responses.push(res);
      this.onResponse?.(res);
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    this.call.on('error', (err: Error) => {
      this.ended = err;
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }

  send(req: Request): void {
    const msg: Request = { ...req };
    if (!this.sentNode) {
      msg.node = { id: this.nodeId, cluster: 'test', user_agent_name: 'raw-ads-client' };
      this.sentNode = true;
    }
    this.call.write(msg);
  }

  /** Subscribes to a type (first request: empty version and nonce, unless given). */
  subscribe(typeUrl: TypeUrl, names: string[] = [], version = '', nonce = ''): void {
    this.send({
      type_url: typeUrl,
      resource_names: names,
      version_info: version,
      response_nonce: nonce,
    });
  }

  ack(r: Response, names?: string[]): void {
    this.send({
      type_url: r.type_url,
      version_info: r.version_info,
      response_nonce: r.nonce,
      resource_names: names ?? this.namesOf(r),
    });
  }

  nack(r: Response, previousVersion: string, message: string, names?: string[]): void {
    this.send({
      type_url: r.type_url,
      version_info: previousVersion,
      response_nonce: r.nonce,
      resource_names: names ?? this.namesOf(r),
      error_detail: { code: 3, message },
    });
  }

  private namesOf(r: Response): string[] {
    if (r.type_url === TYPE.cluster || r.type_url === TYPE.listener) return [];
    return r.resources.map((x) => String(x.cluster_name ?? x.name));
  }

  /** Waits for the n-th response overall (0-based) of `typeUrl`, or any type when omitted. */
  async next(typeUrl?: string, timeoutMs = 3000, after = this.count(typeUrl)): Promise<Response> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const list = this.of(typeUrl);
      if (list.length > after) return list[after]!;
      if (this.ended) throw this.ended;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no ${typeUrl ?? 'response'} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Resolves true when no response of the type arrives within `ms`. */
  async quiet(typeUrl: string | undefined, ms: number): Promise<boolean> {
    const before = this.count(typeUrl);
    await new Promise((r) => setTimeout(r, ms));
    return this.count(typeUrl) === before;
  }

  of(typeUrl?: string): Response[] {
    return typeUrl ? this.responses.filter((r) => r.type_url === typeUrl) : this.responses;
  }

  count(typeUrl?: string): number {
    return this.of(typeUrl).length;
  }

  pause(): void {
    this.call.pause();
  }

  resume(): void {
    this.call.resume();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.call.cancel();
    this.client.close();
  }
}
