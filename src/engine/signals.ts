import { AbortError, toAbortError } from '../errors';

/**
 * A child AbortController that aborts when any parent signal aborts. `dispose()` removes the
 * listeners from the parents; call it in `finally` so long-lived parents do not collect them.
 */
export function linkedController(...parents: (AbortSignal | undefined)[]): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  return { controller, dispose: abortWith(controller, ...parents) };
}

/**
 * Aborts `controller` when any parent signal aborts (at once, with its reason, when one already
 * has); returns the function that removes the listeners from the parents.
 */
export function abortWith(controller: AbortController, ...parents: (AbortSignal | undefined)[]): () => void {
  const cleanups: (() => void)[] = [];
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    const onAbort = (): void => controller.abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => parent.removeEventListener('abort', onAbort));
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
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(toAbortError(signal?.reason, what));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function isAbortError(err: unknown): err is AbortError {
  return err instanceof AbortError;
}
