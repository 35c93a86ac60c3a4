// The one record every benchmark reports: a figure, the same-run baseline it is judged against,
// and the DESIGN §4 target it is held to. perf-ci compares these with thresholds and history.
export interface Figure {
  /** Stable id (perf-ci/thresholds.json keys): `<case>.<measure>`. */
  readonly id: string;
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  /** The same-run reference the value is measured against, when the figure is a ratio. */
  readonly baseline?: { readonly label: string; readonly value: number; readonly unit: string };
  readonly note?: string;
}

export interface BenchCase {
  readonly id: string;
  readonly title: string;
  /** Runs in `--quick` mode (perf-ci in .ci/run): must finish in seconds. */
  readonly quick: boolean;
  run(opts: { readonly quick: boolean }): Promise<Figure[]>;
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  return a >= 100
    ? n.toFixed(0)
    : a >= 10
      ? n.toFixed(1)
      : a >= 1
        ? n.toFixed(2)
        : n.toPrecision(3);
}
