import assert from 'node:assert/strict';
import fc from 'fast-check';
import sinon from 'sinon';
import { ConfigError } from '../../src/errors';
import { RaceError } from '../../src/engine';
import { backoffMs, runMonitor, type MonitorOptions } from '../../src/runtime/availability';
import { CameraRuntime, validateCameraSettings, type Availability, type RuntimeState } from '../../src/runtime';
import { seededRandom } from '../../src/sim';
import { quietHandles } from '../helpers/udp';
import { nextEvent, runtimeAgainstSimulator, simCameraInput } from './fixtures';
import { propertyOptions } from '../helpers/property';

const OPTIONS: MonitorOptions = { minBackoffMs: 100, maxBackoffMs: 1000, factor: 2, jitter: 0 };

describe('runtime: reconnect back-off (pure)', () => {
  it('grows by the factor from the initial wait up to the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 50].map((n) => backoffMs(n, OPTIONS)),
      [100, 200, 400, 800, 1000, 1000, 1000],
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => backoffMs(n, { ...OPTIONS, factor: 3 })),
      [100, 300, 900],
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => backoffMs(n, { ...OPTIONS, factor: 1 })),
      [100, 100, 100],
    );
    assert.equal(backoffMs(0, OPTIONS), 100, 'after a lost session: the initial wait');
  });

  it('jitter takes off at most its fraction and never exceeds the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        fc.integer({ min: 10, max: 5000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        (failures, jitter, r, min, extra, factor) => {
          const options = { minBackoffMs: min, maxBackoffMs: min + extra, factor, jitter };
          const base = backoffMs(failures, { ...options, jitter: 0 });
          const delay = backoffMs(failures, options, r);
          assert.ok(delay <= options.maxBackoffMs, 'never above the cap');
          assert.ok(delay <= base && delay >= Math.floor(base * (1 - jitter)) - 1, `${delay} within the jitter of ${base}`);
        },
      ),
      propertyOptions(2000),
    );
  });
});

describe('runtime: runMonitor (fake timers, fake target)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.restore());

  /** A target whose connects fail `failFirst` times, then succeed with a session that ends when told. */
  function target(failFirst: number) {
    let calls = 0;
    let active = 0;
    let maxActive = 0;
    let endSession: (() => void) | undefined;
    return {
      get calls() {
        return calls;
      },
      get maxActive() {
        return maxActive;
      },
      endSession: () => endSession?.(),
      connect: async (signal: AbortSignal) => {
        calls += 1;
        active += 1;
        maxActive = Math.max(maxActive, active);
        try {
          await new Promise<void>((resolve, reject) => {
            const onAbort = (): void => {
              clearTimeout(timer);
              reject(signal.reason);
            };
            const timer = setTimeout(() => {
              signal.removeEventListener('abort', onAbort);
              resolve();
            }, 50);
            signal.addEventListener('abort', onAbort, { once: true });
          });
          if (calls <= failFirst) throw new Error('unreachable');
        } finally {
          active -= 1;
        }
      },
      sessionEnded: (signal: AbortSignal) =>
        new Promise<void>((resolve, reject) => {
          const onAbort = (): void => reject(signal.reason);
          endSession = () => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          };
          signal.addEventListener('abort', onAbort, { once: true });
        }),
    };
  }

  const flush = async (): Promise<void> => {
    for (let i = 0; i < 20; i += 1) await Promise.resolve();
  };

  it('backs off by the factor after each failure, resets after a success, one connect at a time', async () => {
    const t = target(4);
    const waits: [number, number][] = [];
    const controller = new AbortController();
    const done = runMonitor(t, { ...OPTIONS, onBackoff: (ms, failures) => waits.push([ms, failures]) }, controller.signal);
    await clock.tickAsync(50 + 100 + 50 + 200 + 50 + 400 + 50 + 800 + 50);
    assert.equal(t.calls, 5);
    assert.deepEqual(waits, [
      [100, 1],
      [200, 2],
      [400, 3],
      [800, 4],
    ]);
    t.endSession();
    await flush();
    assert.deepEqual(waits.at(-1), [100, 0], 'after a success the wait is back to the initial one');
    await clock.tickAsync(100 + 50);
    assert.equal(t.calls, 6);
    assert.equal(t.maxActive, 1, 'never two connects at once');
    controller.abort(new Error('stop'));
    await done;
    assert.equal(clock.countTimers(), 0);
  });

  it('jitter comes from the injected random source (deterministic with a seed), never above the cap', async () => {
    const run = async (seed: number): Promise<number[]> => {
      const t = target(1_000);
      const waits: number[] = [];
      const controller = new AbortController();
      const done = runMonitor(t, { ...OPTIONS, jitter: 0.5, random: seededRandom(seed), onBackoff: (ms) => waits.push(ms) }, controller.signal);
      await clock.tickAsync(20_000);
      controller.abort();
      await done;
      return waits;
    };
    const a = await run(1);
    assert.deepEqual(await run(1), a, 'same seed, same waits');
    assert.notDeepEqual(await run(2), a);
    assert.ok(a.length > 10);
    assert.ok(a.every((ms) => ms <= 1000));
    assert.ok(a.some((ms) => ms < 1000) && a.slice(4).every((ms) => ms >= 500), 'jitter within half of the cap');
  });

  it('stop during a backoff wait or during a connect resolves at once and leaves no timer', async () => {
    for (const at of [60, 10]) {
      const t = target(1_000);
      const controller = new AbortController();
      const done = runMonitor(t, OPTIONS, controller.signal);
      await clock.tickAsync(at); // 60: in the first wait; 10: in the first connect
      controller.abort(new Error('stop'));
      await done;
      assert.equal(clock.countTimers(), 0, `nothing left (stopped at ${at} ms)`);
    }
  });
});

