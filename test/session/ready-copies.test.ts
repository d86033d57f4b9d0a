import assert from 'node:assert/strict';
import sinon from 'sinon';
import { race, type RaceResult } from '../../src/engine';
import { parseDid, type Message } from '../../src/protocol';
import { Session } from '../../src/session';
import { createSimulation, type Simulation } from '../../src/sim';
import { eventually } from '../runtime/fixtures';
import { scriptedPeer, type ScriptedPeer } from '../helpers/udp';
import { SteppedClock } from '../engine/stepped-clock';
import { FakeLink } from './fake-link';

const did = parseDid('LBCS-000000-CCCJJ');

describe('session: the camera’s P2P_RDY copies after the win (pppp.md §6.1 step 7)', function () {
  this.timeout(30_000);

  describe('on a fake link', () => {
    let clock: sinon.SinonFakeTimers;
    let session: Session | undefined;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date', 'performance'] });
    });
    afterEach(async () => {
      await session?.close();
      session = undefined;
      clock.restore();
    });

    it('answers every P2P_RDY copy with ALIVE, as the vendor app does, and counts them apart from keepalive ALIVEs', () => {
      const link = new FakeLink();
      session = new Session(link);
      for (let i = 0; i < 3; i += 1) {
        link.deliver({ type: 'P2P_RDY', did });
        clock.tick(45);
      }
      assert.equal(link.take('ALIVE').length, 3);
      assert.equal(session.stats.readyCopiesAnswered, 3);
      assert.equal(session.stats.alivesSent, 0, 'no keepalive was due');
    });
  });

  describe('against the simulated camera (real camera timing: P2P_RDY every 45 ms until answered)', () => {
    let sim: Simulation | undefined;
    let clock: SteppedClock | undefined;
    let session: Session | undefined;
    let result: RaceResult | undefined;
    afterEach(async () => {
      await (session ? session.close() : result?.link.close());
      session = undefined;
      result = undefined;
      await sim?.close();
      sim = undefined;
      clock?.restore();
      clock = undefined;
    });

    /** Races the simulated camera over LAN on a stepped clock and counts the P2P_RDY copies the link receives. */
    async function connect(): Promise<{ copies: () => number }> {
      clock = new SteppedClock();
      sim = await createSimulation({ cameras: 1, servers: 0, relays: 0, seed: 9, realTiming: true });
      const camera = sim.cameras[0];
      result = await clock.until(race({ host: '127.0.0.1', did: camera.did, ports: [camera.sessionPort], modes: ['lan'], bindAddress: '127.0.0.1' }), 5_000);
      let copies = 0;
      result.link.on('message', (m: Message) => {
        if (m.type === 'P2P_RDY') copies += 1;
      });
      return { copies: () => copies };
    }

    it('with a session on the link the camera stops repeating P2P_RDY after the first answer', async () => {
      const { copies } = await connect();
      session = new Session((result as RaceResult).link);
      await (clock as SteppedClock).advance(1_000);
      assert.ok(session.stats.readyCopiesAnswered >= 1, 'a copy arrived and was answered');
      assert.ok(copies() <= 2, `${copies()} copies in 1 s (one answered, at most one more on the way)`);
    });

    it('a won link with no session yet answers the copies itself (Link, issue 16): the camera stops repeating too', async () => {
      const { copies } = await connect();
      await (clock as SteppedClock).advance(1_000);
      assert.ok(copies() >= 1, 'no copy arrived');
      assert.ok(copies() <= 2, `${copies()} copies in 1 s (one answered, at most one more on the way)`);
    });

    it('without an answer the camera keeps repeating (so the answer is what stops it)', async () => {
      const { copies } = await connect();
      (result as RaceResult).link.autoAnswerAlive = false; // the bare link answers copies too (Link); here nobody does
      await (clock as SteppedClock).advance(1_000);
      assert.ok(copies() >= 15, `${copies()} copies in 1 s`);
    });
  });

  describe('trust model: a session is bound to the camera’s exact address', () => {
    const peers: ScriptedPeer[] = [];
    let session: Session | undefined;
    afterEach(async () => {
      await session?.close();
      session = undefined;
      await Promise.all(peers.splice(0).map((p) => p.close()));
    });

    it('CLOSE (or anything) from another port of the camera’s address is dropped and counted; the camera’s own CLOSE ends the session', async () => {
      const camera = await scriptedPeer((message, from, self) => {
        if (message.type === 'PUNCH_PKT') self.send({ type: 'P2P_RDY', did }, from.port);
        if (message.type === 'ALIVE') self.send({ type: 'ALIVE_ACK' }, from.port);
      });
      const other = await scriptedPeer();
      peers.push(camera, other);
      const won = await race({ host: '127.0.0.1', did: 'LBCS-000000-CCCJJ', ports: [camera.port], modes: ['lan'], bindAddress: '127.0.0.1' });
      session = new Session(won.link);
      const s = session;
      await new Promise<void>((resolve) => other.socket.send(Buffer.from('f1f00000', 'hex'), won.localPort, '127.0.0.1', () => resolve()));
      await eventually(() => won.link.counters.foreign >= 1, 'the foreign CLOSE arrived');
      assert.equal(s.open, true, 'a CLOSE from another port does not end the session');
      camera.send({ type: 'CLOSE' }, won.localPort);
      await eventually(() => !s.open, 'the camera’s CLOSE ends the session');
      assert.deepEqual(s.endReason, { kind: 'closed', reason: 'remote' });
    });
  });
});
