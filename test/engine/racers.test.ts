import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import dgram = require('node:dgram');
import sinon from 'sinon';
import { AbortError, ConfigError, describeValue } from '../../src/errors';
import { Attempt } from '../../src/engine/attempt';
import { Link, race, RACERS, RaceError, RacerError, RELAY_TRANSPORTS, type Racer, type RaceConfigInput, type RelayTransport } from '../../src/engine';
import { parseDid, type Message } from '../../src/protocol';
import { ScriptedClient } from '../helpers/client';
import { raceConfigFor } from '../helpers/race';
import { createSimulation, type Simulation } from '../../src/sim';
import { quietHandles, scriptedPeer, settledHandles, type ScriptedPeer } from '../helpers/udp';

const DID = 'LBCS-000000-CCCJJ';
const did = parseDid(DID);

/** A camera played by the test: answers LAN_SEARCH with PUNCH_PKT and the echo with P2P_RDY. */
async function scriptedCamera(onOther: (message: Message, from: { port: number }, self: ScriptedPeer) => void = () => undefined): Promise<ScriptedPeer> {
  return scriptedPeer((message, from, self) => {
    if (message.type === 'LAN_SEARCH') self.send({ type: 'PUNCH_PKT', did }, from.port);
    else if (message.type === 'PUNCH_PKT') self.send({ type: 'P2P_RDY', did }, from.port);
    else onOther(message, from, self);
  });
}