describe('runtime: reconnect settings', () => {
  it('factor and jitter have defaults, accept editor text and name the field when bad', () => {
    const base = { did: 'LBCS-000000-CCCJJ', host: '127.0.0.1' };
    const defaults = validateCameraSettings(base);
    assert.deepEqual([defaults.reconnectFactor, defaults.reconnectJitter], [2, 0.2]);
    const text = validateCameraSettings({ ...base, reconnectFactor: '1.5', reconnectJitter: '0' });
    assert.deepEqual([text.reconnectFactor, text.reconnectJitter], [1.5, 0]);
    for (const [field, value] of [
      ['reconnectFactor', 0.5],
      ['reconnectFactor', 'fast'],
      ['reconnectJitter', 1.5],
      ['reconnectJitter', -0.1],
    ] as const) {
      assert.throws(
        () => validateCameraSettings({ ...base, [field]: value }),
        (err: unknown) => err instanceof ConfigError && err.field === field && err.value === value,
      );
    }
  });
});

describe('runtime: availability monitor against the simulator', function () {
  this.timeout(30_000);
  const env = runtimeAgainstSimulator({ runtimeOptions: () => ({ random: seededRandom(5) }) });
  const { open } = env;

  /** Fails if a race starts while another one runs. */
  function watchRaces(rt: CameraRuntime): { races: number; overlaps: number } {
    const seen = { races: 0, overlaps: 0 };
    let racing = false;
    rt.on('state', (s: RuntimeState) => {
      if (s.phase === 'racing') {
        if (racing) seen.overlaps += 1;
        racing = true;
        seen.races += 1;
      } else racing = false;
    });
    return seen;
  }

  it('camera stopped → offline (lost: camera silent); restarted → online again; waits never above the cap; one race at a time', async () => {
    const silence = 1_000;
    const cap = 400;
    const rt = open({
      keepaliveSilenceMs: silence,
      reconnectMinMs: 50,
      reconnectMaxMs: cap,
      reconnectFactor: 2,
      reconnectJitter: 0.3,
      maxConnectionTimeMs: 300,
      attemptTimeoutMs: 100,
    });
    const races = watchRaces(rt);
    const waits: number[] = [];
    rt.on('backoff', ({ delayMs }) => waits.push(delayMs));
    const seen: string[] = [];
    rt.on('availability', (a) => seen.push(a.state));
    const online = nextEvent(rt, 'availability', (a: Availability) => a.state === 'online');
    rt.startMonitor();
    await online;
    // Callers asking at the same time join the monitor's session instead of racing.
    await Promise.all([rt.check(), rt.check(), rt.connect()]);

    // No wall-clock bound on how soon (that is the session's silence timer, tested with a fake
    // clock in test/session): the monitor notices, by the silence of the camera, and says so once.
    const offline = nextEvent<[Availability]>(rt, 'availability', (a) => a.state === 'offline');
    await env.sim.cameras[0].stop();
    const [down] = await offline;
    assert.equal(down.reason, 'lost: camera silent');

    // Let a few races fail (the back-off grows to the cap), then bring the camera back.
    await nextEvent(rt, 'backoff', ({ failures }: { failures: number }) => failures >= 4);
    const back = nextEvent(rt, 'availability', (a: Availability) => a.state === 'online');
    await env.sim.cameras[0].start();
    // Back online by the monitor's own retries (nothing else connects); how soon is bounded by
    // the waits below (each within the cap), not by a wall-clock figure.
    await back;
    assert.deepEqual(seen, ['connecting', 'online', 'offline', 'online'], 'each change once');
    assert.ok(waits.length >= 5);
    assert.ok(
      waits.every((ms) => ms <= cap),
      `every wait within the cap: ${waits.join(', ')}`,
    );
    assert.equal(races.overlaps, 0, 'never two races at once');
    await rt.stopMonitor();
  });

  it('stopMonitor() during a race or during a backoff wait releases everything', async () => {
    for (const path of ['lan', 'p2p', 'relay'] as const) env.sim.setPath(path, { down: true });
    const rt = open({ reconnectMinMs: 5_000, reconnectMaxMs: 10_000, maxConnectionTimeMs: 300, attemptTimeoutMs: 100 });
    // During a race:
    const racing = nextEvent(rt, 'state', (s: RuntimeState) => s.phase === 'racing');
    const finished = nextEvent<[RuntimeState]>(rt, 'state', (s) => s.phase !== 'racing');
    const availability: string[] = [];
    rt.on('availability', (a: { state: string }) => availability.push(a.state));
    const races: boolean[] = [];
    rt.on('race', (r: { ok: boolean }) => races.push(r.ok));
    rt.startMonitor();
    await racing;
    await rt.stopMonitor();
    // The race was aborted, not waited out: it ended idle (stopping is no failure), not at its
    // 300 ms deadline (that would have recorded a failed race and the reason "unreachable").
    const [end] = await finished;
    assert.deepEqual(end, { phase: 'idle', reason: null });
    assert.deepEqual(races, [], 'no race ran to its end');
    assert.deepEqual(availability, ['connecting', 'unknown'], 'stopped during its first attempt: back to unknown, not connecting for ever');
    assert.equal(rt.availability.reason, 'monitor stopped');
    assert.equal(rt.monitoring, false);
    assert.deepEqual(await quietHandles(env.sim), env.quiet);
    // During a (long) backoff wait:
    await env.sim.cameras[0].start();
    const waiting = nextEvent<[{ delayMs: number }]>(rt, 'backoff');
    rt.startMonitor();
    const [{ delayMs }] = await waiting;
    const started = Date.now();
    await rt.stopMonitor();
    // The only bound is the wait itself (reconnectMinMs 5 s, less jitter): stop() that took as long
    // as the wait would have waited it out; anything shorter, however loaded the machine, did not.
    const stopMs = Date.now() - started;
    assert.ok(stopMs < delayMs, `stop() took ${stopMs} ms: the ${delayMs} ms wait did not hold it`);
    assert.deepEqual(await quietHandles(env.sim), env.quiet);
  });

  it('settings map into the monitor: a factor of 1 keeps the wait at the initial value', async () => {
    for (const path of ['lan', 'p2p', 'relay'] as const) env.sim.setPath(path, { down: true });
    const input = simCameraInput(env.sim, {
      reconnectMinMs: 30,
      reconnectMaxMs: 1_000,
      reconnectFactor: '1',
      reconnectJitter: '0',
      maxConnectionTimeMs: 100,
      attemptTimeoutMs: 50,
    });
    const rt = new CameraRuntime(validateCameraSettings(input));
    env.runtime = rt;
    const waits: number[] = [];
    rt.on('backoff', ({ delayMs }) => waits.push(delayMs));
    rt.startMonitor();
    await nextEvent(rt, 'backoff', ({ failures }: { failures: number }) => failures >= 3);
    await rt.stopMonitor();
    assert.deepEqual(waits.slice(0, 3), [30, 30, 30]);
    await assert.rejects(rt.connect(), RaceError);
  });
});
