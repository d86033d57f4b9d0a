import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backedOffRtoMs, DrwReceiver, DrwSender, INITIAL_RTO, Keepalive, rtoAfterSample, rtoMs, type SendTicket } from '../../src/session';
import { propertyOptions } from '../helpers/property';

const packet = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** Delivers packets n = 0..count-1 (index n & 0xffff, data n) through `receiver` in the given arrival order. */
function feed(receiver: DrwReceiver, arrivals: readonly number[]): { delivered: number[]; outcomes: string[] } {
  const delivered: number[] = [];
  const outcomes: string[] = [];
  for (const n of arrivals) {
    const outcome = receiver.receive(n & 0xffff, packet(n));
    outcomes.push(outcome.kind);
    if (outcome.kind === 'delivered') for (const data of outcome.deliver) delivered.push(data.readUInt32BE(0));
  }
  return { delivered, outcomes };
}

/**
 * An arrival order of packets 0..count-1 as a lossy, duplicating, reordering network with a
 * sender window of `window` produces: each packet arrives one or more times, never before a
 * packet more than `window - 1` before it has been sent; duplicates may arrive any time later.
 */
const arrivalOrder = (count: number, window: number) =>
  fc.array(fc.tuple(fc.nat({ max: window - 1 }), fc.nat({ max: 3 })), { minLength: count, maxLength: count }).map((jitter) => {
    const events: { at: number; n: number }[] = [];
    jitter.forEach(([delay, copies], n) => {
      events.push({ at: n + delay, n });
      for (let c = 0; c < copies; c += 1) events.push({ at: n + delay + c * 7 + 1, n });
    });
    // Stable sort by arrival slot: packets within one window may swap.
    return events.sort((a, b) => a.at - b.at || b.n - a.n).map((e) => e.n);
  });

describe('session: DRW receiver (pure)', () => {
  it('delivers each packet once and in order for any reordering/duplication within the window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 64 }), (count, window) => {
        fc.assert(
          fc.property(arrivalOrder(count, window), (arrivals) => {
            const { delivered } = feed(new DrwReceiver(window), arrivals);
            assert.deepEqual(
              delivered,
              Array.from({ length: count }, (_, i) => i),
            );
          }),
          propertyOptions(5, { nested: true }),
        );
      }),
      propertyOptions(60),
    );
  });

  it('stays in order across the 16-bit wrap-around, starting anywhere near it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x10000 - 300, max: 0x10000 - 1 }), arrivalOrder(600, 32), (start, order) => {
        const receiver = new DrwReceiver(32);
        // Bring the receiver to `start` in order first.
        const before: number[] = [];
        for (let n = 0; n < start; n += 1) before.push(n);
        feed(receiver, before);
        assert.equal(receiver.expected, start & 0xffff);
        const { delivered } = feed(
          receiver,
          order.map((n) => n + start),
        );
        assert.deepEqual(
          delivered,
          Array.from({ length: 600 }, (_, i) => i + start),
        );
        assert.equal(receiver.buffered, 0);
      }),
      propertyOptions(20),
    );
  });

  it('more than 65,536 packets in order: delivered once each, indices wrap', () => {
    const receiver = new DrwReceiver(8);
    let next = 0;
    for (let n = 0; n < 70_000; n += 1) {
      // every pair swapped, plus a duplicate of the previous packet
      const order = n % 2 === 0 ? [] : [n, n - 1, n - 1];
      for (const m of order) {
        const outcome = receiver.receive(m & 0xffff, packet(m));
        if (outcome.kind === 'delivered') for (const d of outcome.deliver) assert.equal(d.readUInt32BE(0), next++);
      }
    }
    assert.equal(next, 70_000);
    assert.equal(receiver.delivered, 70_000);
  });

  it('keeps at most maxOutOfOrder packets; a packet too far ahead is dropped (not to be acknowledged)', () => {
    const receiver = new DrwReceiver(4);
    assert.equal(receiver.receive(1, packet(1)).kind, 'buffered');
    assert.equal(receiver.receive(3, packet(3)).kind, 'buffered');
    assert.equal(receiver.receive(3, packet(3)).kind, 'duplicate');
    assert.equal(receiver.receive(4, packet(4)).kind, 'dropped');
    assert.equal(receiver.receive(100, packet(100)).kind, 'dropped');
    assert.equal(receiver.buffered, 2);
    const out = receiver.receive(0, packet(0));
    assert.ok(out.kind === 'delivered');
    assert.deepEqual(
      out.deliver.map((d) => d.readUInt32BE(0)),
      [0, 1],
    );
    assert.equal(receiver.receive(0, packet(0)).kind, 'duplicate', 'behind: a duplicate');
    assert.equal(receiver.receive(0xffff, packet(0)).kind, 'duplicate', 'just behind across the wrap: a duplicate');
  });
});

