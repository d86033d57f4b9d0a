import assert from 'node:assert/strict';
import sinon from 'sinon';
import { parseDid, type Message } from '../../src/protocol';
import { createSimulation, Path, seededRandom, SimCamera, type Address } from '../../src/sim';
import { defaultSearchHost } from '../../src/sim/camera';
import { SimEndpoint } from '../../src/sim/endpoint';
import { RendezvousServer } from '../../src/sim/rendezvous';
import { ScriptedClient } from '../helpers/client';
import { scriptedPeer, settledHandles, type ScriptedPeer } from '../helpers/udp';

const did = parseDid('LBCS-000000-CCCJJ');

/** Waits (one event-loop turn at a time, bounded) for effects of datagrams already sent on loopback. */
async function until(condition: () => boolean, what: string, turns = 500): Promise<void> {
  for (let i = 0; i < turns; i += 1) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}

function camera(options: ConstructorParameters<typeof SimCamera>[0], servers: Address[]): SimCamera {
  const random = seededRandom(1);
  return new SimCamera(options, { host: '127.0.0.1', lan: new Path('lan', {}, random), p2p: new Path('p2p', {}, random), servers });
}

describe('sim: a camera and servers that behave like real hosts behind NAT (issue 12)', function () {
  this.timeout(10_000);
  const peers: ScriptedPeer[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    sinon.restore();
    for (const c of cleanups.splice(0).reverse()) await c();
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  it('one socket: DEV_LGN leaves from the socket that punches; the server puts that source (the public mapping) in PUNCH_TO, then the local address', async () => {
    const server = new RendezvousServer('127.0.0.1', () => []);
    await server.start();
    cleanups.push(() => server.close());
    // A "device behind NAT": its DEV_LGN names a private address; the server sees the socket's own.
    const device = await ScriptedClient.open();
    const client = await ScriptedClient.open();
    cleanups.push(
      () => device.close(),
      () => client.close(),
    );
    device.send({ type: 'DEV_LGN', did, nat: 0, apiVersion: 0, address: { host: '10.1.0.2', port: 40000 } }, server.address.port);
    await device.next('DEV_LGN_ACK');
    client.send({ type: 'P2P_REQ', did, address: { host: '10.2.0.2', port: 50000 } }, server.address.port);
    assert.equal((await client.next('P2P_REQ_ACK')).message.result, 0);
    assert.deepEqual((await client.next('PUNCH_TO')).message.address, { host: '127.0.0.1', port: device.port }, 'public first');
    assert.deepEqual((await client.next('PUNCH_TO')).message.address, { host: '10.1.0.2', port: 40000 }, 'then local');
    assert.deepEqual((await device.next('PUNCH_TO')).message.address, { host: '127.0.0.1', port: client.port });
    assert.deepEqual((await device.next('PUNCH_TO')).message.address, { host: '10.2.0.2', port: 50000 });

    // The simulated camera registers from its wan socket: the server's PUNCH_TO names that socket.
    const cam = camera({}, [server.address]);
    await cam.start();
    cleanups.push(() => cam.stop());
    await until(() => cam.counters.registrationAcks === 1, 'DEV_LGN_ACK');
    client.received.length = 0;
    client.send({ type: 'P2P_REQ', did, address: { host: '127.0.0.1', port: client.port } }, server.address.port);
    await client.next('P2P_REQ_ACK');
    assert.deepEqual((await client.next('PUNCH_TO')).message.address, { host: '127.0.0.1', port: cam.wanPort });
    const punch = await client.next('PUNCH_PKT');
    assert.equal(punch.from.port, cam.wanPort, 'the camera punches from the socket it registered from');
    await assert.rejects(client.next('PUNCH_TO', 100), 'one PUNCH_TO when public and local are the same');
  });

  it('the server tells the camera (PUNCH_TO, RLY_TO) before it answers the client', async () => {
    const server = new RendezvousServer('127.0.0.1', () => []);
    await server.start();
    cleanups.push(() => server.close());
    const device = await ScriptedClient.open();
    const client = await ScriptedClient.open();
    cleanups.push(
      () => device.close(),
      () => client.close(),
    );
    device.send({ type: 'DEV_LGN', did, nat: 0, apiVersion: 0, address: { host: '127.0.0.1', port: device.port } }, server.address.port);
    await device.next('DEV_LGN_ACK');
    const sent: { type: string; to: number }[] = [];
    const send = SimEndpoint.prototype.send;
    sinon.replace(SimEndpoint.prototype, 'send', function (this: SimEndpoint, message: Message, to: Address, done?: () => void) {
      sent.push({ type: message.type, to: to.port });
      return send.call(this, message, to, done);
    });
    client.send({ type: 'P2P_REQ', did, address: { host: '127.0.0.1', port: client.port } }, server.address.port);
    await client.next('PUNCH_TO');
    client.send({ type: 'RLY_REQ', did, address: { host: '127.0.0.1', port: 9 }, mark: 5 }, server.address.port);
    await client.next('RLY_REQ_ACK');
    assert.deepEqual(sent, [
      { type: 'PUNCH_TO', to: device.port },
      { type: 'P2P_REQ_ACK', to: client.port },
      { type: 'PUNCH_TO', to: client.port },
      { type: 'RLY_TO', to: device.port },
      { type: 'RLY_REQ_ACK', to: client.port },
    ]);
  });

  it('a DEV_LGN without DEV_LGN_ACK is resent every registerRetryMs (1 s) until acknowledged; then only the refresh', async () => {
    let heard = 0;
    const server = await scriptedPeer((message, from, self) => {
      if (message.type !== 'DEV_LGN') return;
      heard += 1;
      if (heard >= 3) self.send({ type: 'DEV_LGN_ACK', result: 0 }, from.port); // the first two are "lost"
    });
    peers.push(server);
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: 0 });
    cleanups.push(() => clock.restore());
    const cam = camera({ registerIntervalMs: 10_000 }, [{ host: '127.0.0.1', port: server.port }]);
    assert.equal(cam.options.registerRetryMs, 1000);
    await cam.start();
    cleanups.push(() => cam.stop());
    assert.equal(cam.counters.registrations, 1);
    await until(() => heard === 1, 'the first DEV_LGN');
    clock.tick(999);
    assert.equal(cam.counters.registrations, 1);
    clock.tick(1); // no answer: resent
    assert.equal(cam.counters.registrations, 2);
    await until(() => heard === 2, 'the second DEV_LGN');
    clock.tick(1000);
    assert.equal(cam.counters.registrations, 3);
    await until(() => cam.counters.registrationAcks === 1, 'DEV_LGN_ACK');
    clock.tick(7000); // acknowledged: no resends until the refresh at 10 s
    assert.equal(cam.counters.registrations, 3);
    clock.tick(1000);
    assert.equal(cam.counters.registrations, 4, 'the refresh');
  });

  it('PUNCH_TO and RLY_TO count only from the camera’s servers; a server’s PUNCH_TO naming port 0 is skipped', async () => {
    const server = await scriptedPeer();
    peers.push(server);
    const cam = camera({ punchRepeats: 1 }, [{ host: '127.0.0.1', port: server.port }]);
    await cam.start();
    cleanups.push(() => cam.stop());
    const stranger = await ScriptedClient.open();
    const target = await ScriptedClient.open();
    cleanups.push(
      () => stranger.close(),
      () => target.close(),
    );
    stranger.send({ type: 'PUNCH_TO', address: { host: '127.0.0.1', port: target.port } }, cam.wanPort);
    stranger.send({ type: 'RLY_TO', address: { host: '127.0.0.1', port: target.port }, mark: 1 }, cam.wanPort);
    await until(() => cam.counters.unexpected === 2, 'both ignored');
    server.send({ type: 'PUNCH_TO', address: { host: '127.0.0.1', port: 0 } }, cam.wanPort);
    server.send({ type: 'PUNCH_TO', address: { host: '127.0.0.1', port: target.port } }, cam.wanPort);
    const punch = await target.next('PUNCH_PKT');
    assert.equal(punch.from.port, cam.wanPort);
    assert.equal(target.count('RLY_PKT') + target.count('PUNCH_PKT'), 0, 'nothing sent for the stranger');
    assert.equal(cam.counters.unexpected, 2);
  });

  it('the relay forwards CLOSE before it closes the session socket: the camera ends its relayed session', async () => {
    const sim = await createSimulation({ cameras: 1, seed: 4, fast: true });
    cleanups.push(() => sim.close());
    const client = await ScriptedClient.open();
    cleanups.push(() => client.close());
    const relay = sim.relays[0];
    client.send({ type: 'RLY_PORT' }, relay.port);
    const { mark, port } = (await client.next('RLY_PORT_ACK')).message;
    client.send({ type: 'RLY_REQ', did, address: { host: relay.host, port }, mark }, sim.servers[0].port);
    client.send({ type: 'RLY_PKT', mark, did, role: 'client' }, port);
    await client.next('RLY_RDY', 3000);
    await client.next('DRW'); // the camera's session runs through the relay
    assert.equal(sim.cameras[0].sessionCount, 1);
    client.send({ type: 'CLOSE' }, port);
    await until(() => sim.cameras[0].counters.closedByPeer === 1, 'the camera got the CLOSE', 2000);
    assert.equal(sim.cameras[0].sessionCount, 0);
  });

  it('stop() while start() is binding closes every socket start() opens', async () => {
    const before = await settledHandles();
    const cam = camera({}, []);
    const starting = cam.start();
    const stopping = cam.stop();
    await Promise.all([starting, stopping]);
    assert.equal(cam.running, false);
    assert.deepEqual(await settledHandles(), before);
  });

  it('the search socket binds 0.0.0.0 on a host address (broadcasts reach it), the camera host on loopback', async () => {
    assert.equal(defaultSearchHost('10.1.0.2'), '0.0.0.0');
    assert.equal(defaultSearchHost('203.0.113.7'), '0.0.0.0');
    assert.equal(defaultSearchHost('127.0.0.2'), '127.0.0.2');
    const cam = camera({ searchHost: '0.0.0.0' }, []);
    await cam.start();
    cleanups.push(() => cam.stop());
    assert.equal(cam.options.searchHost, '0.0.0.0');
    const client = await ScriptedClient.open();
    cleanups.push(() => client.close());
    client.send({ type: 'LAN_SEARCH' }, cam.searchPort); // unicast to 127.0.0.1: no broadcast in a test
    const punch = await client.next('PUNCH_PKT');
    assert.deepEqual(punch.from, { host: '127.0.0.1', port: cam.sessionPort }, 'answered from the session socket');
  });
});
