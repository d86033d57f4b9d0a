import assert from 'node:assert/strict';
import {
  ArtemisFrameError,
  decodeCommandFrame,
  decodeFrame,
  decryptPayload,
  decryptPayloadBytes,
  encodeFrame,
  encodeRequest,
  encodeResponse,
  encryptPayload,
  parseFrame,
  readFrameHeader,
} from '../../src/artemis';
import { completeFrames, fragments, rebuildWireFrame } from './captured-frames';

/** The ciphertext of a base64 payload cut into 16-byte AES blocks (hex). */
function blocks(base64: string): string[] {
  const bytes = Buffer.from(base64, 'base64');
  const out: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) out.push(bytes.subarray(offset, offset + 16).toString('hex'));
  return out;
}

describe('artemis: captured frames', () => {
  it('the fixture holds the 78 complete frames and 3 fragments of artemis.md', () => {
    assert.equal(completeFrames.length, 78);
    assert.equal(fragments.length, 3);
  });

  it('the length field is strlen(base64)+1 for requests and strlen(base64)+21 for responses', () => {
    for (const frame of completeFrames) {
      const extra = frame.msgType === 2 ? 1 : 21;
      assert.equal(frame.length_field, frame.ciphertext_b64.length + extra, `${frame.file} seq ${frame.seq}`);
    }
  });

  it('every complete frame, rebuilt as wire bytes, decodes to its captured plaintext', () => {
    for (const frame of completeFrames) {
      const wire = rebuildWireFrame(frame);
      const message = decodeFrame(wire);
      assert.equal(message.msgType, frame.msgType);
      assert.equal(message.seq, frame.seq);
      assert.deepEqual(message.body, JSON.parse(frame.plaintext), `${frame.file} seq ${frame.seq}`);
      assert.equal(decryptPayload(frame.ciphertext_b64), frame.plaintext);
    }
  });

  it('encrypting plaintext + the stale bytes the app copied reproduces the captured ciphertext exactly', () => {
    for (const frame of completeFrames) {
      const stale = Buffer.from(frame.bytes_after_nul_hex ?? '', 'hex');
      const buffer = Buffer.concat([Buffer.from(frame.plaintext, 'utf8'), stale]);
      assert.equal(encryptPayload(buffer), frame.ciphertext_b64, `${frame.file} seq ${frame.seq}`);
    }
  });

  it('encoding each captured plaintext gives the captured frame but for the last block where the app sent stale bytes', () => {
    let exact = 0;
    for (const frame of completeFrames) {
      const body = JSON.parse(frame.plaintext);
      const encoded = frame.msgType === 2 ? encodeRequest(frame.seq as number, body) : encodeResponse(frame.seq as number, body);
      const wire = rebuildWireFrame(frame);
      assert.deepEqual(encoded.subarray(0, 20), wire.subarray(0, 20), 'header incl. length field');
      assert.equal(encoded.length, wire.length);
      const ours = blocks(parseFrame(encoded).payload.toString('latin1').replace(/\0+$/, ''));
      const theirs = blocks(frame.ciphertext_b64);
      assert.equal(ours.length, theirs.length);
      assert.deepEqual(ours.slice(0, -1), theirs.slice(0, -1), `${frame.file} seq ${frame.seq}: all blocks but the last`);
      const staleAllZero = /^(00)*$/.test(frame.bytes_after_nul_hex ?? '');
      if (staleAllZero) {
        assert.deepEqual(encoded, wire, `${frame.file} seq ${frame.seq}: whole frame`);
        exact += 1;
      } else {
        assert.notEqual(ours.at(-1), theirs.at(-1), 'stale bytes change the last block');
      }
      // Whatever we encode decrypts back to the same plaintext.
      assert.equal(decryptPayload(parseFrame(encoded).payload.toString('latin1').replace(/\0+$/, '')), frame.plaintext);
    }
    assert.ok(exact >= 20, `only ${exact} frames matched byte for byte`);
  });

  it('the captured login and heartbeat encode to their captured blocks (the two frames the client sends most)', () => {
    const login = completeFrames.find((f) => f.msgType === 2 && f.seq === 1);
    const heartbeat = completeFrames.find((f) => f.msgType === 2 && f.seq === 65537);
    assert.ok(login && heartbeat);
    const loginFrame = encodeRequest(1, JSON.parse(login.plaintext));
    assert.equal(loginFrame.length, 20 + 173);
    assert.equal(loginFrame.readUInt32LE(16), 173);
    const loginBlocks = blocks(loginFrame.subarray(20, 20 + 172).toString('latin1'));
    assert.deepEqual(loginBlocks.slice(0, 7), blocks(login.ciphertext_b64).slice(0, 7));
    const beat = encodeRequest(65537, { cmdId: 525 });
    assert.equal(beat.length, 45);
    assert.equal(beat.subarray(0, 20).toString('hex'), '415254454d495300' + '02000000' + '01000100' + '19000000');
    assert.equal(beat.subarray(20, 44).toString('latin1'), 'VYoVRA3OqW+wyt+iBfgy2w==', 'zero padding, artemis.md §3');
    assert.equal(beat[44], 0);
  });

  it('the captured fragments (no header, cut base64) are rejected with ArtemisFrameError', () => {
    for (const fragment of fragments) {
      const frame = { msgType: 3, seq: 9, payload: Buffer.from(fragment.ciphertext_b64, 'latin1') };
      assert.throws(() => decodeCommandFrame(frame), ArtemisFrameError);
    }
  });
});

