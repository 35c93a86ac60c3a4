// Native batch parse + classify + family id against the plain-JS parser on the same bytes, with
// a no-op N-API call as the boundary baseline. Prints MB/s, lines/s and ratios from one run.
import b from 'benny';
import { native } from '../src/lib/native.js';
import { WavefrontParser } from '../src/lib/wavefront.js';
import { JsParser } from './js-parser.js';
import { corpus, countLines, slice } from './corpus.js';

export interface ParseFigures {
  bytes: number;
  lines: number;
  nativeMBps: number;
  nativeLinesPerS: number;
  jsMBps: number;
  ratio: number;
  noopNsPerCall: number;
}

interface CaseResult {
  name: string;
  ops: number;
}

export async function parseBench(quick = false): Promise<ParseFigures> {
  const input = slice(corpus(), quick ? 2 << 20 : 8 << 20);
  // Quick mode (perf-ci in CI) trades precision for seconds: it catches large regressions only.
  const opts = quick ? { minSamples: 3, maxTime: 0.5 } : {};
  const lines = countLines(input);
  const parser = new WavefrontParser();
  const js = new JsParser();
  const tiny = Buffer.from('x');
  const addon = native();
  // Guard against measuring a parser that does nothing: both must parse the same lines (the JS
  // one does not validate, so compare lines that got past the parse stage).
  const nb = parser.parse(input);
  let nativeOk = 0;
  for (let i = 0; i < nb.length; i++)
    if (nb.kind(i) !== 'blank' && nb.stage(i) !== 'parse') nativeOk++;
  const jsOk = js.parse(input).ok;
  if (Math.abs(nativeOk - jsOk) > lines * 0.01) {
    throw new Error(`parsers disagree: native ${nativeOk} ok, js ${jsOk} ok of ${lines}`);
  }
  const results: CaseResult[] = await new Promise((resolve) => {
    void b.suite(
      `parse+classify+family id (${quick ? 2 : 8} MiB of the public corpus per op)`,
      b.add(
        'native batch parser',
        () => {
          // The hot-path API the profiler and sink use: columns copied into reused arrays.
          parser.columns(input);
        },
        opts,
      ),
      b.add(
        'plain-JS parser',
        () => {
          js.parse(input);
        },
        opts,
      ),
      b.add(
        'no-op N-API call x1000',
        () => {
          for (let i = 0; i < 1000; i++) addon.noop(tiny);
        },
        opts,
      ),
      b.cycle(),
      b.complete((summary) => resolve(summary.results.map((r) => ({ name: r.name, ops: r.ops })))),
    );
  });
  const ops = (prefix: string) => results.find((r) => r.name.startsWith(prefix))?.ops ?? NaN;
  const mb = input.length / 1e6;
  const f: ParseFigures = {
    bytes: input.length,
    lines,
    nativeMBps: ops('native') * mb,
    nativeLinesPerS: ops('native') * lines,
    jsMBps: ops('plain-JS') * mb,
    ratio: ops('native') / ops('plain-JS'),
    noopNsPerCall: 1e9 / (ops('no-op') * 1000),
  };
  console.log(
    `native ${f.nativeMBps.toFixed(0)} MB/s (${(f.nativeLinesPerS / 1e6).toFixed(2)} M lines/s), ` +
      `plain JS ${f.jsMBps.toFixed(0)} MB/s, ratio ${f.ratio.toFixed(1)}x, ` +
      `no-op N-API call ${f.noopNsPerCall.toFixed(0)} ns`,
  );
  return f;
}
