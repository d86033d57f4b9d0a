import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors';
import { CAMERA_DEFAULTS, IDLE_CLOSED, NOT_NEEDED_YET, USER_CLOSED, validateCameraSettings, type Availability, type RaceRecord } from '../../src/runtime';
import { ManualTimers } from '../helpers/manual-timers';
import { quietHandles } from '../helpers/udp';
import { ArtemisCameraService } from '../../src/artemis';
import { eventually, nextEvent, runtimeAgainstSimulator, simCameraInput, startSimulation } from './fixtures';

describe('runtime: power mode settings', () => {
  it('mains and a 30 s idle time by default; battery and the idle time from editor text; bad values name the field', () => {
    const base = { did: 'LBCS-000000-CCCJJ', host: '127.0.0.1' };
    const mains = validateCameraSettings(base);
    assert.equal(mains.powerMode, 'mains');
    assert.equal(mains.idleCloseMs, 30_000);
    assert.equal(CAMERA_DEFAULTS.idleCloseMs, 30_000);
    const battery = validateCameraSettings({ ...base, powerMode: 'battery', idleCloseMs: '45000' });
    assert.equal(battery.powerMode, 'battery');
    assert.equal(battery.idleCloseMs, 45_000);
    assert.throws(
      () => validateCameraSettings({ ...base, powerMode: 'solar' }),
      (err: unknown) => err instanceof ConfigError && err.field === 'powerMode' && /solar.*mains, battery/.test(err.message),
    );
    assert.throws(
      () => validateCameraSettings({ ...base, idleCloseMs: 500 }),
      (err: unknown) => err instanceof ConfigError && err.field === 'idleCloseMs' && /idle close time 500 is not 1000–3600000 ms/.test(err.message),
    );
    assert.throws(
      () => validateCameraSettings({ ...base, idleCloseMs: 'soon' }),
      (err: unknown) => err instanceof ConfigError && err.field === 'idleCloseMs',
    );
  });
});

/**
 * The battery lifecycle against the simulator. The runtime's own timers (the idle close) run on
 * a ManualTimers clock, so "30 s" and "a minute" are simulated time; the race and the session
 * layer use real time on loopback (milliseconds), so no test waits for a wall-clock bound.
 */
