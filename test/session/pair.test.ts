import assert from 'node:assert/strict';
import fc from 'fast-check';
import sinon from 'sinon';
import type { Message } from '../../src/protocol';
import { Session, SessionEndedError } from '../../src/session';
import { seededRandom } from '../../src/sim';
import { propertyOptions } from '../helpers/property';
import { FakeLink } from './fake-link';

interface Impairment {
  loss: number;
  duplicate: number;
  /** Each datagram is delayed 0..maxDelayMs (fake time), so datagrams overtake each other. */
  maxDelayMs: number;
}

/** Two fake links wired back to back through a seeded lossy, duplicating, reordering "network". */
function pair(seed: number, impairment: Impairment): { a: FakeLink; b: FakeLink } {
  const random = seededRandom(seed);
  const a = new FakeLink();
  const b = new FakeLink();
  const wire = (from: FakeLink, to: FakeLink): void => {
    const send = from.send.bind(from);
    from.send = (message: Message): void => {
      send(message);
      if (random() < impairment.loss) return;
      const copies = random() < impairment.duplicate ? 2 : 1;
      for (let i = 0; i < copies; i += 1) {
        setTimeout(
          () => {
            if (to.open) to.deliver(message);
          },
          Math.floor(random() * impairment.maxDelayMs),
        );
      }
    };
  };
  wire(a, b);
  wire(b, a);
  return { a, b };
}

/**
 * How long (fake time) a run may take before every send has settled. A liveness bound, not a
 * design figure: the session ends `lost` once a packet stays unacknowledged for its ack timeout
 * (7 s by default), which rejects every pending send; 60 s is more than eight of those, so a run
 * that has neither finished nor ended by then is a stall and fails.
 */
const SETTLE_MS = 60_000;

/**
 * The run behind the flake of issue 11 (seed -768938557, 9th run): at 0.3 loss a packet on
 * channel 3 stays unacknowledged for 7 s and the session ends `lost (unacknowledged)`. Always run
 * first, so the `lost` branch of the property is checked in every run, not only when the seed
 * happens to produce one.
 */
const LOST_EXAMPLE: [number, Impairment, [number, number][], number] = [
  652379,
  { loss: 0.29999999999999966, duplicate: 1.5790186156713096e-247, maxDelayMs: 0 },
  [
    [0, 835],
    [2, 41],
    [3, 1411],
    [0, 1933],
    [0, 3923],
    [1, 2455],
    [3, 2728],
    [3, 4353],
    [2, 2689],
  ],
  18,
];

type Outcome = { acked: true } | { acked: false; error: unknown };

interface Tally {
  delivered: number;
  lost: number;
  resent: number;
  duplicates: number;
}

/**
 * One property run: its own fake clock, network and pair of sessions, all released in `finally`
 * (also when an assertion throws, so a failing run cannot leak a timer or a rejection into the
 * next run or into fast-check's shrinking).
 */
