import assert from 'node:assert/strict';
import sinon from 'sinon';
import { ConfigError } from '../../src/errors';
import { parseDid } from '../../src/protocol';
import { createSimulation, REALISTIC_CAMERA, type Simulation } from '../../src/sim';
import { ScriptedClient } from '../helpers/client';

const did = parseDid('LBCS-000000-CCCJJ');

/** Lets the loopback datagrams already sent arrive (I/O turns, not a timed sleep). */
async function ioTurns(n = 5): Promise<void> {
  for (let i = 0; i < n; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('sim: the camera answers a direct punch as the real KJK230 does (issue 13, pppp.md §6.1b)', function () {
  this.timeout(10_000);
  let sim: Simulation;
  const clients: ScriptedClient[] = [];
  let clock: sinon.SinonFakeTimers | undefined;

  async function client(): Promise<ScriptedClient> {
    const c = await ScriptedClient.open();
    clients.push(c);
    return c;
  }

  beforeEach(async () => {
    sim = await createSimulation({ cameras: 1, servers: 0, relays: 0, seed: 3 });
  });
  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await sim.close();
  });

  it('PUNCH_PKT(DID) on the session socket: the first answer is P2P_RDY from that socket (no PUNCH_PKT, no 0x43), then DRW ch0 "ACK"; one session', async () => {
    const camera = sim.cameras[0];
    const c = await client();
    c.send({ type: 'PUNCH_PKT', did }, camera.sessionPort);
    const ready = await c.next('P2P_RDY');
    assert.deepEqual(ready.from, { host: '127.0.0.1', port: camera.sessionPort });
    assert.deepEqual(ready.message.did, did);
    const ack = await c.next('DRW');
    assert.deepEqual([ack.message.channel, ack.message.index, ack.message.data.toString()], [0, 0, 'ACK']);
    assert.equal(c.count('PUNCH_PKT'), 0, 'no PUNCH_PKT');
    assert.equal(c.count('TRY_LAN_TCP'), 0, 'no 0x43 burst');
    assert.equal(camera.sessionCount, 1);
    assert.equal(sim.liveSessions(), 1);
  });

  it('a PUNCH_PKT with another DID opens nothing', async () => {
    const c = await client();
    c.send({ type: 'PUNCH_PKT', did: parseDid('LBCS-000001-CCCJJ') }, sim.cameras[0].sessionPort);
    c.send({ type: 'LAN_SEARCH' }, sim.cameras[0].searchPort); // answered: proves the punch was handled first
    await c.next('PUNCH_PKT');
    assert.equal(c.count('P2P_RDY'), 0);
    assert.equal(sim.cameras[0].sessionCount, 0);
    assert.equal(sim.cameras[0].counters.unexpected, 1);
  });

  it('LAN_SEARCH still gets PUNCH_PKT, the 51 x 0x43 burst, then P2P_RDY (the vendor app path)', async () => {
    const camera = sim.cameras[0];
    const c = await client();
    c.send({ type: 'LAN_SEARCH' }, camera.searchPort);
    const punch = await c.next('PUNCH_PKT');
    c.send(punch.message, punch.from.port);
    await c.next('P2P_RDY', 5_000);
    assert.equal(c.count('TRY_LAN_TCP'), REALISTIC_CAMERA.tryLanTcpCount, 'the whole burst came before P2P_RDY');
  });

  it('repeats P2P_RDY and the "ACK" DRW every readyRepeatMs/drwResendMs while the client is silent; ALIVE and DRW_ACK stop them', async () => {
    const camera = sim.cameras[0];
    assert.equal(camera.options.readyRepeatMs, 45);
    assert.equal(camera.options.drwResendMs, 45);
    const c = await client();
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 1_000_000 });
    c.send({ type: 'PUNCH_PKT', did }, camera.sessionPort);
    await c.next('P2P_RDY');
    await c.next('DRW');
    for (let i = 0; i < 4; i += 1) {
      clock.tick(44);
      await ioTurns();
      assert.equal(c.count('P2P_RDY') + c.count('DRW'), 0, `nothing before ${45} ms (copy ${i + 2})`);
      clock.tick(1);
      const copy = await c.next('P2P_RDY');
      assert.equal(copy.from.port, camera.sessionPort);
      const resent = await c.next('DRW');
      assert.deepEqual([resent.message.channel, resent.message.index, resent.message.data.toString()], [0, 0, 'ACK'], 'resent unchanged');
    }
    // Acknowledging the DRW ends its resends, not the P2P_RDY copies (the real camera, §6.1b step 3).
    c.send({ type: 'DRW_ACK', channel: 0, indices: [0] }, camera.sessionPort);
    c.send({ type: 'DRW', channel: 9, index: 0, data: Buffer.from('x') }, camera.sessionPort);
    await c.next('DRW_ACK'); // the camera has handled our DRW_ACK (same socket pair: in order)
    clock.tick(45);
    await c.next('P2P_RDY');
    // ALIVE in answer to a P2P_RDY copy (what the vendor app does) ends the P2P_RDY copies.
    c.send({ type: 'ALIVE' }, camera.sessionPort);
    await c.next('ALIVE_ACK');
    clock.tick(45 * 10);
    c.send({ type: 'ALIVE' }, camera.sessionPort);
    await c.next('ALIVE_ACK'); // anything the camera sent during those 450 ms arrived before this
    assert.equal(c.count('P2P_RDY'), 0, 'no P2P_RDY after ALIVE');
    assert.equal(c.count('DRW'), 0, 'no DRW resend after DRW_ACK');
    assert.equal(camera.sessionCount, 1);
  });

  it('stops repeating P2P_RDY after readyRepeats copies even if the client never answers', async () => {
    await sim.close();
    sim = await createSimulation({ cameras: [{ readyRepeats: 3, readyRepeatMs: 10 }], servers: 0, relays: 0 });
    const camera = sim.cameras[0];
    const c = await client();
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 1_000_000 });
    c.send({ type: 'PUNCH_PKT', did }, camera.sessionPort);
    await c.next('P2P_RDY');
    for (let i = 0; i < 10; i += 1) clock.tick(10);
    c.send({ type: 'ALIVE' }, camera.sessionPort);
    await c.next('ALIVE_ACK');
    assert.equal(c.count('P2P_RDY'), 2, '3 copies in all');
  });

  it('the live session count follows every client: two direct punches → 2; one CLOSE → 1', async () => {
    const camera = sim.cameras[0];
    const [a, b] = [await client(), await client()];
    a.send({ type: 'PUNCH_PKT', did }, camera.sessionPort);
    b.send({ type: 'PUNCH_PKT', did }, camera.sessionPort);
    await a.next('P2P_RDY');
    await b.next('P2P_RDY');
    assert.equal(camera.sessionCount, 2);
    a.send({ type: 'CLOSE' }, camera.sessionPort);
    b.send({ type: 'ALIVE' }, camera.sessionPort);
    await b.next('ALIVE_ACK'); // b's ALIVE was sent after a's CLOSE: the CLOSE has been handled
    await ioTurns();
    assert.equal(camera.sessionCount, 1);
    assert.equal(sim.liveSessions(), 1);
    assert.equal(camera.counters.closedByPeer, 1);
  });

  it('directPunch: false keeps the older model (PUNCH_PKT back, P2P_RDY after the echo); searchOnSessionPort: false ignores LAN_SEARCH there', async () => {
    await sim.close();
    sim = await createSimulation({ cameras: [{ directPunch: false, searchOnSessionPort: false }], servers: 0, relays: 0, fast: true });
    const camera = sim.cameras[0];
    const c = await client();
    c.send({ type: 'LAN_SEARCH' }, camera.sessionPort);
    c.send({ type: 'PUNCH_PKT', did }, camera.sessionPort);
    const punch = await c.next('PUNCH_PKT');
    assert.equal(c.count('P2P_RDY'), 0);
    c.send(punch.message, camera.sessionPort);
    await c.next('P2P_RDY');
    assert.equal(camera.counters.unexpected, 1, 'the LAN_SEARCH to the session port was not answered');
  });

  it('realTiming: the real camera timing preset (burst 51 over 330 ms; 1.5 ± 1 ms each way on the LAN path); not with fast', async () => {
    await sim.close();
    sim = await createSimulation({ cameras: 1, servers: 0, relays: 0, realTiming: true });
    const camera = sim.cameras[0];
    assert.deepEqual(
      [camera.options.tryLanTcpCount, camera.options.tryLanTcpSpanMs, camera.options.directPunch, camera.options.directPunchDelayMs],
      [51, 330, true, 0],
    );
    assert.deepEqual([sim.paths.lan.settings.delayMs, sim.paths.lan.settings.jitterMs], [1.5, 1]);
    assert.equal(sim.paths.p2p.settings.delayMs, 0);
    const c = await client();
    c.send({ type: 'PUNCH_PKT', did }, camera.sessionPort);
    await c.next('P2P_RDY');
    assert.equal(c.count('TRY_LAN_TCP'), 0);
    await assert.rejects(createSimulation({ realTiming: true, fast: true }), (e: unknown) => e instanceof ConfigError && e.field === 'realTiming');
  });
});
