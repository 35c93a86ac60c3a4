// A fake Compute Engine REST endpoint for the calls the controller makes, strict about paths,
// methods and page tokens: listManagedInstances (zonal and regional, paged) and instances.get.
// Tests script instance states and inject faults (503, 403 rateLimitExceeded, 429).
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeInstance {
  id: string;
  name: string;
  zone: string;
  ip: string;
  currentAction: string;
  instanceStatus: string;
}

export interface Fault {
  status: number;
  reason: string;
}

export class FakeGce {
  /** MIG key (`zones/Z/N` or `regions/R/N`) → its instances. */
  readonly migs = new Map<string, FakeInstance[]>();
  pageSize = 2;
  /** Faults consumed one per request, in order; `sticky` repeats forever until cleared. */
  faults: Fault[] = [];
  sticky: Fault | undefined;
  /** Only for listManagedInstances of this MIG key (undefined = every call). */
  faultMig: string | undefined;
  readonly calls: { method: string; path: string; at: number }[] = [];
  /** instances.get answers after this long; the most such calls ever open at once. */
  getDelayMs = 0;
  maxGetsInFlight = 0;
  private getsInFlight = 0;
  private server: Server | undefined;
  port = 0;

  constructor(readonly project = 'proj') {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      this.calls.push({ method: req.method ?? '', path: url.pathname, at: Date.now() });
      req.resume();
      req.on('end', () => this.route(req.method ?? '', url, res));
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `wflg xds` flags for an inventory of one collector MIG (`…/instanceGroupManagers/N`) here. */
  controllerArgs(collectorMig: string): string[] {
    return [
      '--inventory',
      'gce',
      '--gce-project',
      this.project,
      '--gce-endpoint',
      this.endpoint,
      '--collector-migs',
      collectorMig,
    ];
  }

  callsTo(kind: 'list' | 'get'): number {
    return this.calls.filter((c) =>
      kind === 'list' ? c.path.endsWith('/listManagedInstances') : c.path.includes('/instances/'),
    ).length;
  }

  private fail(res: ServerResponse, f: Fault): void {
    res.writeHead(f.status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        error: {
          code: f.status,
          message: f.reason,
          errors: [{ reason: f.reason, message: f.reason }],
        },
      }),
    );
  }

  private route(method: string, url: URL, res: ServerResponse): void {
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const list = new RegExp(
      `^/compute/v1/projects/${this.project}/(zones|regions)/([a-z0-9-]+)/instanceGroupManagers/([a-z0-9-]+)/listManagedInstances$`,
    ).exec(url.pathname);
    const get = new RegExp(
      `^/compute/v1/projects/${this.project}/zones/([a-z0-9-]+)/instances/([a-z0-9-]+)$`,
    ).exec(url.pathname);
    if (list) {
      if (method !== 'POST') return json(405, { error: { code: 405, message: 'POST only' } });
      const key = `${list[1]}/${list[2]}/${list[3]}`;
      const fault =
        this.faultMig === undefined || this.faultMig === key
          ? (this.faults.shift() ?? this.sticky)
          : undefined;
      if (fault) return this.fail(res, fault);
      const all = this.migs.get(key);
      if (!all) return json(404, { error: { code: 404, message: `${key} not found` } });
      const token = url.searchParams.get('pageToken');
      const start = token ? Number(/^p(\d+)$/.exec(token)?.[1] ?? NaN) : 0;
      if (!Number.isInteger(start))
        return json(400, { error: { code: 400, message: 'bad pageToken' } });
      const page = all.slice(start, start + this.pageSize);
      const more = start + this.pageSize < all.length;
      return json(200, {
        managedInstances: page.map((i) => ({
          instance: `https://www.googleapis.com/compute/v1/projects/${this.project}/zones/${i.zone}/instances/${i.name}`,
          id: i.id,
          currentAction: i.currentAction,
          instanceStatus: i.instanceStatus,
        })),
        ...(more ? { nextPageToken: `p${start + this.pageSize}` } : {}),
      });
    }
    if (get && this.getDelayMs > 0) {
      this.maxGetsInFlight = Math.max(this.maxGetsInFlight, ++this.getsInFlight);
      setTimeout(() => {
        this.getsInFlight--;
        this.answerGet(method, get, json);
      }, this.getDelayMs);
      return;
    }
    if (get) return this.answerGet(method, get, json);
    json(404, { error: { code: 404, message: `no route ${method} ${url.pathname}` } });
  }

  private answerGet(
    method: string,
    get: RegExpExecArray,
    json: (status: number, body: unknown) => void,
  ): void {
    if (method !== 'GET') return json(405, { error: { code: 405, message: 'GET only' } });
    for (const list of this.migs.values())
      for (const i of list)
        if (i.zone === get[1] && i.name === get[2])
          return json(200, {
            id: i.id,
            name: i.name,
            status: i.instanceStatus,
            networkInterfaces: [{ networkIP: i.ip }],
          });
    return json(404, { error: { code: 404, message: 'instance not found' } });
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

/** The controller's own no-credentials client, as used for any plain-HTTP endpoint. */
export { noAuthClient as passThroughAuth } from '../../src/xds/gce.js';

export function vm(
  n: number,
  zone = 'us-central1-a',
  currentAction = 'NONE',
  instanceStatus = 'RUNNING',
  ip = `127.0.0.${n + 1}`,
): FakeInstance {
  return { id: String(1000 + n), name: `vm-${n}`, zone, ip, currentAction, instanceStatus };
}
