import type { PathStatsView } from './path-stats';
import type { TuningOptions } from './options';

/** `closed`: raced normally. `open`: skipped. `half-open`: cool-down over, one probe race allowed. */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerStatus {
  state: BreakerState;
  /** When an open breaker turns half-open (null unless open). */
  halfOpenAtMs: number | null;
}

export type BreakerOptions = Pick<TuningOptions, 'breakerThreshold' | 'breakerCooldownMs' | 'breakerMaxCooldownMs'>;

/**
 * Circuit breaker of one mode, derived (not stored) from its failure streak and last failure:
 *
 * - closed while consecutiveFailures < threshold;
 * - open for a cool-down after the failure that reached the threshold: cooldownMs·2^(streak - threshold),
 *   at most maxCooldownMs, counted from the last failure;
 * - half-open once that cool-down has passed: the mode is raced again (a probe). A win resets
 *   the streak (closed); a failure extends it, so it re-opens with a doubled cool-down;
 *   a cancellation changes nothing (the probe runs again next race).
 *
 * As every cool-down is finite, no mode is skipped forever.
 */
export function breakerStatus(stats: Pick<PathStatsView, 'consecutiveFailures' | 'lastFailureAtMs'>, nowMs: number, options: BreakerOptions): BreakerStatus {
  const streak = stats.consecutiveFailures;
  if (streak < options.breakerThreshold || stats.lastFailureAtMs === null) return { state: 'closed', halfOpenAtMs: null };
  // A last failure "later" than now means the clock was set back (or stored times came from a
  // clock ahead): its cool-down cannot be measured, so the mode gets its probe now instead of
  // being skipped until the clock catches up; the probe's outcome is recorded at the real time.
  if (stats.lastFailureAtMs > nowMs) return { state: 'half-open', halfOpenAtMs: null };
  const halfOpenAtMs = stats.lastFailureAtMs + breakerCooldownMs(streak, options);
  return nowMs >= halfOpenAtMs ? { state: 'half-open', halfOpenAtMs: null } : { state: 'open', halfOpenAtMs };
}

/** Cool-down after `streak` consecutive failures (streak ≥ threshold). */
export function breakerCooldownMs(streak: number, options: BreakerOptions): number {
  const trips = Math.max(0, streak - options.breakerThreshold);
  return Math.min(options.breakerCooldownMs * 2 ** Math.min(trips, 30), options.breakerMaxCooldownMs);
}
