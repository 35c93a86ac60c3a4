// Durable capture ingest, end to end: the built agent (`wflg capture`, a child process) behind
// wrk on loopback, bodies cut from the public corpus (64 KiB, 256 KiB and 1 MiB, a quarter of them
// gzip-encoded), every 2xx fsync'd and every part uploaded to a file:// store. Figures:
//   - MB/s of decoded body per CPU-second the agent used (all its threads), as a ratio to
//     `zstd -3 -T1` on the same bodies measured in the same run (the DESIGN target: >= 60 %);
//   - ack latency p50/p99 from wrk at about half of the maximum request rate (target p99 < 10 ms),
//     paced two ways: a fixed delay per connection (the connections fall into step and send
//     consecutive bodies together, up to 8 MiB at once) and exponential delays (Poisson arrivals,
//     closer to many independent senders behind Envoy);
//   - the agent's peak RSS (target < 512 MiB).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { packageRoot } from '../src/lib/native-loader.js';
import { corpus } from './corpus.js';

export interface CaptureFigures {
  bodies: number;
  gzipShare: number;
  maxReqPerSec: number;
  wireMBps: number;
  decodedMBps: number;
  agentCpuCores: number;
  decodedMBpsPerCore: number;
  zstdMBps: number;
  ratioPerCore: number;
  halfRateReqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  poissonReqPerSec: number;
  poissonP50Ms: number;
  poissonP99Ms: number;
  peakRssMiB: number;
  fsyncP50Ms: number;
  fsyncP99Ms: number;
  command: string;
}

const SIZES = [64 << 10, 256 << 10, 1 << 20];
const PER_SIZE = 8;
const CLK_TCK = 100;

function bodies(dir: string): { files: string[]; raw: Buffer[] } {
  const data = corpus();
  const files: string[] = [];
  const raw: Buffer[] = [];
  let at = 0;
  let i = 0;
  for (const size of SIZES) {
    for (let k = 0; k < PER_SIZE; k++, i++) {
      if (at + size >= data.length) at = 0;
      const end = data.indexOf(10, at + size) + 1;
      const body = data.subarray(at, end);
      at = end;
      raw.push(body);
      const gz = i % 4 === 3;
      const file = join(dir, `body-${i}${gz ? '.gz' : ''}`);
      writeFileSync(file, gz ? gzipSync(body) : body);
      files.push(file);
    }
  }
  return { files, raw };
}

function wrkScript(dir: string, files: string[], delayMs: number, poisson = false): string {
  const lua = `
local bodies, gz = {}, {}
local files = { ${files.map((f) => `"${f}"`).join(', ')} }
for i, f in ipairs(files) do
  local h = io.open(f, "rb"); bodies[i] = h:read("*all"); h:close()
  gz[i] = f:sub(-3) == ".gz"
end
local n = 0
request = function()
  n = n + 1
  local i = (n % #bodies) + 1
  local headers = { ["Host"] = "collector-shadow:2878" }
  if gz[i] then headers["Content-Encoding"] = "gzip" end
  return wrk.format("POST", "/report?f=wavefront", headers, bodies[i])
end
${delayMs > 0 ? `delay = function() return ${poisson ? '-math.log(1 - math.random()) * ' : ''}${delayMs.toFixed(2)} end` : ''}
`;
  const path = join(dir, `load-${delayMs > 0 ? (poisson ? 'poisson' : 'paced') : 'max'}.lua`);
  writeFileSync(path, lua);
  return path;
}

interface Wrk {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

function runWrk(port: number, script: string, conns: number, seconds: number): Wrk {
  const out = execFileSync(
    'wrk',
    ['-t1', `-c${conns}`, `-d${seconds}s`, '--latency', '-s', script, `http://127.0.0.1:${port}/`],
    { encoding: 'utf8' },
  );
  const ms = (label: string): number => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const non = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  return {
    reqPerSec: rps ? Number(rps[1]) : NaN,
    p50Ms: ms('50'),
    p99Ms: ms('99'),
    non2xx: non ? Number(non[1]) : 0,
  };
}

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** GET on a fresh connection (no keep-alive reuse racing the server's idle close). */
function httpGet(port: number, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
  });
}

