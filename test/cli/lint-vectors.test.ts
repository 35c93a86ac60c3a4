// Every shared and project vector through the real `wflg lint --json` process.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { matchesExpect, readJsonl, ROOT, runCli, SHARED, type Vector } from '../helpers.js';

function groupKey(v: Vector): string {
  const c = v.context;
  return JSON.stringify([v.format, c.limits, c.nowMs, c.customSourceTags, c.listener, c.transport]);
}

async function check(vectors: Vector[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-vec-'));
  const failures: string[] = [];
  // Single-line vectors are batched per context into one file and one process; bodies (which
  // hold several lines) run alone so their records can be told apart.
  const groups = new Map<string, Vector[]>();
  for (const v of vectors) {
    const k = v.context.transport || v.line.includes('\n') ? v.id : groupKey(v);
    groups.set(k, [...(groups.get(k) ?? []), v]);
  }
  let n = 0;
  for (const group of groups.values()) {
    const first = group[0]!;
    const file = join(dir, `g${n++}.wf`);
    const tcp = first.context.transport === 'tcp-stream';
    writeFileSync(file, tcp ? first.line : group.map((v) => v.line).join('\n') + '\n');
    const c = first.context;
    const args = [
      'lint',
      '--json',
      '--format',
      first.format,
      '--limits',
      c.limits ?? 'proxy-defaults',
    ];
    args.push('--now-ms', String(c.nowMs ?? 1533533577000), '--listener', c.listener ?? '2878');
    if (c.customSourceTags) args.push('--custom-source-tags', c.customSourceTags.join(','));
    if (tcp) args.push('--transport', 'tcp');
    args.push(file);
    const res = await runCli(args);
    assert.ok(res.code === 0 || res.code === 1, `exit ${res.code}: ${res.stderr}`);
    const out = res.stdout
      .toString()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    if (group.length === 1 && (first.context.transport || first.line.includes('\n'))) {
      const frameFailure = out.length === 1 && out[0]!.stage === 'frame';
      const tail = out.find((o) => 'droppedTail' in o);
      const records = out.filter((o) => !('skip' in o) && !('droppedTail' in o));
      const got: Record<string, unknown> = frameFailure ? out[0]! : { records };
      if (tcp && !frameFailure) got.droppedTail = tail?.droppedTail ?? null;
      if (!matchesExpect(first.expect, got)) failures.push(`${first.id}: ${JSON.stringify(got)}`);
      continue;
    }
    assert.equal(out.length, group.length, 'one output object per input line');
    group.forEach((v, i) => {
      if (!matchesExpect(v.expect, out[i]!))
        failures.push(
          `${v.id} ${JSON.stringify(v.line)}\n  expect ${JSON.stringify(v.expect)}\n  got    ${JSON.stringify(out[i])}`,
        );
    });
  }
  return failures;
}

test('all 93 shared vectors pass through wflg lint --json', async () => {
  const vectors = readJsonl<Vector>(join(SHARED, 'vectors', 'wavefront-public.jsonl'));
  assert.equal(vectors.length, 93);
  const failures = await check(vectors);
  assert.deepEqual(failures, []);
});

test('project vectors pass through wflg lint --json', async () => {
  const vectors = readJsonl<Vector>(join(ROOT, 'vectors', 'wavefront-extra.jsonl'));
  assert.ok(vectors.length > 50, `only ${vectors.length} project vectors`);
  const failures = await check(vectors);
  assert.deepEqual(failures, []);
});
