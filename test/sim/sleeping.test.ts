import assert from 'node:assert/strict';
import sinon from 'sinon';
import { ArtemisCameraService } from '../../src/artemis';
import { CAPTURED_WAKE_ANSWER, wakeCamera, type WakeResult } from '../../src/ble';
import { RaceError } from '../../src/engine';
import { ConfigError } from '../../src/errors';
import { CameraRuntime, IDLE_CLOSED, validateCameraSettings, type Availability } from '../../src/runtime';
import { createSimulation, sleeperAddress, type Simulation } from '../../src/sim';
import { ManualTimers, ioTurn } from '../helpers/manual-timers';
import { settledHandles } from '../helpers/udp';
import { eventually, nextEvent, simCameraInput } from '../runtime/fixtures';

const ARTEMIS = { 0: () => new ArtemisCameraService({ user: 'admin', password: 'admin', seed: 1, mediaCount: 10 }) };

describe('sim: a sleeping battery camera (fake timers: the realistic BLE delays)', () => {
  let clock: sinon.SinonFakeTimers;
  let sim: Simulation | undefined;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(async () => {
    clock.restore();
    await sim?.close();
    sim = undefined;
  });

  it('is silent until woken; answers the wake with its hotspot 1.4 s + 4.4 s + 3 x 90 ms later; sleeps after its own idle time', async () => {
    sim = await createSimulation({ cameras: 1, servers: 0, relays: 0, fast: true, sleeping: true });
    const [sleeper] = sim.sleepers;
    assert.equal(sleeper.awake, false, 'asleep from the start: no socket open');
    assert.equal(sleeper.ble.address, 'C6:1E:0D:E0:32:E8');
    assert.equal(sleeper.ble.name, 'TC100_32E8', 'the advertised name: TC100_ + the last two bytes');
    const changes: boolean[] = [];
    sleeper.onChange((awake) => changes.push(awake));
    const started = Date.now();
    const box: { result?: WakeResult } = {};
    const woke = wakeCamera({ address: sleeper.ble.address, transport: sim.bleTransport() }).then((r) => (box.result = r));
    await clock.tickAsync(1_400); // GATT connected, request written: the Wi-Fi side switches on
    await sleeper.settled();
    assert.equal(sleeper.awake, true);
    assert.equal(sleeper.counters.wakes, 1);
    await clock.tickAsync(4_400 + 3 * 90 - 1);
    assert.equal(box.result, undefined, 'the last notification has not come yet');
    await clock.tickAsync(1);
    const result = await woke;
    assert.deepEqual(
      { ssid: result.ssid, bssid: result.bssid, password: result.password },
      { ssid: CAPTURED_WAKE_ANSWER.ssid, bssid: CAPTURED_WAKE_ANSWER.bssid, password: CAPTURED_WAKE_ANSWER.pwd },
    );
    assert.equal(Date.now() - started, 6_070);
    assert.equal(sleeper.sleepScheduled, true, 'awake without a session: its idle timer runs');
    await clock.tickAsync(60_000 - 4_400 - 270 - 1);
    assert.equal(sleeper.awake, true, 'its 60 s count from the wake write');
    await clock.tickAsync(1);
    await sleeper.settled();
    assert.equal(sleeper.awake, false, 'back to sleep without a session');
    assert.equal(sleeper.counters.sleeps, 1);
    assert.deepEqual(changes, [true, false]);
  });

  it('each camera of a simulation gets its own BLE address; bad sleeping options name the field', async () => {
    assert.equal(sleeperAddress('C6:1E:0D:E0:32:E8', 1), 'C6:1E:0D:E0:32:E9');
    assert.equal(sleeperAddress('C6:1E:0D:E0:FF:FF', 1), 'C6:1E:0D:E0:00:00');
    sim = await createSimulation({ cameras: 2, servers: 0, relays: 0, fast: true, sleeping: { sleepAfterMs: 1_000 } });
    assert.deepEqual(
      sim.sleepers.map((s) => s.ble.name),
      ['TC100_32E8', 'TC100_32E9'],
    );
    await sim.close();
    sim = undefined;
    await assert.rejects(
      createSimulation({ cameras: 1, servers: 0, relays: 0, sleeping: { sleepAfterMs: -1 } }),
      (err: unknown) => err instanceof ConfigError && err.field === 'sleepAfterMs',
    );
    await assert.rejects(
      createSimulation({ cameras: 1, servers: 0, relays: 0, sleeping: { address: 'nope' } }),
      (err: unknown) => err instanceof ConfigError && /address/.test(err.field),
    );
  });
});