async function exchange(seed: number, impairment: Impairment, sends: [number, number][], window: number, tally: Tally): Promise<void> {
  const clock = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date', 'performance'] });
  const { a, b } = pair(seed, impairment);
  const sender = new Session(a, { window });
  const receiver = new Session(b, { maxOutOfOrder: window });
  // Each send's outcome, handled at once: a rejection is a result to check, never unhandled.
  const outcomes: Promise<Outcome>[] = [];
  let timersLeft: number;
  try {
    const got = new Map<number, Buffer[]>();
    receiver.on('data', (channel, data) => {
      const list = got.get(channel) ?? [];
      list.push(data);
      got.set(channel, list);
    });
    const expected = new Map<number, Buffer[]>();
    let counter = seed;
    for (const [channel, length] of sends) {
      const data = Buffer.alloc(length);
      for (let i = 0; i < length; i += 1) data[i] = (counter += 7) & 0xff;
      expected.set(channel, [...(expected.get(channel) ?? []), data]);
      outcomes.push(
        sender.send(channel, data).then(
          (): Outcome => ({ acked: true }),
          (error: unknown): Outcome => ({ acked: false, error }),
        ),
      );
    }
    let settled = false;
    const all = Promise.all(outcomes).finally(() => (settled = true));
    for (let t = 0; t < SETTLE_MS && !settled; t += 10) await clock.tickAsync(10);
    assert.ok(settled, `every send settled (acknowledged or rejected) within ${SETTLE_MS} ms of fake time`);
    const results = await all;

    const failures = results.flatMap((r) => (r.acked ? [] : [r.error]));
    if (failures.length === 0) {
      // Delivered: every byte of every channel, in order, once, and both sessions still up.
      for (const [channel, parts] of expected) {
        assert.ok(Buffer.concat(got.get(channel) ?? []).equals(Buffer.concat(parts)), `channel ${channel} complete and in order`);
      }
      assert.ok(sender.open && receiver.open, 'both sessions still open after delivering everything');
      tally.delivered += 1;
    } else {
      // Lost: only a network that loses packets may do this, only by the sender's own loss
      // detection, and then every send not yet acknowledged was rejected with SessionEndedError.
      assert.ok(impairment.loss > 0, `a lossless network delivers everything, yet: ${failures.map(String).join('; ')}`);
      assert.equal(sender.open, false, 'a send was rejected, so the sender session has ended');
      for (const error of failures) {
        assert.ok(error instanceof SessionEndedError, `a pending send was rejected with SessionEndedError, not ${String(error)}`);
        assert.equal(error.reason.kind, 'lost', String(error));
        assert.ok(['unacknowledged', 'timeout'].includes(error.reason.reason), String(error));
      }
      // What did arrive is still in order and once: a prefix of each channel's bytes.
      for (const [channel, parts] of expected) {
        const arrived = Buffer.concat(got.get(channel) ?? []);
        assert.ok(arrived.equals(Buffer.concat(parts).subarray(0, arrived.length)), `channel ${channel}: what arrived is a prefix of what was sent`);
      }
      tally.lost += 1;
    }
    tally.resent += sender.stats.drwResent;
    tally.duplicates += receiver.stats.drwDuplicates;
  } finally {
    await Promise.all([sender.close(), receiver.close()]);
    await Promise.all(outcomes);
    await clock.tickAsync(100); // datagrams still "in the network" land on closed links
    timersLeft = clock.countTimers();
    clock.restore();
  }
  assert.equal(timersLeft, 0, 'the sessions left no timer');
}

describe('session: two Sessions over a lossy, duplicating, reordering fake network (fake timers, property)', () => {
  // Up to 30 % loss each way: a packet can then stay unacknowledged for the whole ack timeout
  // (every resend or every ack of it lost), and the session ends `lost (unacknowledged)` as
  // designed. So the property is the disjunction below, not "always delivered".
  it('every send arrives complete, in order and once on every channel, or the sender ended lost and rejected every unacknowledged send with SessionEndedError', async () => {
    const tally: Tally = { delivered: 0, lost: 0, resent: 0, duplicates: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.record({
          loss: fc.double({ min: 0, max: 0.3, noNaN: true }),
          duplicate: fc.double({ min: 0, max: 0.5, noNaN: true }),
          maxDelayMs: fc.integer({ min: 0, max: 30 }),
        }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 5000 })), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 32 }),
        (seed, impairment, sends, window) => exchange(seed, impairment, sends, window, tally),
      ),
      { ...propertyOptions<typeof LOST_EXAMPLE>(60), examples: [LOST_EXAMPLE] },
    );
    const { delivered, lost, resent, duplicates } = tally;
    assert.ok(resent > 0 && duplicates > 0, `the network really lost and duplicated (resent ${resent}, duplicates ${duplicates})`);
    assert.ok(lost >= 1, 'the lost branch was checked (LOST_EXAMPLE)');
    assert.ok(delivered > lost, `mostly delivered, not mostly lost (${delivered} delivered, ${lost} lost)`);
  });
});