describe('runtime: battery power mode (simulated time)', function () {
  this.timeout(20_000);
  let clock: ManualTimers;
  beforeEach(() => {
    clock = new ManualTimers();
  });
  const env = runtimeAgainstSimulator({
    start: () =>
      startSimulation({ cameras: [{ services: { 0: () => new ArtemisCameraService({ user: 'admin', password: 'admin', seed: 1, mediaCount: 10 }) } }] }),
    runtimeOptions: () => ({ timers: clock, now: clock.now }),
  });
  const battery = (patch = {}) => env.open({ powerMode: 'battery', ...patch });

  it('closes the session after 30 s without use: CLOSE to the camera, availability asleep with the last-seen time', async () => {
    const rt = battery();
    const camera = env.sim.cameras[0];
    const seen: Availability[] = [];
    rt.on('availability', (a) => seen.push(a));
    const connectedAt = clock.now();
    await rt.connect();
    assert.equal(rt.availability.state, 'online');
    assert.equal(clock.pending, 1, 'one idle timer');
    await clock.advance(29_999);
    assert.ok(rt.session, 'still up 1 ms before the idle time');
    assert.equal(camera.sessionCount, 1);
    const asleep = nextEvent(rt, 'availability', (a: Availability) => a.state === 'asleep');
    await clock.advance(1);
    const [availability] = await asleep;
    assert.equal(rt.session, null);
    assert.equal(availability.reason, IDLE_CLOSED);
    assert.equal(availability.lastSeen, connectedAt + 30_000, 'last seen when the session was closed');
    assert.equal(availability.since, connectedAt + 30_000);
    assert.equal(rt.state.phase, 'idle');
    await eventually(() => camera.sessionCount === 0, 'the camera got the CLOSE');
    assert.equal(camera.counters.closedByTimeout, 0, 'closed with CLOSE, not by the camera timing out');
    assert.deepEqual(
      seen.map((a) => a.state),
      ['online', 'asleep'],
    );
    assert.equal(clock.pending, 0, 'no timer left');
  });

  it('every connect and command restarts the idle time; nothing is closed while a command runs', async () => {
    const rt = battery();
    let races = 0;
    rt.on('race', () => (races += 1));
    await rt.deviceInfo();
    await clock.advance(20_000);
    await rt.connect(); // a connect node reusing the session is a use too
    await clock.advance(20_000);
    assert.ok(rt.session, '40 s after the first use, 20 s after the last');
    await rt.mediaList({ perPage: 3 });
    const lastUse = clock.now();
    await clock.advance(29_000);
    assert.ok(rt.session);
    assert.equal(rt.availability.lastSeen, lastUse, 'last seen at the last answered command');
    await clock.advance(1_000);
    await eventually(() => rt.session === null, 'idle close 30 s after the last command');
    assert.equal(rt.availability.state, 'asleep');
    assert.equal(races, 1, 'one race (one session) for all of it');
  });

  it('holds no session when no flow needs it: a minute with the monitor started opens nothing; mains opens one at once', async () => {
    const rt = battery();
    const camera = env.sim.cameras[0];
    const races: RaceRecord[] = [];
    rt.on('race', (r) => races.push(r));
    rt.startMonitor();
    assert.equal(rt.monitoring, true);
    assert.equal(rt.availability.state, 'asleep', 'a battery camera nobody needed yet is presumed asleep');
    assert.equal(rt.availability.reason, NOT_NEEDED_YET);
    assert.equal(rt.availability.lastSeen, null);
    await clock.advance(60_000);
    assert.equal(races.length, 0, 'no race in a minute');
    assert.equal(camera.counters.sessions, 0, 'the camera saw no session');
    assert.equal(rt.session, null);
    assert.equal(rt.availability.state, 'asleep');

    // A flow needs it: one session, closed 30 s later; then another minute without one.
    await rt.deviceInfo();
    assert.equal(rt.availability.state, 'online');
    await clock.advance(60_000);
    assert.equal(rt.availability.state, 'asleep');
    assert.equal(rt.availability.reason, IDLE_CLOSED);
    assert.equal(races.length, 1, 'the monitor did not race again after the idle close');
    await eventually(() => camera.sessionCount === 0, 'the camera holds no session');
    await rt.stopMonitor();

    // The same minute in mains mode: the monitor opens a session at once and keeps it.
    const mains = env.open({ powerMode: 'mains' });
    const online = nextEvent(mains, 'availability', (a: Availability) => a.state === 'online');
    mains.startMonitor();
    await online;
    await clock.advance(60_000);
    assert.ok(mains.session, 'mains keeps its session');
    assert.equal(clock.pending, 0, 'mains arms no idle timer');
    await mains.stopMonitor();
    await mains.close();
    await rt.close();
  });

  it('asleep vs offline: a wake-less race to the sleeping camera is offline (unreachable); a session lost without CLOSE is offline', async () => {
    const rt = battery({ maxConnectionTimeMs: 400, attemptTimeoutMs: 100, keepaliveSilenceMs: 1_000 });
    const camera = env.sim.cameras[0];
    await rt.connect();
    await clock.advance(30_000);
    await eventually(() => rt.availability.state === 'asleep', 'asleep after the idle close');
    const lastSeen = rt.availability.lastSeen;
    await camera.stop(); // the camera really sleeps: its Wi-Fi side is silent
    const checked = await rt.check();
    assert.equal(checked.state, 'offline', 'asked for and unreachable');
    assert.equal(checked.reason, 'unreachable');
    assert.equal(checked.lastSeen, lastSeen, 'a failed race does not change the last-seen time');

    await camera.start();
    await rt.connect();
    const offline = nextEvent(rt, 'availability', (a: Availability) => a.state === 'offline');
    await camera.stop(); // gone without a CLOSE while the session is up
    const [lost] = await offline;
    assert.match(lost.reason ?? '', /lost/);
  });

  it('closeSession() on a battery camera is on purpose too: asleep, reason "closed by the user"', async () => {
    const rt = battery();
    await rt.connect();
    await rt.closeSession();
    await eventually(() => rt.availability.state === 'asleep', 'asleep');
    assert.equal(rt.availability.reason, USER_CLOSED);
    assert.equal(clock.pending, 0, 'the idle timer went with the session');
  });

  it('close() with the idle timer armed or a command in flight releases every timer and socket', async () => {
    const rt = battery();
    await rt.connect();
    assert.equal(clock.pending, 1);
    await rt.close();
    assert.equal(clock.pending, 0);
    const rt2 = battery();
    const pending = rt2.deviceInfo().catch((err: unknown) => err);
    await rt2.close();
    assert.ok((await pending) instanceof Error, 'the command was rejected by the close');
    assert.equal(clock.pending, 0);
    env.runtime = undefined;
    assert.deepEqual(await quietHandles(env.sim), env.quiet);
  });

  it('a fixture sanity check: the settings reach the runtime', () => {
    const rt = battery({ idleCloseMs: 5_000 });
    assert.equal(rt.onBattery, true);
    assert.equal(rt.settings.idleCloseMs, 5_000);
    assert.equal(validateCameraSettings(simCameraInput(env.sim)).powerMode, 'mains');
  });
});