async function metricsOf(port: number): Promise<Record<string, number>> {
  const { text } = await httpGet(port, '/metrics');
  const out: Record<string, number> = {};
  for (const l of text.split('\n')) {
    const m = /^(wflg_capture_\w+(?:\{[^}]*\})?) (\S+)$/.exec(l);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** The disk's own group-commit floor, same run: 256 KiB write + fdatasync, 100 times. */
function fsyncBaseline(dir: string): { p50: number; p99: number } {
  const fd = openSync(join(dir, 'fsync-probe'), 'w');
  const buf = Buffer.alloc(256 << 10, 0x61);
  const t: number[] = [];
  try {
    for (let i = 0; i < 100; i++) {
      const s = process.hrtime.bigint();
      writeSync(fd, buf);
      fdatasyncSync(fd);
      t.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
  } finally {
    closeSync(fd);
  }
  t.sort((a, b) => a - b);
  return { p50: t[49]!, p99: t[98]! };
}

function zstdBaseline(dir: string, raw: Buffer[]): number {
  const file = join(dir, 'all-bodies.wf');
  writeFileSync(file, Buffer.concat(raw));
  const bytes = raw.reduce((n, b) => n + b.length, 0);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    execFileSync('zstd', ['-3', '-T1', '-c', file], { maxBuffer: 1 << 30 });
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return bytes / 1e6 / best;
}

export async function captureBench(
  seconds = 10,
  threads = Math.max(1, availableParallelism() - 1),
): Promise<CaptureFigures> {
  execFileSync('bash', [join(packageRoot(), 'scripts', 'setup-bench-tools.sh')], {
    stdio: 'ignore',
  });
  const dir = mkdtempSync(join(tmpdir(), 'wflg-capture-bench-'));
  // The store stands for GCS, which is remote: on tmpfs when there is one, so its copies and
  // fsyncs do not queue on the disk in front of the write-ahead log's fdatasyncs.
  const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/wflg-capture-store-') : undefined;
  const storeDir = shm ?? join(dir, 'store');
  try {
    const { files, raw } = bodies(dir);
    const zstdMBps = zstdBaseline(dir, raw);
    const fsync = fsyncBaseline(dir);
    const args = [
      join(packageRoot(), 'dist', 'src', 'cli', 'bin.js'),
      ...['capture', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data')],
      ...['--store', `file://${storeDir}`, '--mig', 'bench', '--instance', 'bench-0'],
      ...['--threads', String(threads), '--rotate-bytes', '64MiB', '--max-disk-bytes', '4GiB'],
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const { port } = JSON.parse(line) as { port: number };
    for (;;) {
      if ((await httpGet(port, '/ready').catch(() => ({ status: 0 }))).status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const pid = child.pid!;
    runWrk(port, wrkScript(dir, files, 0), 16, 2); // warm-up
    const m0 = await metricsOf(port);
    const c0 = cpuSeconds(pid);
    const max = runWrk(port, wrkScript(dir, files, 0), 16, seconds);
    const c1 = cpuSeconds(pid);
    const m1 = await metricsOf(port);
    const d = (k: string): number => (m1[k] ?? 0) - (m0[k] ?? 0);
    const wireMBps = d('wflg_capture_received_bytes_total') / 1e6 / seconds;
    const decodedMBps = d('wflg_capture_decoded_bytes_total') / 1e6 / seconds;
    const agentCpuCores = (c1 - c0) / seconds;
    // Half of the maximum request rate, paced per connection by wrk's delay(): one short
    // calibration run measures the service time that adds to the delay in each connection's cycle.
    const conns = 8;
    const half = max.reqPerSec / 2;
    const cycleMs = (conns / half) * 1000;
    const probe = runWrk(port, wrkScript(dir, files, cycleMs), conns, 3);
    const serviceMs = Math.max(0, (conns / probe.reqPerSec) * 1000 - cycleMs);
    const delayMs = Math.max(0.1, cycleMs - serviceMs);
    const paced = runWrk(port, wrkScript(dir, files, delayMs), conns, seconds);
    const poisson = runWrk(port, wrkScript(dir, files, delayMs, true), conns, seconds);
    const peak = peakRssMiB(pid);
    child.kill('SIGTERM');
    await once(child, 'exit');
    const decodedMBpsPerCore = decodedMBps / Math.max(agentCpuCores, 1e-9);
    const f: CaptureFigures = {
      bodies: files.length,
      gzipShare: 0.25,
      maxReqPerSec: max.reqPerSec,
      wireMBps,
      decodedMBps,
      agentCpuCores,
      decodedMBpsPerCore,
      zstdMBps,
      ratioPerCore: decodedMBpsPerCore / zstdMBps,
      halfRateReqPerSec: paced.reqPerSec,
      p50Ms: paced.p50Ms,
      p99Ms: paced.p99Ms,
      poissonReqPerSec: poisson.reqPerSec,
      poissonP50Ms: poisson.p50Ms,
      poissonP99Ms: poisson.p99Ms,
      peakRssMiB: peak,
      fsyncP50Ms: fsync.p50,
      fsyncP99Ms: fsync.p99,
      command:
        `node dist/bench/capture.bench.js ${seconds} ${threads} ` +
        `(wrk -t1 -c16 -d${seconds}s --latency, then paced at half rate with -c8: fixed, then ` +
        `exponential delays)`,
    };
    const non2xx = max.non2xx + paced.non2xx + poisson.non2xx;
    if (non2xx > 0) console.log(`capture bench: ${non2xx} non-2xx responses`);
    console.log(
      `capture ingest (durable, ${threads} workers): ${f.maxReqPerSec.toFixed(0)} req/s, ` +
        `${f.wireMBps.toFixed(0)} MB/s wire, ${f.decodedMBps.toFixed(0)} MB/s decoded using ` +
        `${f.agentCpuCores.toFixed(2)} cores = ${f.decodedMBpsPerCore.toFixed(0)} MB/s per core; ` +
        `zstd -3 -T1 ${f.zstdMBps.toFixed(0)} MB/s -> ${(f.ratioPerCore * 100).toFixed(0)}% per core; ` +
        `at ${f.halfRateReqPerSec.toFixed(0)} req/s ack p50 ${f.p50Ms.toFixed(2)} ms ` +
        `p99 ${f.p99Ms.toFixed(2)} ms (Poisson at ${f.poissonReqPerSec.toFixed(0)} req/s: p50 ` +
        `${f.poissonP50Ms.toFixed(2)} ms p99 ${f.poissonP99Ms.toFixed(2)} ms) (disk floor: 256 KiB write+fdatasync p50 ` +
        `${f.fsyncP50Ms.toFixed(2)} ms p99 ${f.fsyncP99Ms.toFixed(2)} ms); ` +
        `peak RSS ${f.peakRssMiB.toFixed(0)} MiB`,
    );
    return f;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (shm) rmSync(shm, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const seconds = Number(process.argv[2] ?? 10);
  const threads = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  console.log(JSON.stringify(await captureBench(seconds, threads), null, 2));
}
