import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createSocket, type Socket } from 'node:dgram';
import sinon from 'sinon';
import { ConfigError } from '../../src/errors';
import { race } from '../../src/engine';
import { encode, formatDid, parseDid, type Message, type MessageOf } from '../../src/protocol';
import { createSimulation, Path, seededRandom, SimCamera, type Simulation } from '../../src/sim';
import { SimEndpoint } from '../../src/sim/endpoint';
import { RelayServer } from '../../src/sim/relay';
import { RendezvousServer } from '../../src/sim/rendezvous';
import { ScriptedClient } from '../helpers/client';
import { scriptedPeer, settledHandles, type ScriptedPeer } from '../helpers/udp';

const did = parseDid('LBCS-000000-CCCJJ');

/** Resolves with the first message of `type` a scripted peer receives. */
function collector() {
  const seen: { message: Message; port: number }[] = [];
  const waiters: { type: string; n: number; resolve(): void }[] = [];
  const onMessage = (message: Message, from: { port: number }): void => {
    seen.push({ message, port: from.port });
    for (const w of [...waiters]) {
      if (seen.filter((s) => s.message.type === w.type).length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const nth = async <T extends Message['type']>(type: T, n = 1): Promise<{ message: MessageOf<T>; port: number }[]> => {
    if (seen.filter((s) => s.message.type === type).length < n) await new Promise<void>((resolve) => waiters.push({ type, n, resolve }));
    return seen.filter((s) => s.message.type === type) as { message: MessageOf<T>; port: number }[];
  };
  return { onMessage, nth, seen };
}

describe('sim: camera registration, several servers, relay and robustness', function () {
  this.timeout(20_000);

  describe('DEV_LGN', () => {
    const peers: ScriptedPeer[] = [];
    afterEach(async () => {
      await Promise.all(peers.splice(0).map((p) => p.close()));
    });

    it('the camera registers with every configured server from the one socket that also punches, carrying its DID and that socket’s address, and refreshes it', async () => {
      const servers = [collector(), collector()];
      for (const s of servers) peers.push(await scriptedPeer(s.onMessage));
      const random = seededRandom(1);
      const camera = new SimCamera(
        { did: 'LBCS-000042-CCCJJ', registerIntervalMs: 40 },
        {
          host: '127.0.0.1',
          lan: new Path('lan', {}, random),
          p2p: new Path('p2p', {}, random),
          servers: peers.map((p) => ({ host: '127.0.0.1', port: p.port })),
        },
      );
      await camera.start();
      try {
        for (const server of servers) {
          const [first, second] = await server.nth('DEV_LGN', 2);
          assert.equal(formatDid(first.message.did), 'LBCS-000042-CCCJJ');
          assert.deepEqual(first.message.address, { host: '127.0.0.1', port: camera.wanPort }, 'where P2P punches reach the camera');
          assert.equal(first.port, camera.wanPort, 'sent from the socket that punches and holds the P2P session');
          assert.deepEqual(second.message, first.message, 'refreshed unchanged');
        }
      } finally {
        await camera.stop();
      }
    });

    it('a camera without servers sends no DEV_LGN and holds no timer', async () => {
      const before = await settledHandles();
      const random = seededRandom(1);
      const camera = new SimCamera(
        { registerIntervalMs: 10 },
        { host: '127.0.0.1', lan: new Path('lan', {}, random), p2p: new Path('p2p', {}, random), servers: [] },
      );
      await camera.start();
      const running = await settledHandles();
      assert.equal(running.udp, before.udp + 3, 'search, session and the one internet socket');
      assert.equal(running.timers, before.timers);
      await camera.stop();
      assert.deepEqual(await settledHandles(), before);
    });
  });

  describe('rendezvous servers', () => {
    let sim: Simulation;
    let client: ScriptedClient;
    beforeEach(async () => {
      sim = await createSimulation({ cameras: 2, servers: 3, relays: 2, seed: 12, fast: true });
      client = await ScriptedClient.open();
    });
    afterEach(async () => {
      await client.close();
      await sim.close();
    });

    it('three servers run at once on their own ports; each knows every camera and lists every relay', async () => {
      assert.equal(sim.servers.length, 3);
      assert.equal(new Set(sim.servers.map((s) => s.port)).size, 3);
      for (const server of sim.servers) {
        for (const camera of sim.cameras) {
          client.send({ type: 'P2P_REQ', did: camera.didValue, address: { host: '127.0.0.1', port: client.port } }, server.port);
          const ack = await client.next('P2P_REQ_ACK');
          assert.equal(ack.message.result, 0, `${camera.did} registered with ${server.port}`);
          assert.equal(ack.from.port, server.port);
          assert.deepEqual((await client.next('PUNCH_TO')).message.address, { host: '127.0.0.1', port: camera.wanPort });
          // The server also told the camera about us: it punches towards the client (skip late
          // repeats of the previous camera's punches).
          let punch = await client.next('PUNCH_PKT');
          while (punch.from.port !== camera.wanPort) punch = await client.next('PUNCH_PKT');
          assert.deepEqual(punch.message.did, camera.didValue);
          client.received.length = 0;
        }
        client.send({ type: 'LIST_REQ1', did }, server.port);
        assert.deepEqual((await client.next('LIST_REQ_ACK')).message.relays, sim.relays);
      }
    });

    it('HELLO_ACK returns the address the server saw; RLY_REQ for an unknown DID is refused with -1', async () => {
      client.send({ type: 'HELLO' }, sim.servers[1].port);
      assert.deepEqual((await client.next('HELLO_ACK')).message.address, { host: '127.0.0.1', port: client.port });
      client.send({ type: 'RLY_REQ', did: parseDid('NOPE-1-X'), address: sim.relays[0], mark: 1 }, sim.servers[1].port);
      assert.equal((await client.next('RLY_REQ_ACK')).message.result, -1);
    });

    it('a registered device that went silent is reported offline (-2), with no PUNCH_TO', async () => {
      const camera = sim.cameras[1];
      client.send({ type: 'P2P_REQ', did: camera.didValue, address: { host: '127.0.0.1', port: client.port } }, sim.servers[0].port);
      assert.equal((await client.next('P2P_REQ_ACK')).message.result, 0);
      await client.next('PUNCH_TO');
      await camera.stop();
      client.received.length = 0;
      const clock = sinon.useFakeTimers({ toFake: ['Date'], now: Date.now() });
      try {
        clock.tick(60_000); // past the registration TTL
        client.send({ type: 'P2P_REQ', did: camera.didValue, address: { host: '127.0.0.1', port: client.port } }, sim.servers[0].port);
        assert.equal((await client.next('P2P_REQ_ACK')).message.result, -2);
        client.send({ type: 'RLY_REQ', did: camera.didValue, address: sim.relays[0], mark: 7 }, sim.servers[0].port);
        assert.equal((await client.next('RLY_REQ_ACK')).message.result, -2);
        assert.equal(client.count('PUNCH_TO'), 0);
      } finally {
        clock.restore();
      }
    });
  });

  describe('malformed and unexpected datagrams', () => {
    it('are counted and ignored by the camera, the rendezvous server and the relay, which carry on', async () => {
      const sim = await createSimulation({ cameras: 1, seed: 3, fast: true });
      const client = await ScriptedClient.open();
      try {
        const camera = sim.cameras[0];
        const junk = [Buffer.from('f1fe0100000100000000', 'hex'), Buffer.from('hello'), Buffer.alloc(0), Buffer.from('f141000400', 'hex')];
        for (const datagram of junk) {
          client.sendRaw(datagram, camera.searchPort);
          client.sendRaw(datagram, sim.relays[0].port);
          client.sendRaw(datagram, sim.servers[0].port);
        }
        // Well-formed but out of place: a relay message to the camera, a camera message to the relay.
        client.send({ type: 'RLY_HELLO' }, camera.searchPort);
        client.send({ type: 'P2P_RDY', did }, sim.relays[0].port);
        // A PUNCH_TO from someone who is not the camera's server (ignored and counted); a device registers port 0.
        client.send({ type: 'PUNCH_TO', address: { host: '127.0.0.1', port: 0 } }, camera.wanPort);
        client.send({ type: 'DEV_LGN', did: parseDid('ZERO-1-PORT'), nat: 0, apiVersion: 0, address: { host: '127.0.0.1', port: 0 } }, sim.servers[0].port);
        await client.next('DEV_LGN_ACK');
        client.send({ type: 'P2P_REQ', did: parseDid('ZERO-1-PORT'), address: { host: '127.0.0.1', port: 0 } }, sim.servers[0].port);
        assert.equal((await client.next('P2P_REQ_ACK')).message.result, 0);
        // Everyone still answers.
        client.send({ type: 'LAN_SEARCH' }, camera.searchPort);
        await client.next('PUNCH_PKT');
        client.send({ type: 'RLY_HELLO' }, sim.relays[0].port);
        await client.next('RLY_HELLO_ACK');
        client.send({ type: 'HELLO' }, sim.servers[0].port);
        await client.next('HELLO_ACK');
        const counters = sim.counters();
        assert.equal(counters.lan.malformed, junk.length);
        assert.equal(counters.relay.malformed, junk.length);
        assert.equal(camera.counters.unexpected, 2, 'RLY_HELLO at the search port, PUNCH_TO from a client');
      } finally {
        await client.close();
        await sim.close();
      }
    });

    it('the rendezvous server counts what it cannot use', async () => {
      const server = new RendezvousServer('127.0.0.1', () => []);
      await server.start();
      const client = await ScriptedClient.open();
      try {
        client.sendRaw(Buffer.from('f10000ff', 'hex'), server.address.port);
        client.send({ type: 'DRW', channel: 0, index: 0, data: Buffer.from('x') }, server.address.port);
        client.send({ type: 'HELLO' }, server.address.port);
        await client.next('HELLO_ACK');
        assert.equal(server.endpointCounters?.malformed, 1);
        assert.equal(server.counters.unexpected, 1);
      } finally {
        await client.close();
        await server.close();
      }
    });
  });

  describe('relay server', () => {
    it('a session port being bound while the relay closes is released too', async () => {
      const random = seededRandom(5);
      const relay = new RelayServer('127.0.0.1', new Path('relay', {}, random), random);
      await relay.start();
      const before = await settledHandles();
      const open = SimEndpoint.open.bind(SimEndpoint);
      let closing: Promise<void> | undefined;
      let opened: () => void = () => undefined;
      const sessionOpened = new Promise<void>((resolve) => (opened = resolve));
      sinon.replace(SimEndpoint, 'open', async (...args: Parameters<typeof SimEndpoint.open>) => {
        closing = relay.close(); // the relay shuts down while the session socket is being bound
        const endpoint = await open(...args);
        opened();
        return endpoint;
      });
      const client = await ScriptedClient.open();
      try {
        client.send({ type: 'RLY_PORT' }, relay.address.port);
        await sessionOpened;
        await closing;
        await assert.rejects(client.next('RLY_PORT_ACK', 200));
      } finally {
        sinon.restore();
        await client.close();
      }
      assert.equal(relay.openSessions, 0);
      const after = await settledHandles();
      assert.equal(after.udp, before.udp - 1, 'the relay socket and the late session socket are closed');
    });
  });

  describe('a camera and its relays', () => {
    it('a relay session that ended no longer bypasses the p2p path: a client socket that got its port is impaired like any other', async () => {
      const sim = await createSimulation({ fast: true, paths: { p2p: { down: true } } });
      const camera = sim.cameras[0];
      let socket: Socket | undefined;
      try {
        const result = await race({ did: camera.did, servers: sim.servers.map((s) => `${s.host}:${s.port}`), modes: ['relay'], bindAddress: '127.0.0.1' });
        assert.equal(result.mode, 'relay');
        const relaySession = result.link.remote;
        const ended = new Promise<void>((resolve) => {
          const off = camera.onSessionsChanged((n) => {
            if (n === 0) {
              off();
              resolve();
            }
          });
        });
        await result.link.close(); // CLOSE through the relay: its session and the camera's end
        await ended;
        // A client socket on the relay session's freed port punches the camera's internet socket.
        const reused = createSocket('udp4');
        socket = reused;
        await new Promise<void>((resolve) => reused.bind(relaySession.port, '127.0.0.1', resolve));
        const p2p = sim.paths.p2p;
        const transmit = p2p.transmit.bind(p2p);
        const outcome = new Promise<string>((resolve) => {
          sinon.stub(p2p, 'transmit').callsFake((deliver, dropped, flow) => transmit(deliver, () => (dropped?.(), resolve('dropped by the p2p path')), flow));
          reused.on('message', () => resolve('answered past the p2p path'));
        });
        reused.send(encode({ type: 'PUNCH_PKT', did: camera.didValue }), camera.wanPort, '127.0.0.1');
        assert.equal(await outcome, 'dropped by the p2p path');
      } finally {
        sinon.restore();
        socket?.close();
        await sim.close();
      }
    });
  });

  describe('seeded', () => {
    /** The magic word the relay of a fresh simulation with `seed` hands out first. */
    async function firstMagic(seed: number): Promise<number> {
      const sim = await createSimulation({ cameras: 1, seed, fast: true, paths: { relay: { loss: 0.3 } } });
      const client = await ScriptedClient.open();
      try {
        // Resend until one RLY_PORT gets through the lossy path (and its answer back).
        let answer: Awaited<ReturnType<typeof client.next<'RLY_PORT_ACK'>>> | undefined;
        for (let i = 0; i < 20 && !answer; i += 1) {
          client.send({ type: 'RLY_PORT' }, sim.relays[0].port);
          answer = await client.next('RLY_PORT_ACK', 300).catch(() => undefined);
        }
        assert.ok(answer, 'an RLY_PORT_ACK within 20 tries');
        return answer.message.mark;
      } finally {
        await client.close();
        await sim.close();
      }
    }

    it('a simulation replays identically for a seed (relay magic words, loss decisions) and differs for another', async () => {
      const a = await firstMagic(77);
      assert.equal(await firstMagic(77), a);
      assert.notEqual(await firstMagic(78), a);
    });
  });

  describe('LAN details', () => {
    it('answers LAN_SEARCH sent straight to the session port, from that port', async () => {
      const sim = await createSimulation({ cameras: 1, seed: 1, fast: true });
      const client = await ScriptedClient.open();
      try {
        client.send({ type: 'LAN_SEARCH' }, sim.cameras[0].sessionPort);
        const punch = await client.next('PUNCH_PKT');
        assert.equal(punch.from.port, sim.cameras[0].sessionPort);
        assert.deepEqual(punch.message.did, did);
      } finally {
        await client.close();
        await sim.close();
      }
    });

    it('the default camera sends the observed burst of 51 × 0x43 over ~330 ms before P2P_RDY', async () => {
      const sim = await createSimulation({ cameras: 1, seed: 1 });
      const client = await ScriptedClient.open();
      try {
        const camera = sim.cameras[0];
        client.send({ type: 'LAN_SEARCH' }, camera.searchPort);
        const punch = await client.next('PUNCH_PKT');
        const echoedAt = Date.now();
        client.send(punch.message, punch.from.port);
        await client.next('P2P_RDY', 5_000);
        assert.equal(client.count('TRY_LAN_TCP'), 51);
        assert.ok(Date.now() - echoedAt >= 300, `P2P_RDY after ${Date.now() - echoedAt} ms`);
      } finally {
        await client.close();
        await sim.close();
      }
    });
  });

  it('binds an IPv4 unicast host address only: anything else is a ConfigError before a socket is opened', async () => {
    const before = await settledHandles();
    for (const host of ['0.0.0.0', '255.255.255.255', '224.0.0.1', '::1', 'localhost', '127.0.0']) {
      await assert.rejects(createSimulation({ host }), (err: unknown) => err instanceof ConfigError && err.field === 'host', host);
    }
    assert.deepEqual(await settledHandles(), before);
  });

  it('1,000 cameras: the process has as many open file descriptors afterwards as before', async function () {
    this.timeout(60_000);
    if (!fs.existsSync('/proc/self/fd')) this.skip();
    const fds = (): number => fs.readdirSync('/proc/self/fd').length;
    await settledHandles();
    const before = fds();
    const sim = await createSimulation({ cameras: 1000, servers: 3, relays: 2, fast: true });
    assert.ok(fds() >= before + 3000, `${fds() - before} descriptors while running`);
    await sim.close();
    await settledHandles();
    assert.equal(fds(), before);
  });
});
