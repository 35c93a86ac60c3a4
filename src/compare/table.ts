// The terminal view: a plain table, worst family first, every cell marked by its grade — coloured
// on a terminal, and without colour a suffix that survives copy, paste and grep: '!' red,
// '~' amber. Then the overall metrics and the verdict.
import type { CompareReport, FamilyResult, MetricResult } from './compare.js';
import { formatValue, LABEL, pct, SHORT } from './format.js';
import { FAMILY_METRICS, GLOBAL_METRICS, type Metric, type Status } from './thresholds.js';

const COLOR: Readonly<Record<Status, string>> = {
  green: '\x1b[32m',
  amber: '\x1b[33m',
  red: '\x1b[31m',
  'n/a': '\x1b[2m',
};
const RESET = '\x1b[0m';
const WORD: Readonly<Record<Status, string>> = {
  green: 'ok',
  amber: 'amber',
  red: 'RED',
  'n/a': 'n/a',
};
const MARK: Readonly<Record<Status, string>> = { green: ' ', amber: '~', red: '!', 'n/a': ' ' };

export interface TableOptions {
  readonly color: boolean;
  /** Rows shown at most (every red and amber family is shown regardless). */
  readonly top: number;
}

/** Visible width (ANSI colour codes take none). */
// eslint-disable-next-line no-control-regex -- matching the escape character is the point
const ANSI = /\x1b\[[0-9;]*m/g;
const width = (s: string): number => s.replace(ANSI, '').length;
const pad = (s: string, n: number, right = false): string => {
  const fill = ' '.repeat(Math.max(0, n - width(s)));
  return right ? fill + s : s + fill;
};

function cell(m: Metric, r: MetricResult | undefined, color: boolean): string {
  if (!r) return '';
  const text = formatValue(m, r.value);
  return color ? `${COLOR[r.status]}${text}${RESET}` : `${text}${MARK[r.status]}`;
}

function status(s: Status, color: boolean): string {
  return color ? `${COLOR[s]}●${RESET} ${WORD[s]}` : WORD[s];
}

const MATCH: Readonly<Record<FamilyResult['match'], string>> = {
  same: '',
  'tags-changed': 'tags±',
  missing: 'missing',
  extra: 'extra',
};

export function renderTable(r: CompareReport, o: TableOptions): string {
  const out: string[] = [];
  const side = (k: 'A' | 'B', s: CompareReport['a']) =>
    `${k}: ${s.input} (${s.origin}, ${s.lines} lines, ${s.families} families, ${s.window.timeAxis} ${s.window.seconds} s)`;
  out.push(side('A', r.a), side('B', r.b));
  if (r.options.timeScale !== 1 || r.options.multiplier !== 1)
    out.push(
      `B generated with timeScale ${r.options.timeScale}, multiplier ${r.options.multiplier}`,
    );
  out.push('');
  const head = ['', 'family', 'kind', 'A share', 'match', ...FAMILY_METRICS.map((m) => SHORT[m])];
  const shown = r.families.filter(
    (f, i) => i < o.top || f.status === 'red' || f.status === 'amber',
  );
  const rows = shown.map((f) => [
    status(f.status, o.color),
    f.name.length > 48 ? `${f.name.slice(0, 47)}…` : f.name,
    f.kind,
    pct(f.shareA || f.shareB),
    MATCH[f.match] + (f.gating ? '' : ' (small)'),
    ...FAMILY_METRICS.map((m) => cell(m, f.metrics[m], o.color)),
  ]);
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((row) => width(row[i]!))));
  const right = (i: number) => i >= 3 && i !== 4;
  const line = (row: string[]) =>
    row
      .map((c, i) => pad(c, widths[i]!, right(i)))
      .join('  ')
      .trimEnd();
  out.push(line(head));
  shown.forEach((f, i) => {
    out.push(line(rows[i]!));
    for (const x of f.findings) out.push(`${' '.repeat(widths[0]! + 2)}└ ${x}`);
  });
  const rest = r.families.length - shown.length;
  if (rest > 0) out.push(`… ${rest} more families, all green`);
  out.push('', 'Overall (families weighted by A’s lines):');
  const all = [...FAMILY_METRICS, ...GLOBAL_METRICS];
  const labelWidth = Math.max(...all.map((m) => LABEL[m].length));
  for (const m of all) {
    const x = r.overall[m];
    const bound =
      x.threshold === null
        ? '(not gating)'
        : `${m === 'coverage' ? '≥' : '≤'} ${formatValue(m, x.threshold)}`;
    out.push(
      `  ${pad(status(x.status, o.color), o.color ? 8 : 5)}  ${pad(LABEL[m], labelWidth)}  ${pad(formatValue(m, x.value), 9, true)}  ${pad(bound, 12)}  ${x.detail}`.trimEnd(),
    );
  }
  out.push('');
  const n = r.breaches.length;
  out.push(
    r.verdict === 'pass'
      ? 'Verdict: PASS — every metric within its threshold'
      : // The table above names every breach; the verdict lists the first dozen (JSON has them all).
        `Verdict: FAIL — ${n} threshold breach${n === 1 ? '' : 'es'}: ${r.breaches
          .slice(0, 12)
          .map((b) => `${b.name} ${SHORT[b.metric]}`)
          .join(', ')}${n > 12 ? `, … and ${n - 12} more` : ''}`,
  );
  return out.join('\n') + '\n';
}
