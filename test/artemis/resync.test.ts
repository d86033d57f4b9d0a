import assert from 'node:assert/strict';
import * as sinon from 'sinon';
import {
  ArtemisClient,
  ArtemisTimeoutError,
  decodeCommandFrame,
  encodeFrame,
  encodeResponse,
  FrameReassembler,
  type ArtemisFrameError,
  type ArtemisRawFrame,
  type JsonObject,
  type ReassemblyItem,
} from '../../src/artemis';
import { answeringPeer, FAKED, FakeTransport, flush, loadRealResponse, type FakePeer } from './fake-transport';

/** A lone header whose length field announces `length` bytes (under the 256 KiB limit) and nothing after it. */
function strayHeader(length: number, msgType = 3, seq = 4242): Buffer {
  const header = encodeFrame(msgType, seq, Buffer.alloc(0));
  header.writeUInt32LE(length, 16);
  return header;
}

function summary(items: ReassemblyItem[]): string[] {
  return items.map((item) => (item.kind === 'frame' ? `frame ${item.frame.seq}` : `error ${item.error.stage} ${item.error.seq}`));
}

function bodies(items: ReassemblyItem[]): JsonObject[] {
  return items.filter((item): item is { kind: 'frame'; frame: ArtemisRawFrame } => item.kind === 'frame').map((item) => decodeCommandFrame(item.frame).body);
}

describe('artemis: FrameReassembler resynchronises after a header that cannot be valid', () => {
  it('a response header announcing 200,000 bytes does not swallow the responses behind it (a new magic resynchronises)', () => {
    const reassembler = new FrameReassembler();
    assert.deepEqual(reassembler.push(strayHeader(200_000)), []);
    assert.notEqual(reassembler.partialFrameStart, undefined, 'the stray header is being collected');
    const items = reassembler.push(Buffer.concat([encodeResponse(2, { n: 2 }), encodeResponse(3, { n: 3 })]));
    assert.deepEqual(summary(items), ['error length 4242', 'frame 2', 'frame 3']);
    assert.deepEqual(bodies(items), [{ n: 2 }, { n: 3 }]);
    assert.equal(reassembler.bufferedBytes, 0);
    assert.equal(reassembler.partialFrameStart, undefined);
  });

  it('a binary (msgType 0) header announcing 200,000 bytes is cut where the next frame magic starts, even split across pushes', () => {
    const reassembler = new FrameReassembler();
    const next = encodeResponse(7, { ok: 1 });
    const stream = Buffer.concat([strayHeader(200_000, 0, 11), Buffer.from([1, 2, 3, 0, 0xff]), next]);
    const items: ReassemblyItem[] = [];
    // Cut inside the magic of the following frame: the magic must still be seen.
    const cut = 20 + 5 + 3;
    items.push(...reassembler.push(stream.subarray(0, cut)));
    items.push(...reassembler.push(stream.subarray(cut)));
    assert.deepEqual(summary(items), ['error length 11', 'frame 7']);
    assert.deepEqual(bodies(items), [{ ok: 1 }]);
  });

  it('a command frame with a byte that is neither base64 nor NUL padding is rejected as soon as that byte arrives', () => {
    const reassembler = new FrameReassembler();
    const items = reassembler.push(Buffer.concat([strayHeader(200_000), Buffer.from('QUJD{not base64')]));
    assert.deepEqual(summary(items), ['error base64 4242']);
    const error = (items[0] as { error: ArtemisFrameError }).error;
    assert.match(error.message, /0x7b at payload offset 4/);
    assert.ok(reassembler.bufferedBytes < 20, 'the rejected frame is not held');
    assert.deepEqual(bodies(reassembler.push(encodeResponse(5, { after: true }))), [{ after: true }]);
  });

  it('text after the NUL padding of a command frame is rejected', () => {
    const reassembler = new FrameReassembler();
    const items = reassembler.push(Buffer.concat([strayHeader(1000), Buffer.from('QUJD\0\0x')]));
    assert.deepEqual(summary(items), ['error base64 4242']);
  });

  it('a msgType above 9 is rejected at once and the next frame is found', () => {
    const reassembler = new FrameReassembler();
    const items = reassembler.push(Buffer.concat([strayHeader(100_000, 0x41414141, 1), encodeResponse(2, { two: 2 })]));
    assert.deepEqual(summary(items), ['error msgType 1', 'frame 2']);
  });

  it('resync() gives up on the frame being collected and reports it; the stream goes on', () => {
    const reassembler = new FrameReassembler();
    reassembler.push(Buffer.alloc(3)); // three bytes of garbage first: the frame starts at stream offset 3
    reassembler.push(strayHeader(200_000, 0, 9));
    reassembler.push(Buffer.alloc(500, 0x11));
    assert.equal(reassembler.partialFrameStart, 3);
    assert.equal(reassembler.bytesReceived, 3 + 20 + 500);
    const items = reassembler.resync();
    assert.deepEqual(summary(items), ['error length 9']);
    assert.match((items[0] as { error: ArtemisFrameError }).error.message, /after 500 of the 200000 bytes/);
    assert.equal(reassembler.partialFrameStart, undefined);
    assert.deepEqual(reassembler.resync(), [], 'nothing to give up');
    assert.deepEqual(bodies(reassembler.push(encodeResponse(10, { x: 1 }))), [{ x: 1 }]);
  });

  it('a valid frame is not affected by the checks (its payload is base64 and NULs, no magic inside)', () => {
    const reassembler = new FrameReassembler();
    const body = loadRealResponse('device-info-512');
    const bytes = encodeResponse(2, body);
    const items: ReassemblyItem[] = [];
    for (let offset = 0; offset < bytes.length; offset += 7) items.push(...reassembler.push(bytes.subarray(offset, offset + 7)));
    assert.deepEqual(bodies(items), [body]);
  });
});

