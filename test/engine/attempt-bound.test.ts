import assert from 'node:assert/strict';
import sinon from 'sinon';
import { race } from '../../src/engine';
import { Attempt } from '../../src/engine/attempt';
import { attemptWindowMs, PROGRESS_ROUND_TRIPS, STAGE } from '../../src/engine/racers/handshake';
import { parseDid } from '../../src/protocol';
import { createSimulation } from '../../src/sim';
import { raceConfigFor } from '../helpers/race';
import { scriptedPeer, type ScriptedPeer } from '../helpers/udp';

const did = parseDid('LBCS-000000-CCCJJ');

/** Stages of every attempt closed without being handed over (i.e. thrown away). */
function thrownAway(): string[][] {
  const stages: string[][] = [];
  const close = Attempt.prototype.close;
  sinon.replace(Attempt.prototype, 'close', function (this: Attempt) {
    if (!this.closed) stages.push([...this.stages]);
    return close.call(this);
  });
  return stages;
}

describe('engine: the attempt bound rule (attempts that made progress are not thrown away)', function () {
  this.timeout(20_000);
  const peers: ScriptedPeer[] = [];
  const timers = new Set<NodeJS.Timeout>();
  afterEach(async () => {
    sinon.restore();
    for (const t of timers) clearTimeout(t);
    timers.clear();
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  it('the window after progress is the attempt timeout, or PROGRESS_ROUND_TRIPS measured round trips when that is longer', () => {
    assert.equal(attemptWindowMs(1_500, 10), 1_500);
    assert.equal(attemptWindowMs(1_500, 900), PROGRESS_ROUND_TRIPS * 900);
    assert.equal(attemptWindowMs(200, 0), 200);
  });

  it('P2P to a camera 900 ms away (one way) connects within a 10 s limit; the attempt that heard the camera is not restarted', async () => {
    // The camera's hole-punching socket is 900 ms away each way: its PUNCH_PKT reaches the client
    // after ~900 ms and its P2P_RDY after ~1.8 s, past the 1.5 s attempt timeout.
    const discarded = thrownAway();
    const sim = await createSimulation({ cameras: 1, servers: 1, relays: 0, seed: 11, fast: true, paths: { p2p: { delayMs: 900 } } });
    try {
      const result = await race(raceConfigFor(sim, { modes: ['p2p'], attemptTimeoutMs: 1_500, maxConnectionTimeMs: 10_000 }));
      await result.link.close();
      assert.equal(result.mode, 'p2p');
      assert.equal(result.remote.port, sim.cameras[0].wanPort);
      assert.deepEqual(
        discarded.filter((stages) => stages.includes(STAGE.cameraPunched)),
        [],
        'an attempt that had heard the camera was thrown away',
      );
      assert.equal(discarded.length, result.racers[0].attempts - 1);
      const expired = discarded.filter((stages) => stages.length > 0).length;
      assert.equal(result.racers[0].expiredAfterProgress ?? 0, expired, 'every timed-out attempt that had progressed is counted');
    } finally {
      await sim.close();
    }
  });

  it('a camera far from the server too: an attempt that timed out after the camera was named doubles the next one’s timeout', async () => {
    // Server near the client; camera 900 ms from both. The camera learns of the client 900 ms
    // after the server was asked, so its first packets reach the client after ~1.8 s: later than
    // any 1.5 s attempt, before a 3 s one.
    const away = 900;
    const later = (fn: () => void): void => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, away);
      timers.add(t);
    };
    const camera = await scriptedPeer((message, from, self) => {
      // arrives `away` ms late; the answer takes `away` ms more
      if (message.type === 'PUNCH_PKT') later(() => later(() => self.send({ type: 'P2P_RDY', did }, from.port)));
    });
    const server = await scriptedPeer((message, from, self) => {
      if (message.type !== 'P2P_REQ') return;
      self.send({ type: 'P2P_REQ_ACK', result: 0 }, from.port);
      self.send({ type: 'PUNCH_TO', address: { host: '127.0.0.1', port: camera.port } }, from.port);
      later(() => later(() => camera.send({ type: 'PUNCH_PKT', did }, from.port))); // told, then punches
    });
    peers.push(camera, server);
    const discarded = thrownAway();
    const result = await race({
      did: 'LBCS-000000-CCCJJ',
      servers: [`127.0.0.1:${server.port}`],
      modes: ['p2p'],
      bindAddress: '127.0.0.1',
      attemptTimeoutMs: 1_500,
      maxConnectionTimeMs: 10_000,
    });
    await result.link.close();
    assert.equal(result.remote.port, camera.port);
    assert.equal(result.racers[0].attempts, 2, 'the first (named, camera not heard yet) timed out; the second, twice as long, connected');
    assert.deepEqual(discarded, [[STAGE.serverAnswered, STAGE.cameraNamed]]);
    assert.equal(result.racers[0].expiredAfterProgress, 1, 'the attempt that had heard the server and timed out is counted');
  });
});
