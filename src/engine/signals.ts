import { AbortError, toAbortError } from '../errors';

/**
 * A child AbortController that aborts when any parent signal aborts. `dispose()` removes the
 * listeners from the parents; call it in `finally` so long-lived parents do not collect them.
 */
export function linkedController(...parents: (AbortSignal | undefined)[]): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  return { controller, dispose: abortWith(controller, ...parents) };
}

/** The subscribers of each signal that has subscribers, and the one 'abort' listener they share (whenAborted). */
const shared = new WeakMap<AbortSignal, { subscribers: Set<() => void>; listener: () => void }>();

/**
 * Calls `fn` once when `signal` aborts (on a microtask when it already has); returns the function
 * that unsubscribes it. Every subscriber of one signal shares a single 'abort' listener, added
 * with the first and removed with the last: a caller's signal passed to many races at once (a
 * library user's one AbortController for a whole site) would otherwise collect one listener per
 * race and make Node print a MaxListenersExceededWarning from the 11th on. A subscriber that
 * throws does not keep the others from running; its error is rethrown on the next tick, as an
 * 'abort' listener's would be.
 */
export function whenAborted(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    let cancelled = false;
    queueMicrotask(() => cancelled || fn());
    return () => void (cancelled = true);
  }
  let entry = shared.get(signal);
  if (entry === undefined) {
    const subscribers = new Set<() => void>();
    const listener = (): void => {
      shared.delete(signal);
      for (const subscriber of [...subscribers]) {
        try {
          subscriber();
        } catch (err) {
          process.nextTick(() => {
            throw err;
          });
        }
      }
      subscribers.clear();
    };
    entry = { subscribers, listener };
    shared.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const subscription = (): void => fn(); // one entry per call, even for the same fn
  const owner = entry;
  owner.subscribers.add(subscription);
  return () => {
    if (!owner.subscribers.delete(subscription) || owner.subscribers.size > 0 || shared.get(signal) !== owner) return;
    shared.delete(signal);
    signal.removeEventListener('abort', owner.listener);
  };
}

/**
 * Aborts `controller` when any parent signal aborts (at once, with its reason, when one already
 * has); returns the function that unsubscribes it from the parents.
 */
export function abortWith(controller: AbortController, ...parents: (AbortSignal | undefined)[]): () => void {
  const cleanups: (() => void)[] = [];
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    cleanups.push(whenAborted(parent, () => controller.abort(parent.reason)));
  }
  return () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  };
}

/** Resolves after `ms`, or rejects with an AbortError when the signal aborts; the timer is always cleared. */
export function delay(ms: number, signal: AbortSignal | undefined, what = 'wait'): Promise<void> {
  if (signal?.aborted) return Promise.reject(toAbortError(signal.reason, what));
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      resolve();
    }, ms);
    const unsubscribe = signal
      ? whenAborted(signal, () => {
          clearTimeout(timer);
          reject(toAbortError(signal.reason, what));
        })
      : () => undefined;
  });
}

export function isAbortError(err: unknown): err is AbortError {
  return err instanceof AbortError;
}
