import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { AbortError, toAbortError } from '../errors';
import { linkedController } from './signals';

/** Something that opens once: `whenOpen(fn)` calls `fn` when it opens (at once if open) and returns an unsubscribe. */
export interface Gate {
  whenOpen(fn: () => void): () => void;
}

/** One thing to try: started after `delayMs` (or at once when every earlier contender has failed). */
export interface Contender<T> {
  delayMs: number;
  /**
   * Also wait for this gate (the busy engine's hold, busy.ts): the contender starts after its
   * delay once the gate is open, or at once when a running contender fails. Until then it is not
   * started at all (no promise, no listener): a race won before the gate opens costs it nothing.
   */
  gate?: Gate;
  start(signal: AbortSignal): Promise<T>;
}

export interface FirstSuccess<T> {
  value: T;
  index: number;
}

/**
 * The abort reason of every contender that lost to a winner. One shared instance: every loser's
 * `toAbortError` passes it on instead of building an Error (and its stack) of its own, and
 * building one per win cost ~4 % of a 1,000-camera burst (issue 16). It carries no stack worth
 * reading; what lost and why is in the race's RacerInfo ("another racer won").
 */
export const ANOTHER_CONTENDER_WON: AbortError = new AbortError('another contender won');

/** Every contender failed; `errors[i]` is contender i's error (undefined if it never started). */
export class AllFailedError extends Error {
  constructor(readonly errors: (unknown | undefined)[]) {
    super('every contender failed');
  }
}

/**
 * The race primitive used for the three racers and for the LAN racer's destination ports
 * (Happy Eyeballs, RFC 8305 style):
 * - contender i starts after its `delayMs`; when a running contender fails, the next waiting
 *   one starts at once instead of waiting out its delay; a delay never cancels a running one;
 * - the first success wins: every other running contender's signal is aborted and waiting ones
 *   never start (with no other contender running, nothing is aborted: no one would listen); the promise settles only after every started contender has settled, so their sockets
 *   are closed by then;
 * - a contender that succeeds after the win is handed to `onLate` (to close it);
 * - aborting `signal` rejects with an AbortError once everything has settled;
 * - when all fail, rejects with AllFailedError carrying every error.
 *
 * `owned`: the controller of `signal` itself, handed over by a caller that uses it for nothing
 * but this race (race() with its deadline): the contenders run on it directly and a win aborts
 * it (when a loser is running), instead of a controller of firstSuccess's own linked to `signal` (one controller and one
 * listener less per race, issue 16).
 */
export function firstSuccess<T>(
  contenders: readonly Contender<T>[],
  signal: AbortSignal | undefined,
  onLate: (value: T, index: number) => Promise<void> | void,
  owned?: AbortController,
): Promise<FirstSuccess<T>> {
  if (owned && owned.signal !== signal) throw new TypeError('firstSuccess: the owned controller must be the one of the signal');
  return new Promise((resolve, reject) => {
    const { controller, dispose } = owned ? { controller: owned, dispose: () => undefined } : linkedController(signal);
    // Every running contender links its own controller to this signal (one listener each; the LAN
    // racer has two probes per port, so 12 for the six default ports): a fan-out, not a leak, so
    // Node's default of 10 listeners would print a MaxListenersExceededWarning for every big race.
    if (contenders.length > 3) setMaxListeners(contenders.length + 10, controller.signal);
    const timers: (NodeJS.Timeout | undefined)[] = contenders.map(() => undefined);
    const gates: (() => void)[] = [];
    const started: boolean[] = contenders.map(() => false);
    const errors: unknown[] = contenders.map(() => undefined);
    const lateWork: Promise<void>[] = [];
    let running = 0;
    let winner: FirstSuccess<T> | undefined;
    let finished = false;

    const stopWaiting = (): void => {
      timers.forEach((timer, i) => {
        if (timer) clearTimeout(timer);
        timers[i] = undefined;
      });
      for (const unsubscribe of gates.splice(0)) unsubscribe();
    };

    const finish = (): void => {
      if (finished || running > 0) return;
      const waiting = started.some((s) => !s);
      if (!winner && !controller.signal.aborted && waiting) return;
      finished = true;
      stopWaiting();
      dispose();
      const settle = (): void => {
        if (winner) resolve(winner);
        else if (signal?.aborted) reject(toAbortError(signal.reason, 'race'));
        else reject(new AllFailedError(errors));
      };
      // Most races have no late winner to close: no promise to wait for (issue 16).
      if (lateWork.length === 0) settle();
      else void Promise.allSettled(lateWork).then(settle);
    };

    const start = (i: number): void => {
      if (started[i] || finished || winner || controller.signal.aborted) return;
      started[i] = true;
      if (timers[i]) clearTimeout(timers[i]);
      timers[i] = undefined;
      running += 1;
      let attempt: Promise<T>;
      try {
        attempt = contenders[i].start(controller.signal);
      } catch (err) {
        attempt = Promise.reject(err);
      }
      attempt.then(
        (value) => {
          running -= 1;
          if (!winner && !(signal?.aborted ?? false)) {
            winner = { value, index: i };
            stopWaiting();
            // Only running losers listen to the signal (waiting ones were just stopped): with none,
            // the abort is skipped. Dispatching it cost ~10 % of a busy race's CPU, where the
            // LAN punch wins before any follower started (issue 16).
            if (running > 0) controller.abort(ANOTHER_CONTENDER_WON);
          } else {
            lateWork.push(Promise.resolve().then(() => onLate(value, i)));
          }
          finish();
        },
        (err: unknown) => {
          running -= 1;
          errors[i] = err;
          if (!winner && !controller.signal.aborted) {
            const next = nextWaiting();
            if (next !== undefined) start(next);
          }
          finish();
        },
      );
    };

    const nextWaiting = (): number | undefined => {
      let best: number | undefined;
      contenders.forEach((c, i) => {
        if (!started[i] && (best === undefined || c.delayMs < contenders[best].delayMs)) best = i;
      });
      return best;
    };

    controller.signal.addEventListener(
      'abort',
      () => {
        stopWaiting();
        finish();
      },
      { once: true },
    );

    if (controller.signal.aborted) {
      finish();
      return;
    }
    // A gated contender's delay still counts from here: it starts when both have passed.
    const t0 = performance.now();
    const arm = (c: Contender<T>, i: number): void => {
      const delayMs = c.delayMs - (performance.now() - t0);
      if (delayMs <= 0) start(i);
      else timers[i] = setTimeout(() => start(i), delayMs);
    };
    contenders.forEach((c, i) => {
      if (c.gate) gates.push(c.gate.whenOpen(() => arm(c, i)));
      else arm(c, i);
    });
    finish();
  });
}
