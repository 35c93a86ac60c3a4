// The QA report as a person sees it: rendered by headless Chromium (installed by
// scripts/setup-chromium.sh), the screenshot must not be blank and the rendered DOM must hold the
// SVG plots.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import test from 'node:test';
import { profile } from '../../src/profiler/run.js';
import { ROOT } from '../helpers.js';
import { profileOptions } from './fixtures.js';

function chromium(): string {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'setup-chromium.sh')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`setup-chromium.sh failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').pop()!;
}

/** Distinct byte values in the decompressed image data of a PNG (a blank page has ~2). */
function pngByteVariety(png: Buffer): { width: number; height: number; distinct: number } {
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  let at = 8;
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    } else if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  const pixels = inflateSync(Buffer.concat(idat));
  const seen = new Set<number>();
  for (let i = 0; i < pixels.length; i += 7) seen.add(pixels[i]!);
  return { width, height, distinct: seen.size };
}

test('the QA report renders in headless Chromium with its plots', async () => {
  const bin = chromium();
  const dir = mkdtempSync(join(tmpdir(), 'wflg-report-'));
  try {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const t = 1_795_000_000 + i * 10 + (i % 7);
      lines.push(
        `demo.latency ${(50 + 30 * Math.sin(i / 200) + (i % 13)).toFixed(2)} ${t} source=h${i % 4} app=x`,
      );
    }
    writeFileSync(join(dir, 'in.wf'), lines.join('\n') + '\n');
    const r = await profile(profileOptions(join(dir, 'in.wf'), join(dir, 'out')));
    const url = `file://${join(dir, 'out', r.reportName)}`;
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--window-size=1200,1600',
    ];
    const shot = join(dir, 'shot.png');
    execFileSync(bin, [...flags, `--screenshot=${shot}`, url], {
      stdio: 'ignore',
      timeout: 60_000,
    });
    const v = pngByteVariety(readFileSync(shot));
    assert.equal(v.width, 1200);
    assert.ok(v.distinct > 20, `screenshot looks blank (${v.distinct} distinct byte values)`);
    const dom = execFileSync(bin, [...flags, '--dump-dom', url], {
      timeout: 60_000,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    assert.match(
      dom,
      /<svg class="plot intensity"[^>]*>[\s\S]*<polyline class="fit" points="[\d., ]{20,}/,
    );
    assert.match(dom, /<svg class="plot histogram"[\s\S]*<rect x=/);
    assert.match(dom, /demo\.latency/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
