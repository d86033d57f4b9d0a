import { performance } from 'node:perf_hooks';
import type { Gate } from './first-success';

/**
 * The busy engine (issue 16). A race normally starts every racer in the same tick, as the
 * vendor library does: with one camera, or a few, that costs nothing noticeable and wins the
 * fastest path. With hundreds of races in flight in one process (a burst: every camera of a
 * large site raced at once), the P2P and relay racers and the LAN search of every race open
 * sockets and talk to servers while the LAN punch, which answers in one round trip, waits
 * behind them for the CPU: the burst takes many times longer than its LAN handshakes alone.
 *
 * So a race that starts while at least BUSY_RACES others are in flight is *busy*: its
 * followers (P2P, relay, the LAN search probes and the direct punches of every LAN port after
 * the first) are held until the LAN punch has had its
 * chance: one probe interval after its first socket opened, counted only while the event
 * loop keeps up (see FollowerHold). A follower is released at once when the LAN racer fails, and
 * at the latest after `maxHoldMs`. A race with fewer races in flight is not affected, so a
 * single race (every scenario of the benchmark, every test of the network tier) keeps the
 * vendor's all-at-once semantics and its regret.
 */
export const BUSY_RACES = 16;

let inFlight = 0;

/** Counts a race in; `busy` says whether BUSY_RACES others were in flight. `leave()` counts it out (idempotent). */
export function enterRace(): { busy: boolean; leave(): void } {
  const busy = inFlight >= BUSY_RACES;
  inFlight += 1;
  let left = false;
  return {
    busy,
    leave: () => {
      if (left) return;
      left = true;
      inFlight -= 1;
      if (inFlight === 0) lastAnswerAt = undefined; // the burst is over
    },
  };
}

/**
 * When a busy race of this process last won by its first port's direct punch (`leaderAnswered`).
 * In a burst the answers queue behind each other on both ends (hundreds of cameras answering on
 * one machine, or one client reading hundreds of answers): while answers keep arriving, a punch
 * that waited longer than one probe interval is most likely queued, not lost. So a busy race's
 * hold opens only after an interval in which no other busy race got its answer
 * (`answeredWithin`), or at its maxHoldMs: it does not start P2P, relay and the held LAN probes
 * (13 sockets with the default config, and their server round trips) on top of the queue for a
 * race whose answer is only late. Forgotten when the last race in flight ends.
 */
let lastAnswerAt: number | undefined;

/** A busy race's first-port direct punch was answered (see lastAnswerAt). */
export function leaderAnswered(at: number = performance.now()): void {
  lastAnswerAt = at;
}

/** Whether a busy race's first-port punch was answered less than `ms` before `now`. */
export function answeredWithin(ms: number, now: number = performance.now()): boolean {
  return lastAnswerAt !== undefined && now - lastAnswerAt < ms;
}

/** Races in flight in this process (for tests and the benchmark). */
export function racesInFlight(): number {
  return inFlight;
}

/** Whether BUSY_RACES races besides one are in flight now (FollowerHold.unlessBusy of a race counted in). */
export function othersBusy(): boolean {
  return inFlight > BUSY_RACES;
}

/**
 * A timer that fires more than this share of its interval late shows a saturated event loop:
 * the interval does not count, and the wait starts again.
 */
export const LATE_SHARE = 0.25;

/**
 * The hold of a busy race's followers. `leaderStarted()` (the LAN racer's first socket is open,
 * its punch on the way) starts the wait: it opens once `intervalMs` has passed on an event loop
 * that kept up, at the end of an interval in which other busy races' punches were no longer
 * being answered (`stillAnswering()`). A timer that fired more than LATE_SHARE × intervalMs late (the loop was busy
 * with other work, e.g. other races' answers, and the answer our punch waits for may be queued
 * behind it) is re-armed instead; after `maxHoldMs` it opens whatever the loop does.
 * `release()` opens it at once (the LAN racer ended without winning). Held contenders wait on it
 * as firstSuccess's Gate (`whenOpen`), not started at all until it opens. `dispose()` clears the
 * timer (the race is over). No AbortController of its own: a race must stay cheap (issue 16).
 */
export class FollowerHold implements Gate {
  #open = false;
  #startedAt: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #decision: NodeJS.Immediate | undefined;
  /** A few at most (race()'s own wait, the held racers and probes): an array, cheaper than a set per race. */
  #waiters: (() => void)[] | undefined;

  constructor(
    readonly intervalMs: number,
    readonly maxHoldMs: number,
    /** The clock (tests pass one to make a timer fire late). */
    readonly now: () => number = () => performance.now(),
    /** Whether other busy races' punches are still being answered (race(): answeredWithin one interval); read when a timer fires. */
    readonly stillAnswering: () => boolean = () => false,
  ) {}

  get open(): boolean {
    return this.#open;
  }

  /**
   * For a race that was not busy when it started: decides in the check phase of this loop
   * iteration, once every race this tick started has been counted in, whether it is busy after
   * all. If `busy()` says no, the hold opens then; else it holds like a busy race's. In a burst
   * (hundreds of race() calls in one tick) the first BUSY_RACES races cannot know about the
   * races after them and would start every racer and port (14 sockets each with the default
   * config); deciding at the end of the tick holds them like the rest. Cleared by `dispose()`.
   */
  unlessBusy(busy: () => boolean): void {
    if (this.#open || this.#decision) return;
    this.#decision = setImmediate(() => {
      this.#decision = undefined;
      if (!busy()) this.release();
    });
  }

  /** Starts the wait (idempotent). */
  leaderStarted(): void {
    if (this.#startedAt !== undefined || this.#open) return;
    this.#startedAt = this.now();
    this.#arm(this.#startedAt, Math.min(this.intervalMs, this.maxHoldMs));
  }

  /** When the leader started (the hold's clock), once it has. */
  get startedAt(): number | undefined {
    return this.#startedAt;
  }

  #arm(startedAt: number, waitMs: number): void {
    const due = this.now() + waitMs;
    this.#timer = setTimeout(() => {
      const now = this.now();
      const waited = now - startedAt;
      if (waited >= this.maxHoldMs) return this.release();
      const late = now - due > LATE_SHARE * this.intervalMs;
      if (!late && !this.stillAnswering()) return this.release();
      // A late timer, or answers still flowing: another interval (never past maxHoldMs).
      this.#arm(startedAt, Math.min(this.intervalMs, this.maxHoldMs - waited));
    }, waitMs);
  }

  /** Opens the hold now (idempotent). */
  release(): void {
    if (this.#open) return;
    this.#open = true;
    clearTimeout(this.#timer);
    if (this.#decision) clearImmediate(this.#decision);
    this.#decision = undefined;
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters) for (const wake of [...waiters]) wake(); // a copy: a waiter's unsubscribe splices the original
  }

  /** Clears the timer without opening the hold. */
  dispose(): void {
    clearTimeout(this.#timer);
    if (this.#decision) clearImmediate(this.#decision);
    this.#decision = undefined;
    this.#waiters = undefined;
  }

  /** The Gate of firstSuccess: `fn` runs when the hold opens (at once if it is open); returns an unsubscribe. */
  whenOpen(fn: () => void): () => void {
    if (this.#open) {
      fn();
      return () => undefined;
    }
    const waiters = (this.#waiters ??= []);
    waiters.push(fn);
    return () => {
      const at = waiters.indexOf(fn);
      if (at >= 0) waiters.splice(at, 1);
    };
  }
}
