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
      if (inFlight === 0) answerTimes.reset(); // the burst is over: the next one measures afresh
    },
  };
}

/**
 * How long the LAN punches of this process's busy races take to be answered just now: a
 * smoothed answer time and its variation, updated as in RFC 6298 (SRTT, RTTVAR; gains 1/8 and
 * 1/4), from every busy race that the first port's direct punch won (`leaderAnswered`). In a
 * burst the answers queue behind each other on both ends (hundreds of cameras answering on one
 * machine, or one client reading hundreds of answers): a punch that waited longer than one probe
 * interval is then most likely queued, not lost. So a busy race's hold waits at least
 * `answerWindowMs()` = SRTT + 4 × RTTVAR (the retransmission timeout of RFC 6298 §2) before it
 * starts P2P, relay and the held LAN probes, which would add their own sockets and server
 * round trips to the queue (measured at 1,000 cameras: a hold opened that way starts 13 sockets).
 * Reset when the last race in flight ends.
 */
class AnswerTimes {
  #srtt: number | undefined;
  #rttvar = 0;

  sample(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    if (this.#srtt === undefined) {
      this.#srtt = ms;
      this.#rttvar = ms / 2;
      return;
    }
    this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - ms);
    this.#srtt = 0.875 * this.#srtt + 0.125 * ms;
  }

  /** SRTT + 4 × RTTVAR; 0 before any sample. */
  windowMs(): number {
    return this.#srtt === undefined ? 0 : this.#srtt + 4 * this.#rttvar;
  }

  reset(): void {
    this.#srtt = undefined;
    this.#rttvar = 0;
  }
}

const answerTimes = new AnswerTimes();

/** A busy race's first-port direct punch was answered `ms` after its first socket opened (see AnswerTimes). */
export function leaderAnswered(ms: number): void {
  answerTimes.sample(ms);
}

/** How long a busy race's hold waits at least, from the answers of this process's recent busy races (see AnswerTimes). */
export function answerWindowMs(): number {
  return answerTimes.windowMs();
}

/** Races in flight in this process (for tests and the benchmark). */
export function racesInFlight(): number {
  return inFlight;
}

/**
 * A timer that fires more than this share of its interval late shows a saturated event loop:
 * the interval does not count, and the wait starts again.
 */
export const LATE_SHARE = 0.25;

/**
 * The hold of a busy race's followers. `leaderStarted()` (the LAN racer's first socket is open,
 * its punch on the way) starts the wait: it opens once max(`intervalMs`, `windowMs()`) has
 * passed and the latest interval ran on an event loop that kept up. A timer that fired more than LATE_SHARE × intervalMs late (the loop was busy
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
  readonly #waiters = new Set<() => void>();

  constructor(
    readonly intervalMs: number,
    readonly maxHoldMs: number,
    /** The clock (tests pass one to make a timer fire late). */
    readonly now: () => number = () => performance.now(),
    /** The least the leader waits, read whenever a timer fires (race(): answerWindowMs). */
    readonly windowMs: () => number = () => 0,
  ) {}

  get open(): boolean {
    return this.#open;
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
      const window = Math.max(this.intervalMs, this.windowMs());
      if (!late && waited >= window) return this.release();
      // A late timer: a fresh interval on a loop that keeps up; else the rest of the window.
      this.#arm(startedAt, Math.min(this.maxHoldMs - waited, late ? this.intervalMs : window - waited));
    }, waitMs);
  }

  /** Opens the hold now (idempotent). */
  release(): void {
    if (this.#open) return;
    this.#open = true;
    clearTimeout(this.#timer);
    for (const wake of [...this.#waiters]) wake();
    this.#waiters.clear();
  }

  /** Clears the timer without opening the hold. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#waiters.clear();
  }

  /** The Gate of firstSuccess: `fn` runs when the hold opens (at once if it is open); returns an unsubscribe. */
  whenOpen(fn: () => void): () => void {
    if (this.#open) {
      fn();
      return () => undefined;
    }
    this.#waiters.add(fn);
    return () => this.#waiters.delete(fn);
  }
}
