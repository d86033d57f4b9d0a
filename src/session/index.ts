/** The session layer: keepalive and reliable DRW channels on a won Link (pppp.md §4, §6.4). */
export { Session, type SessionEvents, type SessionLink, type SessionStats } from './session';
export { resolveSessionOptions, type SessionOptions, type ResolvedSessionOptions } from './options';
export { SESSION_DEFAULTS, SESSION_LIMITS, MAX_CHANNEL, CAMERA_READY_DATA } from './constants';
export { SessionEndedError, SessionQueueFullError, describeEnd } from './errors';
export { DrwReceiver, type ReceiveOutcome } from './drw-receiver';
export { DrwSender, type SendTicket, type OutgoingPacket, type AckResult } from './drw-sender';
export { Keepalive, type KeepaliveCheck } from './keepalive';
export { INITIAL_RTO, rtoAfterSample, rtoMs, backedOffRtoMs, type RtoState, type RtoBounds } from './rto';
export type { ChannelTransport, SessionEndReason } from './types';
