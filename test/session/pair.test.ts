import assert from 'node:assert/strict';
import fc from 'fast-check';
import sinon from 'sinon';
import type { Message } from '../../src/protocol';
import { Session } from '../../src/session';
import { seededRandom } from '../../src/sim';
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
        setTimeout(() => {
          if (to.open) to.deliver(message);
        }, Math.floor(random() * impairment.maxDelayMs));
      }
    };
  };
  wire(a, b);
  wire(b, a);
  return { a, b };
}

describe('session: two Sessions over a lossy, duplicating, reordering fake network (fake timers, property)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
  });
  afterEach(() => clock.restore());

  it('every send arrives complete, in order and once, on every channel', async () => {
    let resent = 0;
    let duplicates = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.record({ loss: fc.double({ min: 0, max: 0.3, noNaN: true }), duplicate: fc.double({ min: 0, max: 0.5, noNaN: true }), maxDelayMs: fc.integer({ min: 0, max: 30 }) }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 5000 })), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 32 }),
        async (seed, impairment, sends, window) => {
          const { a, b } = pair(seed, impairment);
          const sender = new Session(a, { window });
          const receiver = new Session(b, { maxOutOfOrder: window });
          const got = new Map<number, Buffer[]>();
          receiver.on('data', (channel, data) => {
            const list = got.get(channel) ?? [];
            list.push(data);
            got.set(channel, list);
          });
          const expected = new Map<number, Buffer[]>();
          let counter = seed;
          const delivered = sends.map(([channel, length]) => {
            const data = Buffer.alloc(length);
            for (let i = 0; i < length; i += 1) data[i] = (counter += 7) & 0xff;
            expected.set(channel, [...(expected.get(channel) ?? []), data]);
            return sender.send(channel, data);
          });
          let settled = false;
          const all = Promise.all(delivered).then(() => (settled = true));
          for (let t = 0; t < 6_000 && !settled; t += 10) await clock.tickAsync(10);
          assert.ok(settled, 'every send was acknowledged within 6 s of fake time');
          await all;
          for (const [channel, parts] of expected) {
            assert.ok(Buffer.concat(got.get(channel) ?? []).equals(Buffer.concat(parts)), `channel ${channel} complete and in order`);
          }
          assert.ok(sender.open && receiver.open);
          resent += sender.stats.drwResent;
          duplicates += receiver.stats.drwDuplicates;
          await Promise.all([sender.close(), receiver.close()]);
          await clock.tickAsync(100); // datagrams still "in the network" land on closed links
          assert.equal(clock.countTimers(), 0, 'the sessions left no timer');
        },
      ),
      { numRuns: 60 },
    );
    assert.ok(resent > 0 && duplicates > 0, `the network really lost and duplicated (resent ${resent}, duplicates ${duplicates})`);
  });
});
