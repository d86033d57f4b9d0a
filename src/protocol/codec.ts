import { DID_SIZE, readDid, writeDid, type Did } from './did';
import { DecodeError, EncodeError } from './errors';
import { DRW_MARKER, HEADER_SIZE, MAGIC, MAX_PAYLOAD, MESSAGE_NAMES, MessageCode, type Message, type MessageName, type RelayRole } from './messages';
import { readSessionReport, REPORT_SIZE, writeSessionReport } from './report';
import { readSocketAddress, SOCKADDR_CS2_SIZE, SOCKADDR_SIZE, writeSocketAddress, type SocketAddress } from './sockaddr';

/*
 * Most messages are a fixed sequence of fields; they are described once as a layout and
 * encoded/decoded by one pair of loops. DRW, DRW_ACK, LIST_REQ_ACK and REPORT_SESSION_READY
 * have their own code below.
 */
type FieldKind = 'did' | 'addr16' | 'addr24' | 'result' | 'u8' | 'u16' | 'u24' | 'u32' | 'role' | 'pad2' | 'pad3';

const FIELD_SIZE: Record<FieldKind, number> = {
  did: DID_SIZE,
  addr16: SOCKADDR_SIZE,
  addr24: SOCKADDR_CS2_SIZE,
  result: 4,
  u8: 1,
  u16: 2,
  u24: 3,
  u32: 4,
  role: 1,
  pad2: 2,
  pad3: 3,
};

type Layout = ReadonlyArray<readonly [field: string, kind: FieldKind]>;

const LAYOUTS: Partial<Record<MessageName, Layout>> = {
  HELLO: [],
  HELLO_ACK: [['address', 'addr16']],
  DEV_LGN: [
    ['did', 'did'],
    ['nat', 'u8'],
    ['apiVersion', 'u24'],
    ['address', 'addr16'],
  ],
  DEV_LGN_ACK: [['result', 'result']],
  P2P_REQ: [
    ['did', 'did'],
    ['address', 'addr16'],
  ],
  P2P_REQ_ACK: [['result', 'result']],
  LAN_SEARCH: [],
  PUNCH_TO: [['address', 'addr16']],
  PUNCH_PKT: [['did', 'did']],
  P2P_RDY: [['did', 'did']],
  TRY_LAN_TCP: [
    ['did', 'did'],
    ['address', 'addr24'],
  ],
  LIST_REQ1: [['did', 'did']],
  RLY_HELLO: [],
  RLY_HELLO_ACK: [],
  RLY_PORT: [],
  RLY_PORT_ACK: [
    ['mark', 'u32'],
    ['port', 'u16'],
    ['', 'pad2'],
  ],
  RLY_REQ: [
    ['did', 'did'],
    ['address', 'addr16'],
    ['mark', 'u32'],
  ],
  RLY_REQ_ACK: [['result', 'result']],
  RLY_TO: [
    ['address', 'addr16'],
    ['mark', 'u32'],
  ],
  RLY_PKT: [
    ['mark', 'u32'],
    ['did', 'did'],
    ['role', 'role'],
    ['', 'pad3'],
  ],
  RLY_RDY: [['did', 'did']],
  ALIVE: [],
  ALIVE_ACK: [],
  CLOSE: [],
};

const layoutSize = (layout: Layout): number => layout.reduce((sum, [, kind]) => sum + FIELD_SIZE[kind], 0);

/**
 * The message code of a datagram whose header decode() accepts (magic 0xf1 and a length field
 * that agrees with the datagram's size), else undefined: a cheap pre-filter that reads no payload.
 */
export function peekCode(datagram: Buffer): number | undefined {
  return datagram.length >= HEADER_SIZE && datagram[0] === MAGIC && datagram.readUInt16BE(2) === datagram.length - HEADER_SIZE ? datagram[1] : undefined;
}

/**
 * Decodes one datagram. Throws only DecodeError (bad magic, a length field that disagrees with
 * the datagram, truncated or oversized fields). An unknown type code with a well-formed header
 * yields `{type: 'UNKNOWN', code, payload}`. DRW data is a view into `datagram`.
 */
