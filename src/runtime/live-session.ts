import type { Link } from '../engine';
import type { ChannelTransport } from '../session/types';

/**
 * False while src/session (DRW channels) is not wired in: sessions then have no transport, so
 * camera commands (ARTEMIS) fail with ERR_TRAILCAM_NO_CHANNELS. Tests that need commands skip
 * while this is false.
 */
export const SESSION_LAYER_AVAILABLE = false;

/** What the runtime needs of the session on a won link. */
export interface LiveSession {
  readonly open: boolean;
  /** Reliable DRW channels for the application layer; null while no session layer is available. */
  readonly transport: ChannelTransport | null;
  /** Called once when the session ends (lost or closed), with a short reason. */
  onEnd(listener: (reason: string) => void): void;
  /** Resolves with the reason once the session has ended. */
  readonly ended: Promise<string>;
  /** Sends CLOSE and releases the socket; resolves when it is released. Idempotent. */
  close(reason?: string): Promise<void>;
}

export interface LiveSessionOptions {
  /** No datagram from the camera for this long: the session is lost. */
  silenceMs: number;
}

/**
 * Keeps a won link as the camera's session: the link answers the camera's ALIVE; the session
 * is lost when the camera stays silent for `silenceMs`, closes (CLOSE) or the socket fails.
 */
export function openLiveSession(link: Link, options: LiveSessionOptions): LiveSession {
  const listeners: ((reason: string) => void)[] = [];
  let resolveEnded: (reason: string) => void = () => undefined;
  const endedPromise = new Promise<string>((resolve) => {
    resolveEnded = resolve;
  });
  let ended = false;
  let timer: NodeJS.Timeout | undefined;
  const end = (reason: string, notifyPeer: boolean): Promise<void> => {
    if (!ended) {
      ended = true;
      clearTimeout(timer);
      link.off('message', onMessage);
      link.off('close', onClose);
      resolveEnded(reason);
      for (const listener of listeners.splice(0)) listener(reason);
    }
    return link.close(notifyPeer);
  };
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => void end('lost: camera silent', false), options.silenceMs);
  };
  const onMessage = (message: { type: string }): void => {
    if (message.type === 'CLOSE') void end('closed by the camera', false);
    else arm();
  };
  const onClose = (): void => void end('socket closed', false);
  link.on('message', onMessage);
  link.on('close', onClose);
  arm();
  return {
    get open() {
      return !ended && link.open;
    },
    transport: null,
    ended: endedPromise,
    onEnd: (listener) => {
      listeners.push(listener);
    },
    close: (reason = 'closed') => end(reason, true),
  };
}
