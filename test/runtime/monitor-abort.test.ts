import assert from 'node:assert/strict';
import sinon from 'sinon';
import { AbortError } from '../../src/errors';
import { runMonitor, type MonitorOptions, type MonitorTarget } from '../../src/runtime/availability';

const OPTIONS: MonitorOptions = { minBackoffMs: 100, maxBackoffMs: 1000, factor: 2, jitter: 0 };

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
}

describe('runtime: runMonitor stops only for its own abort', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.restore());

  /** A target whose connects reject with `errors` in turn, then hang until the monitor's signal aborts. */
  function target(errors: Error[]): MonitorTarget & { calls: number } {
    const t = {
      calls: 0,
      connect: (signal: AbortSignal): Promise<unknown> => {
        t.calls += 1;
        const error = errors[t.calls - 1];
        if (error) return Promise.reject(error);
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      },
      sessionEnded: (): Promise<unknown> => Promise.resolve('no session'),
    };
    return t;
  }

  it('an AbortError that does not come from its signal (a race or command aborted by something else) is a failure: it backs off and retries', async () => {
    const t = target([new AbortError('race aborted: the other caller stopped it'), new AbortError('ARTEMIS login aborted')]);
    const waits: [number, number][] = [];
    const controller = new AbortController();
    let finished = false;
    const done = runMonitor(t, { ...OPTIONS, onBackoff: (ms, failures) => waits.push([ms, failures]) }, controller.signal).then(() => {
      finished = true;
    });
    await flush();
    assert.equal(finished, false, 'the monitor goes on after a foreign AbortError');
    assert.deepEqual(waits, [[100, 1]]);
    await clock.tickAsync(100);
    assert.equal(t.calls, 2);
    await clock.tickAsync(200);
    assert.equal(t.calls, 3, 'still retrying after a second foreign AbortError');
    assert.deepEqual(waits, [
      [100, 1],
      [200, 2],
    ]);
    assert.equal(finished, false);
    controller.abort(new AbortError('monitor stopped'));
    await done;
    assert.equal(finished, true, 'its own abort stops it');
    assert.equal(clock.countTimers(), 0);
  });

  it('its own abort stops it even when the connect rejects with something else', async () => {
    const controller = new AbortController();
    const t: MonitorTarget = {
      connect: () => {
        controller.abort(new AbortError('monitor stopped'));
        return Promise.reject(new Error('socket closed'));
      },
      sessionEnded: () => Promise.resolve('no session'),
    };
    const waits: number[] = [];
    await runMonitor(t, { ...OPTIONS, onBackoff: (ms) => waits.push(ms) }, controller.signal);
    assert.deepEqual(waits, []);
    assert.equal(clock.countTimers(), 0);
  });
});
