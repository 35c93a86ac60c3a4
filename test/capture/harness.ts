// Shared plumbing for the capture tests: the agent as a real child process, a keep-alive HTTP
// client that records every outcome, and a reader that pulls every request record back out of
// the store through the same frame and record readers the profiler uses.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request, Agent as HttpAgent } from 'node:http';
import { createInterface } from 'node:readline';
import type { RequestHeader } from '../../src/lib/capture-format.js';
import { emptyReadStats, partRecords } from '../../src/lib/capture-reader.js';
import { openStore } from '../../src/lib/store/index.js';
import { BIN, waitFor } from '../helpers.js';

export { waitFor };

export interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  stderr(): string;
}

const children = new Set<ChildProcess>();

/** For `after()`: a failed assertion must not leave an agent running (and the test hanging). */
export function killAll(): void {
  for (const c of children) c.kill('SIGKILL');
}

export async function spawnAgent(
  args: string[],
  env: Record<string, string> = {},
): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'capture', '--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const lines = createInterface({ input: child.stdout });
  const exited = once(child, 'exit').then(() => {
    throw new Error(`agent exited before listening: ${err}`);
  });
  const [first] = (await Promise.race([once(lines, 'line'), exited])) as [string];
  const { port } = JSON.parse(first) as { port: number };
  return { child, port, stderr: () => err };
}

export function exitOf(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(child.exitCode ?? child.signalCode);
  return once(child, 'exit').then(([code, sig]) => (code ?? sig) as number | string | null);
}

export interface Reply {
  status: number;
  body: string;
}

const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 64 });

/** POSTs `body`; an array goes without Content-Length, one HTTP chunk per element. */
export function post(
  port: number,
  path: string,
  body: Buffer | readonly Buffer[],
  headers: Record<string, string> = {},
): Promise<Reply> {
  const chunks = Array.isArray(body) ? body : undefined;
  const length = chunks ? {} : { 'content-length': String((body as Buffer).length) };
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: keepAlive,
        headers: { ...length, ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (!chunks) req.end(body);
    else {
      for (const c of chunks) req.write(c);
      req.end();
    }
  });
}

export function get(port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: keepAlive }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function waitReady(port: number): Promise<void> {
  await waitFor('ready', async () => (await get(port, '/ready')).status === 200);
}

/** A counter's value from Prometheus text (0 when absent). */
export function metric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(name + ' ') || line.startsWith(name + '{'))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export interface Stored {
  readonly header: RequestHeader;
  readonly body: Buffer;
  readonly object: string;
}

export interface StoreContents {
  readonly parts: string[];
  readonly requests: Stored[];
  readonly corruptFrames: number;
  readonly manifestLines: Array<Record<string, unknown>>;
}

/** Everything under capture/ in a store: every verified record of every part, and the manifests. */
export async function readCapture(storeUrl: string, gcsEndpoint?: string): Promise<StoreContents> {
  const store = await openStore(storeUrl, gcsEndpoint ? { gcsEndpoint } : {});
  const parts: string[] = [];
  const requests: Stored[] = [];
  const manifestLines: Array<Record<string, unknown>> = [];
  let corruptFrames = 0;
  try {
    for await (const o of store.list('capture/')) {
      const { data } = await store.readAll(o.name);
      if (o.name.endsWith('.jsonl')) {
        for (const l of data.toString('utf8').split('\n'))
          if (l) manifestLines.push(JSON.parse(l) as Record<string, unknown>);
        continue;
      }
      parts.push(o.name);
      const stats = emptyReadStats();
      for (const r of partRecords(data, stats))
        requests.push({ header: r.header, body: Buffer.from(r.body), object: o.name });
      // Readers skip a checksummed frame whose records do not parse; here it is a writer bug.
      if (stats.badRecordFrames > 0) throw new Error(`${o.name}: a frame's records do not parse`);
      corruptFrames += stats.corruptFrames + (stats.tailBytes > 0 ? 1 : 0);
    }
  } finally {
    await store.close();
  }
  return { parts, requests, corruptFrames, manifestLines };
}
