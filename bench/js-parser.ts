// The baseline the native parser is measured against: a straightforward plain-JS Wavefront
// parser doing the same work per line — split, tokenize with quotes, parse value and timestamp,
// collect tags, classify the kind, and compute the family id (SHA-256, cached per key like the
// native side does, so the comparison is parser against parser).
import { createHash } from 'node:crypto';

export interface JsParseTotals {
  lines: number;
  ok: number;
  families: number;
}

function tokenize(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    if (c === 34 || c === 39) {
      let j = line.indexOf(line[i]!, i + 1);
      while (j > 0 && line.charCodeAt(j - 1) === 92) j = line.indexOf(line[i]!, j + 1);
      if (j < 0) return [];
      out.push(line.slice(i + 1, j));
      i = j + 1;
    } else if (c === 61 || c === 35) {
      out.push(line[i]!);
      i++;
    } else {
      let j = i;
      while (j < n) {
        const d = line.charCodeAt(j);
        if (d === 32 || d === 9 || d === 61) break;
        j++;
      }
      out.push(line.slice(i, j));
      i = j;
    }
  }
  return out;
}

export class JsParser {
  private readonly ids = new Map<string, string>();

  parse(buf: Buffer): JsParseTotals {
    const text = buf.toString('utf8');
    let lines = 0;
    let ok = 0;
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = text.slice(start, end).trim();
      start = end + 1;
      lines++;
      if (!line) continue;
      const t = tokenize(line);
      let i = 0;
      let kind = 'metric';
      if (t[0] === '!M' || t[0] === '!H' || t[0] === '!D') {
        kind = t[0] === '!M' ? 'histogram_m' : t[0] === '!H' ? 'histogram_h' : 'histogram_d';
        i = 1;
        if (/^\d/.test(t[i] ?? '')) i++;
        while (t[i] === '#') i += 3;
      }
      const name = t[i++] ?? '';
      if (kind === 'metric') {
        const value = Number(t[i++]);
        if (Number.isNaN(value)) continue;
        if (name.startsWith('∆') || name.startsWith('Δ')) kind = 'delta';
        if (/^\d/.test(t[i] ?? '')) i++;
      }
      const tags: Record<string, string> = {};
      let bad = false;
      while (i < t.length) {
        if (t[i + 1] !== '=' || t[i + 2] === undefined) {
          bad = true;
          break;
        }
        tags[t[i]!] = t[i + 2]!;
        i += 3;
      }
      if (bad) continue;
      const keys = Object.keys(tags)
        .filter((k) => k !== 'source' && k !== 'host')
        .sort();
      const key = [kind, name, ...keys].join('\u001f');
      if (!this.ids.has(key)) {
        this.ids.set(key, createHash('sha256').update(key).digest('hex').slice(0, 16));
      }
      ok++;
    }
    return { lines, ok, families: this.ids.size };
  }
}
