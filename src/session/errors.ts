import { TrailcamError } from '../errors';
import type { SessionEndReason } from './types';

/** A send that could not be delivered because the session ended first (lost or closed). */
export class SessionEndedError extends TrailcamError {
  readonly reason: SessionEndReason;

  constructor(what: string, reason: SessionEndReason) {
    super('ERR_TRAILCAM_SESSION_ENDED', `${what} not delivered: session ${describeEnd(reason)}`, { cause: reason.error });
    this.reason = reason;
  }
}

/** send() was refused because too much data is already waiting for the window. */
export class SessionQueueFullError extends TrailcamError {
  readonly queuedBytes: number;
  readonly limit: number;

  constructor(what: string, queuedBytes: number, limit: number) {
    super('ERR_TRAILCAM_SESSION_QUEUE_FULL', `${what} refused: ${queuedBytes} bytes already queued (limit ${limit})`);
    this.queuedBytes = queuedBytes;
    this.limit = limit;
  }
}

/** "lost (timeout)", "closed (remote)", … */
export function describeEnd(reason: SessionEndReason): string {
  return `${reason.kind} (${reason.reason}${reason.error ? `: ${reason.error.message}` : ''})`;
}