describe('session: DRW sender (pure)', () => {
  const ticket = (remaining: number): SendTicket => ({ remaining, cancelled: false });

  it('numbers packets per channel, wraps at 65,536, keeps the window as an index span', () => {
    const sender = new DrwSender(4);
    const chunks = Array.from({ length: 70_000 }, (_, i) => packet(i));
    const t = ticket(chunks.length);
    sender.enqueue(chunks, t);
    let expected = 0;
    let now = 0;
    for (;;) {
      const sent = sender.take(now);
      if (sent.length === 0) break;
      assert.ok(sender.inFlight <= 4);
      for (const p of sent) {
        assert.equal(p.index, expected & 0xffff);
        assert.equal(p.data.readUInt32BE(0), expected);
        expected += 1;
      }
      now += 1;
      // Acknowledge all but the oldest: the window must not move past it.
      const [oldest, ...rest] = sent;
      sender.acknowledge(
        rest.map((p) => p.index),
        now,
      );
      assert.equal(sender.take(now).length, 0, 'window is an index span: the oldest unacknowledged one holds it');
      const done = sender.acknowledge([oldest.index], now);
      if (expected === chunks.length) assert.deepEqual(done.completed, [t]);
    }
    assert.equal(expected, 70_000);
    assert.ok(sender.idle);
  });

  it('resends unchanged after the RTO; samples only packets sent once (Karn); cancel drops what is queued', () => {
    const sender = new DrwSender(2);
    const a = ticket(3);
    sender.enqueue([packet(10), packet(11), packet(12)], a);
    assert.deepEqual(
      sender.take(0).map((p) => p.index),
      [0, 1],
    );
    const timeout = (transmissions: number): number => backedOffRtoMs(100, transmissions, 1000);
    assert.deepEqual(sender.resendsDue(99, timeout), []);
    assert.equal(sender.nextResendAt(timeout), 100);
    const resent = sender.resendsDue(100, timeout);
    assert.deepEqual(
      resent.map((p) => [p.index, p.data.readUInt32BE(0)]),
      [
        [0, 10],
        [1, 11],
      ],
    );
    assert.equal(sender.resends, 2);
    assert.equal(sender.nextResendAt(timeout), 300, 'each packet backs off on its own: 2 × RTO after its first resend');
    const ack = sender.acknowledge([0, 0, 7], 120);
    assert.deepEqual(ack.samplesMs, [], 'a resent packet gives no sample');
    assert.equal(ack.acknowledged, 1);
    const next = sender.take(130);
    assert.deepEqual(
      next.map((p) => p.index),
      [2],
    );
    assert.deepEqual(sender.acknowledge([2], 150).samplesMs, [20]);
    assert.equal(sender.oldestUnackedSentAt(), 0);
    const b = ticket(2);
    sender.enqueue([packet(1), packet(2)], b);
    assert.equal(sender.queuedBytes, 8);
    sender.cancel(b);
    assert.equal(sender.queuedBytes, 0);
    assert.deepEqual(sender.acknowledge([1], 160).completed, [a]);
    assert.equal(sender.take(170).length, 0, 'the cancelled send put nothing on the wire');
  });
});

