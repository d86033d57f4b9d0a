import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { race, Link } from '../../src/engine';
import { parseDid } from '../../src/protocol';
import { createSimulation, ECHO_CHANNEL, type ChannelServiceFactory, type Simulation } from '../../src/sim';
import { Session, SessionEndedError, type SessionEndReason, type SessionOptions } from '../../src/session';
import { quietHandles, scriptedPeer, settledHandles } from '../helpers/udp';
import { raceConfigFor } from '../helpers/race';
import { eventually } from '../runtime/fixtures';
import { seededBytes } from '../helpers/fixtures';

/** Channel 3 of the simulated camera records what arrives (in the order the camera delivers it). */
const RECORD_CHANNEL = 3;

/** Resolves once `total` bytes have arrived on `channel`, with all of them in arrival order. */
function collect(session: Session, channel: number, total: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let length = 0;
    const onData = (c: number, data: Buffer): void => {
      if (c !== channel) return;
      parts.push(data);
      length += data.length;
      if (length >= total) {
        session.off('data', onData);
        session.off('end', onEnd);
        resolve(Buffer.concat(parts));
      }
    };
    const onEnd = (reason: SessionEndReason): void => reject(new Error(`session ended before all data arrived: ${reason.kind} ${reason.reason}`));
    session.on('data', onData);
    session.on('end', onEnd);
  });
}

describe('session: Session against the simulated camera', function () {
  this.timeout(120_000);
  let sim: Simulation;
  let quiet: { udp: number; timers: number };
  let recorded: Buffer[];
  const sessions: Session[] = [];

  const recorder: ChannelServiceFactory = () => ({ onData: (data) => void recorded.push(Buffer.from(data)) });

  beforeEach(async () => {
    recorded = [];
    sim = await createSimulation({ cameras: [{ services: { [RECORD_CHANNEL]: recorder } }], servers: 1, relays: 1, seed: 7, fast: true });
    quiet = await quietHandles(sim);
    await sim.cameras[0].start();
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    await sim.close();
  });

  async function connect(options: SessionOptions = {}): Promise<Session> {
    const result = await race(raceConfigFor(sim, { modes: ['lan'] }));
    const session = new Session(result.link, options);
    sessions.push(session);
    return session;
  }

  it("the camera's first DRW on channel 0 (ACK) makes the session ready; data crosses both ways", async () => {
    const session = await connect();
    assert.equal(await session.whenReady({ timeoutMs: 5_000 }), true);
    const echo = collect(session, ECHO_CHANNEL, 5);
    await session.send(ECHO_CHANNEL, Buffer.from('hello'));
    assert.equal((await echo).toString(), 'hello');
  });

  for (const impairment of [
    { name: '20 % loss', loss: 0.2, duplicate: 0 },
    { name: '20 % loss and 50 % duplication', loss: 0.2, duplicate: 0.5 },
  ]) {
    it(`with ${impairment.name} on the path, 1 MiB arrives complete and in order (both directions)`, async () => {
      const session = await connect();
      sim.setPath('lan', { loss: impairment.loss, duplicate: impairment.duplicate });
      const data = seededBytes(1024 * 1024, 0x12345678);
      const echoed = collect(session, ECHO_CHANNEL, data.length);
      await Promise.all([session.send(ECHO_CHANNEL, data), session.send(RECORD_CHANNEL, data)]);
      const back = await echoed;
      assert.equal(back.length, data.length);
      assert.ok(back.equals(data), 'the echo is the same megabyte, in order');
      assert.ok(Buffer.concat(recorded).equals(data), 'the camera got the same megabyte, in order');
      const stats = session.stats;
      assert.ok(stats.drwResent > 0, 'losses were repaired by resends');
      if (impairment.duplicate > 0) assert.ok(stats.drwDuplicates > 0, 'duplicates arrived and were dropped');
      assert.ok(sim.counters().lan.dropped > 0);
      assert.ok(session.open);
    });
  }

  it('more than 65,536 packets on one channel are delivered in order (indices wrap both ways)', async () => {
    const session = await connect();
    sim.setPath('lan', { loss: 0.01, duplicate: 0.05 });
    const count = 70_000;
    const received: number[] = [];
    let outOfOrder = 0;
    const done = new Promise<void>((resolve, reject) => {
      session.on('data', (channel, data) => {
        if (channel !== ECHO_CHANNEL) return;
        const n = data.readUInt32BE(0);
        if (n !== received.length) outOfOrder += 1;
        received.push(n);
        if (received.length === count) resolve();
      });
      session.once('end', (reason) => reject(new Error(`session ended: ${reason.reason}`)));
    });
    const sends: Promise<void>[] = [];
    for (let n = 0; n < count; n += 1) {
      const packet = Buffer.alloc(4);
      packet.writeUInt32BE(n);
      sends.push(session.send(ECHO_CHANNEL, packet));
    }
    await Promise.all(sends);
    await done;
    assert.equal(outOfOrder, 0, 'every echoed packet came in order');
    assert.equal(received.length, count);
    assert.equal(received[count - 1], count - 1);
  });

  it('camera stopped mid-session → `lost` (timeout), not before the silence minus one keepalive interval; CLOSE sent', async () => {
    const silenceMs = 2_000;
    const keepaliveIntervalMs = 500;
    // The ack timeout (default: the silence) is set longer, so that only the silence can end it. With
    // both at 2 s the two deadlines race (the silence counts from the camera's last datagram, the
    // ack timeout from the send below, milliseconds apart), and the session ended `unacknowledged`
    // in one of four runs of this file on a busy machine.
    const session = await connect({ silenceMs, keepaliveIntervalMs, ackTimeoutMs: 2 * silenceMs });
    await session.whenReady({ timeoutMs: 5_000 });
    const lost = new Promise<SessionEndReason>((resolve) => session.once('lost', resolve));
    const pendingSend = session.send(ECHO_CHANNEL, Buffer.alloc(100));
    await pendingSend;
    await sim.cameras[0].stop();
    const stoppedAt = Date.now();
    // Its rejection is handled at once (checked below), so a failed assertion cannot leave it unhandled.
    const undeliverable = session.send(ECHO_CHANNEL, Buffer.from('into the void')).then(
      () => undefined,
      (err: unknown) => err,
    );
    const reason = await lost;
    const elapsed = Date.now() - stoppedAt;
    // The reason is the proof it was the silence timer (the pending send alone would end it as
    // `unacknowledged`); how soon at most is the fake-clock test's business (test/session/session.test.ts).
    assert.deepEqual(reason, { kind: 'lost', reason: 'timeout' });
    assert.ok(elapsed >= silenceMs - keepaliveIntervalMs, `not before the silence (${elapsed} ms)`);
    const err = await undeliverable;
    assert.ok(err instanceof SessionEndedError && err.reason.reason === 'timeout', `the pending send was rejected with the session's end: ${String(err)}`);
  });

  it('CLOSE from the camera (it heard nothing for its dead-after time) → `closed` (remote)', async () => {
    await sim.close();
    sim = await createSimulation({ cameras: [{ deadAfterMs: 300 }], servers: 1, relays: 1, seed: 7, fast: true });
    const session = await connect({ keepaliveIntervalMs: 2_000, silenceMs: 10_000 });
    const [reason] = await Promise.all([new Promise<SessionEndReason>((resolve) => session.once('closed', resolve))]);
    assert.deepEqual(reason, { kind: 'closed', reason: 'remote' });
    assert.equal(sim.cameras[0].counters.closedByTimeout, 1);
  });

  it('close() sends CLOSE to the camera; sessions through real races leave no socket or timer', async () => {
    for (let i = 0; i < 20; i += 1) {
      const session = await connect();
      await session.send(ECHO_CHANNEL, Buffer.from([i]));
      await session.close();
      sessions.splice(sessions.indexOf(session), 1);
    }
    await eventually(() => sim.cameras[0].counters.closedByPeer === 20, 'the camera saw 20 CLOSE');
    assert.equal(sim.cameras[0].sessionCount, 0);
    assert.deepEqual(await quietHandles(sim), quiet);
  });
});

