import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ArtemisFrameError,
  DEFAULT_CAMERA_DEVICE_STATE,
  decodeCommandFrame,
  deviceInfoResponse,
  encodeFrame,
  encodeRequest,
  encodeResponse,
  FrameReassembler,
  type ArtemisRawFrame,
  type ReassemblyItem,
} from '../../src/artemis';
import { propertyOptions } from '../helpers/property';

function framesOf(items: ReassemblyItem[]): ArtemisRawFrame[] {
  return items.map((item) => {
    assert.equal(item.kind, 'frame', item.kind === 'error' ? item.error.message : '');
    return (item as { frame: ArtemisRawFrame }).frame;
  });
}

function pieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) out.push(bytes.subarray(offset, offset + size));
  return out;
}

describe('artemis: FrameReassembler', () => {
  it('returns a frame pushed whole', () => {
    const reassembler = new FrameReassembler();
    const [frame] = framesOf(reassembler.push(encodeResponse(4, { result: 0, cmdId: 258 })));
    assert.equal(frame.seq, 4);
    assert.deepEqual(decodeCommandFrame(frame).body, { result: 0, cmdId: 258 });
    assert.equal(reassembler.bufferedBytes, 0);
  });

  it('a device-info response the size of the real one comes in 3×1024+21 bytes and is joined from 1024-byte pieces', () => {
    // The app log shows the 512 response read as 1024, 1024, 1024 and 21 bytes.
    const body = deviceInfoResponse(DEFAULT_CAMERA_DEVICE_STATE, 1766533338);
    const bytes = encodeResponse(2, body);
    assert.equal(bytes.length, 3 * 1024 + 21);
    const reassembler = new FrameReassembler();
    const chunks = pieces(bytes, 1024);
    for (const chunk of chunks.slice(0, -1)) assert.deepEqual(reassembler.push(chunk), []);
    const [frame] = framesOf(reassembler.push(chunks[chunks.length - 1]));
    assert.deepEqual(decodeCommandFrame(frame).body, body);
  });

  it('returns several frames from one push, in order', () => {
    const bytes = Buffer.concat([encodeRequest(1, { a: 1 }), encodeRequest(2, { b: 2 }), encodeResponse(3, { c: 3 })]);
    const frames = framesOf(new FrameReassembler().push(bytes));
    assert.deepEqual(
      frames.map((f) => [f.msgType, f.seq]),
      [
        [2, 1],
        [2, 2],
        [3, 3],
      ],
    );
  });

  it('skips garbage before, between and after frames, including a magic split across pushes', () => {
    const reassembler = new FrameReassembler();
    const one = encodeResponse(1, { n: 1 });
    const two = encodeResponse(2, { n: 2 });
    const garbage = Buffer.from('ARTEMI garbage ARTEMIS no NUL here', 'latin1');
    assert.deepEqual(reassembler.push(garbage), []);
    assert.ok(reassembler.bufferedBytes < 8, 'garbage is not kept');
    const stream = Buffer.concat([one.subarray(0, 5)]);
    assert.deepEqual(reassembler.push(stream), []);
    const frames = framesOf(reassembler.push(Buffer.concat([one.subarray(5), Buffer.from('xx'), two, Buffer.from('tail')])));
    assert.deepEqual(
      frames.map((f) => f.seq),
      [1, 2],
    );
    assert.ok(reassembler.droppedBytes >= garbage.length - 7 + 2);
  });

  it('an oversized length field is a typed error and the next frame is still found', () => {
    const reassembler = new FrameReassembler({ maxFrameLength: 1000 });
    const huge = encodeFrame(3, 9, Buffer.alloc(0));
    huge.writeUInt32LE(0xfffffff0, 16);
    const good = encodeResponse(10, { ok: true });
    const items = reassembler.push(Buffer.concat([huge, Buffer.from('junk'), good]));
    assert.equal(items.length, 2);
    assert.equal(items[0].kind, 'error');
    const error = (items[0] as { error: ArtemisFrameError }).error;
    assert.ok(error instanceof ArtemisFrameError);
    assert.equal(error.stage, 'length');
    assert.equal(error.seq, 9);
    assert.equal(items[1].kind, 'frame');
    assert.equal((items[1] as { frame: ArtemisRawFrame }).frame.seq, 10);
  });

  it('holds at most 20 + maxFrameLength bytes while a frame is incomplete', () => {
    const reassembler = new FrameReassembler({ maxFrameLength: 4096 });
    const header = encodeFrame(3, 1, Buffer.alloc(0));
    header.writeUInt32LE(4096, 16);
    reassembler.push(header);
    for (let i = 0; i < 40; i += 1) {
      reassembler.push(Buffer.alloc(100, 0x41));
      assert.ok(reassembler.bufferedBytes < 20 + 4096);
    }
  });

  it('copies what it keeps: the caller may reuse its buffers', () => {
    const bytes = encodeResponse(5, { x: 'y' });
    const reassembler = new FrameReassembler();
    const scratch = Buffer.from(bytes.subarray(0, 30));
    reassembler.push(scratch);
    scratch.fill(0);
    const [frame] = framesOf(reassembler.push(bytes.subarray(30)));
    assert.deepEqual(decodeCommandFrame(frame).body, { x: 'y' });
  });

  it('reset() forgets a partial frame', () => {
    const reassembler = new FrameReassembler();
    const bytes = encodeResponse(5, { x: 1 });
    reassembler.push(bytes.subarray(0, 40));
    reassembler.reset();
    assert.equal(reassembler.bufferedBytes, 0);
    assert.deepEqual(reassembler.push(bytes.subarray(40)), []);
    assert.equal(framesOf(reassembler.push(bytes)).length, 1);
  });

  it('rejects a maxFrameLength that is not a non-negative integer', () => {
    assert.throws(() => new FrameReassembler({ maxFrameLength: -1 }), RangeError);
    assert.throws(() => new FrameReassembler({ maxFrameLength: 1.5 }), RangeError);
  });

  it('property: any split of a stream of frames yields the same frames', () => {
    const message = fc.record({
      response: fc.boolean(),
      seq: fc.nat({ max: 0xffffffff }),
      text: fc.string({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (messages, cuts) => {
        const encoded = messages.map((m) => (m.response ? encodeResponse : encodeRequest)(m.seq, { t: m.text }));
        const stream = Buffer.concat(encoded);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const reassembler = new FrameReassembler();
        const frames: ArtemisRawFrame[] = [];
        let start = 0;
        for (const point of [...points, stream.length]) {
          frames.push(...framesOf(reassembler.push(stream.subarray(start, point))));
          start = point;
        }
        assert.deepEqual(
          frames.map((f) => [f.seq, decodeCommandFrame(f).body]),
          messages.map((m) => [m.seq, { t: m.text }]),
        );
        assert.equal(reassembler.bufferedBytes, 0);
      }),
      propertyOptions(300),
    );
  });
});
