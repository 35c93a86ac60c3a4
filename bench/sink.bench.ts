// Sink throughput: lines per CPU second of the sink process, fed over loopback TCP by a child
// process replaying the public corpus, against the bare native parse of the same bytes (the
// baseline: what counting and framing add on top of parsing).
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WavefrontParser } from '../src/lib/wavefront.js';
import { Sink } from '../src/sink/sink.js';
import { corpus, countLines, slice } from './corpus.js';

export interface SinkFigures {
  tcpLinesPerCpuS: number;
  parseLinesPerCpuS: number;
  ratio: number;
}

export async function sinkBench(seconds = 5): Promise<SinkFigures> {
  const input = slice(corpus(), 16 << 20);
  const lines = countLines(input);
  const parser = new WavefrontParser({ maxLineBytes: 32768 });
  let c0 = process.cpuUsage();
  let parsed = 0;
  const end0 = Date.now() + seconds * 1000;
  while (Date.now() < end0) {
    for (let at = 0; at < input.length; at += 1 << 16) {
      const e = input.indexOf(10, Math.min(input.length - 1, at + (1 << 16)));
      parser.columns(input.subarray(at, e + 1));
      at = e + 1 - (1 << 16);
    }
    parsed += lines;
  }
  let c = process.cpuUsage(c0);
  const parseLinesPerCpuS = parsed / ((c.user + c.system) / 1e6);

  const dir = mkdtempSync(join(tmpdir(), 'wflg-sink-bench-'));
  const file = join(dir, 'corpus.wf');
  writeFileSync(file, input);
  const s = new Sink({
    listen: { host: '127.0.0.1', port: 0 },
    tcp: { host: '127.0.0.1', port: 0 },
  });
  await s.start();
  const script = `
    const net = require('node:net'); const fs = require('node:fs');
    const buf = fs.readFileSync(${JSON.stringify(file)});
    const sock = net.connect(${s.tcpPort}, '127.0.0.1', () => {
      const end = Date.now() + ${seconds * 1000};
      const go = () => { while (Date.now() < end) { if (!sock.write(buf)) return sock.once('drain', go); } sock.end(); };
      go();
    });`;
  c0 = process.cpuUsage();
  const child = spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
  await new Promise((r) => child.on('exit', r));
  await new Promise((r) => setTimeout(r, 200));
  c = process.cpuUsage(c0);
  const got = s.counts.lines;
  await s.close();
  rmSync(dir, { recursive: true, force: true });
  const f: SinkFigures = {
    tcpLinesPerCpuS: got / ((c.user + c.system) / 1e6),
    parseLinesPerCpuS,
    ratio: got / ((c.user + c.system) / 1e6) / parseLinesPerCpuS,
  };
  console.log(
    `sink: ${(f.tcpLinesPerCpuS / 1e6).toFixed(2)} M lines/CPU-s over TCP (${got} lines), ` +
      `bare native parse ${(f.parseLinesPerCpuS / 1e6).toFixed(2)} M lines/CPU-s, ratio ${f.ratio.toFixed(2)}`,
  );
  return f;
}

if (import.meta.url === `file://${process.argv[1]}`) await sinkBench(Number(process.argv[2] ?? 5));
