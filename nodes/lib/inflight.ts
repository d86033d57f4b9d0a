import { AbortError } from '../../src/errors';
import type { DoneFunction, Node, NodeMessage } from './red';

/**
 * The asynchronous work a node has in flight (one entry per input message). Each job gets an
 * AbortSignal; `abortAll()` (the node's close handler) aborts every job and resolves when all
 * have settled. A job's rejection never escapes: it goes to `done(err)` (so a Catch node gets
 * it), unless the node is closing, when an abort is expected and `done()` is called quietly.
 */
export class InFlight {
  readonly #jobs = new Map<AbortController, Promise<void>>();
  #closing = false;

  get size(): number {
    return this.#jobs.size;
  }

  /**
   * Runs `job` for one message. `onError` may show the error (e.g. a red status) before it goes
   * to `done(err)`.
   */
  run(node: Node, msg: NodeMessage, done: DoneFunction, job: (signal: AbortSignal) => Promise<void>, onError?: (err: Error) => void): void {
    const controller = new AbortController();
    if (this.#closing) {
      done();
      return;
    }
    const settled = (async () => {
      try {
        await job(controller.signal);
        done();
      } catch (err) {
        if (this.#closing && (controller.signal.aborted || err instanceof AbortError)) {
          done();
          return;
        }
        const error = err instanceof Error ? err : new Error(String(err));
        try {
          onError?.(error);
        } finally {
          done(error);
        }
      }
    })()
      .catch((err: unknown) => node.warn(err))
      .finally(() => this.#jobs.delete(controller));
    this.#jobs.set(controller, settled);
  }

  /** Aborts every job; resolves once all of them have settled. */
  async abortAll(reason = 'node closed'): Promise<void> {
    this.#closing = true;
    const jobs = [...this.#jobs];
    for (const [controller] of jobs) controller.abort(new AbortError(reason));
    await Promise.allSettled(jobs.map(([, promise]) => promise));
  }
}
