import { AbortError, toAbortError } from '../errors';

/**
 * What the monitor needs of the camera runtime. The runtime itself reports availability from
 * its sessions and races; the monitor only keeps trying.
 */
export interface MonitorTarget {
  /** Brings a session up (or reuses the live one). */
  connect(signal: AbortSignal): Promise<unknown>;
  /** Resolves when the live session ends (at once if there is none). */
  sessionEnded(signal: AbortSignal): Promise<unknown>;
}

export interface MonitorOptions {
  /** Wait before the first retry after a failure or a lost session. */
  minBackoffMs: number;
  /** Largest wait; the wait doubles after every failed race up to this. */
  maxBackoffMs: number;
}

/** Wait before reconnect attempt `failures` (1, 2, ...): min·2^(n-1), at most max. */
export function backoffMs(failures: number, options: MonitorOptions): number {
  return Math.min(options.minBackoffMs * 2 ** Math.min(Math.max(failures - 1, 0), 30), options.maxBackoffMs);
}

/**
 * Keeps a camera's session up while `signal` is not aborted: connects, waits for the session to
 * end, waits a backoff, connects again; after a failed race the backoff doubles. Resolves when aborted (never rejects
 * for an abort); every wait honours the signal, so nothing outlives it.
 */
export async function runMonitor(target: MonitorTarget, options: MonitorOptions, signal: AbortSignal): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    try {
      await target.connect(signal);
      failures = 0;
      await target.sessionEnded(signal);
      await abortableDelay(options.minBackoffMs, signal);
    } catch (err) {
      if (signal.aborted || err instanceof AbortError) return;
      failures += 1;
      try {
        await abortableDelay(backoffMs(failures, options), signal);
      } catch {
        return;
      }
    }
  }
}

/** Resolves after `ms` or rejects with an AbortError when `signal` aborts; the timer is always cleared. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(toAbortError(signal.reason, 'wait'));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(toAbortError(signal.reason, 'wait'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Settles like `promise`, or rejects with an AbortError as soon as `signal` aborts (listener removed either way). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) return Promise.reject(toAbortError(signal.reason, what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(toAbortError(signal.reason, what));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
