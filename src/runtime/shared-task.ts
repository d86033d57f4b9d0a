import { toAbortError } from '../errors';

/**
 * One asynchronous job (a race) shared by several callers. Each caller waits with its own
 * AbortSignal; a caller that aborts stops waiting at once (rejecting with an AbortError), and
 * when the last waiter has gone the job itself is aborted. `abort()` aborts it regardless
 * (the owner closing). Every listener is removed when its waiter settles.
 */
export class SharedTask<T> {
  readonly #controller = new AbortController();
  readonly #promise: Promise<T>;
  #waiters = 0;
  #settled = false;

  constructor(run: (signal: AbortSignal) => Promise<T>) {
    this.#promise = run(this.#controller.signal);
    const settle = (): void => {
      this.#settled = true;
    };
    this.#promise.then(settle, settle);
  }

  /** Settles with the job, or rejects with an AbortError as soon as `signal` aborts. */
  join(signal: AbortSignal | undefined, what: string): Promise<T> {
    if (signal?.aborted) return Promise.reject(toAbortError(signal.reason, what));
    this.#waiters += 1;
    if (signal === undefined) {
      return this.#promise.finally(() => {
        this.#waiters -= 1;
      });
    }
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const leave = (): boolean => {
        if (done) return false;
        done = true;
        this.#waiters -= 1;
        signal.removeEventListener('abort', onAbort);
        return true;
      };
      const onAbort = (): void => {
        if (!leave()) return;
        reject(toAbortError(signal.reason, what));
        if (this.#waiters === 0 && !this.#settled) this.#controller.abort(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#promise.then(
        (value) => leave() && resolve(value),
        (err: unknown) => leave() && reject(err),
      );
    });
  }

  /** The job itself (for the owner, which must not count as a waiter). */
  get promise(): Promise<T> {
    return this.#promise;
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** True once the job was aborted (its last waiter left, or `abort()`), though it may not have settled yet. */
  get aborted(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Aborts the job (no-op once settled). */
  abort(reason: unknown): void {
    if (!this.#settled) this.#controller.abort(reason);
  }
}