describe('engine: racers in detail', function () {
  this.timeout(30_000);
  const peers: ScriptedPeer[] = [];
  afterEach(async () => {
    sinon.restore();
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  describe('LAN racer', () => {
    it('probes host:port with PUNCH_PKT(DID) and LAN_SEARCH about every 100 ms, each probe from its own fresh sockets (new local port per attempt)', async () => {
      const probes: { type: string; port: number; at: number; did?: string }[] = [];
      let attempts = 0;
      const silent = await scriptedPeer((message, from) => {
        probes.push({
          type: message.type,
          port: from.port,
          at: performance.now(),
          did: 'did' in message ? `${message.did.prefix}-${message.did.serial}-${message.did.check}` : undefined,
        });
      });
      peers.push(silent);
      await assert.rejects(
        race({
          host: '127.0.0.1',
          did: DID,
          ports: [silent.port],
          modes: ['lan'],
          attemptTimeoutMs: 250,
          maxConnectionTimeMs: 1_100,
          bindAddress: '127.0.0.1',
        }),
        (err: unknown) => {
          assert.ok(err instanceof RaceError);
          const lan = err.racers[0];
          assert.ok(lan.attempts >= 3, `${lan.attempts} attempts`);
          attempts = lan.attempts;
          assert.ok(lan.sent >= probes.length, 'every probe that arrived was counted as sent');
          return true;
        },
      );
      // Probes only: a direct-punch socket also ends with CLOSE (the camera may hold a session for it).
      const bySocket = new Map<number, typeof probes>();
      for (const p of probes) if (p.type !== 'CLOSE') bySocket.set(p.port, [...(bySocket.get(p.port) ?? []), p]);
      // One local port per attempt, never reused; the last attempt of each probe may be cut by the
      // deadline before its first datagram arrives, so up to two fewer ports than attempts.
      assert.ok(bySocket.size <= attempts && bySocket.size >= attempts - 2, `${bySocket.size} source ports for ${attempts} attempts`);
      const kinds = [...bySocket.values()].map((list) => new Set(list.map((p) => p.type)));
      assert.ok(
        kinds.every((k) => k.size === 1),
        'a socket sends one kind of probe: the direct punch and the search never share one',
      );
      assert.ok(kinds.some((k) => k.has('PUNCH_PKT')) && kinds.some((k) => k.has('LAN_SEARCH')), 'both probes ran');
      assert.ok(
        probes.filter((p) => p.type === 'PUNCH_PKT').every((p) => p.did === 'LBCS-0-CCCJJ'),
        'PUNCH_PKT carries our DID',
      );
      // "About every 100 ms": timers never fire early, so repeats on one socket are at least a probe
      // interval apart (5 ms for libuv's cached loop clock); and an attempt that lives its 250 ms
      // repeats its probe (the 100 ms probe timer fires before the 250 ms attempt timer, whatever
      // the load), so some socket sent more than one.
      for (const list of bySocket.values()) {
        for (let i = 1; i < list.length; i += 1) assert.ok(list[i].at - list[i - 1].at >= 95, `repeat after ${(list[i].at - list[i - 1].at).toFixed(1)} ms`);
      }
      assert.ok(
        [...bySocket.values()].some((list) => list.length >= 2),
        'an attempt repeats its probe',
      );
      // ~1.1 s at one probe per ~100 ms per probe kind: about 21 in all; a loaded machine can only make it fewer.
      assert.ok(probes.length <= 40, `${probes.length} probes`);
    });

    it('a camera on the 4th destination port is not behind the attempts on the first three: the first attempt on every port starts before any attempt ends', async () => {
      // The real camera's ~330 ms 0x43 burst before P2P_RDY makes one connect take long enough
      // that trying the ports one attempt after another would show.
      const sim = await createSimulation({ cameras: [{ did: DID }], seed: 2 });
      const silent: ScriptedPeer[] = [];
      try {
        for (let i = 0; i < 3; i += 1) silent.push(await scriptedPeer());
        const camera = sim.cameras[0].sessionPort;
        const first = await race(raceConfigFor(sim, { modes: ['lan'], ports: [camera, ...silent.map((p) => p.port)] }));
        await first.link.close();
        // The order in which the fourth race opens and closes its attempt sockets (one per port at first).
        const sockets: ('open' | 'close')[] = [];
        const createSocket = dgram.createSocket;
        sinon.stub(dgram, 'createSocket').callsFake(((...args: Parameters<typeof createSocket>) => {
          const socket = createSocket(...args);
          sockets.push('open');
          socket.once('close', () => sockets.push('close'));
          return socket;
        }) as typeof createSocket);
        const fourth = await race(raceConfigFor(sim, { modes: ['lan'], ports: [...silent.map((p) => p.port), camera] }));
        await fourth.link.close();
        sinon.restore();
        assert.equal(first.destinationPort, camera);
        assert.equal(fourth.destinationPort, camera);
        // No wall-clock comparison: the 4th port's socket opened before any attempt on the three
        // silent ports ended, so the ports run in parallel (staggered by portStaggerMs, 20 ms) and
        // not one attempt timeout (1.5 s) after another. Timers fire in the order they are due, so
        // this order holds however loaded the machine is.
        assert.deepEqual(sockets.slice(0, 4), ['open', 'open', 'open', 'open'], `socket events: ${sockets.join(', ')}`);
      } finally {
        await Promise.all(silent.map((p) => p.close()));
        await sim.close();
      }
    });
  });

  describe('P2P and relay racers against the simulator', () => {
    let sim: Simulation;
    beforeEach(async () => {
      sim = await createSimulation({ cameras: 1, servers: 1, relays: 1, seed: 4, fast: true });
    });
    afterEach(async () => {
      await sim.close();
    });

    it('P2P: an unknown DID is asked again until the deadline, then fails with the typed reason unknown-device', async () => {
      await assert.rejects(race(raceConfigFor(sim, { did: 'LBCS-999999-ZZZZZ', modes: ['p2p'], maxConnectionTimeMs: 1_200 })), (err: unknown) => {
        assert.ok(err instanceof RaceError);
        const [cause] = err.errors;
        assert.ok(cause instanceof RacerError, String(cause));
        assert.equal(cause.reason, 'unknown-device');
        assert.equal(cause.racer, 'p2pConnectThread');
        assert.match(err.message, /p2pConnectThread: timeout: .*P2P_REQ_ACK result -1/);
        return true;
      });
    });

    it('P2P: a device that stopped registering fails as device-offline at the deadline', async () => {
      // Registered (the server knows it), then switched off: no DEV_LGN refreshes any more.
      const client = await ScriptedClient.open();
      try {
        client.send({ type: 'P2P_REQ', did, address: { host: '127.0.0.1', port: client.port } }, sim.servers[0].port);
        assert.equal((await client.next('P2P_REQ_ACK')).message.result, 0);
      } finally {
        await client.close();
      }
      await sim.cameras[0].stop();
      const clock = sinon.useFakeTimers({ toFake: ['Date'], now: Date.now() });
      clock.tick(60_000); // past the rendezvous server's registration TTL
      await assert.rejects(race(raceConfigFor(sim, { modes: ['p2p'], maxConnectionTimeMs: 1_200 })), (err: unknown) => {
        assert.ok(err instanceof RaceError);
        assert.ok(err.errors[0] instanceof RacerError);
        assert.equal((err.errors[0] as RacerError).reason, 'device-offline');
        assert.match(err.message, /p2pConnectThread: .*P2P_REQ_ACK result -2/);
        return true;
      });
    });

    it('relay: an RLY_REQ_ACK refusal is asked again until the deadline, then fails the relay racer with a typed reason', async () => {
      await assert.rejects(race(raceConfigFor(sim, { did: 'LBCS-999999-ZZZZZ', modes: ['relay'], maxConnectionTimeMs: 1_200 })), (err: unknown) => {
        assert.ok(err instanceof RaceError);
        assert.ok(err.errors[0] instanceof RacerError);
        assert.equal((err.errors[0] as RacerError).reason, 'unknown-device');
        assert.match(err.message, /relayConnectThread: .*RLY_REQ_ACK result -1/);
        return true;
      });
    });

    it('one server that does not know the device does not stop P2P or relay through another that does', async () => {
      const refuser = await scriptedPeer((message, from, self) => {
        if (message.type === 'P2P_REQ') self.send({ type: 'P2P_REQ_ACK', result: -1 }, from.port);
        if (message.type === 'RLY_REQ') self.send({ type: 'RLY_REQ_ACK', result: -1 }, from.port);
        if (message.type === 'LIST_REQ1') self.send({ type: 'LIST_REQ_ACK', relays: [] }, from.port);
      });
      peers.push(refuser);
      const servers = [`127.0.0.1:${refuser.port}`, ...sim.servers.map((s) => `${s.host}:${s.port}`)];
      sim.setPath('lan', { down: true });
      const p2p = await race(raceConfigFor(sim, { servers, modes: ['p2p'] }));
      await p2p.link.close();
      assert.equal(p2p.mode, 'p2p');
      sim.setPath('p2p', { down: true });
      const relay = await race(raceConfigFor(sim, { servers, modes: ['relay'] }));
      await relay.link.close();
      assert.equal(relay.mode, 'relay');
    });

    it('P2P and relay without a rendezvous server fail at once as not-configured', async () => {
      await assert.rejects(race(raceConfigFor(sim, { servers: [], modes: ['p2p', 'relay'] })), (err: unknown) => {
        assert.ok(err instanceof RaceError);
        assert.deepEqual(
          err.errors.map((e) => (e as RacerError).reason),
          ['not-configured', 'not-configured'],
        );
        assert.ok(err.racers.every((r) => r.state === 'failed' && r.attempts === 0));
        return true;
      });
    });

    it('the result has every documented field, for the race and for every racer', async () => {
      const result = await race(raceConfigFor(sim));
      await result.link.close();
      assert.deepEqual(Object.keys(result).sort(), ['destinationPort', 'elapsedMs', 'link', 'localPort', 'mode', 'racers', 'remote', 'winner'].sort());
      assert.ok(['lan', 'p2p', 'relay'].includes(result.mode));
      assert.equal(typeof result.elapsedMs, 'number');
      assert.ok(result.elapsedMs >= 0);
      assert.equal(result.localPort, result.link.localPort);
      assert.deepEqual(Object.keys(result.remote).sort(), ['host', 'port']);
      assert.deepEqual(
        result.racers.map((r) => [r.name, r.mode]),
        [
          ['lanConnectThread', 'lan'],
          ['p2pConnectThread', 'p2p'],
          ['relayConnectThread', 'relay'],
        ],
      );
      for (const racer of result.racers) {
        for (const key of ['name', 'mode', 'state', 'attempts', 'localPort', 'destinationPort', 'elapsedMs', 'error'])
          assert.ok(key in racer, `${racer.name}.${key}`);
        assert.ok(['success', 'cancelled'].includes(racer.state), `${racer.name} ${racer.state}`);
        assert.equal(racer.state === 'success', racer.name === result.winner);
        if (racer.state === 'cancelled') assert.equal(racer.error, 'another racer won');
      }
      const winner = result.racers.find((r) => r.name === result.winner);
      assert.equal(winner?.localPort, result.localPort);
      assert.equal(winner?.error, null);
    });

    it('REPORT_SESSION_READY is never sent by default', async () => {
      const send = sinon.spy(Attempt.prototype, 'send');
      const result = await race(raceConfigFor(sim));
      await result.link.close();
      assert.ok(send.callCount > 0);
      assert.deepEqual(
        send.getCalls().filter((c) => c.args[0].type === 'REPORT_SESSION_READY'),
        [],
      );
    });

    it('with reportSessionReady: true, each rendezvous server gets an F9 report of the win', async () => {
      let reported: (message: Message) => void = () => undefined;
      const report = new Promise<Message>((resolve) => (reported = resolve));
      const vendor = await scriptedPeer((message) => message.type === 'REPORT_SESSION_READY' && reported(message));
      peers.push(vendor);
      const result = await race(raceConfigFor(sim, { modes: ['lan'], servers: [`127.0.0.1:${vendor.port}`], reportSessionReady: true }));
      await result.link.close();
      const message = await report;
      assert.ok(message.type === 'REPORT_SESSION_READY');
      assert.deepEqual(message.report.did, did);
      assert.equal(message.report.result, 1);
      assert.deepEqual(message.report.peerAddress, result.remote);
      assert.equal(message.report.localAddress.port, result.localPort);
    });
  });

  describe('winner and losers', () => {
    it('a success after the win is closed (CLOSE sent, socket released) and reported as late', async () => {
      const sim = await createSimulation({ cameras: 1, seed: 6, fast: true });
      let closes = 0;
      let closed: () => void = () => undefined;
      const lateClosed = new Promise<void>((resolve) => (closed = resolve));
      const lateCamera = await scriptedPeer((message) => {
        if (message.type === 'CLOSE') {
          closes += 1;
          closed();
        }
      });
      peers.push(lateCamera);
      // A p2p racer that ignores being cancelled and succeeds right after the LAN win.
      const stubborn: Racer = {
        name: 'p2pConnectThread',
        mode: 'p2p',
        connect: async (context) => {
          await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
          const socket = createSocket('udp4');
          await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
          return new Link(socket, 'p2p', { host: '127.0.0.1', port: lateCamera.port }, did);
        },
      };
      sinon.replace(RACERS as Record<string, Racer>, 'p2p', stubborn);
      try {
        const quiet = await quietHandles(sim);
        await sim.cameras[0].start();
        const result = await race(raceConfigFor(sim, { modes: ['lan', 'p2p'] }));
        const late = result.racers.find((r) => r.mode === 'p2p');
        assert.equal(result.mode, 'lan');
        assert.equal(late?.state, 'cancelled');
        assert.equal(late?.late, true);
        assert.match(late?.error ?? '', /succeeded after another racer had won/);
        await lateClosed;
        assert.equal(closes, 1);
        await result.link.close();
        assert.deepEqual(await quietHandles(sim), quiet, 'the late link’s socket was released');
      } finally {
        await sim.close();
      }
    });

    it('the winning link answers ALIVE with ALIVE_ACK until a session takes over; close() sends CLOSE and releases the socket', async () => {
      const before = await settledHandles();
      let onPeer: (type: string) => void = () => undefined;
      const seen = (type: string): Promise<void> => new Promise((resolve) => (onPeer = (t) => t === type && resolve()));
      const camera = await scriptedCamera((message) => onPeer(message.type));
      peers.push(camera);
      const result = await race({ host: '127.0.0.1', did: DID, ports: [camera.port], modes: ['lan'], bindAddress: '127.0.0.1' });
      const { link } = result;
      assert.equal(link.mode, 'lan');
      assert.deepEqual(link.remote, { host: '127.0.0.1', port: camera.port });
      const ack = seen('ALIVE_ACK');
      camera.send({ type: 'ALIVE' }, link.localPort);
      await ack;
      const close = seen('CLOSE');
      await link.close();
      await close;
      assert.equal(link.open, false);
      await camera.close();
      peers.splice(peers.indexOf(camera), 1);
      assert.deepEqual(await settledHandles(), before);
    });
  });

  describe('relay transports: the plug-in point for a TCP relay', () => {
    it('the racer tries every transport in RELAY_TRANSPORTS in order; a failing one falls through to UDP', async () => {
      assert.deepEqual(
        RELAY_TRANSPORTS.map((t) => t.kind),
        ['udp'],
        'no TCP relay is guessed',
      );
      const sim = await createSimulation({ cameras: 1, seed: 8, fast: true });
      const calls: string[] = [];
      const tcp: RelayTransport = {
        kind: 'tcp',
        connect: async (context) => {
          calls.push(`${context.info.name} ${context.config.servers.length}`);
          throw new RacerError(context.info.name, 'relay', 'socket-error', 'no TCP relay here');
        },
      };
      const transports = RELAY_TRANSPORTS as RelayTransport[];
      transports.unshift(tcp);
      try {
        sim.setPath('lan', { down: true });
        sim.setPath('p2p', { down: true });
        const result = await race(raceConfigFor(sim));
        await result.link.close();
        assert.deepEqual(calls, ['relayConnectThread 1']);
        assert.equal(result.mode, 'relay');
      } finally {
        transports.splice(transports.indexOf(tcp), 1);
        await sim.close();
      }
    });
  });

  describe('bad input and start-up', () => {
    const base = { host: '127.0.0.1', did: DID, bindAddress: '127.0.0.1' };
    const bad: [string, RaceConfigInput][] = [
      ['host', { host: '300.1.2.3' }],
      ['host', { host: 'camera.local' }],
      ['did', { did: 'LBCS-000000' }],
      ['did', { did: 'TOOLONGPREFIX-000000-CCCJJ' }],
      ['ports[0]', { ports: [0] }],
      ['ports[0]', { ports: [65536] }],
      ['ports[1]', { ports: ['40611', 'http'] }],
      ['ports[0]', { ports: [40611.5] }],
      ['ports', { ports: [] }],
      ['ports', { ports: '' }],
      ['modes', { modes: [] }],
      ['modes', { modes: '' }],
      ['maxConnectionTimeMs', { maxConnectionTimeMs: -5 }],
      ['maxConnectionTimeMs', { maxConnectionTimeMs: 0 }],
      ['maxConnectionTimeMs', { maxConnectionTimeMs: Number.POSITIVE_INFINITY }],
      ['maxConnectionTimeMs', { maxConnectionTimeMs: 365 * 24 * 3_600_000 }],
      ['attemptTimeoutMs', { attemptTimeoutMs: -1 }],
      ['attemptTimeoutMs', { attemptTimeoutMs: 1e9 }],
      ['startupDelayMs', { startupDelayMs: -100 }],
      ['startupDelayMs', { startupDelayMs: 1e10 }],
      ['portStaggerMs', { portStaggerMs: -1 }],
      ['servers[0]', { servers: ['127.0.0.1:0'] }],
      ['bindAddress', { bindAddress: 'any' }],
    ];
    for (const [field, patch] of bad) {
      it(`${field} = ${describeValue(Object.values(patch)[0])}: a ConfigError naming it, before any socket`, async () => {
        const createSocketSpy = sinon.spy(dgram, 'createSocket');
        const before = await settledHandles();
        await assert.rejects(
          race({ ...base, ...patch }),
          (err: unknown) => err instanceof ConfigError && err.field === field && err.message.includes(`invalid ${field}`),
        );
        assert.equal(createSocketSpy.callCount, 0, 'no socket created');
        assert.deepEqual(await settledHandles(), before);
      });
    }

    it('waits out the camera start-up delay before the first socket; an abort during it rejects without any socket', async () => {
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const createSocketSpy = sinon.spy(dgram, 'createSocket');
      const controller = new AbortController();
      const pending = race({ ...base, ports: [40611], modes: ['lan'], startupDelayMs: 10_000 }, { signal: controller.signal });
      await clock.tickAsync(9_000);
      assert.equal(createSocketSpy.callCount, 0, 'still waiting');
      controller.abort(new Error('user pressed stop'));
      await assert.rejects(pending, (err: unknown) => err instanceof AbortError && /user pressed stop/.test(err.message));
      assert.equal(createSocketSpy.callCount, 0);
      assert.equal(clock.countTimers(), 0, 'the start-up timer was cleared');
    });

    it('a race with a start-up delay starts racing after it', async () => {
      const camera = await scriptedCamera();
      peers.push(camera);
      const createSocketSpy = sinon.spy(dgram, 'createSocket');
      const started = Date.now();
      const result = await race({ ...base, ports: [camera.port], modes: ['lan'], startupDelayMs: 300 });
      await result.link.close();
      assert.ok(Date.now() - started >= 290, `resolved after ${Date.now() - started} ms`);
      assert.ok(createSocketSpy.callCount >= 1, 'the spy sees the engine’s sockets (so the zero counts above mean something)');
    });

    it('an already aborted signal rejects at once with an AbortError', async () => {
      const createSocketSpy = sinon.spy(dgram, 'createSocket');
      await assert.rejects(race({ ...base, ports: [40611] }, { signal: AbortSignal.abort(new Error('gone')) }), AbortError);
      assert.equal(createSocketSpy.callCount, 0);
    });
  });
});
