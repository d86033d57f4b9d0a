import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { race, RaceError, validateRaceConfig, type Mode, type RaceConfig, type RaceConfigInput, type RacerInfo } from '../../src/engine';
import { tuneRaceConfig } from '../../src/runtime/tuning';
import { createSimulation, type Simulation } from '../../src/sim';
import { CameraTelemetry, deriveTuning, type Tuning } from '../../src/telemetry';
import { scriptedPeer, type ScriptedPeer } from '../helpers/udp';

/**
 * Engine-level checks that what telemetry learns changes what race() does, in the expected
 * direction: the favoured mode starts first and the others only after their stagger; a learned
 * short attempt timeout replaces a dead attempt sooner; a learned LAN port is tried first; an
 * open breaker keeps a failing mode out of the race. Timing margins are loose (a shared CI box).
 */
describe('engine: learned tuning changes the race', function () {
  this.timeout(30_000);
  let sim: Simulation;
  const now = Date.now();

  const base = (patch: RaceConfigInput = {}): RaceConfig =>
    validateRaceConfig({
      host: '127.0.0.1',
      did: sim.cameras[0].did,
      ports: [sim.cameras[0].sessionPort],
      servers: sim.servers.map((s) => `${s.host}:${s.port}`),
      bindAddress: '127.0.0.1',
      maxConnectionTimeMs: 5_000,
      ...patch,
    });

  const learn = (wins: Partial<Record<Mode, number[]>>, failures: Partial<Record<Mode, number>> = {}, port?: number): CameraTelemetry => {
    const t = new CameraTelemetry();
    for (const [mode, samples] of Object.entries(wins) as [Mode, number[]][]) {
      for (const elapsedMs of samples) t.record({ mode, result: 'win', elapsedMs, atMs: now, ...(mode === 'lan' && port ? { destinationPort: port } : {}) });
    }
    for (const [mode, count] of Object.entries(failures) as [Mode, number][]) {
      for (let i = 0; i < count; i += 1) t.record({ mode, result: 'fail', elapsedMs: 1_000, atMs: now });
    }
    return t;
  };
  const tuningOf = (t: CameraTelemetry, config: RaceConfig): Tuning =>
    deriveTuning(t, now, { modes: config.modes, defaultAttemptTimeoutMs: Math.max(...Object.values(config.attemptTimeoutMs)) });

  /**
   * Races and notes when each racer first went `running`, in ms from the call, and the order of
   * what happened (`<mode> running`, `<mode> attempt` for each attempt socket opened).
   */
  async function raceWithStarts(config: RaceConfig): Promise<{ mode: Mode; starts: Partial<Record<Mode, number>>; order: string[]; racers: RacerInfo[] }> {
    const starts: Partial<Record<Mode, number>> = {};
    const order: string[] = [];
    const attempts: Partial<Record<Mode, number>> = {};
    const t0 = performance.now();
    const result = await race(config, {
      onUpdate: (racers) => {
        for (const r of racers) {
          if (r.state === 'running' && starts[r.mode] === undefined) {
            starts[r.mode] = performance.now() - t0;
            order.push(`${r.mode} running`);
          }
          for (let n = attempts[r.mode] ?? 0; n < r.attempts; n += 1) order.push(`${r.mode} attempt`);
          attempts[r.mode] = r.attempts;
        }
      },
    });
    await result.link.close();
    return { mode: result.mode, starts, order, racers: result.racers };
  }

  beforeEach(async () => {
    sim = await createSimulation({ cameras: 1, servers: 1, relays: 1, seed: 5, fast: true });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('the favoured mode starts first; the others start only after their learned stagger (cold: all at once)', async () => {
    sim.setPath('lan', { down: true }); // the leader never answers, so the followers' start times show
    const config = base();
    const tuning = tuningOf(learn({ lan: [80, 120, 100, 90, 110], p2p: [300, 320, 310], relay: [600, 650] }), config);
    assert.deepEqual(tuning.order, ['lan', 'p2p', 'relay']);
    assert.equal(tuning.staggerMs.lan, 0);
    assert.ok(tuning.staggerMs.p2p >= 100, `p2p waits about one leader RTO, got ${tuning.staggerMs.p2p}`);
    assert.ok(tuning.staggerMs.relay > tuning.staggerMs.p2p);

    const tuned = await raceWithStarts(tuneRaceConfig(config, tuning));
    assert.equal(tuned.mode, 'p2p');
    // Order, not milliseconds, for "first": lan went running before anything else happened.
    assert.equal(tuned.order[0], 'lan running', `lan started first: ${tuned.order.join(', ')}`);
    assert.ok((tuned.starts.p2p ?? 0) >= tuning.staggerMs.p2p - 2, `p2p started at ${tuned.starts.p2p} ms, its stagger is ${tuning.staggerMs.p2p} ms`);
    const relay = tuned.racers.find((r) => r.mode === 'relay');
    assert.ok(
      tuned.starts.relay === undefined || tuned.starts.relay >= tuning.staggerMs.relay - 2,
      `relay never started before its stagger (${tuned.starts.relay} ms)`,
    );
    assert.equal(relay?.state, 'cancelled');

    const cold = await raceWithStarts(config);
    assert.equal(cold.mode, 'p2p');
    // "At once" as an order: the race starts with the LAN punch (leader-punch.ts), and P2P and relay
    // go running when the race's hold decides it is not busy (the end of its tick), before either of
    // them or any other LAN probe has opened a socket: no stagger between them.
    assert.deepEqual(cold.order.slice(0, 4), ['lan running', 'lan attempt', 'p2p running', 'relay running'], `cold: ${cold.order.join(', ')}`);
  });

  it('a learned order puts a fast relay first and holds LAN back', async () => {
    const config = base();
    const tuning = tuningOf(learn({ relay: [40, 45, 50, 42], lan: [900, 1000] }), config);
    assert.equal(tuning.order[0], 'relay');
    assert.ok(tuning.staggerMs.lan > 0);
    const tuned = await raceWithStarts(tuneRaceConfig(config, tuning));
    assert.equal(tuned.racers[0].mode, 'relay', 'raced in the learned order');
    assert.ok((tuned.starts.relay ?? Infinity) <= (tuned.starts.lan ?? Infinity), 'relay started no later than lan');
  });

  it('a learned short attempt timeout replaces a black-holed attempt with a fresh socket sooner', async () => {
    sim.setPath('lan', { down: true });
    const config = base({ modes: ['lan'], maxConnectionTimeMs: 900 });
    const tuning = tuningOf(learn({ lan: [4, 5, 6, 5, 4] }), config);
    assert.ok(
      tuning.attemptTimeoutMs.lan < config.attemptTimeoutMs.lan,
      `learned ${tuning.attemptTimeoutMs.lan} ms < configured ${config.attemptTimeoutMs.lan} ms`,
    );
    const attempts = async (c: RaceConfig): Promise<number> => {
      const err = await race(c).then(
        (r) => r.link.close().then(() => assert.fail('LAN is down')),
        (e: unknown) => e,
      );
      assert.ok(err instanceof RaceError);
      return err.racers[0].attempts;
    };
    const tuned = await attempts(tuneRaceConfig(config, tuning));
    const untuned = await attempts(config);
    // The LAN racer runs two probes per port, each on its own sockets: the direct punch and the
    // vendor app's search (one probe interval later), so one attempt each is 2 sockets.
    assert.equal(untuned, 2, 'one 1.5 s attempt per probe (direct punch, search) does not end within 900 ms');
    assert.ok(tuned >= 2 * 3, `tuned: ${tuned} fresh sockets of ${tuning.attemptTimeoutMs.lan} ms each (at least 3 per probe)`);
  });

  describe('a camera on the 4th port', () => {
    const silent: ScriptedPeer[] = [];
    beforeEach(async () => {
      for (let i = 0; i < 3; i += 1) silent.push(await scriptedPeer());
    });
    afterEach(async () => {
      await Promise.all(silent.splice(0).map((p) => p.close()));
    });

    it('a learned LAN port is tried first, so the other ports never start', async () => {
      const cameraPort = sim.cameras[0].sessionPort;
      const config = base({ modes: ['lan'], ports: [...silent.map((p) => p.port), cameraPort], portStaggerMs: 300 });
      const tuning = tuningOf(learn({ lan: [5, 6, 5] }, {}, cameraPort), config);
      assert.deepEqual(tuning.lanPortOrder, [cameraPort]);
      const tuned = await race(tuneRaceConfig(config, tuning));
      await tuned.link.close();
      assert.equal(tuned.destinationPort, cameraPort);
      assert.equal(tuned.racers[0].attempts, 1, 'only the learned port was started');
      const untuned = await race(config);
      await untuned.link.close();
      assert.equal(untuned.destinationPort, cameraPort);
      // At least one socket for each silent port (its direct punch; its search socket too once it
      // has started, which depends on timing), then the camera port's direct punch, which wins.
      assert.ok(untuned.racers[0].attempts >= 4, `configured order: the three silent ports first (${untuned.racers[0].attempts} sockets)`);
    });
  });

  it('a mode whose breaker is open is not raced at all', async () => {
    const config = base();
    const tuning = tuningOf(learn({ p2p: [30, 35] }, { lan: 6 }), config);
    assert.ok(tuning.skip.includes('lan'));
    const tuned = await raceWithStarts(tuneRaceConfig(config, tuning));
    assert.equal(
      tuned.racers.some((r) => r.mode === 'lan'),
      false,
    );
    assert.notEqual(tuned.mode, 'lan');
  });
});