export function decode(datagram: Buffer): Message {
  if (!Buffer.isBuffer(datagram)) throw new DecodeError('not a Buffer', 0);
  if (datagram.length < HEADER_SIZE) throw new DecodeError(`datagram of ${datagram.length} bytes is shorter than the 4-byte header`, 0);
  if (datagram[0] !== MAGIC) throw new DecodeError(`bad magic 0x${datagram[0].toString(16).padStart(2, '0')}, expected 0xf1`, 0);
  const code = datagram[1];
  const length = datagram.readUInt16BE(2);
  if (length !== datagram.length - HEADER_SIZE) {
    throw new DecodeError(`length field says ${length} payload bytes, datagram has ${datagram.length - HEADER_SIZE}`, 2, code);
  }
  const payload = datagram.subarray(HEADER_SIZE);
  const name = MESSAGE_NAMES.get(code);
  if (name === undefined) return { type: 'UNKNOWN', code, payload };
  switch (name) {
    case 'DRW':
      return decodeDrw(payload, code);
    case 'DRW_ACK':
      return decodeDrwAck(payload, code);
    case 'LIST_REQ_ACK':
      return decodeListReqAck(payload, code);
    case 'REPORT_SESSION_READY':
      if (payload.length !== REPORT_SIZE) {
        throw new DecodeError(`REPORT_SESSION_READY payload must be ${REPORT_SIZE} bytes, got ${payload.length}`, HEADER_SIZE, code);
      }
      return { type: 'REPORT_SESSION_READY', report: readSessionReport(payload) };
    default:
      return decodeLayout(name, LAYOUTS[name] as Layout, datagram, code);
  }
}

/** Encodes a message to one datagram. Throws EncodeError/DidError for values that do not fit. */
export function encode(message: Message): Buffer {
  switch (message.type) {
    case 'UNKNOWN':
      checkInt('code', message.code, 0, 0xff);
      return frame(message.code, message.payload);
    case 'DRW': {
      checkInt('channel', message.channel, 0, 0xff);
      checkInt('index', message.index, 0, 0xffff);
      const payload = Buffer.alloc(4 + message.data.length);
      payload[0] = DRW_MARKER;
      payload[1] = message.channel;
      payload.writeUInt16BE(message.index, 2);
      Buffer.from(message.data.buffer, message.data.byteOffset, message.data.length).copy(payload, 4);
      return frame(MessageCode.DRW, payload);
    }
    case 'DRW_ACK': {
      checkInt('channel', message.channel, 0, 0xff);
      checkInt('indices.length', message.indices.length, 0, (MAX_PAYLOAD - 4) >> 1);
      const payload = Buffer.alloc(4 + 2 * message.indices.length);
      payload[0] = DRW_MARKER;
      payload[1] = message.channel;
      payload.writeUInt16BE(message.indices.length, 2);
      message.indices.forEach((index, i) => {
        checkInt(`indices[${i}]`, index, 0, 0xffff);
        payload.writeUInt16BE(index, 4 + 2 * i);
      });
      return frame(MessageCode.DRW_ACK, payload);
    }
    case 'LIST_REQ_ACK': {
      checkInt('relays.length', message.relays.length, 0, 0xff);
      const trailing = message.trailing ?? Buffer.alloc(0);
      const payload = Buffer.alloc(4 + SOCKADDR_SIZE * message.relays.length + trailing.length);
      payload[0] = message.relays.length;
      message.relays.forEach((relay, i) => writeSocketAddress(relay, payload, 4 + SOCKADDR_SIZE * i));
      trailing.copy(payload, 4 + SOCKADDR_SIZE * message.relays.length);
      return frame(MessageCode.LIST_REQ_ACK, payload);
    }
    case 'REPORT_SESSION_READY':
      return frame(MessageCode.REPORT_SESSION_READY, writeSessionReport(message.report));
    default:
      return encodeLayout(message.type, LAYOUTS[message.type] as Layout, message as unknown as Record<string, unknown>);
  }
}

function frame(code: number, payload: Buffer): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new EncodeError('payload', `${payload.length} bytes exceed the 16-bit length field`);
  const out = Buffer.alloc(HEADER_SIZE + payload.length);
  out[0] = MAGIC;
  out[1] = code;
  out.writeUInt16BE(payload.length, 2);
  payload.copy(out, HEADER_SIZE);
  return out;
}

function decodeLayout(name: MessageName, layout: Layout, datagram: Buffer, code: number): Message {
  const payload = datagram.subarray(HEADER_SIZE);
  const needed = layoutSize(layout);
  if (payload.length < needed) {
    throw new DecodeError(`${name} needs ${needed} payload bytes, got ${payload.length}`, HEADER_SIZE + payload.length, code);
  }
  const message: Record<string, unknown> = { type: name };
  let offset = 0;
  for (const [field, kind] of layout) {
    const value = readField(kind, datagram, HEADER_SIZE + offset, code);
    if (field !== '') message[field] = value;
    offset += FIELD_SIZE[kind];
  }
  if (payload.length > needed) message.trailing = Buffer.from(payload.subarray(needed));
  return message as unknown as Message;
}

function encodeLayout(name: MessageName, layout: Layout, message: Record<string, unknown>): Buffer {
  const trailing = message.trailing instanceof Uint8Array ? message.trailing : Buffer.alloc(0);
  const size = layoutSize(layout);
  const payload = Buffer.alloc(size + trailing.length);
  let offset = 0;
  for (const [field, kind] of layout) {
    writeField(kind, field, message[field], payload, offset);
    offset += FIELD_SIZE[kind];
  }
  payload.set(trailing, size);
  return frame(MessageCode[name], payload);
}

