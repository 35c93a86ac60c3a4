// The BFGS minimiser on objectives with known minima: curved valleys, bad scaling, a wall of
// non-finite values, and a start where the first step must backtrack hard.
import assert from 'node:assert/strict';
import test from 'node:test';
import { bfgs } from '../../../src/lib/stats/optimize.js';

test('bfgs: reaches the Rosenbrock minimum from the classic start', () => {
  const m = bfgs(
    (x, g) => {
      const [a, b] = [x[0]!, x[1]!];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    },
    [-1.2, 1],
  );
  assert.ok(Math.abs(m.x[0]! - 1) < 1e-5 && Math.abs(m.x[1]! - 1) < 1e-5, m.x.join());
  assert.ok(m.f < 1e-10, `f ${m.f}`);
});

test('bfgs: a quadratic scaled 1:10⁶ converges in both coordinates', () => {
  const m = bfgs(
    (x, g) => {
      g[0] = x[0]!;
      g[1] = 1e6 * x[1]!;
      return 0.5 * (x[0]! ** 2 + 1e6 * x[1]! ** 2);
    },
    [3, 1],
  );
  assert.ok(Math.abs(m.x[0]!) < 1e-6 && Math.abs(m.x[1]!) < 1e-9, m.x.join());
});

test('bfgs: does not stop while the gradient is large after a heavily backtracked step', () => {
  // One stiff coordinate already at its optimum, one flat one far from it: the first step along
  // −g overshoots the stiff one and backtracks to t ≈ 2⁻²⁰, gaining a relative 1e-12. A stop on
  // "small gain" alone ends there, 50 away from the minimum.
  const m = bfgs(
    (x, g) => {
      g[0] = 2e6 * x[0]!;
      g[1] = 2e-6 * (x[1]! - 50);
      return 1e6 * x[0]! ** 2 + 1e-6 * (x[1]! - 50) ** 2;
    },
    [1e-9, 0],
  );
  assert.ok(Math.abs(m.x[1]! - 50) < 1e-3, m.x.join());
  assert.ok(Math.abs(m.x[0]!) < 1e-6, m.x.join());
});

test('bfgs: a first step along a huge gradient is cut to unit length, not halved down to it', () => {
  // A likelihood over thousands of events: gradient ~2e4 at the start, and no finite value
  // beyond |x| > 10 (as exp overflows in log coordinates). A full step of −g lands 2e4 away.
  let evals = 0;
  const m = bfgs(
    (x, g) => {
      evals++;
      if (Math.abs(x[0]!) > 10) return Infinity;
      g[0] = 2e4 * (x[0]! - 1);
      return 1e4 * (x[0]! - 1) ** 2;
    },
    [0],
  );
  assert.ok(Math.abs(m.x[0]! - 1) < 1e-9, m.x.join());
  assert.ok(evals <= 4, `${evals} evaluations`);
});

test('bfgs: a non-finite start returns at once; a wall is never crossed', () => {
  assert.equal(bfgs(() => Infinity, [1]).f, Infinity);
  const m = bfgs(
    (x, g) => {
      if (x[0]! > 2) return Infinity;
      g[0] = 2 * (x[0]! - 3);
      return (x[0]! - 3) ** 2;
    },
    [0],
  );
  assert.ok(Number.isFinite(m.f) && m.x[0]! <= 2 && m.x[0]! > 1.9, m.x.join());
});
