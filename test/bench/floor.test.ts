import assert from 'node:assert/strict';
import { floorConnect, FloorTimeout } from '../../bench/floor';

import { createSimulation } from '../../src/sim';
import { scriptedPeer, settledHandles } from '../helpers/udp';

const DID = 'LBCS-000000-CCCJJ';

describe('bench: the floor strategy (the bare LAN handshake of issue 16)', function () {
  this.timeout(10_000);

  it('opens a session with the simulated camera on one socket, and its close leaves the camera none', async () => {
    const before = await settledHandles();
    const sim = await createSimulation({ cameras: [{ did: DID }], servers: 0, relays: 0, fast: true, seed: 16 });
    try {
      const camera = sim.cameras[0];
      const link = await floorConnect({
        host: '127.0.0.1',
        port: camera.sessionPort,
        did: DID,
        bindAddress: '127.0.0.1',
        probeIntervalMs: 100,
        maxConnectionTimeMs: 2_000,
      });
      assert.ok(link.elapsedMs >= 0);
      assert.ok(sim.liveSessions() >= 1, 'the camera holds our session');
      await link.close();
      // The CLOSE is on its way: let the camera's socket read it (event-loop turns, no timer).
      for (let i = 0; i < 50 && sim.liveSessions() > 0; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
      assert.equal(sim.liveSessions(), 0, 'CLOSE ended the camera’s session');
    } finally {
      await sim.close();
    }
    assert.deepEqual(await settledHandles(), before, 'every socket and timer released');
  });

  it('a silent camera: rejects with FloorTimeout after its deadline, having probed with PUNCH_PKT, then LAN_SEARCH too, and releases its socket', async () => {
    const seen: string[] = [];
    const silent = await scriptedPeer((message) => seen.push(message.type));
    const before = await settledHandles();
    try {
      await assert.rejects(
        floorConnect({ host: '127.0.0.1', port: silent.port, did: DID, bindAddress: '127.0.0.1', probeIntervalMs: 10, maxConnectionTimeMs: 35 }),
        (err: unknown) => err instanceof FloorTimeout && err.ms === 35,
      );
      assert.ok(seen.includes('PUNCH_PKT') && seen.includes('LAN_SEARCH'), seen.join(','));
      assert.deepEqual(await settledHandles(), before);
    } finally {
      await silent.close();
    }
  });
});