describe('artemis: frame codec', () => {
  it('encodes a request and a response with their NUL rules', () => {
    const request = encodeRequest(7, { cmdId: 258, token: 1 });
    const text = encryptPayload(JSON.stringify({ cmdId: 258, token: 1 }));
    assert.equal(request.readUInt32LE(16), text.length + 1);
    assert.deepEqual(request.subarray(20 + text.length), Buffer.alloc(1));
    const response = encodeResponse(7, { result: 0 });
    const responseText = encryptPayload('{"result":0}');
    assert.equal(response.readUInt32LE(8), 3);
    assert.equal(response.readUInt32LE(16), responseText.length + 21);
    assert.deepEqual(response.subarray(20 + responseText.length), Buffer.alloc(21));
  });

  it('an aligned plaintext gets no extra padding block (as the app does)', () => {
    const sixteen = '{"a":"123456789"}'.slice(0, 16);
    assert.equal(Buffer.from(encryptPayload(sixteen), 'base64').length, 16);
    assert.equal(Buffer.from(encryptPayload(sixteen + 'x'), 'base64').length, 32);
  });

  it('decryptPayloadBytes returns the zero padding that decryptPayload cuts', () => {
    const bytes = decryptPayloadBytes(encryptPayload('{}'));
    assert.equal(bytes.length, 16);
    assert.equal(bytes.subarray(0, 2).toString(), '{}');
    assert.ok(bytes.subarray(2).every((b) => b === 0));
  });

  it('readFrameHeader needs 20 bytes and the magic', () => {
    const frame = encodeFrame(9, 0xfffffffe, Buffer.from('xyz'));
    assert.deepEqual(readFrameHeader(frame), { msgType: 9, seq: 0xfffffffe, length: 3 });
    assert.equal(readFrameHeader(frame.subarray(0, 19)), undefined);
    const bad = Buffer.from(frame);
    bad[0] = 0x61;
    assert.throws(
      () => readFrameHeader(bad),
      (e: unknown) => e instanceof ArtemisFrameError && e.stage === 'header',
    );
  });

  it('encodeFrame refuses a seq that is not a u32', () => {
    assert.throws(() => encodeFrame(2, -1, Buffer.alloc(0)), ArtemisFrameError);
    assert.throws(() => encodeFrame(2, 2 ** 32, Buffer.alloc(0)), ArtemisFrameError);
    assert.throws(() => encodeFrame(2, 1.5, Buffer.alloc(0)), ArtemisFrameError);
  });

  it('parseFrame insists on exactly header + length bytes', () => {
    const frame = encodeRequest(1, { cmdId: 525 });
    assert.throws(
      () => parseFrame(frame.subarray(0, frame.length - 1)),
      (e: unknown) => e instanceof ArtemisFrameError && e.stage === 'length',
    );
    assert.throws(
      () => parseFrame(Buffer.concat([frame, Buffer.alloc(1)])),
      (e: unknown) => e instanceof ArtemisFrameError && e.stage === 'length',
    );
  });

  const stages: [string, Buffer, string][] = [
    ['a media frame type', encodeFrame(0, 1, Buffer.from(encryptPayload('{}'))), 'msgType'],
    ['empty payload', encodeFrame(3, 1, Buffer.alloc(21)), 'base64'],
    ['non-base64 text', encodeFrame(3, 1, Buffer.from('not base64!\0')), 'base64'],
    ['base64 of a partial block', encodeFrame(3, 1, Buffer.from('AAAA\0')), 'base64'],
    ['garbage ciphertext (decrypts to non-UTF-8)', encodeFrame(3, 1, Buffer.from(Buffer.alloc(32, 0xab).toString('base64'))), 'utf8'],
    ['JSON that is not an object', encodeFrame(3, 1, Buffer.from(encryptPayload('[1,2]'))), 'json'],
    ['text that is not JSON', encodeFrame(3, 1, Buffer.from(encryptPayload('{"cmdId":'))), 'json'],
  ];
  for (const [name, bytes, stage] of stages) {
    it(`rejects ${name} with ArtemisFrameError at ${stage}`, () => {
      assert.throws(
        () => decodeFrame(bytes),
        (e: unknown) => e instanceof ArtemisFrameError && e.stage === stage && e.code === 'ERR_ARTEMIS_FRAME',
      );
    });
  }

  it('a frame error never repeats the plaintext (a login holds the password)', () => {
    const secret = 'hunter2-very-secret';
    const broken = encryptPayload(`{"cmdId":0,"password":"${secret}"`);
    try {
      decodeFrame(encodeFrame(2, 1, Buffer.from(`${broken}\0`)));
      assert.fail('should throw');
    } catch (error) {
      assert.ok(error instanceof ArtemisFrameError);
      assert.ok(!error.message.includes(secret));
      assert.ok(!error.message.includes(broken));
    }
  });
});
