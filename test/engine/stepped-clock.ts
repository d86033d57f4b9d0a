import sinon from 'sinon';

/** The real setImmediate, taken before any fake clock is installed. */
const realImmediate = setImmediate;
const turn = (): Promise<void> => new Promise<void>((resolve) => realImmediate(resolve));

/**
 * A fake clock for tests with real loopback sockets: timers (setTimeout/setInterval) and Date are
 * fake, I/O is real. Time moves only in `advance`, one millisecond at a time, with a few real
 * event-loop turns after each step so datagrams sent in that millisecond are delivered (loopback
 * delivery completes inside the send call; the receiving socket is read in the next poll). So
 * "2 s after the race" is 2,000 fake milliseconds, whatever the machine's load.
 */
export class SteppedClock {
  readonly clock: sinon.SinonFakeTimers;

  constructor(now = Date.now()) {
    this.clock = sinon.useFakeTimers({ now, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  }

  /** Moves time by `ms`, delivering I/O between the milliseconds. */
  async advance(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 1) {
      await this.clock.tickAsync(1);
      for (let i = 0; i < 4; i += 1) await turn();
    }
  }

  /** Advances until `promise` settles (at most `maxMs`), then returns it. */
  async until<T>(promise: Promise<T>, maxMs: number): Promise<T> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let t = 0; t < maxMs && !settled; t += 1) await this.advance(1);
    for (let i = 0; i < 4 && !settled; i += 1) await turn();
    return promise;
  }

  restore(): void {
    this.clock.restore();
  }
}
