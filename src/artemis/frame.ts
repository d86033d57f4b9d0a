import { ARTEMIS_HEADER_LENGTH, ARTEMIS_MAGIC, ArtemisMsgType, HEADER_OFFSET, REQUEST_NUL_COUNT, RESPONSE_NUL_COUNT } from './constants';
import { decryptPayload, encryptPayload } from './crypto';
import { ArtemisFrameError } from './errors';
import { isJsonObject, type JsonObject } from './json';

/** The fields of a 20-byte ARTEMIS header. */
export interface ArtemisFrameHeader {
  msgType: number;
  seq: number;
  /** The length field: bytes that follow the header. */
  length: number;
}

/** One complete frame as it came off the stream, payload not yet decoded. */
export interface ArtemisRawFrame {
  msgType: number;
  seq: number;
  /** The `length` bytes after the header (base64 text and NULs for msgType 2/3). */
  payload: Buffer;
}

/** A decoded command frame (msgType 2 request or 3 response). */
export interface ArtemisMessage {
  msgType: number;
  seq: number;
  body: JsonObject;
}

const MAX_U32 = 0xffff_ffff;

function checkU32(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_U32) {
    throw new ArtemisFrameError('header', `${field} ${value} is not a u32 integer`);
  }
}

/** Builds a frame: header (magic, msgType, seq, length = payload length) + payload. */
export function encodeFrame(msgType: number, seq: number, payload: Buffer): Buffer {
  checkU32('msgType', msgType);
  checkU32('seq', seq);
  const frame = Buffer.alloc(ARTEMIS_HEADER_LENGTH + payload.length);
  ARTEMIS_MAGIC.copy(frame, 0);
  frame.writeUInt32LE(msgType, HEADER_OFFSET.msgType);
  frame.writeUInt32LE(seq, HEADER_OFFSET.seq);
  frame.writeUInt32LE(payload.length, HEADER_OFFSET.length);
  payload.copy(frame, ARTEMIS_HEADER_LENGTH);
  return frame;
}

function encodeCommandFrame(msgType: number, seq: number, body: JsonObject, nulCount: number): Buffer {
  const base64 = encryptPayload(JSON.stringify(body));
  const payload = Buffer.alloc(base64.length + nulCount);
  payload.write(base64, 0, 'latin1');
  return encodeFrame(msgType, seq, payload);
}

/**
 * Encodes a request (app → camera, msgType 2): length = strlen(base64) + 1, base64 + one NUL.
 * The JSON keeps the key order of `body`.
 */
export function encodeRequest(seq: number, body: JsonObject): Buffer {
  return encodeCommandFrame(ArtemisMsgType.request, seq, body, REQUEST_NUL_COUNT);
}

/** Encodes a response (camera → app, msgType 3): length = strlen(base64) + 21, base64 + 21 NULs. */
export function encodeResponse(seq: number, body: JsonObject): Buffer {
  return encodeCommandFrame(ArtemisMsgType.response, seq, body, RESPONSE_NUL_COUNT);
}

/**
 * Reads the header at `offset`. Returns undefined if fewer than 20 bytes are there.
 * @throws ArtemisFrameError (stage `header`) if the magic is not at `offset`.
 */
export function readFrameHeader(bytes: Buffer, offset = 0): ArtemisFrameHeader | undefined {
  if (bytes.length - offset < ARTEMIS_HEADER_LENGTH) return undefined;
  if (!bytes.subarray(offset, offset + ARTEMIS_MAGIC.length).equals(ARTEMIS_MAGIC)) {
    throw new ArtemisFrameError('header', `no "ARTEMIS\\0" magic at byte ${offset}`);
  }
  return {
    msgType: bytes.readUInt32LE(offset + HEADER_OFFSET.msgType),
    seq: bytes.readUInt32LE(offset + HEADER_OFFSET.seq),
    length: bytes.readUInt32LE(offset + HEADER_OFFSET.length),
  };
}

/**
 * Splits one complete frame (exactly header + length bytes) into its fields.
 * @throws ArtemisFrameError (stage `header` or `length`).
 */
export function parseFrame(bytes: Buffer): ArtemisRawFrame {
  const header = readFrameHeader(bytes);
  if (header === undefined) throw new ArtemisFrameError('header', `${bytes.length} bytes are shorter than the 20-byte header`);
  const total = ARTEMIS_HEADER_LENGTH + header.length;
  if (bytes.length !== total) {
    throw new ArtemisFrameError('length', `length field says ${total} bytes in all, got ${bytes.length}`, header);
  }
  return { msgType: header.msgType, seq: header.seq, payload: bytes.subarray(ARTEMIS_HEADER_LENGTH) };
}

/** The payload text of a command frame: its bytes up to the first NUL. */
export function payloadText(frame: ArtemisRawFrame): string {
  const end = frame.payload.indexOf(0);
  return frame.payload.subarray(0, end < 0 ? frame.payload.length : end).toString('latin1');
}

/** True for the two frame types that carry encrypted JSON commands. */
export function isCommandFrame(frame: { msgType: number }): boolean {
  return frame.msgType === ArtemisMsgType.request || frame.msgType === ArtemisMsgType.response;
}

/**
 * Decodes a command frame (msgType 2 or 3): text up to the first NUL, base64, AES-CBC decrypt,
 * plaintext up to the first NUL, JSON object.
 * @throws ArtemisFrameError if any step fails; the error never contains the payload.
 */
export function decodeCommandFrame(frame: ArtemisRawFrame): ArtemisMessage {
  const where = { msgType: frame.msgType, seq: frame.seq };
  if (!isCommandFrame(frame)) {
    throw new ArtemisFrameError('msgType', `msgType ${frame.msgType} does not carry an encrypted command`, where);
  }
  const text = decryptPayload(payloadText(frame), where);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ArtemisFrameError('json', `decrypted payload of ${text.length} characters is not JSON`, where);
  }
  if (!isJsonObject(body)) throw new ArtemisFrameError('json', 'decrypted payload is JSON but not an object', where);
  return { msgType: frame.msgType, seq: frame.seq, body };
}

/** `parseFrame` then `decodeCommandFrame`: one complete frame's bytes to its message. */
export function decodeFrame(bytes: Buffer): ArtemisMessage {
  return decodeCommandFrame(parseFrame(bytes));
}
