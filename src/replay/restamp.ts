// Re-stamping for replay: a collector rejects points outside its time window (the proxy's WF-402),
// so an old capture is replayed with every timestamp moved by the same offset, written back in the
// unit it had. Only timestamp tokens change; every other byte of the body is kept as captured.
import { ParserSet, type TimestampUnit, type WavefrontFormat } from '../lib/wavefront.js';

const PER_MS: Record<Exclude<TimestampUnit, 'none'>, number> = { s: 1e-3, ms: 1, us: 1e3, ns: 1e6 };

/** Writes `ms` in `unit` as the integer digits a Wavefront timestamp uses. */
function render(ms: number, unit: Exclude<TimestampUnit, 'none'>): string {
  if (unit === 'us' || unit === 'ns')
    return (BigInt(Math.round(ms)) * BigInt(PER_MS[unit])).toString();
  return String(Math.round(ms * PER_MS[unit]));
}

export class Restamper {
  // The format follows the request's f= (trace bodies are spans); the trace-port listener keeps
  // spans without a source parseable, since only timestamp positions are used.
  private readonly parsers = new ParserSet({ listener: 'trace-port' });

  /**
   * Returns `body` with each timestamp moved by `shiftMs` (the original when there is none).
   * Lines the parser rejects keep their bytes: the collector should see the same malformed input.
   */
  restamp(
    body: Buffer,
    shiftMs: number,
    format: WavefrontFormat,
  ): { body: Buffer; restamped: number } {
    const batch = this.parsers.get(format).parse(body);
    const pieces: Buffer[] = [];
    let from = 0;
    let restamped = 0;
    for (let i = 0; i < batch.length; i++) {
      const tok = batch.timestampToken(i);
      const ms = batch.timestampMs(i);
      if (!tok || ms === undefined || tok.unit === 'none') continue;
      // Histograms report the bin start in timestampMs; the token itself holds the raw time.
      const raw = Number(body.toString('latin1', tok.start, tok.end)) / PER_MS[tok.unit];
      if (!Number.isFinite(raw)) continue;
      pieces.push(body.subarray(from, tok.start), Buffer.from(render(raw + shiftMs, tok.unit)));
      from = tok.end;
      restamped++;
    }
    if (restamped === 0) return { body, restamped };
    pieces.push(body.subarray(from));
    return { body: Buffer.concat(pieces), restamped };
  }
}
