import { MAX_DRW_DATA } from '../protocol';

/**
 * Every default of the session layer in one place, with where it comes from
 * (pppp.md = ../shared/protocol/pppp.md).
 */
export const SESSION_DEFAULTS = {
  /** ALIVE after this long without sending, or without hearing the peer (pppp.md §6.4: ~1 s). */
  keepaliveIntervalMs: 1_000,
  /** Nothing heard from the peer for this long: the session is lost (vendor library: ~7 s, pppp.md §6.4). */
  silenceMs: 7_000,
  /** Retransmission timeout before the first round-trip sample (RFC 6298 says 1 s; the real peers resend after tens of ms). */
  initialRtoMs: 200,
  /** Floor of the retransmission timeout (real app: resends every ~10-41 ms, pppp.md §4). */
  minRtoMs: 25,
  /** Cap of the retransmission timeout, also after back-off (well below the silence, so resends go on). */
  maxRtoMs: 1_000,
  /**
   * A packet's resend wait doubles per retransmission up to this factor of the RTO (RFC 6298
   * §5.5 style, but bounded: the real peers do not back off at all, and under random loss a
   * long back-off only stalls the window).
   */
  maxBackoffFactor: 4,
  /**
   * Fast retransmit: an unacknowledged packet is resent at once when this many packets sent
   * after it have been acknowledged (TCP's three duplicate ACKs; 0 turns it off).
   */
  fastResendAfter: 3,
  /** Outstanding DRW packets per channel: index span from the oldest unacknowledged to the next new one. */
  window: 64,
  /**
   * Out-of-order packets buffered per channel (so at most 8 × 1024 × 1 KiB = 8 MiB per session);
   * packets further ahead are dropped unacknowledged (the peer resends them). Large enough for a
   * peer that keeps sending while one packet waits ~50 ms for its resend.
   */
  maxOutOfOrder: 1024,
  /** Indices per DRW_ACK (the app sends up to 17, pppp.md §4). */
  maxAckIndices: 17,
  /** Bytes accepted by send() but not yet handed to the window, per session; more rejects. */
  maxQueuedBytes: 16 * 1024 * 1024,
  /** How long the runtime waits for the camera's "ACK" before it talks ARTEMIS anyway. */
  readyWaitMs: 3_000,
} as const;

/** DRW channels the session carries (0 commands, 1 and 4 bulk data on the KJK230; pppp.md §4). */
export const MAX_CHANNEL = 7;

/** Data per DRW packet (1032-byte datagrams, pppp.md §1). */
export const DRW_CHUNK = MAX_DRW_DATA;

/** The payload of the camera's first DRW on channel 0 (pppp.md §4: wrapper handshake). */
export const CAMERA_READY_DATA = Buffer.from('ACK');

/** Bounds that catch absurd option values. */
export const SESSION_LIMITS = {
  intervalMs: { min: 10, max: 60_000 },
  silenceMs: { min: 100, max: 10 * 60_000 },
  rtoMs: { min: 1, max: 60_000 },
  maxBackoffFactor: { min: 1, max: 64 },
  fastResendAfter: { min: 0, max: 0x4000 },
  window: { min: 1, max: 0x4000 },
  maxOutOfOrder: { min: 1, max: 0x4000 },
  maxAckIndices: { min: 1, max: 300 },
  maxQueuedBytes: { min: 1, max: 1024 * 1024 * 1024 },
} as const;
