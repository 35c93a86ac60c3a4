import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import type { Figure } from '../../bench/figures.js';
import { ROOT } from '../helpers.js';

const fig = (id: string, value: number, unit = '×'): Figure => ({
  id,
  label: id,
  value,
  unit,
  higherIsBetter: true,
});

function gate(figures: Figure[], args: string[], previous?: Figure[]) {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-perfci-'));
  const input = join(dir, 'bench.json');
  writeFileSync(
    input,
    JSON.stringify({ machine: { cpu: 'test' }, quick: false, figures, failures: [] }),
  );
  const mode = args.includes('--quick') ? 'quick' : 'full';
  if (previous)
    writeFileSync(
      join(dir, `${mode}.json`),
      JSON.stringify({ machine: {}, quick: false, figures: previous, failures: [] }),
    );
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, 'dist', 'perf-ci', 'run.js'),
      '--input',
      input,
      '--out-dir',
      dir,
      '--results-dir',
      dir,
      ...args,
    ],
    { encoding: 'utf8' },
  );
  return {
    status: r.status,
    summary: readFileSync(join(dir, 'summary.md'), 'utf8'),
    html: readFileSync(join(dir, 'report.html'), 'utf8'),
    dir,
  };
}

test('full mode fails on a missed DESIGN target and names it', () => {
  const r = gate([fig('parse.ratio_to_js', 4)], []);
  assert.equal(r.status, 1);
  assert.match(r.summary, /parse\.ratio_to_js.*MISSED/);
  assert.match(r.html, /<svg/);
});

test('quick mode reports a known target miss without failing, but fails a large ratio regression', () => {
  assert.equal(gate([fig('parse.ratio_to_js', 4)], ['--quick']).status, 0);
  const r = gate([fig('parse.ratio_to_js', 2)], ['--quick'], [fig('parse.ratio_to_js', 4)]);
  assert.equal(r.status, 1);
  assert.match(r.summary, /REGRESSED/);
  // Absolute throughput is noise on shared machines in quick mode: reported, not gated.
  assert.equal(
    gate(
      [fig('frames.writer_mbps', 100, 'MB/s')],
      ['--quick'],
      [fig('frames.writer_mbps', 500, 'MB/s')],
    ).status,
    0,
  );
});

test('changes within noise pass; --record keeps results and history', () => {
  const r = gate(
    [fig('frames.speed_vs_zstd', 1.2)],
    ['--record'],
    [fig('frames.speed_vs_zstd', 1.3)],
  );
  assert.equal(r.status, 0, r.summary);
  const saved = JSON.parse(readFileSync(join(r.dir, 'full.json'), 'utf8')) as { figures: Figure[] };
  assert.equal(saved.figures[0]!.value, 1.2);
  assert.equal(readFileSync(join(r.dir, 'history.jsonl'), 'utf8').trim().split('\n').length, 1);
});
