import type { RuntimeTimers } from '../../src/runtime';

/** The real setImmediate, for letting loopback datagrams be delivered between fake milliseconds. */
const realImmediate = setImmediate;
export const ioTurn = (): Promise<void> => new Promise<void>((resolve) => realImmediate(resolve));

/**
 * A fake clock for the timers a CameraRuntime schedules itself (battery idle close), nothing
 * else: sockets, races and the session layer keep real time. Time moves only in `advance`;
 * `now()` is the clock for the runtime's `now` option, so `since`/`lastSeen` are exact.
 */
export class ManualTimers implements RuntimeTimers {
  #now: number;
  #next = 1;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  readonly now = (): number => this.#now;

  /** Timers scheduled and neither fired nor cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /**
   * Moves time by `ms` in steps of at most `stepMs`, firing due timers in order and giving real
   * I/O a few event-loop turns after each step (what a fired timer sent gets delivered).
   */
  async advance(ms: number, stepMs = 1_000): Promise<void> {
    const end = this.#now + ms;
    while (this.#now < end) {
      const stepEnd = Math.min(end, this.#now + stepMs);
      for (;;) {
        const due = [...this.#timers].filter(([, t]) => t.at <= stepEnd).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (due === undefined) break;
        this.#timers.delete(due[0]);
        this.#now = due[1].at;
        due[1].callback();
        for (let i = 0; i < 4; i += 1) await ioTurn();
      }
      this.#now = stepEnd;
      for (let i = 0; i < 4; i += 1) await ioTurn();
    }
  }
}
