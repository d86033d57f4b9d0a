import assert from 'node:assert/strict';
import { AbortError, ConfigError } from '../../src/errors';
import { RaceError } from '../../src/engine';
import { RuntimeClosedError, type Availability, type RuntimeState } from '../../src/runtime';
import { TelemetryFormatError } from '../../src/telemetry';
import { quietHandles, settledHandles } from '../helpers/udp';
import { eventually, nextEvent, runtimeAgainstSimulator } from './fixtures';

describe('runtime: CameraRuntime against the simulator', function () {
  this.timeout(15_000);
  const env = runtimeAgainstSimulator();
  const { open } = env;

  it('races once, then reuses the live session until it is closed', async () => {
    const rt = open();
    const states: RuntimeState['phase'][] = [];
    rt.on('state', (s) => states.push(s.phase));
    const availability: string[] = [];
    rt.on('availability', (a) => availability.push(a.state));
    const first = await rt.connect();
    assert.equal(first.reused, false);
    assert.equal(first.mode, 'lan');
    assert.equal(first.winner, 'lanConnectThread');
    assert.equal(first.destinationPort, env.sim.cameras[0].sessionPort);
    assert.equal(first.camera, 'sim cam');
    const second = await rt.connect();
    assert.equal(second.reused, true);
    assert.equal(second.since, first.since);
    assert.equal(env.sim.cameras[0].counters.sessions, 1, 'one camera session, not one per call');
    await rt.closeSession();
    const third = await rt.connect();
    assert.equal(third.reused, false);
    assert.deepEqual(states, ['racing', 'connected', 'idle', 'racing', 'connected']);
    assert.deepEqual(availability, ['online'], 'closing the session on purpose does not make the camera offline');
  });

  it('concurrent callers share one race', async () => {
    const rt = open();
    const results = await Promise.all([rt.connect(), rt.connect(), rt.connect()]);
    assert.deepEqual(
      results.map((r) => r.reused),
      [false, true, true],
    );
    assert.equal(env.sim.cameras[0].counters.sessions, 1);
  });

  it('overrides apply to one race only; bad overrides name the field before any socket opens', async () => {
    const rt = open();
    const before = await settledHandles();
    await assert.rejects(rt.connect({ overrides: { maxConnectionTimeMs: -5 } }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.field, 'camera.maxConnectionTimeMs');
      assert.equal(err.value, -5);
      return true;
    });
    await assert.rejects(rt.connect({ overrides: { host: '999.1.1.1', ports: [70000], startupDelayMs: -5 } }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(
        err.problems.map((p) => p.field),
        ['camera.host', 'camera.ports[0]', 'camera.startupDelayMs'],
        'every bad override',
      );
      assert.equal(
        err.message,
        'invalid camera.host: host 999.1.1.1 is not an IPv4 address such as 192.168.43.1; invalid camera.ports[0]: port 70000 is not 1–65535; ' +
          'invalid camera.startupDelayMs: start-up delay -5 is not 0–300000 ms',
      );
      return true;
    });
    await assert.rejects(rt.connect({ overrides: { did: 'LBCS-000001-CCCJJ' } }), (err: unknown) => err instanceof ConfigError && err.field === 'camera.did');
    await assert.rejects(rt.connect({ overrides: 'lan' }), (err: unknown) => err instanceof ConfigError && err.field === 'camera');
    assert.equal((await settledHandles()).udp, before.udp, 'no socket was opened');
    assert.equal(rt.state.phase, 'idle');

    const relay = await rt.connect({ overrides: { modes: ['relay'] } });
    assert.equal(relay.mode, 'relay');
    assert.deepEqual(
      relay.racers.map((r) => r.mode),
      ['relay'],
    );
    await rt.closeSession();
    const plain = await rt.connect();
    assert.equal(plain.mode, 'lan');
    assert.deepEqual(
      plain.racers.map((r) => r.mode),
      ['lan', 'p2p', 'relay'],
    );
  });

  it('LAN down → p2p; LAN and P2P down → relay; all down → RaceError, failed state, telemetry records it', async () => {
    const rt = open({ maxConnectionTimeMs: 800, attemptTimeoutMs: 300 });
    env.sim.setPath('lan', { down: true });
    assert.equal((await rt.connect()).mode, 'p2p');
    await rt.closeSession();
    env.sim.setPath('p2p', { down: true });
    assert.equal((await rt.connect()).mode, 'relay');
    await rt.closeSession();
    env.sim.setPath('relay', { down: true });
    const failed = nextEvent<[RuntimeState]>(rt, 'state', (s) => s.phase === 'failed');
    await assert.rejects(rt.connect(), RaceError);
    const [state] = await failed;
    assert.equal(state.phase === 'failed' && state.reason, 'unreachable');
    const stats = rt.telemetry.mode('lan');
    assert.equal(stats.wins, 0);
    assert.ok(stats.failures >= 1, 'the failed race was recorded');
    assert.ok(rt.telemetry.mode('relay').wins >= 1);
  });

  it('applied tuning changes the next race (order and timeouts); invalid tuning names the field', async () => {
    const rt = open();
    assert.throws(
      () => rt.applyTuning({ version: 1 }),
      (err: unknown) => err instanceof TelemetryFormatError && err.field === 'tuning.order',
    );
    const tuning = {
      version: 1,
      order: ['relay', 'p2p', 'lan'],
      skip: [],
      staggerMs: { lan: 0, p2p: 0, relay: 0 },
      attemptTimeoutMs: { lan: 321, p2p: 654, relay: 987 },
    };
    rt.applyTuning(tuning);
    const result = await rt.connect();
    assert.equal(result.tuning.source, 'applied');
    assert.deepEqual(result.tuning.modes, ['relay', 'p2p', 'lan']);
    assert.deepEqual(result.tuning.attemptTimeoutMs, { lan: 321, p2p: 654, relay: 987 });
    assert.deepEqual(
      result.racers.map((r) => r.mode),
      ['relay', 'p2p', 'lan'],
      'the engine raced in the tuned order',
    );
    await rt.closeSession();
    rt.applyTuning(null);
    const untuned = await rt.connect();
    assert.equal(untuned.tuning.source, 'none');
    assert.deepEqual(untuned.tuning.attemptTimeoutMs, { lan: 500, p2p: 500, relay: 500 });
  });

  it('every result and the applied tuning are copies: a flow editing msg.payload in place changes nothing stored', async () => {
    const rt = open();
    const tuning = {
      version: 1,
      order: ['lan', 'p2p', 'relay'],
      skip: [],
      staggerMs: { lan: 0, p2p: 0, relay: 0 },
      attemptTimeoutMs: { lan: 321, p2p: 654, relay: 987 },
    };
    const returned = rt.applyTuning(tuning);
    assert.ok(returned);
    returned.order.reverse();
    const shown = rt.appliedTuning;
    assert.ok(shown);
    shown.attemptTimeoutMs.lan = 1;
    const [first, joined] = await Promise.all([rt.connect(), rt.connect()]);
    for (const result of [first, joined]) {
      // What a function node downstream of trailcam-connect might do to msg.payload:
      Object.assign(result, { elapsedMs: -1, note: 'edited' });
      result.racers.length = 0;
      result.remote.port = 1;
      result.tuning.modes.length = 0;
    }
    for (const later of [rt.session, await rt.connect()]) {
      assert.ok(later);
      assert.notEqual(later.elapsedMs, -1);
      assert.equal('note' in later, false);
      assert.equal(later.racers.length, 3);
      assert.notEqual(later.remote.port, 1);
      assert.deepEqual(later.tuning.modes, ['lan', 'p2p', 'relay'], 'the race used the tuning as applied');
      assert.deepEqual(later.tuning.attemptTimeoutMs, { lan: 321, p2p: 654, relay: 987 });
    }
  });

  it('adaptive mode derives the tuning from telemetry before every race', async () => {
    const rt = open({ adaptive: true });
    for (let i = 0; i < 3; i += 1) {
      const r = await rt.connect();
      assert.equal(r.tuning.source, 'derived');
      await rt.closeSession();
    }
    const derived = rt.tuning();
    assert.equal(derived.order[0], 'lan', 'lan has won every race');
    const next = await rt.connect();
    assert.deepEqual(next.tuning.attemptTimeoutMs, derived.attemptTimeoutMs);
    assert.notDeepEqual(next.tuning.attemptTimeoutMs, { lan: 500, p2p: 500, relay: 500 }, 'timeouts came from the samples');
  });

  it('telemetry survives export/import; reset clears it', async () => {
    const rt = open();
    await rt.connect();
    const json = JSON.parse(JSON.stringify(rt.exportTelemetry()));
    rt.resetTelemetry();
    assert.equal(rt.telemetry.mode('lan').wins, 0);
    rt.importTelemetry(json);
    assert.equal(rt.telemetry.mode('lan').wins, 1);
    assert.throws(() => rt.importTelemetry({ version: 1, modes: {} }), TelemetryFormatError);
  });

  it('a caller that aborts stops waiting; the race stops when nobody waits', async () => {
    env.sim.setPath('lan', { down: true });
    env.sim.setPath('p2p', { down: true });
    env.sim.setPath('relay', { down: true });
    const rt = open({ maxConnectionTimeMs: 10_000 });
    const controller = new AbortController();
    const racing = nextEvent(rt, 'state', (s: RuntimeState) => s.phase === 'racing');
    const pending = rt.connect({ signal: controller.signal });
    await racing;
    controller.abort(new Error('user stop'));
    await assert.rejects(pending, AbortError);
    await nextEvent(rt, 'state', (s: RuntimeState) => s.phase === 'idle');
    await rt.close();
    assert.deepEqual(await quietHandles(env.sim), env.quiet);
  });

  it('a caller that aborts just as the race is won: the link is closed and the state does not stay racing', async () => {
    const rt = open();
    const controller = new AbortController();
    // The 'race' event comes after race() resolved and before the session opens: aborting there is
    // the window between the win and the runtime taking the link.
    rt.once('race', () => controller.abort(new Error('user stop')));
    await assert.rejects(rt.connect({ signal: controller.signal }), AbortError);
    await eventually(() => rt.state.phase !== 'racing', 'the race to end');
    assert.deepEqual(rt.state, { phase: 'idle', reason: null }, 'given up is not failed');
    assert.equal(rt.session, null, 'no session was opened on the won link');
    assert.deepEqual(await quietHandles(env.sim), env.quiet, 'the won link was closed');
    await env.sim.cameras[0].start();
    assert.equal((await rt.connect()).reused, false, 'the next connect races anew');
  });

  it("a connect while an abandoned race winds down races anew instead of inheriting that race's abort", async () => {
    env.sim.setPath('lan', { down: true });
    const rt = open({ maxConnectionTimeMs: 10_000 });
    const controller = new AbortController();
    const racing = nextEvent(rt, 'state', (s: RuntimeState) => s.phase === 'racing');
    const first = rt.connect({ signal: controller.signal });
    await racing;
    controller.abort(new Error('user stop'));
    // The abandoned race still closes its sockets: a caller arriving now must not join it.
    env.sim.setPath('lan', { down: false });
    const second = rt.connect();
    await assert.rejects(first, AbortError);
    const result = await second;
    assert.equal(result.reused, false);
    assert.equal(result.mode, 'lan');
  });

  it('a caller that aborts just as the race is won does not make a waiting caller fail', async () => {
    const rt = open();
    const controller = new AbortController();
    let second: Promise<unknown> | undefined;
    rt.once('race', () => {
      controller.abort(new Error('user stop'));
      second = rt.connect(); // arrives after the last caller left, before the race ends
    });
    await assert.rejects(rt.connect({ signal: controller.signal }), AbortError);
    await eventually(() => second !== undefined, 'the second connect');
    const result = (await second) as { reused: boolean; mode: string };
    assert.equal(result.reused, false);
    assert.equal(result.mode, 'lan');
  });

  it('close() during a race releases everything promptly and rejects the caller', async () => {
    env.sim.setPath('lan', { down: true });
    env.sim.setPath('p2p', { down: true });
    env.sim.setPath('relay', { down: true });
    const rt = open({ maxConnectionTimeMs: 10_000 });
    const racing = nextEvent(rt, 'state', (s: RuntimeState) => s.phase === 'racing');
    const races: boolean[] = [];
    rt.on('race', (r: { ok: boolean }) => races.push(r.ok));
    const pending = rt.connect();
    await racing;
    await rt.close();
    // "Promptly" without a wall-clock bound: close() aborted the race instead of waiting out its
    // 10 s deadline, which would have ended it with a RaceError and recorded a failed race.
    assert.deepEqual(races, [], 'no race ran to its end');
    await assert.rejects(pending, (err: unknown) => !(err instanceof RaceError));
    await assert.rejects(rt.connect(), RuntimeClosedError);
    assert.equal(rt.state.phase, 'closed');
    assert.deepEqual(await quietHandles(env.sim), env.quiet);
  });

  it('close() with a live session sends CLOSE to the camera and releases the socket', async () => {
    const rt = open();
    await rt.connect();
    const camera = env.sim.cameras[0];
    assert.ok(camera.sessionCount >= 1);
    const closedBefore = camera.counters.closedByPeer;
    await rt.close();
    // Every session the race opened (the winner's, and a losing P2P punch's, which sends its own
    // CLOSE) ends by CLOSE, none by the camera's silence timeout.
    await eventually(() => camera.sessionCount === 0 && camera.counters.closedByPeer > closedBefore, 'the camera saw CLOSE');
    assert.equal(camera.counters.closedByTimeout, 0);
    assert.deepEqual(await quietHandles(env.sim), env.quiet);
  });

  it('the session is lost when the camera goes silent', async () => {
    const rt = open({ keepaliveSilenceMs: 1000 });
    await rt.connect();
    const idle = nextEvent<[RuntimeState]>(rt, 'state', (s) => s.phase === 'idle');
    await env.sim.cameras[0].stop();
    const [state] = await idle;
    assert.match(state.phase === 'idle' ? (state.reason ?? '') : '', /lost|closed/);
    assert.equal(rt.session, null);
  });

  describe('availability', () => {
    it('the monitor reports online → offline → online as the camera stops and restarts, each change once', async () => {
      const rt = open({ keepaliveSilenceMs: 1000, reconnectMinMs: 50, reconnectMaxMs: 200, maxConnectionTimeMs: 500 });
      const seen: string[] = [];
      rt.on('availability', (a) => seen.push(a.state));
      const online = nextEvent(rt, 'availability', (a: Availability) => a.state === 'online');
      rt.startMonitor();
      await online;
      const offline = nextEvent(rt, 'availability', (a: Availability) => a.state === 'offline');
      await env.sim.cameras[0].stop();
      await offline;
      const back = nextEvent(rt, 'availability', (a: Availability) => a.state === 'online');
      await env.sim.cameras[0].start();
      await back;
      assert.deepEqual(seen, ['connecting', 'online', 'offline', 'online']);
      await rt.stopMonitor();
      assert.equal(rt.availability.state, 'online', 'stopping the monitor keeps the session');
    });

    it("a monitor restarted while the stopped one's race winds down connects at once, without a back-off", async () => {
      // A redeployed trailcam-status node: the old node's stopMonitor abandons its race, the new one's startMonitor follows.
      env.sim.setPath('lan', { down: true });
      const rt = open({ maxConnectionTimeMs: 10_000, reconnectMinMs: 60_000, reconnectMaxMs: 60_000 });
      const backoffs: number[] = [];
      rt.on('backoff', ({ failures }) => backoffs.push(failures));
      const racing = nextEvent(rt, 'state', (s: RuntimeState) => s.phase === 'racing');
      rt.startMonitor('old node');
      await racing;
      await rt.stopMonitor('old node');
      env.sim.setPath('lan', { down: false });
      const online = nextEvent(rt, 'availability', (a: Availability) => a.state === 'online');
      rt.startMonitor('new node');
      await online;
      assert.deepEqual(backoffs, [], 'the new monitor did not count the abandoned race as its failure');
      assert.equal(rt.session?.mode, 'lan');
    });

    it('stopMonitor() while the camera is unreachable leaves no socket or timer', async () => {
      for (const path of ['lan', 'p2p', 'relay'] as const) env.sim.setPath(path, { down: true });
      const rt = open({ reconnectMinMs: 20, reconnectMaxMs: 40, maxConnectionTimeMs: 300, attemptTimeoutMs: 100 });
      const offline = nextEvent(rt, 'availability', (a: Availability) => a.state === 'offline');
      rt.startMonitor();
      await offline;
      await rt.stopMonitor();
      assert.equal(rt.monitoring, false);
      assert.deepEqual(await quietHandles(env.sim), env.quiet);
    });

    it('check() reports online or offline without throwing for an unreachable camera', async () => {
      const rt = open({ maxConnectionTimeMs: 300, attemptTimeoutMs: 100 });
      assert.equal(rt.availability.state, 'unknown');
      assert.equal((await rt.check()).state, 'online');
      await rt.closeSession();
      for (const path of ['lan', 'p2p', 'relay'] as const) env.sim.setPath(path, { down: true });
      const result = await rt.check();
      assert.equal(result.state, 'offline');
      assert.equal(result.reason, 'unreachable');
    });
  });
});
