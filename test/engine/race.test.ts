import assert from 'node:assert/strict';
import dgram = require('node:dgram');
import { getEventListeners } from 'node:events';
import sinon from 'sinon';
import { AbortError } from '../../src/errors';
import { race, RaceError, RacerError, sequentialRace } from '../../src/engine';
import { createSimulation, type Simulation } from '../../src/sim';
import { quietHandles, scriptedPeer, settledHandles, type ScriptedPeer } from '../helpers/udp';
import { raceConfigFor } from '../helpers/race';

describe('engine: race against the simulator', function () {
  this.timeout(30_000);
  let sim: Simulation;
  /** Handles of the simulator alone with its cameras off: what must remain after the engine is done. */
  let quiet: { udp: number; timers: number };
  /** Everything the engine opened is gone: switch the cameras off and compare with `quiet`. */
  const assertNothingLeft = async (): Promise<void> => assert.deepEqual(await quietHandles(sim), quiet);

  beforeEach(async () => {
    sim = await createSimulation({ cameras: 1, servers: 1, relays: 1, seed: 1, fast: true });
    quiet = await quietHandles(sim);
    await Promise.all(sim.cameras.map((c) => c.start()));
  });
  afterEach(async () => {
    await sim.close();
  });

  it('LAN up → lan wins; losers are cancelled and their sockets closed when race() resolves', async () => {
    // Relay is a black hole here, so the simulated relay never opens a session port that would
    // count as an open socket below (the relay racer still runs and is cancelled).
    sim.setPath('relay', { down: true });
    const result = await race(raceConfigFor(sim));
    try {
      assert.equal(result.mode, 'lan');
      assert.equal(result.winner, 'lanConnectThread');
      assert.equal(result.destinationPort, sim.cameras[0].sessionPort);
      assert.deepEqual(result.remote, { host: '127.0.0.1', port: sim.cameras[0].sessionPort });
      assert.ok(result.localPort > 0);
      for (const racer of result.racers.filter((r) => r.mode !== 'lan')) {
        assert.equal(racer.state, 'cancelled', racer.name);
      }
      const cameraSockets = 3; // search, session and the one internet socket (registration, punching, relay)
      assert.equal((await settledHandles()).udp, quiet.udp + cameraSockets + 1, 'only the winning socket is open');
    } finally {
      await result.link.close();
    }
    await assertNothingLeft();
  });

  it('LAN down → p2p wins', async () => {
    sim.setPath('lan', { down: true });
    const result = await race(raceConfigFor(sim));
    await result.link.close();
    assert.equal(result.mode, 'p2p');
    assert.equal(result.winner, 'p2pConnectThread');
    assert.equal(result.racers.find((r) => r.mode === 'lan')?.state, 'cancelled');
  });

  it('LAN and P2P down → relay wins, through the negotiated relay port', async () => {
    sim.setPath('lan', { down: true });
    sim.setPath('p2p', { down: true });
    const result = await race(raceConfigFor(sim));
    await result.link.close();
    assert.equal(result.mode, 'relay');
    assert.equal(result.winner, 'relayConnectThread');
    assert.equal(result.remote.host, sim.relays[0].host);
    assert.notEqual(result.remote.port, sim.relays[0].port, 'the session runs on the per-session relay port');
  });

  it('all down → a typed failure listing every racer, ended by the maximum time', async () => {
    for (const path of ['lan', 'p2p', 'relay'] as const) sim.setPath(path, { down: true });
    await assert.rejects(race(raceConfigFor(sim, { maxConnectionTimeMs: 800, attemptTimeoutMs: 300 })), (err: unknown) => {
      assert.ok(err instanceof RaceError);
      assert.equal(err.code, 'ERR_TRAILCAM_UNREACHABLE');
      assert.deepEqual(
        err.racers.map((r) => r.name),
        ['lanConnectThread', 'p2pConnectThread', 'relayConnectThread'],
      );
      for (const racer of err.racers) {
        assert.equal(racer.state, 'failed');
        assert.match(racer.error ?? '', /timeout/);
        assert.ok(racer.attempts >= 2, `${racer.name} retried with fresh sockets`);
      }
      assert.match(err.message, /lanConnectThread: timeout/);
      assert.deepEqual(
        err.errors.map((e) => [e instanceof RacerError && e.racer, e instanceof RacerError && e.reason]),
        [
          ['lanConnectThread', 'timeout'],
          ['p2pConnectThread', 'timeout'],
          ['relayConnectThread', 'timeout'],
        ],
        'a typed reason per racer, like AggregateError',
      );
      return true;
    });
    // No wall-clock bound: the racers retry with fresh sockets for as long as they are let, so a
    // RaceError with a timeout per racer is the maximum connection time ending the race.
    await assertNothingLeft();
  });

  it('an unknown DID fails the P2P racer with a typed reason (asked again until the deadline: the camera may register late)', async () => {
    await assert.rejects(
      race(raceConfigFor(sim, { did: 'LBCS-999999-ZZZZZ', modes: ['p2p'], maxConnectionTimeMs: 1200 })),
      (err: unknown) => err instanceof RaceError && /refused/.test(err.racers[0].error ?? '') && (err.errors[0] as RacerError).reason === 'unknown-device',
    );
  });

  describe('a camera that answers only on the fourth destination port', () => {
    const silent: ScriptedPeer[] = [];
    beforeEach(async () => {
      for (let i = 0; i < 3; i += 1) silent.push(await scriptedPeer());
      quiet = await quietHandles(sim);
      await Promise.all(sim.cameras.map((c) => c.start()));
    });
    afterEach(async () => {
      await Promise.all(silent.splice(0).map((p) => p.close()));
    });

    it('connects without waiting for an attempt on another port to time out (the sequential baseline waits for three)', async () => {
      const ports = [...silent.map((p) => p.port), sim.cameras[0].sessionPort];
      const attemptTimeoutMs = 1500;
      // No wall-clock bound: the order of attempt sockets shows it. All four ports' first sockets
      // open (20 ms apart) before any attempt ends (1.5 s), which holds however loaded the machine is.
      const sockets: ('open' | 'close')[] = [];
      const createSocket = dgram.createSocket;
      const stub = sinon.stub(dgram, 'createSocket').callsFake(((...args: Parameters<typeof createSocket>) => {
        const socket = createSocket(...args);
        sockets.push('open');
        socket.once('close', () => sockets.push('close'));
        return socket;
      }) as typeof createSocket);
      const parallel = await race(raceConfigFor(sim, { ports, modes: ['lan'], attemptTimeoutMs })).finally(() => stub.restore());
      await parallel.link.close();
      assert.equal(parallel.destinationPort, ports[3]);
      assert.deepEqual(sockets.slice(0, 4), ['open', 'open', 'open', 'open'], `socket events: ${sockets.join(', ')}`);
      const sequential = await sequentialRace(raceConfigFor(sim, { ports, modes: ['lan'] }), { attemptTimeoutMs: 300 });
      await sequential.link.close();
      // The baseline waited out one attempt on each silent port first (by the steps it records,
      // not by elapsedMs: a 300 ms timer may fire up to 1 ms early against performance.now()).
      const steps = sequential.racers.map((r) => ({ port: r.destinationPort, state: r.state, timedOut: /time/i.test(r.error ?? '') }));
      assert.deepEqual(steps, [
        ...ports.slice(0, 3).map((port) => ({ port, state: 'failed', timedOut: true })),
        { port: ports[3], state: 'success', timedOut: false },
      ]);
      await assertNothingLeft();
    });
  });

  it("the caller's abort mid-race rejects promptly with an AbortError and leaves nothing open", async () => {
    sim.setPath('lan', { down: true });
    sim.setPath('p2p', { down: true });
    sim.setPath('relay', { down: true });
    const controller = new AbortController();
    const pending = race(raceConfigFor(sim), {
      signal: controller.signal,
      onUpdate: (racers) => racers.every((r) => r.attempts > 0) && controller.abort(new Error('user pressed stop')),
    });
    await assert.rejects(pending, AbortError);
    await assertNothingLeft();
  });

  it('20 races in flight sharing one caller signal add one abort listener to it (no MaxListenersExceededWarning); its abort ends them all', async () => {
    sim.setPath('lan', { down: true });
    sim.setPath('p2p', { down: true });
    sim.setPath('relay', { down: true });
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const races = Array.from({ length: 20 }, () => race(raceConfigFor(sim), { signal: controller.signal }));
      assert.equal(getEventListeners(controller.signal, 'abort').length, 1, 'one shared listener, not one per race');
      await new Promise((done) => setImmediate(done)); // a warning is emitted on a later tick
      controller.abort(new Error('site closed'));
      const settled = await Promise.allSettled(races);
      assert.deepEqual(
        settled.map((r) => r.status === 'rejected' && r.reason instanceof AbortError),
        settled.map(() => true),
      );
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
      assert.deepEqual(
        warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
        [],
      );
    } finally {
      process.off('warning', onWarning);
    }
    await assertNothingLeft();
  });

  it('1,000 consecutive races (all three racers, the losers cancelled every time) leave no socket, timer or listener behind', async () => {
    // The relay path is a black hole so the simulated relay never holds a session between races:
    // whatever is left open afterwards belongs to the engine.
    sim.setPath('relay', { down: true });
    const config = raceConfigFor(sim);
    const signal = new AbortController().signal;
    const winners = new Set<string>();
    for (let i = 0; i < 1000; i += 1) {
      const result = await race(config, { signal });
      winners.add(result.mode);
      const cancelled = result.racers.filter((r) => r.state === 'cancelled').length;
      if (cancelled !== 2) assert.fail(`race ${i}: ${cancelled} losers cancelled (${JSON.stringify(result.racers.map((r) => r.state))})`);
      await result.link.close();
    }
    assert.ok(!winners.has('relay'), 'relay never won through the black hole');
    await assertNothingLeft();
    assert.equal(getEventListeners(signal, 'abort').length, 0, "the caller's long-lived signal collected no listeners");
  });
});