/**
 * The battery day at the runtime level, real sockets on loopback: a race before the wake fails,
 * wake over the fake BLE peripheral, race, command, the runtime's idle close (its own timers on a
 * ManualTimers clock), the camera's own sleep (its idle timer on another ManualTimers clock).
 */
describe('sim: wake → race → command → idle close → camera asleep (runtime)', function () {
  this.timeout(20_000);
  let sim: Simulation;
  let runtime: CameraRuntime | undefined;
  let sleepClock: ManualTimers;
  beforeEach(async () => {
    sleepClock = new ManualTimers();
    sim = await createSimulation({
      cameras: [{ services: ARTEMIS }],
      servers: 1,
      relays: 1,
      fast: true,
      seed: 3,
      sleeping: { answerDelayMs: 0, connectDelayMs: 0, notificationGapMs: 0, sleepAfterMs: 1000, timers: sleepClock },
    });
  });
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    await sim.close();
  });

  it('follows the whole day; the camera holds no session at the end and every socket and timer is released', async () => {
    const before = await settledHandles();
    const [sleeper] = sim.sleepers;
    const clock = new ManualTimers();
    runtime = new CameraRuntime(
      validateCameraSettings(simCameraInput(sim, { powerMode: 'battery', maxConnectionTimeMs: 300, attemptTimeoutMs: 100, modes: ['lan'] })),
      { timers: clock, now: clock.now },
    );
    const rt = runtime;
    rt.startMonitor();
    assert.equal(rt.availability.state, 'asleep');
    // Silent while asleep: a race fails (it was asked for: offline).
    await assert.rejects(rt.connect(), RaceError);
    assert.equal(rt.availability.state, 'offline');

    const credentials = await wakeCamera({ address: sleeper.ble.address, transport: sim.bleTransport() });
    assert.equal(credentials.ssid, 'KJK_E0FF');
    await sleeper.settled();
    assert.equal(sleeper.awake, true);
    // (the hotspot join is the stand-in nmcli's part: test/nodes/wake.test.ts)
    const info = await rt.deviceInfo();
    assert.equal(info.model, 'KJK230');
    assert.equal(rt.availability.state, 'online');
    assert.equal(sleeper.sleepScheduled, false, 'a session keeps the camera awake');

    const asleepRt = nextEvent(rt, 'availability', (a: Availability) => a.state === 'asleep');
    const cameraSleeps = new Promise<void>((resolve) => sleeper.onChange((awake) => !awake && resolve()));
    await clock.advance(30_000);
    const [availability] = await asleepRt;
    assert.equal(availability.reason, IDLE_CLOSED);
    assert.equal(sleeper.awake, true, 'awake until its own idle time has passed');
    await eventually(() => sleeper.sleepScheduled, 'the camera saw its last session end');
    await sleepClock.advance(1000);
    await cameraSleeps; // its own 1 s without a session
    assert.equal(sleeper.awake, false);
    assert.equal(sim.liveSessions(), 0);
    await rt.stopMonitor();
    await rt.close();
    runtime = undefined;
    for (let i = 0; i < 3; i += 1) await ioTurn();
    const after = await settledHandles();
    assert.deepEqual(after, before, "no socket or timer left by the day (the servers are the simulation's)");
  });
});