const NOW = 1766533338_000;
const TOKEN = 118181966;

/** A camera that answers the login and device info (like the real one) and, while `silent`, nothing else. */
function camera(state: { silent: boolean }): FakePeer {
  return answeringPeer((request) => {
    if (request.body.cmdId === 0) return { cmdId: 0, result: 0, token: TOKEN, bat_percent: 80, errorMsg: 'Success' };
    if (request.body.cmdId === 512 && !state.silent) return loadRealResponse('device-info-512');
    return undefined;
  });
}

describe('artemis: ArtemisClient after a stray 200,000-byte header', () => {
  let clock: sinon.SinonFakeTimers;
  let transport: FakeTransport;
  let client: ArtemisClient;
  const state = { silent: false };
  const errors: ArtemisFrameError[] = [];

  beforeEach(async () => {
    clock = sinon.useFakeTimers({ now: NOW, toFake: FAKED });
    state.silent = false;
    errors.length = 0;
    transport = new FakeTransport(camera(state));
    client = new ArtemisClient(transport, { heartbeatIntervalMs: 0 });
    client.on('protocol-error', (error) => errors.push(error));
    await client.login();
  });

  afterEach(() => {
    client.close();
    assert.equal(clock.countTimers(), 0, 'every timer is released');
    clock.restore();
  });

  it('one DRW with the header on channel 0, then normal responses: every deviceInfo command succeeds', async () => {
    transport.deliver(0, strayHeader(200_000));
    await flush();
    for (let i = 0; i < 3; i += 1) {
      const outcome = client.deviceInfo({ timeoutMs: 2000 }).then(
        (info) => info.model,
        (error: Error) => error.name,
      );
      await clock.tickAsync(2000);
      assert.equal(await outcome, 'KJK230', `deviceInfo number ${i + 1}`);
    }
    assert.deepEqual(
      errors.map((e) => [e.stage, e.seq]),
      [['length', 4242]],
    );
  });

  it('a stalled frame that began before a command was sent is given up when that command times out', async () => {
    // A binary frame header (its payload is not checked as base64) and a camera that does not answer.
    transport.deliver(0, strayHeader(200_000, 0, 77));
    await flush();
    state.silent = true;
    const timedOut = assert.rejects(client.deviceInfo({ timeoutMs: 1000 }), ArtemisTimeoutError);
    await flush();
    await clock.tickAsync(999);
    assert.equal(errors.length, 0, 'nothing is given up before the timeout');
    await clock.tickAsync(1);
    await timedOut;
    assert.deepEqual(
      errors.map((e) => [e.stage, e.seq]),
      [['length', 77]],
    );
    assert.match(errors[0].message, /gave up on a frame/);
    state.silent = false;
    assert.equal((await client.deviceInfo({ timeoutMs: 1000 })).model, 'KJK230');
  });

  it("a frame that began after the command was sent is not given up by that command's timeout", async () => {
    state.silent = true;
    const timedOut = assert.rejects(client.deviceInfo({ timeoutMs: 1000 }), ArtemisTimeoutError);
    await flush();
    transport.deliver(0, strayHeader(200_000, 0, 78));
    await clock.tickAsync(1000);
    await timedOut;
    assert.equal(errors.length, 0);
  });
});
