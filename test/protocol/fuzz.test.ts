import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, DecodeError, encode } from '../../src/protocol';
import { loadFixture } from '../helpers/fixtures';
import { propertyOptions } from '../helpers/property';

const seeds = loadFixture<{ hex: string }[]>('vectors.json').map((v) => Buffer.from(v.hex, 'hex'));

const outcomes = { runs: 0, values: 0, decodeErrors: 0, mutated: 0, random: 0 };

/** Decodes and checks the only possible outcomes: a message that re-encodes, or a DecodeError. */
function decodeOnlyValuesOrDecodeErrors(datagram: Buffer): void {
  outcomes.runs += 1;
  let message;
  try {
    message = decode(datagram);
  } catch (err) {
    if (err instanceof DecodeError) {
      outcomes.decodeErrors += 1;
      return;
    }
    throw err;
  }
  outcomes.values += 1;
  assert.ok(typeof message.type === 'string');
  // Whatever decodes must be encodable again (round trip of the decoded value).
  assert.deepEqual(decode(encode(message)), message);
}

const mutated = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    fc.option(fc.nat({ max: 600 }), { nil: undefined }),
  )
  .map(([seed, flips, cut]) => {
    const copy = Buffer.from(seed);
    for (const [position, value] of flips) if (copy.length > 0) copy[position % copy.length] = value;
    // Keep the length field consistent half of the time so field decoders are reached too.
    if (flips.length % 2 === 0 && copy.length >= 4) copy.writeUInt16BE(copy.length - 4, 2);
    return cut === undefined ? copy : copy.subarray(0, cut);
  })
  .map((datagram) => ({ kind: 'mutated' as const, datagram }));

const random = fc.uint8Array({ maxLength: 120 }).map((bytes) => {
  const b = Buffer.from(bytes);
  if (b.length >= 4 && b[0] % 2 === 0) {
    b[0] = 0xf1;
    b.writeUInt16BE(b.length - 4, 2);
  }
  return { kind: 'random' as const, datagram: b };
});

describe('protocol: fuzz', () => {
  it('100,000 random and mutated datagrams yield only values or DecodeErrors', () => {
    fc.assert(
      fc.property(fc.oneof(mutated, random), ({ kind, datagram }) => {
        outcomes[kind] += 1;
        decodeOnlyValuesOrDecodeErrors(datagram);
      }),
      propertyOptions(100_000),
    );
    // The property really ran 100,000 times, on both kinds, and reached both outcomes often
    // (a fuzzer whose inputs all fail at the header would prove little).
    assert.ok(outcomes.runs >= 100_000, `${outcomes.runs} datagrams`);
    assert.ok(outcomes.mutated >= 30_000 && outcomes.random >= 30_000, JSON.stringify(outcomes));
    assert.ok(outcomes.values >= 5_000 && outcomes.decodeErrors >= 5_000, JSON.stringify(outcomes));
  });

  it('the DNS packets that start with 0xF1 (pppp.md §9) and every prefix of every vector decode or fail cleanly', () => {
    const dnsLike = [
      'f1fe01000001000000000000037777770667697468756203636f6d0000010001',
      'f1c781800001000100000000076578616d706c6503636f6d0000010001c00c000100010000012c00045db8d822',
    ].map((hex) => Buffer.from(hex, 'hex'));
    for (const datagram of dnsLike) assert.throws(() => decode(datagram), DecodeError);
    for (const seed of seeds) for (let n = 0; n <= seed.length; n += 1) decodeOnlyValuesOrDecodeErrors(seed.subarray(0, n));
  });
});