/** Reads one field at datagram `offset` (so error offsets count from the datagram start). */
function readField(kind: FieldKind, payload: Buffer, offset: number, code: number): unknown {
  switch (kind) {
    case 'did':
      return readDid(payload, offset, code);
    case 'addr16':
      return readSocketAddress(payload, offset, code);
    case 'addr24':
      return readSocketAddress(payload, offset, code, SOCKADDR_CS2_SIZE);
    case 'result':
      return payload.readInt8(offset);
    case 'u8':
      return payload[offset];
    case 'u16':
      return payload.readUInt16BE(offset);
    case 'u24':
      return payload.readUIntBE(offset, 3);
    case 'u32':
      return payload.readUInt32BE(offset);
    case 'role': {
      const role = payload[offset];
      if (role > 1) throw new DecodeError(`RLY_PKT role byte must be 0 (client) or 1 (device), got ${role}`, offset, code);
      return role === 0 ? 'client' : 'device';
    }
    case 'pad2':
    case 'pad3':
      return undefined;
  }
}

function writeField(kind: FieldKind, field: string, value: unknown, payload: Buffer, offset: number): void {
  switch (kind) {
    case 'did':
      writeDid(value as Did, payload, offset);
      return;
    case 'addr16':
    case 'addr24':
      writeSocketAddress(value as SocketAddress, payload, offset, FIELD_SIZE[kind]);
      return;
    case 'result':
      payload.writeInt8(checkInt(field, value, -128, 127), offset);
      return;
    case 'u8':
      payload[offset] = checkInt(field, value, 0, 0xff);
      return;
    case 'u16':
      payload.writeUInt16BE(checkInt(field, value, 0, 0xffff), offset);
      return;
    case 'u24':
      payload.writeUIntBE(checkInt(field, value, 0, 0xffffff), offset, 3);
      return;
    case 'u32':
      payload.writeUInt32BE(checkInt(field, value, 0, 0xffff_ffff), offset);
      return;
    case 'role': {
      const role = value as RelayRole;
      if (role !== 'client' && role !== 'device') throw new EncodeError(field, `must be "client" or "device", got ${String(value)}`);
      payload[offset] = role === 'client' ? 0 : 1;
      return;
    }
    case 'pad2':
    case 'pad3':
      return;
  }
}

function checkInt(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new EncodeError(field, `${String(value)} is not an integer in ${min}..${max}`);
  }
  return value;
}

function decodeDrw(payload: Buffer, code: number): Message {
  if (payload.length < 4) throw new DecodeError(`DRW needs at least 4 payload bytes, got ${payload.length}`, HEADER_SIZE, code);
  if (payload[0] !== DRW_MARKER) throw new DecodeError(`DRW marker must be 0xd1, got 0x${payload[0].toString(16)}`, HEADER_SIZE, code);
  return { type: 'DRW', channel: payload[1], index: payload.readUInt16BE(2), data: payload.subarray(4) };
}

function decodeDrwAck(payload: Buffer, code: number): Message {
  if (payload.length < 4) throw new DecodeError(`DRW_ACK needs at least 4 payload bytes, got ${payload.length}`, HEADER_SIZE, code);
  if (payload[0] !== DRW_MARKER) throw new DecodeError(`DRW_ACK marker must be 0xd1, got 0x${payload[0].toString(16)}`, HEADER_SIZE, code);
  const count = payload.readUInt16BE(2);
  if (payload.length !== 4 + 2 * count) {
    throw new DecodeError(`DRW_ACK says ${count} indices (${4 + 2 * count} bytes), payload has ${payload.length}`, HEADER_SIZE + 2, code);
  }
  const indices: number[] = new Array(count);
  for (let i = 0; i < count; i += 1) indices[i] = payload.readUInt16BE(4 + 2 * i);
  return { type: 'DRW_ACK', channel: payload[1], indices };
}

function decodeListReqAck(payload: Buffer, code: number): Message {
  if (payload.length < 4) throw new DecodeError(`LIST_REQ_ACK needs at least 4 payload bytes, got ${payload.length}`, HEADER_SIZE, code);
  const count = payload[0];
  const needed = 4 + SOCKADDR_SIZE * count;
  if (payload.length < needed) {
    throw new DecodeError(`LIST_REQ_ACK says ${count} relays (${needed} bytes), payload has ${payload.length}`, HEADER_SIZE, code);
  }
  const relays: SocketAddress[] = [];
  for (let i = 0; i < count; i += 1) relays.push(readSocketAddress(payload, 4 + SOCKADDR_SIZE * i, code));
  const message: Message = { type: 'LIST_REQ_ACK', relays };
  return payload.length > needed ? { ...message, trailing: Buffer.from(payload.subarray(needed)) } : message;
}
