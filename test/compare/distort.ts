// Builds deliberately distorted copies of Wavefront text for compare's tests: each distortion
// rewrites the lines of one family and leaves every other line byte for byte as it was.
const LINE = /^(\S+) (\S+) (\d+)( .*)?$/;

export interface Distortions {
  /** Every line of this metric is sent twice (the copy 1 s later): the rate doubles. */
  readonly doubleRate?: string;
  /** Values of this metric shifted by `shift.by`, keeping their printed decimals. */
  readonly shift?: { readonly name: string; readonly by: number };
  /** This tag key removed from every line of `dropTag.name`. */
  readonly dropTag?: { readonly name: string; readonly key: string };
}

const decimals = (v: string): number => (v.includes('.') ? v.length - v.indexOf('.') - 1 : 0);

export function distort(text: string, d: Distortions): { text: string; touched: number } {
  const out: string[] = [];
  let touched = 0;
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    const [, name, value, ts, rest = ''] = m as unknown as [
      string,
      string,
      string,
      string,
      string?,
    ];
    if (name === d.doubleRate) {
      touched++;
      out.push(line, `${name} ${value} ${Number(ts) + 1}${rest}`);
    } else if (name === d.shift?.name) {
      touched++;
      const v = (Number(value) + d.shift.by).toFixed(decimals(value));
      out.push(`${name} ${v} ${ts}${rest}`);
    } else if (name === d.dropTag?.name) {
      touched++;
      const tag = new RegExp(` ${d.dropTag.key}=("(?:[^"\\\\]|\\\\.)*"|\\S+)`);
      out.push(`${name} ${value} ${ts}${rest.replace(tag, '')}`);
    } else out.push(line);
  }
  return { text: out.join('\n'), touched };
}
