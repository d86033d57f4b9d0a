import type { Did } from './did';
import type { SocketAddress } from './sockaddr';

/** PPPP message type codes (pppp.md §3). */
export const MessageCode = {
  HELLO: 0x00,
  HELLO_ACK: 0x01,
  DEV_LGN: 0x10,
  DEV_LGN_ACK: 0x11,
  P2P_REQ: 0x20,
  P2P_REQ_ACK: 0x21,
  LAN_SEARCH: 0x30,
  PUNCH_TO: 0x40,
  PUNCH_PKT: 0x41,
  P2P_RDY: 0x42,
  TRY_LAN_TCP: 0x43,
  LIST_REQ1: 0x67,
  LIST_REQ_ACK: 0x69,
  RLY_HELLO: 0x70,
  RLY_HELLO_ACK: 0x71,
  RLY_PORT: 0x72,
  RLY_PORT_ACK: 0x73,
  RLY_REQ: 0x80,
  RLY_REQ_ACK: 0x81,
  RLY_TO: 0x82,
  RLY_PKT: 0x83,
  RLY_RDY: 0x84,
  DRW: 0xd0,
  DRW_ACK: 0xd1,
  ALIVE: 0xe0,
  ALIVE_ACK: 0xe1,
  CLOSE: 0xf0,
  REPORT_SESSION_READY: 0xf9,
} as const;

export type MessageName = keyof typeof MessageCode;

/** Names of the known codes, for display of any code. */
export const MESSAGE_NAMES: ReadonlyMap<number, MessageName> = new Map(
  (Object.entries(MessageCode) as [MessageName, number][]).map(([name, code]) => [code, name]),
);

/**
 * Result codes of P2P_REQ_ACK / RLY_REQ_ACK / DEV_LGN_ACK (signed byte; pmarrapese's
 * dissector): 0 ok, -1 invalid device id, -2 device offline, -3 invalid prefix, -4 invalid DSK.
 */
export const ServerResult = {
  OK: 0,
  INVALID_ID: -1,
  DEVICE_OFFLINE: -2,
  INVALID_PREFIX: -3,
  INVALID_DSK: -4,
} as const;

/** Who sends an RLY_PKT to the relay: the client (0) or the device (1). */
export type RelayRole = 'client' | 'device';

/**
 * Plaintext of REPORT_SESSION_READY (0xF9), 84 bytes (pppp.md §7.2). Offsets whose meaning is
 * not known are kept as raw numbers so a captured report re-encodes byte for byte.
 */
export interface SessionReport {
  readonly did: Did;
  /** 1 on success, -3 (ERROR_PPCS_TIME_OUT) on a failed attempt. */
  readonly result: number;
  /** Bytes 24-27, `01 00 00 01` in every capture; meaning unknown. */
  readonly unknown24: number;
  /** Milliseconds since the attempt started (u16). */
  readonly elapsedMs: number;
  /** Bytes 30-31, zero in captures. */
  readonly unknown30: number;
  /** Byte 32, 0x3F in captures (= the app's bEnableLanSearch). */
  readonly lanSearchFlags: number;
  /** Bytes 33-35, zero in captures. */
  readonly unknown33: number;
  readonly localAddress: SocketAddress;
  readonly wanAddress: SocketAddress;
  readonly peerAddress: SocketAddress;
}

/** Any bytes after a message's known fields, kept so that the datagram re-encodes exactly. */
interface Trailing {
  readonly trailing?: Buffer;
}

export type Message =
  | ({ type: 'HELLO' } & Trailing)
  | ({ type: 'HELLO_ACK'; address: SocketAddress } & Trailing)
  | ({ type: 'DEV_LGN'; did: Did; nat: number; apiVersion: number; address: SocketAddress } & Trailing)
  | ({ type: 'DEV_LGN_ACK'; result: number } & Trailing)
  | ({ type: 'P2P_REQ'; did: Did; address: SocketAddress } & Trailing)
  | ({ type: 'P2P_REQ_ACK'; result: number } & Trailing)
  | ({ type: 'LAN_SEARCH' } & Trailing)
  | ({ type: 'PUNCH_TO'; address: SocketAddress } & Trailing)
  | ({ type: 'PUNCH_PKT'; did: Did } & Trailing)
  | ({ type: 'P2P_RDY'; did: Did } & Trailing)
  | ({ type: 'TRY_LAN_TCP'; did: Did; address: SocketAddress } & Trailing)
  | ({ type: 'LIST_REQ1'; did: Did } & Trailing)
  | ({ type: 'LIST_REQ_ACK'; relays: SocketAddress[] } & Trailing)
  | ({ type: 'RLY_HELLO' } & Trailing)
  | ({ type: 'RLY_HELLO_ACK' } & Trailing)
  | ({ type: 'RLY_PORT' } & Trailing)
  | ({ type: 'RLY_PORT_ACK'; mark: number; port: number } & Trailing)
  | ({ type: 'RLY_REQ'; did: Did; address: SocketAddress; mark: number } & Trailing)
  | ({ type: 'RLY_REQ_ACK'; result: number } & Trailing)
  | ({ type: 'RLY_TO'; address: SocketAddress; mark: number } & Trailing)
  | ({ type: 'RLY_PKT'; mark: number; did: Did; role: RelayRole } & Trailing)
  | ({ type: 'RLY_RDY'; did: Did } & Trailing)
  | { type: 'DRW'; channel: number; index: number; data: Buffer }
  | { type: 'DRW_ACK'; channel: number; indices: number[] }
  | ({ type: 'ALIVE' } & Trailing)
  | ({ type: 'ALIVE_ACK' } & Trailing)
  | ({ type: 'CLOSE' } & Trailing)
  | { type: 'REPORT_SESSION_READY'; report: SessionReport }
  | { type: 'UNKNOWN'; code: number; payload: Buffer };

export type MessageOf<T extends Message['type']> = Extract<Message, { type: T }>;

/** The marker byte at the start of DRW and DRW_ACK payloads. */
export const DRW_MARKER = 0xd1;
/** Largest DRW data the real peers put in one packet (1032-byte datagrams, pppp.md §1). */
export const MAX_DRW_DATA = 1024;
/** Largest payload the 16-bit length field can describe. */
export const MAX_PAYLOAD = 0xffff;
export const HEADER_SIZE = 4;
export const MAGIC = 0xf1;
