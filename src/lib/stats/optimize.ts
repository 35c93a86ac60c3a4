// Minimisers for the small likelihoods fitted here, over parameters transformed to unconstrained
// space: BFGS where the objective has an analytic gradient (the Hawkes fit), and Nelder–Mead,
// derivative-free, which no fit uses any more: it stays as a general minimiser and as the
// independent reference the BFGS fit is tested against.

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

/**
 * BFGS with a backtracking (Armijo) line search, for smooth objectives with an analytic gradient.
 * `fg` returns the value and writes the gradient into its second argument. Stops when the largest
 * gradient component falls to `gtol`·(1 + |f|), when a full step no longer lowers the value by more
 * than `tol` relative, or at `maxIter`. Non-finite values are treated as walls: the line search
 * backs off from them.
 */
export function bfgs(
  fg: (x: Float64Array, grad: Float64Array) => number,
  x0: ArrayLike<number>,
  opts: { maxIter?: number; tol?: number; gtol?: number } = {},
): Minimum {
  const n = x0.length;
  const maxIter = opts.maxIter ?? 200;
  const tol = opts.tol ?? 1e-10;
  const gtol = opts.gtol ?? 1e-9;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let f = fg(x, g);
  if (!Number.isFinite(f)) return { x: Array.from(x), f: Infinity, iterations: 0 };
  // Inverse Hessian estimate, row-major; starts as the identity.
  const H = new Float64Array(n * n);
  let identity = true;
  const resetH = (): void => {
    H.fill(0);
    for (let i = 0; i < n; i++) H[i * n + i] = 1;
    identity = true;
  };
  resetH();
  const d = new Float64Array(n);
  const xn = new Float64Array(n);
  let gn = new Float64Array(n);
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  const Hy = new Float64Array(n);
  /** d = −H·g; returns the slope gᵀd. While H is the identity, d is −g cut to unit length in its
   * largest component: a likelihood over thousands of events has gradients in the thousands, and
   * a full step of that length overflows, so the search used to halve ten times before its first
   * finite value, on every start (a fifth of the Hawkes fits' likelihood passes on the public
   * corpus). */
  const direction = (): number => {
    let slope = 0;
    let big = 0;
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j < n; j++) v -= H[i * n + j]! * g[j]!;
      d[i] = v;
      big = Math.max(big, Math.abs(v));
    }
    const k = identity && big > 1 ? 1 / big : 1;
    for (let i = 0; i < n; i++) {
      d[i] = d[i]! * k;
      slope += d[i]! * g[i]!;
    }
    return slope;
  };
  /** Backtracks along d from t = 1 to the first Armijo point; its value (Infinity: none) and t.
   * Gives up once the step no longer moves x by more than rounding: near the optimum a noisy
   * objective admits no Armijo point, and halving on to t = 2⁻⁶⁰ only spends evaluations. */
  const search = (slope: number): { fn: number; t: number } => {
    let t = 1;
    for (let k = 0; k < 60; k++, t *= 0.5) {
      let moves = false;
      for (let i = 0; i < n; i++) {
        xn[i] = x[i]! + t * d[i]!;
        moves ||= Math.abs(t * d[i]!) > 1e-13 * (1 + Math.abs(x[i]!));
      }
      if (!moves) break;
      const fn = fg(xn, gn);
      if (Number.isFinite(fn) && fn <= f + 1e-4 * t * slope) return { fn, t };
    }
    return { fn: Infinity, t: 0 };
  };
  let it = 0;
  for (; it < maxIter; it++) {
    let gmax = 0;
    for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.abs(g[i]!));
    if (!(gmax > gtol * (1 + Math.abs(f)))) break;
    let slope = direction();
    if (!(slope < 0)) {
      // Not a descent direction (the estimate went bad): restart from steepest descent.
      resetH();
      slope = direction();
      if (!(slope < 0)) break;
    }
    let { fn, t } = search(slope);
    if (!Number.isFinite(fn) && !identity) {
      // A badly scaled estimate can point far past every finite value: retry along −g once.
      resetH();
      slope = direction();
      ({ fn, t } = search(slope));
    }
    if (!Number.isFinite(fn)) break;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xn[i]! - x[i]!;
      y[i] = gn[i]! - g[i]!;
      sy += s[i]! * y[i]!;
    }
    // Only a full step's small gain means convergence: after heavy backtracking the gain is small
    // because the step was, while the gradient may still be large.
    const done = t === 1 && Math.abs(f - fn) <= tol * (Math.abs(fn) + tol);
    [x, g, gn] = [Float64Array.from(xn), gn, g];
    f = fn;
    if (done) break;
    if (sy > 1e-300) {
      // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, with ρ = 1 / (yᵀ s).
      const rho = 1 / sy;
      let yHy = 0;
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < n; j++) v += H[i * n + j]! * y[j]!;
        Hy[i] = v;
        yHy += y[i]! * v;
      }
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++)
          H[i * n + j] =
            H[i * n + j]! -
            rho * (Hy[i]! * s[j]! + s[i]! * Hy[j]!) +
            (rho * rho * yHy + rho) * s[i]! * s[j]!;
      identity = false;
    }
  }
  return { x: Array.from(x), f, iterations: it };
}
