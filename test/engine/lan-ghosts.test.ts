import assert from 'node:assert/strict';
import { race, type RaceResult } from '../../src/engine';
import { createSimulation, type CameraOptions, type Simulation } from '../../src/sim';
import { eventually } from '../runtime/fixtures';
import { scriptedPeer, type ScriptedPeer } from '../helpers/udp';
import { CAMERA_DID, ScriptedKjk } from './lan-cameras';
import { SteppedClock } from './stepped-clock';

/** The benchmark's nominal P2P and relay paths (bench/scenarios.ts). */
const WAN_PATHS = { p2p: { delayMs: 10 }, relay: { delayMs: 25 } };

describe('engine: no ghost sessions after a LAN race (issue 13)', function () {
  this.timeout(60_000);
  let sim: Simulation | undefined;
  let clock: SteppedClock | undefined;
  let result: RaceResult | undefined;
  const peers: ScriptedPeer[] = [];
  const cameras: ScriptedKjk[] = [];
  afterEach(async () => {
    await result?.link.close();
    result = undefined;
    await sim?.close();
    sim = undefined;
    clock?.restore();
    clock = undefined;
    await Promise.all([...peers.splice(0), ...cameras.splice(0)].map((p) => p.close()));
  });

  /** Ports shaped like the default list (40611, 32100, 32108, 10000, 80, 57743): the camera's session port first, its search port third, silent ports between. */
  async function defaultShapedPorts(s: Simulation, order: 'session-first' | 'search-first' = 'session-first'): Promise<number[]> {
    for (let i = 0; i < 4; i += 1) peers.push(await scriptedPeer());
    const camera = s.cameras[0];
    const [a, b, c, d] = peers.map((p) => p.port);
    return order === 'session-first' ? [camera.sessionPort, a, camera.searchPort, b, c, d] : [camera.searchPort, a, camera.sessionPort, b, c, d];
  }

  const cases: { title: string; camera: CameraOptions; order?: 'search-first' }[] = [
    { title: 'a camera that answers LAN_SEARCH on its session port', camera: { searchOnSessionPort: true } },
    { title: 'a camera that ignores LAN_SEARCH on its session port', camera: { searchOnSessionPort: false } },
    { title: 'the search port listed before the session port', camera: { searchOnSessionPort: true }, order: 'search-first' },
  ];
  for (const c of cases) {
    it(`real camera timing, LAN racer, default-shaped ports, ${c.title}: 2 s after the race the camera holds 1 session (the winner's)`, async () => {
      clock = new SteppedClock();
      sim = await createSimulation({ cameras: [{ did: CAMERA_DID, ...c.camera }], servers: 1, relays: 1, seed: 5, realTiming: true, paths: WAN_PATHS });
      const ports = await defaultShapedPorts(sim, c.order);
      const servers = sim.servers.map((s) => `${s.host}:${s.port}`);
      result = await clock.until(
        race({ host: '127.0.0.1', did: CAMERA_DID, ports, servers, modes: ['lan'], bindAddress: '127.0.0.1', maxConnectionTimeMs: 5_000 }),
        5_000,
      );
      assert.equal(result.mode, 'lan');
      assert.equal(result.racers[0].lanPath, 'direct');
      await clock.advance(2_000);
      assert.equal(sim.liveSessions(), 1, 'one live camera session 2 s after the race');
      assert.equal(sim.cameras[0].counters.sessions, 1, 'no other session was ever opened');
      await result.link.close();
      result = undefined;
      await clock.advance(5);
      assert.equal(sim.liveSessions(), 0, 'the winner’s CLOSE ended it');
    });
  }

  it('real camera timing, every mode raced (LAN wins): 2 s after the race the camera holds 1 session — the P2P punch that lost sends CLOSE too', async () => {
    clock = new SteppedClock();
    sim = await createSimulation({
      cameras: [{ did: CAMERA_DID, searchOnSessionPort: true }],
      servers: 1,
      relays: 1,
      seed: 5,
      realTiming: true,
      paths: WAN_PATHS,
    });
    const ports = await defaultShapedPorts(sim);
    const servers = sim.servers.map((s) => `${s.host}:${s.port}`);
    result = await clock.until(
      race({ host: '127.0.0.1', did: CAMERA_DID, ports, servers, modes: ['lan', 'p2p', 'relay'], bindAddress: '127.0.0.1', maxConnectionTimeMs: 5_000 }),
      5_000,
    );
    assert.equal(result.mode, 'lan');
    await clock.advance(2_000);
    assert.equal(sim.liveSessions(), 1, 'one live camera session 2 s after the race');
  });

  it('both probes reach ready in the same tick (fast path and slow path): the loser sends CLOSE, the camera keeps the winner’s session only', async () => {
    const camera = await ScriptedKjk.open({ searchOnSessionPort: true, answersDirectPunch: true, slowPathCompletes: true, directAnswerAtEcho: true });
    cameras.push(camera);
    result = await race({
      host: '127.0.0.1',
      did: CAMERA_DID,
      ports: [camera.sessionPort],
      modes: ['lan'],
      bindAddress: '127.0.0.1',
      maxConnectionTimeMs: 5_000,
    });
    assert.equal(camera.echoes.length, 1, 'the search path completed too');
    await eventually(() => camera.heard.some((h) => h.type === 'CLOSE'), 'the loser’s CLOSE reaches the camera');
    assert.deepEqual([...camera.sessions], [result.localPort], 'only the winner’s session is left');
  });
});
