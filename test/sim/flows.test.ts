import assert from 'node:assert/strict';
import { formatDid, parseDid } from '../../src/protocol';
import { createSimulation, ECHO_CHANNEL, type Simulation } from '../../src/sim';
import { ScriptedClient } from '../helpers/client';

const did = parseDid('LBCS-000000-CCCJJ');

describe('sim: flows driven byte by byte by a scripted client', function () {
  this.timeout(10_000);
  let sim: Simulation;
  let client: ScriptedClient;

  beforeEach(async () => {
    sim = await createSimulation({
      cameras: [{ did: formatDid(did), tryLanTcpCount: 5, tryLanTcpSpanMs: 20, keepaliveMs: 150, deadAfterMs: 400, repeatGapMs: 5 }],
      seed: 7,
    });
    client = await ScriptedClient.open();
  });
  afterEach(async () => {
    await client.close();
    await sim.close();
  });

  /** LAN handshake up to P2P_RDY; returns the camera's session address. */
  async function connectLan(): Promise<number> {
    const camera = sim.cameras[0];
    client.send({ type: 'LAN_SEARCH' }, camera.searchPort);
    const punch = await client.next('PUNCH_PKT');
    client.send(punch.message, punch.from.port);
    await client.next('P2P_RDY');
    return punch.from.port;
  }

  it('LAN: answers LAN_SEARCH with PUNCH_PKT (twice) from the session socket, not the search port', async () => {
    const camera = sim.cameras[0];
    client.send({ type: 'LAN_SEARCH' }, camera.searchPort);
    const first = await client.next('PUNCH_PKT');
    const second = await client.next('PUNCH_PKT');
    assert.equal(first.from.port, camera.sessionPort);
    assert.notEqual(first.from.port, camera.searchPort);
    assert.equal(formatDid(first.message.did), 'LBCS-000000-CCCJJ');
    assert.deepEqual(second.message, first.message);
  });

  it('LAN: a client that does not echo the PUNCH_PKT never gets P2P_RDY', async () => {
    const camera = sim.cameras[0];
    client.send({ type: 'LAN_SEARCH' }, camera.searchPort);
    await client.next('PUNCH_PKT');
    await client.next('PUNCH_PKT');
    await assert.rejects(client.next('P2P_RDY', 300), /no P2P_RDY/);
    assert.equal(camera.sessionCount, 0);
  });

  it('LAN: the echo brings a burst of 0x43 with the camera address, then P2P_RDY (repeated), then DRW ch0 "ACK"', async () => {
    const camera = sim.cameras[0];
    const port = await connectLan();
    assert.equal(client.count('TRY_LAN_TCP'), 5, 'the whole 0x43 burst came before P2P_RDY');
    const burst = client.received.find((r) => r.message.type === 'TRY_LAN_TCP');
    assert.deepEqual(burst && 'address' in burst.message ? burst.message.address : undefined, { host: '127.0.0.1', port: camera.sessionPort });
    await client.next('P2P_RDY'); // duplicates of P2P_RDY
    const ack = await client.next('DRW');
    assert.deepEqual([ack.message.channel, ack.message.index, ack.message.data.toString()], [0, 0, 'ACK']);
    assert.equal(ack.from.port, port);
  });

  it('LAN: PUNCH_PKT sent straight to the session port is answered with P2P_RDY at once and connects (pppp.md §6.1b)', async () => {
    const camera = sim.cameras[0];
    client.send({ type: 'PUNCH_PKT', did }, camera.sessionPort);
    const ready = await client.next('P2P_RDY');
    assert.equal(ready.from.port, camera.sessionPort);
    assert.equal(camera.sessionCount, 1);
    assert.equal(client.count('PUNCH_PKT') + client.count('TRY_LAN_TCP'), 0, 'no PUNCH_PKT, no 0x43 burst');
  });

  it('session: acknowledges every DRW copy, echoes channel 2, resends until acknowledged', async () => {
    const port = await connectLan();
    const first = await client.next('DRW'); // "ACK" on ch0, not acknowledged yet
    const resent = await client.next('DRW');
    assert.deepEqual([resent.message.channel, resent.message.index], [first.message.channel, first.message.index], 'resent unchanged');
    client.send({ type: 'DRW_ACK', channel: 0, indices: [0] }, port);
    client.received.length = 0;
    const data = Buffer.from('hello trail camera');
    client.send({ type: 'DRW', channel: ECHO_CHANNEL, index: 0, data }, port);
    client.send({ type: 'DRW', channel: ECHO_CHANNEL, index: 0, data }, port); // duplicate
    const acks = [await client.next('DRW_ACK'), await client.next('DRW_ACK')];
    for (const ack of acks) assert.deepEqual([ack.message.channel, ack.message.indices], [ECHO_CHANNEL, [0]]);
    const echo = await client.next('DRW');
    assert.deepEqual([echo.message.channel, echo.message.index, echo.message.data.toString()], [ECHO_CHANNEL, 0, 'hello trail camera']);
    client.send({ type: 'DRW_ACK', channel: ECHO_CHANNEL, indices: [0] }, port);
  });

  it('keepalive: ALIVE after a quiet spell, ALIVE_ACK to every ALIVE', async () => {
    const port = await connectLan();
    await client.next('DRW');
    client.send({ type: 'DRW_ACK', channel: 0, indices: [0] }, port); // no resends keep the line busy now
    client.send({ type: 'ALIVE' }, port);
    await client.next('ALIVE_ACK');
    await client.next('ALIVE', 1000);
  });

  it('declares a silent client dead and sends CLOSE; honours CLOSE from the client', async () => {
    const camera = sim.cameras[0];
    await connectLan();
    await client.next('CLOSE', 2000);
    assert.equal(camera.sessionCount, 0);
    assert.equal(camera.counters.closedByTimeout, 1);
    client.received.length = 0; // forget the first session's repeated PUNCH_PKT/P2P_RDY copies
    const port = await connectLan();
    assert.equal(camera.sessionCount, 1);
    client.send({ type: 'CLOSE' }, port);
    client.send({ type: 'ALIVE' }, port);
    await assert.rejects(client.next('ALIVE_ACK', 200));
    assert.equal(camera.sessionCount, 0);
    assert.equal(camera.counters.closedByPeer, 1);
  });

  it('P2P via the rendezvous server: HELLO_ACK, P2P_REQ_ACK, PUNCH_TO, punching, P2P_RDY', async () => {
    const camera = sim.cameras[0];
    const server = sim.servers[0].port;
    client.send({ type: 'HELLO' }, server);
    const hello = await client.next('HELLO_ACK');
    assert.deepEqual(hello.message.address, { host: '127.0.0.1', port: client.port });
    client.send({ type: 'P2P_REQ', did, address: { host: '127.0.0.1', port: client.port } }, server);
    assert.equal((await client.next('P2P_REQ_ACK')).message.result, 0);
    const punchTo = await client.next('PUNCH_TO');
    assert.deepEqual(punchTo.message.address, { host: '127.0.0.1', port: camera.wanPort });
    const punch = await client.next('PUNCH_PKT');
    assert.equal(punch.from.port, camera.wanPort);
    client.send({ type: 'PUNCH_PKT', did }, camera.wanPort);
    const ready = await client.next('P2P_RDY');
    assert.equal(ready.from.port, camera.wanPort);
    assert.equal(client.count('TRY_LAN_TCP'), 0, 'no 0x43 burst outside the LAN');
  });

  it('P2P: an unknown DID is refused with result -1', async () => {
    client.send({ type: 'P2P_REQ', did: parseDid('ABCD-123456-XYZ'), address: { host: '127.0.0.1', port: client.port } }, sim.servers[0].port);
    assert.equal((await client.next('P2P_REQ_ACK')).message.result, -1);
    await assert.rejects(client.next('PUNCH_TO', 200));
  });

  it('relay: relay list, hello, per-session port with magic, RLY_REQ, RLY_PKT → RLY_RDY, then forwarding', async () => {
    const server = sim.servers[0].port;
    client.send({ type: 'LIST_REQ1', did }, server);
    const list = await client.next('LIST_REQ_ACK');
    assert.deepEqual(list.message.relays, [sim.relays[0]]);
    const relay = list.message.relays[0];
    client.send({ type: 'RLY_HELLO' }, relay.port);
    await client.next('RLY_HELLO_ACK');
    client.send({ type: 'RLY_PORT' }, relay.port);
    const { mark, port } = (await client.next('RLY_PORT_ACK')).message;
    assert.notEqual(port, relay.port, 'a fresh per-session port');
    client.send({ type: 'RLY_REQ', did, address: { host: relay.host, port }, mark }, server);
    assert.equal((await client.next('RLY_REQ_ACK')).message.result, 0);
    client.send({ type: 'RLY_PKT', mark, did, role: 'client' }, port);
    const ready = await client.next('RLY_RDY', 3000);
    assert.equal(ready.from.port, port);
    // The camera's session now runs through the relay: its first DRW "ACK" and our ALIVE cross it.
    const ack = await client.next('DRW');
    assert.equal(ack.from.port, port);
    client.send({ type: 'ALIVE' }, port);
    assert.equal((await client.next('ALIVE_ACK')).from.port, port);
  });

  it('counts malformed datagrams and carries on', async () => {
    const camera = sim.cameras[0];
    client.sendRaw(Buffer.from('f1fe0100000100000000', 'hex'), camera.searchPort);
    client.sendRaw(Buffer.from('not pppp at all'), camera.sessionPort);
    await connectLan();
    assert.equal(sim.counters().lan.malformed, 2);
  });
});
