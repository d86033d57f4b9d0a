import assert from 'node:assert/strict';
import { race } from '../../src/engine';
import { attemptWindowMs, PROGRESS_ROUND_TRIPS } from '../../src/engine/racers/handshake';
import { createSimulation } from '../../src/sim';
import { raceConfigFor } from '../helpers/race';

describe('engine: the attempt bound rule (attempts that made progress are not thrown away)', function () {
  this.timeout(20_000);

  it('the window after progress is the attempt timeout, or PROGRESS_ROUND_TRIPS measured round trips when that is longer', () => {
    assert.equal(attemptWindowMs(1_500, 10), 1_500);
    assert.equal(attemptWindowMs(1_500, 900), PROGRESS_ROUND_TRIPS * 900);
    assert.equal(attemptWindowMs(200, 0), 200);
  });

  it('P2P to a camera 900 ms away (one way) connects within a 10 s limit, on its first attempt (never restarted)', async () => {
    // The camera's hole-punching socket is 900 ms away each way: its PUNCH_PKT reaches the client
    // after ~900 ms and its P2P_RDY after ~1.8 s, past the 1.5 s attempt timeout.
    const sim = await createSimulation({ cameras: 1, servers: 1, relays: 0, seed: 11, fast: true, paths: { p2p: { delayMs: 900 } } });
    try {
      const result = await race(raceConfigFor(sim, { modes: ['p2p'], attemptTimeoutMs: 1_500, maxConnectionTimeMs: 10_000 }));
      await result.link.close();
      assert.equal(result.mode, 'p2p');
      const [p2p] = result.racers;
      assert.equal(p2p.attempts, 1, `the progressing attempt was restarted: ${p2p.attempts} attempts`);
      assert.equal(result.remote.port, sim.cameras[0].wanPort);
    } finally {
      await sim.close();
    }
  });
});
