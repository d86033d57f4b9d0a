import assert from 'node:assert/strict';
import { race } from '../../src/engine';
import { createSimulation } from '../../src/sim';
import { raceConfigFor } from '../helpers/race';

const DID = 'LBCS-000000-CCCJJ';

// Issue 17 against the simulator: its rendezvous server tells the camera first (pppp.md §6.2),
// so the camera's first PUNCH_PKT can reach the client before the client's PUNCH_TO. The race
// must not wait for the camera's *next* punch. Made a matter of event order, not of time: the
// camera's second punch comes 60 s after its first, far beyond the race deadline, so a client
// that needed it could not connect at all. (With this camera model, P2P_RDY answers the client's
// own PUNCH_PKT, so the camera's early punch is not what wins here; that the racer keeps an early
// punch and P2P_RDY from a camera that then falls silent is proved with scripted peers in
// test/engine/p2p-relay-client.test.ts, "early punches".)
describe('sim: P2P through the rendezvous server needs no second punch from the camera (issue 17)', function () {
  this.timeout(20_000);

  for (const delayMs of [0, 20]) {
    it(`connects by P2P before the camera's repeated punch (camera path ${delayMs} ms each way)`, async () => {
      const sim = await createSimulation({
        cameras: [{ did: DID, punchRepeats: 2, repeatGapMs: 60_000 }],
        servers: 1,
        relays: 0,
        fast: true,
        seed: 17,
        paths: { p2p: { delayMs } },
      });
      try {
        const result = await race(raceConfigFor(sim, { modes: ['p2p'], maxConnectionTimeMs: 4_000 }));
        try {
          assert.equal(result.mode, 'p2p');
          assert.equal(result.remote.port, sim.cameras[0].wanPort, 'the camera’s one socket for registration, punching and the session');
        } finally {
          await result.link.close();
        }
      } finally {
        await sim.close();
      }
    });
  }
});
