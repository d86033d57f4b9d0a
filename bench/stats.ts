import { nearestRankPercentile } from '../src/telemetry/percentile';

/** Percentiles of a list of samples (nearest rank, see src/telemetry/percentile.ts); null without samples. */
export interface Distribution {
  n: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  mean: number | null;
  max: number | null;
}

/** Rounds to 0.1 (the engine's own resolution). */
export const round1 = (value: number): number => Math.round(value * 10) / 10;

export function distribution(samples: readonly number[]): Distribution {
  const pick = (p: number): number | null => {
    const v = nearestRankPercentile(samples, p);
    return v === null ? null : round1(v);
  };
  return {
    n: samples.length,
    p50: pick(50),
    p95: pick(95),
    p99: pick(99),
    mean: samples.length === 0 ? null : round1(samples.reduce((a, b) => a + b, 0) / samples.length),
    max: samples.length === 0 ? null : round1(Math.max(...samples)),
  };
}

/** Fraction `part / whole` (0 when `whole` is 0), rounded to 4 decimals. */
export function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
}
