import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { race, RaceError, type RacerInfo } from '../../src/engine';
import { BUSY_RACES, enterRace, racesInFlight } from '../../src/engine/busy';
import { AbortError } from '../../src/errors';
import { decode, encode, parseDid, type Message } from '../../src/protocol';
import { createSimulation, type Simulation } from '../../src/sim';
import { raceConfigFor } from '../helpers/race';

/** A scripted camera on 127.0.0.1: every datagram it gets is decoded and handed to `onMessage`. */
interface FakeCamera {
  socket: Socket;
  port: number;
  received: { message: Message; from: RemoteInfo }[];
  /** Resolves with the first datagram of `type` (already received or still to come). */
  next(type: Message['type']): Promise<{ message: Message; from: RemoteInfo }>;
  send(message: Message, to: RemoteInfo): void;
  close(): Promise<void>;
}

async function fakeCamera(onMessage: (message: Message, from: RemoteInfo, camera: FakeCamera) => void = () => undefined): Promise<FakeCamera> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const waiters: { type: Message['type']; resolve: (got: { message: Message; from: RemoteInfo }) => void }[] = [];
  const camera: FakeCamera = {
    socket,
    port: socket.address().port,
    received: [],
    next: (type) =>
      new Promise((resolve) => {
        const got = camera.received.find((r) => r.message.type === type);
        if (got) resolve(got);
        else waiters.push({ type, resolve });
      }),
    send: (message, to) => socket.send(encode(message), to.port, to.address),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (datagram, from) => {
    const message = decode(datagram);
    camera.received.push({ message, from });
    for (const waiter of waiters.filter((w) => w.type === message.type)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve({ message, from });
    }
    onMessage(message, from, camera);
  });
  return camera;
}

const DID = 'LBCS-000000-CCCJJ';

