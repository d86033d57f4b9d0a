import type { Link } from '../engine';
import { Session, SESSION_DEFAULTS, type SessionEndReason, type SessionOptions } from '../session';

/**
 * True since src/session is wired in: every live session carries DRW channels, so camera
 * commands (ARTEMIS) work. Tests that need commands used to skip while this was false.
 */
export const SESSION_LAYER_AVAILABLE = true;

/** What the runtime needs of the session on a won link. */
export interface LiveSession {
  readonly open: boolean;
  /** Reliable DRW channels for the application layer (the Session itself). */
  readonly transport: Session;
  /** Called once when the session ends (lost or closed), with a short reason. */
  onEnd(listener: (reason: string) => void): void;
  /** Resolves with the reason once the session has ended. */
  readonly ended: Promise<string>;
  /**
   * Resolves once the camera said `ACK` on channel 0 (true) or after `timeoutMs` without it
   * (false); rejects if the session ends first or `signal` aborts.
   */
  whenReady(options: { signal?: AbortSignal; timeoutMs?: number }): Promise<boolean>;
  /** Sends CLOSE and releases the socket; resolves when it is released. Idempotent. */
  close(reason?: string): Promise<void>;
}

export interface LiveSessionOptions {
  /** No datagram from the camera for this long: the session is lost. */
  silenceMs: number;
  /** Further session tuning (keepalive interval, RTO bounds, window, …). */
  session?: SessionOptions;
}

/** The runtime's short reason for a session's end (status lines, availability.reason). */
export function endReasonText(reason: SessionEndReason): string {
  if (reason.kind === 'lost') return `lost: ${reason.reason === 'timeout' ? 'camera silent' : reason.reason}`;
  if (reason.reason === 'remote') return 'closed by the camera';
  if (reason.reason === 'link-closed') return 'socket closed';
  return reason.reason;
}

/**
 * Runs the session layer on a won link: ALIVE keepalive, DRW channels, loss after `silenceMs`
 * of silence (CLOSE is sent), CLOSE from the camera, socket errors.
 */
export function openLiveSession(link: Link, options: LiveSessionOptions): LiveSession {
  const keepaliveIntervalMs = Math.min(SESSION_DEFAULTS.keepaliveIntervalMs, Math.floor(options.silenceMs / 2));
  const session = new Session(link, { keepaliveIntervalMs, ...options.session, silenceMs: options.silenceMs });
  const listeners: ((reason: string) => void)[] = [];
  let closeReason: string | undefined;
  let resolveEnded: (reason: string) => void = () => undefined;
  const ended = new Promise<string>((resolve) => {
    resolveEnded = resolve;
  });
  const onEnd = (reason: SessionEndReason): void => {
    const text = reason.kind === 'closed' && reason.reason === 'local' && closeReason !== undefined ? closeReason : endReasonText(reason);
    resolveEnded(text);
    for (const listener of listeners.splice(0)) listener(text);
  };
  if (session.endReason) onEnd(session.endReason);
  else session.once('end', onEnd);
  return {
    get open() {
      return session.open;
    },
    transport: session,
    ended,
    onEnd: (listener) => {
      if (!session.open) {
        void ended.then(listener);
        return;
      }
      listeners.push(listener);
    },
    whenReady: (readyOptions) => session.whenReady(readyOptions),
    close: (reason = 'closed') => {
      if (session.open) closeReason = reason;
      return session.close();
    },
  };
}
