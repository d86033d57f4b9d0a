import assert from 'node:assert/strict';
import sinon from 'sinon';
import { AbortError, ConfigError } from '../../src/errors';
import { Session, SessionEndedError, SessionQueueFullError, type SessionEndReason } from '../../src/session';
import { FakeLink } from './fake-link';

describe('session: Session on a fake link (fake timers)', () => {
  let clock: sinon.SinonFakeTimers;
  let link: FakeLink;
  let session: Session | undefined;

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date', 'performance'] });
    link = new FakeLink();
  });
  afterEach(async () => {
    await session?.close();
    session = undefined;
    clock.restore();
  });

  const open = (options = {}): Session => {
    session = new Session(link, { minRtoMs: 20, initialRtoMs: 100, ...options });
    return session;
  };
  const ended = (s: Session): Promise<SessionEndReason> => new Promise((resolve) => s.once('end', resolve));

  describe('keepalive', () => {
    it('takes over ALIVE from the link; answers ALIVE with ALIVE_ACK; sends ALIVE after ~1 s without traffic', () => {
      const s = open();
      assert.equal(link.autoAnswerAlive, false);
      link.deliver({ type: 'ALIVE' });
      assert.equal(link.take('ALIVE_ACK').length, 1);
      clock.tick(999);
      assert.equal(link.take('ALIVE').length, 0);
      clock.tick(1);
      assert.equal(link.take('ALIVE').length, 1, 'ALIVE after 1 s without sending');
      link.deliver({ type: 'ALIVE_ACK' });
      clock.tick(1000);
      assert.equal(link.take('ALIVE').length, 1);
      assert.ok(s.open);
    });

    it('a silent peer is lost after the configured silence: CLOSE is sent, `lost` with the reason, pending sends reject', async () => {
      const s = open({ silenceMs: 3000 });
      const lost = new Promise<SessionEndReason>((resolve) => s.once('lost', resolve));
      const pending = s.send(2, Buffer.from('hello'));
      const rejected = assert.rejects(
        pending,
        (err: unknown) => err instanceof SessionEndedError && err.reason.reason === 'timeout' && err.code === 'ERR_TRAILCAM_SESSION_ENDED',
      );
      clock.tick(2999);
      assert.ok(s.open, 'still open just before the silence limit');
      clock.tick(1);
      assert.deepEqual(await lost, { kind: 'lost', reason: 'timeout' });
      assert.equal(s.open, false);
      assert.equal(link.closedWith, true, 'CLOSE sent to the peer');
      assert.equal(link.take('CLOSE').length, 1);
      await rejected;
      await assert.rejects(s.send(2, Buffer.from('x')), SessionEndedError);
      assert.equal(clock.countTimers(), 0, 'no timer left');
    });

    it('a step of the wall clock neither ends a live session as silent nor holds back its keepalive', () => {
      const s = open({ silenceMs: 3000 });
      clock.tick(500);
      clock.setSystemTime(Date.now() + 60_000); // NTP steps the clock forward (performance.now does not move)
      link.deliver({ type: 'ALIVE' });
      clock.tick(600);
      assert.ok(s.open, 'not lost: the peer spoke 600 ms ago');
      clock.setSystemTime(Date.now() - 120_000); // and back
      clock.tick(400);
      assert.equal(link.take('ALIVE').length, 1, 'ALIVE 1 s after our last send, as without the steps');
      assert.ok(s.open);
    });

    it('every datagram from the peer resets the silence', () => {
      const s = open({ silenceMs: 3000 });
      for (let i = 0; i < 10; i += 1) {
        clock.tick(2500);
        link.deliver({ type: 'P2P_RDY', did: { prefix: 'LBCS', serial: 0, check: 'CCCJJ' } });
      }
      assert.ok(s.open);
    });

    it('CLOSE from the peer: `closed` with reason remote, no CLOSE back', async () => {
      const s = open();
      const closed = new Promise<SessionEndReason>((resolve) => s.once('closed', resolve));
      const pending = assert.rejects(s.send(0, Buffer.from('x')), (err: unknown) => err instanceof SessionEndedError && err.reason.reason === 'remote');
      link.deliver({ type: 'CLOSE' });
      assert.deepEqual(await closed, { kind: 'closed', reason: 'remote' });
      assert.equal(link.closedWith, false);
      await pending;
    });

    it('a socket error ends the session as lost (socket-error)', async () => {
      const s = open();
      const end = ended(s);
      link.emit('error', new Error('EHOSTUNREACH'));
      const reason = await end;
      assert.equal(reason.kind, 'lost');
      assert.equal(reason.reason, 'socket-error');
      assert.equal(reason.error?.message, 'EHOSTUNREACH');
    });
  });

  describe('DRW', () => {
    it('splits data into ≤1024-byte packets, resolves only when all are acknowledged, resends unchanged after the RTO', async () => {
      const s = open({ initialRtoMs: 100 });
      const data = Buffer.alloc(2500, 7);
      let done = false;
      const sent = s.send(1, data).then(() => (done = true));
      const first = link.take('DRW');
      assert.deepEqual(
        first.map((d) => [d.channel, d.index, d.data.length]),
        [
          [1, 0, 1024],
          [1, 1, 1024],
          [1, 2, 452],
        ],
      );
      clock.tick(40);
      // Two samples of 40 ms: SRTT 40, RTTVAR 15 → RTO 100 ms.
      link.deliver({ type: 'DRW_ACK', channel: 1, indices: [0, 2] });
      await Promise.resolve();
      assert.equal(done, false);
      assert.equal(s.stats.rtoMs, 100);
      clock.tick(59);
      assert.equal(link.take('DRW').length, 0);
      clock.tick(1);
      const resent = link.take('DRW');
      assert.deepEqual(
        resent.map((d) => [d.channel, d.index]),
        [[1, 1]],
        'only the unacknowledged packet, same index',
      );
      assert.ok(resent[0].data.equals(first[1].data));
      clock.tick(200);
      assert.equal(link.take('DRW').length, 1, 'resent again after the backed-off RTO');
      link.deliver({ type: 'DRW_ACK', channel: 1, indices: [1] });
      await sent;
      assert.equal(done, true);
      assert.equal(s.stats.drwResent, 2);
    });

    it('the RTO follows round-trip samples (floor applies)', () => {
      const s = open({ initialRtoMs: 500, minRtoMs: 30 });
      for (let i = 0; i < 20; i += 1) {
        s.send(0, Buffer.from([i])).catch(() => undefined);
        const [drw] = link.take('DRW');
        clock.tick(2);
        link.deliver({ type: 'DRW_ACK', channel: 0, indices: [drw.index] });
      }
      assert.equal(s.stats.rtoMs, 30);
      s.send(0, Buffer.from('x')).catch(() => undefined);
      link.take('DRW');
      clock.tick(30);
      assert.equal(link.take('DRW').length, 1, 'resent after the floor, not the initial 500 ms');
    });

    it('keeps at most `window` indices outstanding; acknowledgements move it', () => {
      const s = open({ window: 4 });
      s.send(3, Buffer.alloc(10 * 1024)).catch(() => undefined);
      assert.deepEqual(
        link.take('DRW').map((d) => d.index),
        [0, 1, 2, 3],
      );
      link.deliver({ type: 'DRW_ACK', channel: 3, indices: [1, 2] });
      assert.equal(link.take('DRW').length, 0, 'index 0 still outstanding holds the window');
      link.deliver({ type: 'DRW_ACK', channel: 3, indices: [0] });
      assert.deepEqual(
        link.take('DRW').map((d) => d.index),
        [4, 5, 6],
      );
    });

    it('acknowledges every received copy, duplicates too, batching indices per channel (≤ maxAckIndices each)', () => {
      const seen: string[] = [];
      const s = open({ maxAckIndices: 17 });
      s.on('data', (channel, data) => seen.push(`${channel}:${data.toString()}`));
      link.deliver({ type: 'DRW', channel: 1, index: 0, data: Buffer.from('a') });
      link.deliver({ type: 'DRW', channel: 1, index: 1, data: Buffer.from('b') });
      link.deliver({ type: 'DRW', channel: 1, index: 1, data: Buffer.from('b') });
      link.deliver({ type: 'DRW', channel: 4, index: 0, data: Buffer.from('c') });
      assert.equal(link.take('DRW_ACK').length, 0, 'batched until the end of the turn');
      clock.tick(0);
      const acks = link.take('DRW_ACK');
      assert.deepEqual(
        acks.map((a) => [a.channel, a.indices]),
        [
          [1, [0, 1, 1]],
          [4, [0]],
        ],
      );
      assert.deepEqual(seen, ['1:a', '1:b', '4:c'], 'the duplicate is not delivered');
      for (let i = 0; i < 20; i += 1) link.deliver({ type: 'DRW', channel: 1, index: 1, data: Buffer.from('b') });
      clock.tick(0);
      assert.deepEqual(
        link.take('DRW_ACK').map((a) => a.indices.length),
        [17, 3],
      );
      assert.equal(s.stats.drwDuplicates, 21);
    });

    it('delivers in order across a gap; a packet beyond the out-of-order buffer is not acknowledged', () => {
      const seen: string[] = [];
      const s = open({ maxOutOfOrder: 4 });
      s.on('data', (_c, data) => seen.push(data.toString()));
      link.deliver({ type: 'DRW', channel: 2, index: 2, data: Buffer.from('c') });
      link.deliver({ type: 'DRW', channel: 2, index: 9, data: Buffer.from('far') });
      link.deliver({ type: 'DRW', channel: 2, index: 1, data: Buffer.from('b') });
      assert.deepEqual(seen, []);
      link.deliver({ type: 'DRW', channel: 2, index: 0, data: Buffer.from('a') });
      assert.deepEqual(seen, ['a', 'b', 'c']);
      clock.tick(0);
      assert.deepEqual(
        link.take('DRW_ACK').map((a) => a.indices),
        [[2, 1, 0]],
        'index 9 was dropped, not acknowledged',
      );
      assert.equal(s.stats.drwDropped, 1);
    });

    it('a DRW with more than 1024 bytes of data is dropped unacknowledged, never buffered (pppp.md §1)', () => {
      const seen: number[] = [];
      const s = open();
      s.on('data', (_c, data) => seen.push(data.length));
      link.deliver({ type: 'DRW', channel: 1, index: 1, data: Buffer.alloc(65_000) }); // would wait for index 0
      link.deliver({ type: 'DRW', channel: 1, index: 0, data: Buffer.alloc(1025) });
      link.deliver({ type: 'DRW', channel: 1, index: 0, data: Buffer.alloc(1024) });
      clock.tick(0);
      assert.deepEqual(seen, [1024], 'only the packet of a legal size');
      assert.deepEqual(
        link.take('DRW_ACK').map((a) => a.indices),
        [[0]],
      );
      assert.equal(s.stats.drwDropped, 2);
    });

    it("the camera's first ACK on channel 0 marks it ready (and is delivered as data)", async () => {
      const s = open();
      const ready = s.whenReady({ timeoutMs: 5000 });
      const data: string[] = [];
      s.on('data', (_c, d) => data.push(d.toString()));
      assert.equal(s.cameraReady, false);
      link.deliver({ type: 'DRW', channel: 0, index: 0, data: Buffer.from('ACK') });
      assert.equal(await ready, true);
      assert.equal(s.cameraReady, true);
      assert.deepEqual(data, ['ACK']);
      assert.equal(await s.whenReady(), true);
    });

    it('many whenReady callers share no emitter listeners and all settle', async () => {
      const s = open();
      const waits = Array.from({ length: 50 }, () => s.whenReady({ timeoutMs: 5000 }));
      assert.equal(s.listenerCount('ready') + s.listenerCount('end'), 0);
      link.deliver({ type: 'DRW', channel: 0, index: 0, data: Buffer.from('ACK') });
      assert.deepEqual(new Set(await Promise.all(waits)), new Set([true]));
      clock.tick(0); // the batched DRW_ACK
      assert.equal(clock.countTimers(), 1, 'only the session timer is left: the 50 timeouts were cleared');
    });

    it('whenReady gives up after its timeout (false) and rejects when the session ends', async () => {
      const s = open();
      const late = s.whenReady({ timeoutMs: 500 });
      clock.tick(500);
      assert.equal(await late, false);
      const never = s.whenReady();
      link.deliver({ type: 'CLOSE' });
      await assert.rejects(never, SessionEndedError);
    });

    it('an aborted send rejects with AbortError; its packets already on the wire are still resent until acknowledged', async () => {
      const s = open({ window: 1 });
      const controller = new AbortController();
      const pending = s.send(0, Buffer.alloc(3000), { signal: controller.signal });
      assert.equal(link.take('DRW').length, 1);
      controller.abort(new Error('command timed out'));
      await assert.rejects(pending, AbortError);
      clock.tick(100);
      assert.deepEqual(
        link.take('DRW').map((d) => d.index),
        [0],
        'packet 0 is resent: the peer needs it for in-order delivery',
      );
      link.deliver({ type: 'DRW_ACK', channel: 0, indices: [0] });
      assert.equal(link.take('DRW').length, 0, 'the rest of the aborted send was dropped');
    });

    it('a packet nobody acknowledges ends the session (unacknowledged) even while the peer answers ALIVE', async () => {
      const s = open({ silenceMs: 5000, ackTimeoutMs: 3000 });
      const pending = assert.rejects(s.send(0, Buffer.from('x')), (err: unknown) => err instanceof SessionEndedError && err.reason.reason === 'unacknowledged');
      for (let i = 0; i < 6; i += 1) {
        clock.tick(500);
        link.deliver({ type: 'ALIVE_ACK' });
      }
      await pending;
      assert.equal(s.endReason?.reason, 'unacknowledged');
      assert.equal(link.closedWith, true);
    });

    it('close(): CLOSE sent, `closed` (local), pending sends reject, idempotent, nothing left', async () => {
      const s = open();
      const closed = new Promise<SessionEndReason>((resolve) => s.once('closed', resolve));
      const pending = assert.rejects(s.send(0, Buffer.from('x')), (err: unknown) => err instanceof SessionEndedError && err.reason.reason === 'local');
      await Promise.all([s.close(), s.close()]);
      assert.deepEqual(await closed, { kind: 'closed', reason: 'local' });
      await pending;
      assert.equal(link.take('CLOSE').length, 1);
      assert.equal(clock.countTimers(), 0);
    });

    it('rejects bad input with typed errors', async () => {
      const s = open({ maxQueuedBytes: 4096, window: 1 });
      await assert.rejects(s.send(8, Buffer.from('x')), (err: unknown) => err instanceof ConfigError && err.field === 'channel');
      await assert.rejects(s.send(-1, Buffer.from('x')), ConfigError);
      s.send(0, Buffer.alloc(4096)).catch(() => undefined);
      await assert.rejects(s.send(0, Buffer.alloc(2048)), SessionQueueFullError);
      await s.send(0, Buffer.alloc(0));
      assert.throws(
        () => new Session(new FakeLink(), { silenceMs: 500, keepaliveIntervalMs: 800 }),
        (err: unknown) => err instanceof ConfigError && err.field === 'session.keepaliveIntervalMs',
      );
      assert.throws(
        () => new Session(new FakeLink(), { window: 0 }),
        (err: unknown) => err instanceof ConfigError && err.field === 'session.window' && err.value === 0,
      );
    });
  });
});
