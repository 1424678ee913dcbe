/** Latency figures over a set of samples, in milliseconds. */
export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarise(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
    mean: round(total / sorted.length),
  };
}

export function median(samples: readonly number[]): number {
  return percentile(
    [...samples].sort((a, b) => a - b),
    50,
  );
}

export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

export const ratio = (value: number, floor: number): number => round(value / floor, 2);

/** The percentiles a distribution is drawn at (bench/report.html). */
export const CURVE_PERCENTILES = [1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 100] as const;

/** Latency at each of CURVE_PERCENTILES: the distribution, small enough to keep in results.json. */
export function percentileCurve(samples: readonly number[]): { p: number; ms: number }[] {
  const sorted = [...samples].sort((a, b) => a - b);
  return CURVE_PERCENTILES.map((p) => ({ p, ms: round(percentile(sorted, p)) }));
}
