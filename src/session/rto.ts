import { retransmissionTimeoutMs, updateRtt, type RttEstimate } from '../telemetry/rtt';

/** Bounds of the retransmission timeout. */
export interface RtoBounds {
  /** Timeout before the first round-trip sample. */
  initialMs: number;
  minMs: number;
  maxMs: number;
}

/** State of one RTO estimator: the RFC 6298 estimate (shared with telemetry) and the back-off factor. */
export interface RtoState {
  readonly estimate: RttEstimate | null;
  /** 1, 2, 4, …: doubled per expiry (RFC 6298 §5.5), back to 1 on a fresh sample. */
  readonly backoff: number;
}

export const INITIAL_RTO: RtoState = { estimate: null, backoff: 1 };

/**
 * A round-trip sample of a packet sent once (Karn: samples of resent packets are ambiguous and
 * must not be fed here). Resets the back-off.
 */
export function rtoAfterSample(state: RtoState, sampleMs: number): RtoState {
  return { estimate: updateRtt(state.estimate, Math.max(0, sampleMs)), backoff: 1 };
}

/** A retransmission timer expired: back off (the result is capped by `rtoMs`). */
export function rtoAfterExpiry(state: RtoState, bounds: RtoBounds): RtoState {
  // Stop doubling once the cap is reached: keeps the number small.
  if (rtoMs(state, bounds) >= bounds.maxMs) return state;
  return { estimate: state.estimate, backoff: state.backoff * 2 };
}

/** The retransmission timeout now: SRTT + 4·RTTVAR (or the initial value), backed off, within [min, max]. */
export function rtoMs(state: RtoState, bounds: RtoBounds): number {
  const base = state.estimate === null ? bounds.initialMs : retransmissionTimeoutMs(state.estimate);
  return Math.min(bounds.maxMs, Math.max(bounds.minMs, base) * state.backoff);
}
