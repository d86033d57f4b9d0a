import { toAbortError } from '../errors';

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
  /** Wait before the first retry after a failure, and before reconnecting after a lost session. */
  minBackoffMs: number;
  /** Largest wait (jitter never exceeds it). */
  maxBackoffMs: number;
  /** Each further failed race multiplies the wait by this (≥ 1). */
  factor: number;
  /** Fraction 0..1 of each wait taken off at random, so cameras do not retry in lockstep. */
  jitter: number;
  /** Random source in [0, 1) for the jitter (inject a seeded one in tests). Default Math.random. */
  random?: () => number;
  /** Called before every wait with its length and the failures so far (0 after a lost session). */
  onBackoff?: (delayMs: number, failures: number) => void;
}

/**
 * Wait before reconnect attempt number `failures` + 1 (`failures` = failed races in a row; 0
 * after a lost session): min·factor^(failures-1), at most max, then reduced by up to
 * `jitter`·wait at random (`r` in [0, 1)). Never above max, never below (1 − jitter)·wait.
 */
export function backoffMs(failures: number, options: MonitorOptions, r = 0): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 60);
  const base = Math.min(options.minBackoffMs * options.factor ** exponent, options.maxBackoffMs);
  return Math.round(base * (1 - options.jitter * Math.min(Math.max(r, 0), 1)));
}

/**
 * Keeps a camera's session up while `signal` is not aborted: connects, waits for the session to
 * end, waits a backoff, connects again; after each failed race the wait grows by `factor` up to
 * `maxBackoffMs`, and a successful race resets it. One connect at a time (never two races for
 * one camera from the monitor). Resolves when `signal` aborts (never rejects for it) and only
 * then: any other error, an AbortError included, counts as a failure; every wait honours the
 * signal, so nothing outlives it.
 */
export async function runMonitor(target: MonitorTarget, options: MonitorOptions, signal: AbortSignal): Promise<void> {
  const random = options.random ?? Math.random;
  let failures = 0;
  const wait = async (): Promise<void> => {
    const delay = backoffMs(failures, options, random());
    options.onBackoff?.(delay, failures);
    await abortableDelay(delay, signal);
  };
  while (!signal.aborted) {
    try {
      await target.connect(signal);
      failures = 0;
      await target.sessionEnded(signal);
      await wait();
    } catch {
      // Only the monitor's own abort stops it: an AbortError from elsewhere (a shared race or a
      // command that another caller aborted) is one more failure, like any other.
      if (signal.aborted) return;
      failures += 1;
      try {
        await wait();
      } catch {
        return; // the wait rejects only when the signal aborts
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
