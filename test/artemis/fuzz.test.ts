import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ArtemisFrameError, decodeCommandFrame, encodeRequest, encodeResponse, encryptPayload, FrameReassembler, isCommandFrame } from '../../src/artemis';
import { completeFrames, rebuildWireFrame } from './captured-frames';
import { propertyOptions } from '../helpers/property';

const MAX_FRAME_LENGTH = 512;
const seeds = [
  ...completeFrames.map(rebuildWireFrame),
  encodeResponse(2, { mediaFiles: [{ fileType: 0, mediaNum: 1 }], result: 0 }),
  encodeRequest(3, { cmdId: 768, itemCntPerPage: 45, pageNo: 0, token: 1 }),
  Buffer.concat([Buffer.from('ARTEMIS\0', 'latin1'), Buffer.alloc(12)]),
];

/** A stream from captured frames with random bytes overwritten, cut short or interleaved with junk. */
const mutatedStream = fc
  .tuple(
    fc.array(fc.constantFrom(...seeds), { minLength: 1, maxLength: 4 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
    fc.option(fc.nat(), { nil: undefined }),
    fc.uint8Array({ maxLength: 40 }),
  )
  .map(([frames, flips, cut, junk]) => {
    const stream = Buffer.concat([Buffer.from(junk), ...frames]);
    for (const [position, value] of flips) stream[position % stream.length] = value;
    return cut === undefined ? stream : stream.subarray(0, cut % (stream.length + 1));
  });

/** Random bytes, half of them behind a valid-looking header with a random length and msgType. */
const randomStream = fc
  .tuple(fc.uint8Array({ maxLength: 1200 }), fc.boolean(), fc.nat({ max: 4000 }), fc.nat({ max: 10 }))
  .map(([bytes, withHeader, length, msgType]) => {
    if (!withHeader) return Buffer.from(bytes);
    const header = Buffer.alloc(20);
    header.write('ARTEMIS\0', 0, 'latin1');
    header.writeUInt32LE(msgType, 8);
    header.writeUInt32LE(length, 16);
    return Buffer.concat([header, Buffer.from(bytes)]);
  });

/** A valid frame whose ciphertext is random blocks: decryption yields garbage plaintext. */
const garbageCiphertext = fc.uint8Array({ minLength: 16, maxLength: 128 }).map((bytes) => {
  const blocks = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 16)));
  const text = blocks.toString('base64');
  const frame = Buffer.alloc(20 + text.length + 21);
  frame.write('ARTEMIS\0', 0, 'latin1');
  frame.writeUInt32LE(3, 8);
  frame.writeUInt32LE(text.length + 21, 16);
  frame.write(text, 20, 'latin1');
  return frame;
});

/** Encrypted text that is almost JSON. */
const almostJson = fc.string({ maxLength: 60 }).map((text) => encodeResponseText(`{"cmdId":${text}`));

function encodeResponseText(plaintext: string): Buffer {
  const text = encryptPayload(plaintext);
  const frame = Buffer.alloc(20 + text.length + 21);
  frame.write('ARTEMIS\0', 0, 'latin1');
  frame.writeUInt32LE(3, 8);
  frame.writeUInt32LE(text.length + 21, 16);
  frame.write(text, 20, 'latin1');
  return frame;
}

function pushAndDecode(streams: Buffer[], chunkSize: number): void {
  const reassembler = new FrameReassembler({ maxFrameLength: MAX_FRAME_LENGTH });
  for (const stream of streams) {
    for (let offset = 0; offset < stream.length; offset += chunkSize) {
      for (const item of reassembler.push(stream.subarray(offset, offset + chunkSize))) {
        if (item.kind === 'error') {
          assert.ok(item.error instanceof ArtemisFrameError);
          continue;
        }
        assert.ok(item.frame.payload.length <= MAX_FRAME_LENGTH);
        if (!isCommandFrame(item.frame)) continue;
        try {
          const message = decodeCommandFrame(item.frame);
          assert.equal(typeof message.body, 'object');
        } catch (error) {
          if (!(error instanceof ArtemisFrameError)) throw error;
        }
      }
      assert.ok(reassembler.bufferedBytes < 20 + MAX_FRAME_LENGTH, 'buffer stays bounded');
    }
  }
}

describe('artemis: fuzz', () => {
  it('12,000 random and mutated streams through reassembler + decoder yield only frames or ArtemisFrameErrors', () => {
    const input = fc.oneof(mutatedStream, randomStream, garbageCiphertext, almostJson);
    fc.assert(fc.property(fc.array(input, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 1100 }), pushAndDecode), propertyOptions(12_000));
  });
});