describe('session: DRW sender fast retransmit (pure)', () => {
  it('resends a packet at once when three packets sent after it are acknowledged; never a packet sent later than them', () => {
    const sender = new DrwSender(16, 3);
    const t: SendTicket = { remaining: 6, cancelled: false };
    sender.enqueue([0, 1, 2, 3, 4, 5].map(packet), t);
    assert.equal(sender.take(0).length, 6);
    assert.deepEqual(sender.acknowledge([2, 3], 1).resend, []);
    const third = sender.acknowledge([4], 1);
    assert.deepEqual(
      third.resend.map((p) => p.index),
      [0, 1],
      'packets 0 and 1 were overtaken three times',
    );
    assert.deepEqual(sender.acknowledge([5], 1).resend, [], 'the resent copies are newer than packet 5');
    assert.deepEqual(sender.acknowledge([0, 1], 2).samplesMs, [], 'no sample from a resent packet');
    const off = new DrwSender(16, 0);
    off.enqueue([0, 1, 2, 3, 4].map(packet), { remaining: 5, cancelled: false });
    off.take(0);
    assert.deepEqual(off.acknowledge([1, 2, 3, 4], 1).resend, [], 'fastResendAfter 0: off');
  });

  it('never resends a packet that a later entry of the same DRW_ACK acknowledges (the camera acknowledges in arrival order)', () => {
    const sender = new DrwSender(16, 3);
    sender.enqueue([0, 1, 2, 3].map(packet), { remaining: 4, cancelled: false });
    sender.take(0);
    const ack = sender.acknowledge([1, 2, 3, 0], 5); // packet 0 arrived last
    assert.deepEqual(ack.resend, []);
    assert.equal(ack.acknowledged, 4);
    assert.equal(ack.samplesMs.length, 4, 'packet 0 gives its round-trip sample too');
  });
});

describe('session: RTO estimator (pure, RFC 6298 with floor and cap)', () => {
  const bounds = { initialMs: 200, minMs: 25, maxMs: 1500 };

  it('starts at the initial value, follows SRTT + 4·RTTVAR, floors and caps', () => {
    assert.equal(rtoMs(INITIAL_RTO, bounds), 200);
    const one = rtoAfterSample(INITIAL_RTO, 100);
    assert.equal(rtoMs(one, bounds), 100 + 4 * 50);
    let fast = one;
    for (let i = 0; i < 200; i += 1) fast = rtoAfterSample(fast, 1);
    assert.equal(rtoMs(fast, bounds), 25, 'floor');
    assert.equal(rtoMs(rtoAfterSample(INITIAL_RTO, 10_000), bounds), 1500, 'cap');
  });

  it('backs off per retransmission of a packet: doubles up to the cap', () => {
    const rto = rtoMs(rtoAfterSample(INITIAL_RTO, 40), bounds); // 40 + 80 = 120
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backedOffRtoMs(rto, n, bounds.maxMs)),
      [120, 240, 480, 960, 1500, 1500],
    );
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => backedOffRtoMs(rto, n, bounds.maxMs, 4)),
      [120, 240, 480, 480],
      'bounded factor',
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => backedOffRtoMs(rto, n, bounds.maxMs, 1)),
      [120, 120, 120],
      'factor 1: no back-off',
    );
  });
});

describe('session: keepalive (pure)', () => {
  it('ALIVE after the interval without sending or hearing; lost after the silence', () => {
    const k = new Keepalive(1000, 7000, 0);
    assert.deepEqual(k.check(999), { lost: false, sendAlive: false });
    assert.equal(k.nextDeadline(), 1000);
    assert.deepEqual(k.check(1000), { lost: false, sendAlive: true });
    k.sent(1000, true);
    k.heard(1500);
    assert.equal(k.check(1999).sendAlive, false);
    assert.equal(k.nextDeadline(), 2000);
    k.sent(2000, true);
    assert.equal(k.check(6999).lost, false);
    assert.equal(k.check(8500).lost, true, 'silence counts from the last datagram heard');
    assert.equal(k.check(8499).lost, false);
  });

  it('sending data keeps our side quiet of ALIVE, but a silent peer still gets one per interval', () => {
    const k = new Keepalive(1000, 7000, 0);
    for (let t = 100; t <= 3000; t += 100) k.sent(t);
    assert.equal(k.check(1000).sendAlive, true, 'peer not heard for an interval');
    k.sent(1000, true);
    assert.equal(k.check(1500).sendAlive, false);
    assert.equal(k.check(2000).sendAlive, true);
  });
});
