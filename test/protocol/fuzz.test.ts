import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, DecodeError, encode } from '../../src/protocol';
import { loadFixture } from '../helpers/fixtures';

const seeds = loadFixture<{ hex: string }[]>('vectors.json').map((v) => Buffer.from(v.hex, 'hex'));

/** Decodes and checks the only possible outcomes: a message that re-encodes, or a DecodeError. */
function decodeOnlyValuesOrDecodeErrors(datagram: Buffer): void {
  let message;
  try {
    message = decode(datagram);
  } catch (err) {
    if (err instanceof DecodeError) return;
    throw err;
  }
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
  });

const random = fc.uint8Array({ maxLength: 120 }).map((bytes) => {
  const b = Buffer.from(bytes);
  if (b.length >= 4 && b[0] % 2 === 0) {
    b[0] = 0xf1;
    b.writeUInt16BE(b.length - 4, 2);
  }
  return b;
});

describe('protocol: fuzz', () => {
  it('100,000 random and mutated datagrams yield only values or DecodeErrors', () => {
    fc.assert(fc.property(fc.oneof(mutated, random), decodeOnlyValuesOrDecodeErrors), { numRuns: 100_000 });
  });
});
