// `wflg lint`: parses Wavefront input exactly as the proxy would and reports what it would
// accept or reject. Exit 0 when every line parsed, 1 when some were rejected, 2 on usage error.
import { parseArgs } from 'node:util';
import { lineBatches, openInput } from '../lib/input.js';
import {
  FORMATS,
  KIND_NAMES,
  LIMIT_SETS,
  WavefrontParser,
  type LimitSet,
  type WavefrontFormat,
} from '../lib/wavefront.js';
import { framedLength, mistakenForHttp } from '../lib/tcp-framing.js';
import { usageError, type Io } from './io.js';

const HTTP_MISTAKE = { error: 'connection taken for HTTP', stage: 'frame', code: 'n/a' };

export const LINT_HELP = `Usage: wflg lint [options] [FILE|-]

Parses Wavefront lines (plain or zstd-compressed) as the Wavefront proxy does.

Options:
  --format F      auto|wavefront|histogram|trace|spanLogs|event (default auto:
                  the proxy's per-line detection on port 2878)
  --limits L      proxy-defaults|saas-defaults (default proxy-defaults)
  --now-ms N      apply the proxy's time window (WF-402) at clock N (ms), or 'now'
  --listener L    2878|trace-port (default 2878: spans naming no source fail as the
                  proxy's host annotator makes them)
  --custom-source-tags K,K  tag keys tried for a metric's source (default fqdn)
  --transport T   http|tcp (default http). tcp: a stream starting like an HTTP
                  method is lost whole, and bytes after the last newline are dropped
  --json          print one JSON object per input line (the shared vectors' form)
  --examples N    line numbers listed per reject code in the summary (default 5)
  -h, --help      this help

Exit status: 0 every line parsed, 1 some lines rejected, 2 usage error.`;

interface CodeStat {
  count: number;
  lines: number[];
  example: string;
}

export async function lint(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', default: 'auto' },
      limits: { type: 'string', default: 'proxy-defaults' },
      'now-ms': { type: 'string' },
      listener: { type: 'string', default: '2878' },
      'custom-source-tags': { type: 'string', default: 'fqdn' },
      transport: { type: 'string', default: 'http' },
      json: { type: 'boolean', default: false },
      examples: { type: 'string', default: '5' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(LINT_HELP + '\n');
    return 0;
  }
  const problems: string[] = [];
  const format = values.format as WavefrontFormat;
  if (!FORMATS.includes(format)) problems.push(`--format must be one of ${FORMATS.join('|')}`);
  const limits = values.limits as LimitSet;
  if (!LIMIT_SETS.includes(limits))
    problems.push(`--limits must be one of ${LIMIT_SETS.join('|')}`);
  let nowMs: number | undefined;
  const nowArg = values['now-ms'];
  if (nowArg === 'now') nowMs = Date.now();
  else if (nowArg !== undefined) {
    nowMs = Number(nowArg);
    if (!/^\d+$/.test(nowArg) || !Number.isSafeInteger(nowMs))
      problems.push('--now-ms must be an integer or "now"');
  }
  const examples = Number(values.examples);
  if (!Number.isInteger(examples) || examples < 0)
    problems.push('--examples must be a whole number');
  if (positionals.length > 1) problems.push('at most one input file');
  const listener = values.listener as '2878' | 'trace-port';
  if (listener !== '2878' && listener !== 'trace-port')
    problems.push('--listener must be 2878 or trace-port');
  const transport = values.transport;
  if (transport !== 'http' && transport !== 'tcp') problems.push('--transport must be http or tcp');
  const customSourceTags = values['custom-source-tags'].split(',').filter((t) => t.length > 0);
  if (problems.length) throw usageError(problems);

  const file = positionals[0] ?? '-';
  const parser = new WavefrontParser({
    format,
    limits,
    listener,
    customSourceTags,
    ...(nowMs === undefined ? {} : { nowMs }),
  });
  const byKind = new Map<string, number>();
  const byCode = new Map<string, CodeStat>();
  const families = new Set<string>();
  const series = new Set<string>();
  let lineNo = 0;
  let rejected = 0;
  let bytes = 0;
  let first = true;
  let droppedTail: Buffer | undefined;
  for await (const whole of lineBatches(openInput(file), file, (n) => (bytes += n))) {
    let batch = whole;
    if (transport === 'tcp') {
      if (first && mistakenForHttp(batch)) {
        if (values.json) await io.write(Buffer.from(JSON.stringify(HTTP_MISTAKE) + '\n'));
        else io.out(`${file}: ${HTTP_MISTAKE.error}: the proxy would lose the whole stream\n`);
        return 1;
      }
      // Batches end on a newline except the last; what follows the last newline is dropped.
      const end = framedLength(batch);
      if (end < batch.length) {
        droppedTail = batch.subarray(end);
        batch = batch.subarray(0, end);
      }
    }
    first = false;
    if (values.json) {
      const d = parser.describe(batch);
      rejected += d.rejected;
      await io.write(d.ndjson);
      continue;
    }
    const b = parser.parse(batch);
    for (let i = 0; i < b.length; i++) {
      lineNo++;
      const kind = b.kind(i);
      if (kind === 'blank') continue;
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
      if (b.ok(i)) {
        if (b.hasFamily(i)) {
          families.add(b.familyId(i));
          series.add(b.seriesId(i));
        }
        continue;
      }
      rejected++;
      const code = `${b.code(i)} (${b.stage(i)})`;
      let s = byCode.get(code);
      if (!s) byCode.set(code, (s = { count: 0, lines: [], example: b.lineText(i).slice(0, 120) }));
      s.count++;
      if (s.lines.length < examples) s.lines.push(lineNo);
    }
  }
  if (droppedTail) {
    rejected++;
    const text = droppedTail.toString('utf8').trim();
    if (values.json) await io.write(Buffer.from(JSON.stringify({ droppedTail: text }) + '\n'));
    else io.out(`unterminated last line dropped (${droppedTail.length} bytes)\n`);
  }
  if (!values.json)
    io.out(summary(file, bytes, lineNo, rejected, byKind, byCode, families.size, series.size));
  return rejected > 0 ? 1 : 0;
}

function summary(
  file: string,
  bytes: number,
  lines: number,
  rejected: number,
  byKind: Map<string, number>,
  byCode: Map<string, CodeStat>,
  families: number,
  series: number,
): string {
  const out: string[] = [];
  out.push(`${file}: ${lines} lines, ${bytes} bytes read, ${rejected} rejected`);
  out.push('lines by kind:');
  for (const k of KIND_NAMES) {
    const n = byKind.get(k);
    if (n) out.push(`  ${k.padEnd(12)} ${n}`);
  }
  if (byCode.size) {
    out.push('rejects by code:');
    for (const [code, s] of [...byCode].sort((a, b) => b[1].count - a[1].count)) {
      out.push(`  ${code.padEnd(20)} ${String(s.count).padStart(9)}  lines ${s.lines.join(', ')}`);
      out.push(`  ${''.padEnd(20)} e.g. ${s.example}`);
    }
  }
  out.push(`families: ${families}`);
  out.push(`series: ${series}`);
  return out.join('\n') + '\n';
}
