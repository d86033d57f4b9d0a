/**
 * Round-trip estimator of RFC 6298 §2, applied to time-to-connect samples.
 *
 * First sample R: SRTT = R, RTTVAR = R/2. Each later sample R':
 * RTTVAR = (1 - β)·RTTVAR + β·|SRTT - R'| (with the old SRTT), then SRTT = (1 - α)·SRTT + α·R',
 * with α = 1/8 and β = 1/4. The timeout is SRTT + K·RTTVAR with K = 4 (the clock-granularity
 * term G is taken as 0; floors and caps are applied by the tuning, not here).
 */

export const RTT_ALPHA = 1 / 8;
export const RTT_BETA = 1 / 4;
export const RTT_K = 4;

/** Smoothed round-trip time and its variation, in ms. */
export interface RttEstimate {
  readonly srttMs: number;
  readonly rttvarMs: number;
}

/** The estimate after one more sample (`previous` null = first sample). */
export function updateRtt(previous: RttEstimate | null, sampleMs: number): RttEstimate {
  if (previous === null) return { srttMs: sampleMs, rttvarMs: sampleMs / 2 };
  const rttvarMs = (1 - RTT_BETA) * previous.rttvarMs + RTT_BETA * Math.abs(previous.srttMs - sampleMs);
  const srttMs = (1 - RTT_ALPHA) * previous.srttMs + RTT_ALPHA * sampleMs;
  return { srttMs, rttvarMs };
}

/** RFC 6298 retransmission timeout SRTT + 4·RTTVAR, unclamped. */
export function retransmissionTimeoutMs(estimate: RttEstimate): number {
  return estimate.srttMs + RTT_K * estimate.rttvarMs;
}
