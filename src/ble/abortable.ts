import { toAbortError } from '../errors';

/**
 * `promise`, or an AbortError as soon as `signal` aborts. When the promise settles after the
 * abort, `onLate` gets its value (to close a late connection); its rejection is swallowed.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal, what: string, onLate?: (value: T) => void): Promise<T> {
  if (signal.aborted) {
    promise.then(
      (value) => onLate?.(value),
      () => undefined,
    );
    return Promise.reject(toAbortError(signal.reason, what));
  }
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const onAbort = (): void => {
      done = true;
      reject(toAbortError(signal.reason, what));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (done) onLate?.(value);
        else resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!done) reject(err);
      },
    );
  });
}
