// `wflg lint`: parses Wavefront input exactly as the proxy would and reports what it would
// accept or reject. Exit 0 when every line parsed, 1 when some were rejected, 2 on usage error.
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
import { loadConfig, optionsHelp, type Env, type Spec } from '../lib/config.js';
import type { Io } from './io.js';

const HTTP_MISTAKE = { error: 'connection taken for HTTP', stage: 'frame', code: 'n/a' };

const SPEC = {
  format: {
    type: 'enum',
    values: FORMATS,
    default: 'auto',
    help: "the proxy's format; auto: its per-line detection on port 2878",
  },
  limits: {
    type: 'enum',
    values: LIMIT_SETS,
    default: 'proxy-defaults',
    help: 'validation limits',
  },
  nowMs: {
    type: 'string',
    pattern: /^(?:\d+|now)$/,
    help: "apply the proxy's time window (WF-402) at this clock (ms), or 'now'",
  },
  listener: {
    type: 'enum',
    values: ['2878', 'trace-port'],
    default: '2878',
    help: "2878: spans naming no source fail as the proxy's host annotator makes them",
  },
  customSourceTags: {
    type: 'list',
    default: ['fqdn'],
    help: "tag keys tried for a metric's source, comma-separated",
  },
  transport: {
    type: 'enum',
    values: ['http', 'tcp'],
    default: 'http',
    help: 'tcp: a stream starting like an HTTP method is lost whole, and bytes after the last newline are dropped',
  },
  json: {
    type: 'bool',
    default: false,
    help: "print one JSON object per input line (the shared vectors' form)",
  },
  examples: {
    type: 'int',
    min: 0,
    default: 5,
    help: 'line numbers listed per reject code in the summary',
  },
} as const satisfies Spec;

export const LINT_HELP = `Usage: wflg lint [options] [FILE|-]

Parses Wavefront lines (plain or zstd-compressed) as the Wavefront proxy does.

Options:
${optionsHelp(SPEC)}

Exit status: 0 every line parsed, 1 some lines rejected, 2 usage error.`;

interface CodeStat {
  count: number;
  lines: number[];
  example: string;
}

export async function lint(argv: string[], io: Io, env: Env = {}): Promise<number> {
  const {
    config: values,
    positionals,
    help,
  } = loadConfig(SPEC, argv, env, (c, problems, pos) => {
    if (c.nowMs !== undefined && c.nowMs !== 'now' && !Number.isSafeInteger(Number(c.nowMs)))
      problems.push('--now-ms must be an integer or "now"');
    if (pos.length > 1) problems.push('at most one input file');
  });
  if (help) {
    io.out(LINT_HELP + '\n');
    return 0;
  }
  const format = values.format as WavefrontFormat;
  const limits = values.limits as LimitSet;
  const listener = values.listener as '2878' | 'trace-port';
  const transport = values.transport;
  const examples = values.examples;
  const customSourceTags = [...values.customSourceTags];
  const nowMs =
    values.nowMs === undefined
      ? undefined
      : values.nowMs === 'now'
        ? Date.now()
        : Number(values.nowMs);

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