describe('session: open/close cycles', function () {
  this.timeout(120_000);

  it('1,000 sessions opened, used and closed leave no socket or timer behind', async () => {
    // A peer that acknowledges and echoes every DRW (a minimal camera).
    const peer = await scriptedPeer((message, from, self) => {
      if (message.type === 'DRW') {
        self.send({ type: 'DRW_ACK', channel: message.channel, indices: [message.index] }, from.port);
        if (message.data.length > 0) self.send({ type: 'DRW', channel: message.channel, index: message.index, data: message.data }, from.port);
      } else if (message.type === 'DRW_ACK') {
        /* nothing */
      }
    });
    const did = parseDid('LBCS-000000-CCCJJ');
    const before = await settledHandles();
    try {
      for (let i = 0; i < 1_000; i += 1) {
        const socket = createSocket('udp4');
        await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
        const link = new Link(socket, 'lan', { host: '127.0.0.1', port: peer.port }, did);
        const session = new Session(link);
        const echo = new Promise<void>((resolve) => session.once('data', () => resolve()));
        await session.send(1, Buffer.from(`cycle ${i}`));
        await echo;
        if (i % 2 === 0) await session.close();
        else await link.close(); // the link going away ends the session too
        assert.equal(session.open, false);
      }
      assert.deepEqual(await settledHandles(), before);
    } finally {
      await peer.close();
    }
  });
});
