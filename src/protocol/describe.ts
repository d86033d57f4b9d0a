import { formatDid, type Did } from './did';
import { HEADER_SIZE, MessageCode, type Message } from './messages';
import type { SocketAddress } from './sockaddr';

/** JSON-friendly view of a decoded message: `{code, name, length, ...fields}` (DIDs as text, bytes as hex). */
export interface DescribedMessage {
  code: number;
  name: string;
  length: number;
  [field: string]: unknown;
}

/** Renders a message for logs and the CLI; `datagramLength` is the whole datagram's size. */
export function describeMessage(message: Message, datagramLength: number): DescribedMessage {
  const { type, ...fields } = message;
  const code = message.type === 'UNKNOWN' ? message.code : codeOf(message);
  const out: DescribedMessage = { code, name: type, length: datagramLength - HEADER_SIZE };
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'code' && type === 'UNKNOWN') continue;
    out[key] = plain(value);
  }
  return out;
}

function codeOf(message: Exclude<Message, { type: 'UNKNOWN' }>): number {
  return MessageCode[message.type];
}

function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    if (isDid(value)) return formatDid(value);
    if (isAddress(value)) return { ...value };
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function isDid(value: object): value is Did {
  return 'prefix' in value && 'serial' in value && 'check' in value;
}

function isAddress(value: object): value is SocketAddress {
  return 'host' in value && 'port' in value;
}
