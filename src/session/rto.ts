import { retransmissionTimeoutMs, updateRtt, type RttEstimate } from '../telemetry/rtt';

/** Bounds of the retransmission timeout. */
export interface RtoBounds {
  /** Timeout before the first round-trip sample. */
  initialMs: number;
  minMs: number;
  maxMs: number;
}

/** The RFC 6298 estimate (the estimator of src/telemetry/rtt.ts), null before the first sample. */
export type RtoState = RttEstimate | null;

export const INITIAL_RTO: RtoState = null;

/**
 * The estimate after a round-trip sample of a packet sent once (Karn: samples of resent
 * packets are ambiguous and must not be fed here).
 */
export function rtoAfterSample(state: RtoState, sampleMs: number): RtoState {
  return updateRtt(state, Math.max(0, sampleMs));
}

/** The retransmission timeout now: SRTT + 4·RTTVAR (or the initial value), within [min, max]. */
export function rtoMs(state: RtoState, bounds: RtoBounds): number {
  const base = state === null ? bounds.initialMs : retransmissionTimeoutMs(state);
  return Math.min(bounds.maxMs, Math.max(bounds.minMs, base));
}

/**
 * Wait before retransmitting a packet already sent `transmissions` times: the RTO doubled per
 * earlier retransmission of that packet (RFC 6298 §5.5 back-off, kept per packet so that many
 * packets expiring together do not compound it), at most `maxFactor`·RTO and at most `maxMs`.
 */
export function backedOffRtoMs(rto: number, transmissions: number, maxMs: number, maxFactor = Infinity): number {
  return Math.min(maxMs, rto * Math.min(maxFactor, 2 ** Math.min(Math.max(transmissions - 1, 0), 20)));
}
