import { isIPv4 } from 'node:net';
import { DecodeError, EncodeError } from './errors';

/**
 * An IPv4 socket address as CS2 puts it on the wire ("odd" byte order, pppp.md §2): family u16
 * big-endian, port u16 little-endian, IPv4 octets reversed, then 8 zero bytes (16 bytes), or
 * 16 more zero bytes in the 24-byte `sockaddr_cs2` form. `family` is omitted when it is 2
 * (AF_INET); an all-zero address (family 0) appears in reports of failed attempts.
 */
export interface SocketAddress {
  readonly host: string;
  readonly port: number;
  readonly family?: number;
}

export const SOCKADDR_SIZE = 16;
export const SOCKADDR_CS2_SIZE = 24;
const AF_INET = 2;

export function writeSocketAddress(address: SocketAddress, target: Buffer, offset: number, size = SOCKADDR_SIZE): void {
  if (!isIPv4(address.host)) throw new EncodeError('address.host', `${JSON.stringify(address.host)} is not an IPv4 address`);
  if (!Number.isInteger(address.port) || address.port < 0 || address.port > 0xffff) {
    throw new EncodeError('address.port', `${address.port} is not 0..65535`);
  }
  const family = address.family ?? AF_INET;
  if (!Number.isInteger(family) || family < 0 || family > 0xffff) throw new EncodeError('address.family', `${family} is not 0..65535`);
  target.fill(0, offset, offset + size);
  target.writeUInt16BE(family, offset);
  target.writeUInt16LE(address.port, offset + 2);
  const octets = address.host.split('.').map(Number);
  for (let i = 0; i < 4; i += 1) target[offset + 4 + i] = octets[3 - i];
}

export function encodeSocketAddress(address: SocketAddress, size = SOCKADDR_SIZE): Buffer {
  const out = Buffer.alloc(size);
  writeSocketAddress(address, out, 0, size);
  return out;
}

/** Reads a 16- or 24-byte address; the zero padding is not checked (vendors may use it). */
export function readSocketAddress(source: Buffer, offset: number, messageCode?: number, size = SOCKADDR_SIZE): SocketAddress {
  if (source.length - offset < size) {
    throw new DecodeError(`socket address needs ${size} bytes, ${source.length - offset} left`, offset, messageCode);
  }
  const family = source.readUInt16BE(offset);
  const port = source.readUInt16LE(offset + 2);
  const host = `${source[offset + 7]}.${source[offset + 6]}.${source[offset + 5]}.${source[offset + 4]}`;
  return family === AF_INET ? { host, port } : { host, port, family };
}
