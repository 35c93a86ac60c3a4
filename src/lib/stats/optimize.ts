// Nelder–Mead simplex minimisation: derivative-free, enough for the three-parameter likelihoods
// fitted here (after transforming parameters to unconstrained space).

export interface Minimum {
  readonly x: number[];
  readonly f: number;
  readonly iterations: number;
}

export function nelderMead(
  f: (x: number[]) => number,
  x0: number[],
  opts: { step?: number; maxIter?: number; tol?: number } = {},
): Minimum {
  const n = x0.length;
  const step = opts.step ?? 0.5;
  const maxIter = opts.maxIter ?? 400 * n;
  const tol = opts.tol ?? 1e-8;
  const safe = (x: number[]): number => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  let simplex: Array<{ x: number[]; f: number }> = [{ x: x0.slice(), f: safe(x0) }];
  for (let i = 0; i < n; i++) {
    const x = x0.slice();
    x[i]! += step;
    simplex.push({ x, f: safe(x) });
  }
  let it = 0;
  for (; it < maxIter; it++) {
    simplex.sort((a, b) => a.f - b.f);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    if (Math.abs(worst.f - best.f) <= tol * (Math.abs(best.f) + tol)) break;
    const c = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[j]! += simplex[i]!.x[j]! / n;
    const at = (t: number): number[] => c.map((cj, j) => cj + t * (worst.x[j]! - cj));
    const xr = at(-1);
    const fr = safe(xr);
    if (fr < best.f) {
      const xe = at(-2);
      const fe = safe(xe);
      simplex[n] = fe < fr ? { x: xe, f: fe } : { x: xr, f: fr };
    } else if (fr < simplex[n - 1]!.f) {
      simplex[n] = { x: xr, f: fr };
    } else {
      const xc = fr < worst.f ? at(-0.5) : at(0.5);
      const fc = safe(xc);
      if (fc < Math.min(fr, worst.f)) simplex[n] = { x: xc, f: fc };
      else
        simplex = simplex.map((p, i) =>
          i === 0
            ? p
            : (() => {
                const x = p.x.map((v, j) => best.x[j]! + 0.5 * (v - best.x[j]!));
                return { x, f: safe(x) };
              })(),
        );
    }
  }
  simplex.sort((a, b) => a.f - b.f);
  return { x: simplex[0]!.x, f: simplex[0]!.f, iterations: it };
}