describe('engine: a busy race starts with its first port’s direct punch on one bare socket (LeaderPunch, issue 16)', function () {
  this.timeout(20_000);
  let others: { leave(): void }[];
  beforeEach(() => {
    others = [];
    for (let i = 0; i < BUSY_RACES; i += 1) others.push(enterRace()); // the next race is busy
  });
  afterEach(() => {
    for (const other of others.splice(0)) other.leave();
  });

  it('the punch follows the direct-punch rule: a P2P_RDY with another DID is ignored and counted, a punch from the camera is echoed, P2P_RDY with our DID wins', async () => {
    const did = parseDid(DID);
    const other = parseDid('LBCS-000001-CCCJJ');
    let punches = 0;
    const camera = await fakeCamera((message, from, cam) => {
      if (message.type !== 'PUNCH_PKT') return;
      punches += 1;
      if (punches === 1) {
        cam.send({ type: 'P2P_RDY', did: other }, from);
        cam.send({ type: 'PUNCH_PKT', did }, from);
      } else cam.send({ type: 'P2P_RDY', did }, from); // our echo of its punch
    });
    try {
      const updates: RacerInfo[][] = [];
      const result = await race(
        { host: '127.0.0.1', did: DID, ports: [camera.port], modes: ['lan', 'p2p', 'relay'], servers: ['127.0.0.1:9'], bindAddress: '127.0.0.1' },
        { onUpdate: (racers) => updates.push(racers.map((r) => ({ ...r }))) },
      );
      await result.link.close();
      const lan = result.racers[0];
      assert.equal(result.mode, 'lan');
      assert.equal(lan.lanPath, 'direct');
      assert.equal(lan.attempts, 1);
      assert.equal(lan.ignored, 1, 'the P2P_RDY with another DID was not counted');
      assert.equal(lan.sources, 1);
      assert.equal(lan.state, 'success');
      assert.equal(result.localPort, lan.localPort);
      assert.equal(result.destinationPort, camera.port);
      assert.ok(punches >= 2, 'the camera’s punch was not echoed');
      for (const racer of result.racers.slice(1)) {
        assert.equal(racer.state, 'cancelled');
        assert.equal(racer.error, 'another racer won');
        assert.equal(racer.attempts, 0, `${racer.name} opened a socket`);
        assert.equal(racer.elapsedMs, null);
      }
      assert.ok(
        updates.some((u) => u[0].state === 'running' && u[0].localPort === lan.localPort),
        'no update told the punch’s socket',
      );
      assert.equal(updates.at(-1)?.[0].state, 'success');
      assert.equal(racesInFlight(), BUSY_RACES, 'the race was not counted out');
    } finally {
      await camera.close();
    }
  });

  it('the caller aborts while the punch waits alone: AbortError, and the camera gets CLOSE from the punch’s socket', async () => {
    const camera = await fakeCamera();
    try {
      const controller = new AbortController();
      let localPort: number | null = null;
      const racing = race(
        { host: '127.0.0.1', did: DID, ports: [camera.port], modes: ['lan'], bindAddress: '127.0.0.1' },
        { signal: controller.signal, onUpdate: (racers) => (localPort ??= racers[0].localPort) },
      );
      await camera.next('PUNCH_PKT');
      controller.abort(new Error('user cancelled'));
      await assert.rejects(racing, AbortError);
      const close = await camera.next('CLOSE');
      assert.equal(close.from.port, localPort, 'CLOSE came from another socket');
      assert.equal(racesInFlight(), BUSY_RACES);
    } finally {
      await camera.close();
    }
  });

  it('the deadline passes while the punch waits alone: RaceError with the LAN racer timed out, and CLOSE to the camera', async () => {
    const camera = await fakeCamera();
    try {
      // A hold (one probe interval) longer than the race: the deadline ends the wait.
      const racing = race({
        host: '127.0.0.1',
        did: DID,
        ports: [camera.port],
        modes: ['lan'],
        bindAddress: '127.0.0.1',
        probeIntervalMs: 5_000,
        maxConnectionTimeMs: 100,
      });
      await assert.rejects(racing, (err: unknown) => {
        assert.ok(err instanceof RaceError);
        assert.equal(err.racers[0].state, 'failed');
        assert.match(err.racers[0].error ?? '', /^timeout: no racer connected within 100 ms \(1 attempt\)/);
        return true;
      });
      await camera.next('CLOSE');
    } finally {
      await camera.close();
    }
  });

  it('the hold opens before the camera answered: the LAN racer adopts the punch, and a late answer to it still wins on its own socket', async () => {
    // The camera answers the punch only once the held search's LAN_SEARCH arrives: by then the
    // hold has opened and every racer runs (event order, no timing).
    const did = parseDid(DID);
    let punchedFrom: RemoteInfo | undefined;
    const camera = await fakeCamera((message, from, cam) => {
      if (message.type === 'PUNCH_PKT') punchedFrom ??= from;
      if (message.type === 'LAN_SEARCH' && punchedFrom) cam.send({ type: 'P2P_RDY', did }, punchedFrom);
    });
    try {
      let first: number | null = null;
      const result = await race(
        { host: '127.0.0.1', did: DID, ports: [camera.port], modes: ['lan'], bindAddress: '127.0.0.1' },
        { onUpdate: (racers) => (first ??= racers[0].localPort) },
      );
      await result.link.close();
      assert.equal(result.racers[0].lanPath, 'direct');
      assert.equal(result.destinationPort, camera.port);
      assert.equal(result.localPort, first, 'a fresh attempt won instead of the adopted punch');
      assert.equal(result.localPort, punchedFrom?.port);
      assert.ok(result.racers[0].attempts >= 2, 'the held search never opened a socket');
      assert.equal(racesInFlight(), BUSY_RACES);
    } finally {
      await camera.close();
    }
  });

  describe('the hold opens before the camera answered: the LAN racer adopts the punch', () => {
    let sim: Simulation;
    beforeEach(async () => {
      sim = await createSimulation({ cameras: 1, servers: 1, relays: 1, seed: 5, fast: true });
      await Promise.all(sim.cameras.map((c) => c.start()));
    });
    afterEach(() => sim.close());

    it('a camera that does not answer the LAN at all: P2P connects after the hold, the adopted punch ends cancelled', async () => {
      sim.setPath('lan', { down: true });
      const result = await race(raceConfigFor(sim));
      await result.link.close();
      assert.equal(result.mode, 'p2p');
      const lan = result.racers.find((r) => r.mode === 'lan');
      assert.equal(lan?.state, 'cancelled');
      assert.equal(lan?.error, 'another racer won');
    });
  });
});
