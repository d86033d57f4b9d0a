import { isIPv4 } from 'node:net';
import { ConfigError } from '../errors';
import type { Address } from './endpoint';

/**
 * An address the simulator may bind: an IPv4 unicast literal (loopback by default; any host
 * address when it is deployed on a test host, e.g. inside a network namespace). Not 0.0.0.0,
 * broadcast or multicast: the camera advertises the address it binds (0x43, DEV_LGN).
 */
export function validateBindHost(field: string, host: unknown): string {
  if (typeof host !== 'string' || !isIPv4(host)) throw new ConfigError(field, host, 'must be an IPv4 address such as 127.0.0.1 or 10.1.0.2');
  const first = Number(host.split('.')[0]);
  if (host === '0.0.0.0' || host === '255.255.255.255' || first === 0 || first >= 224) {
    throw new ConfigError(field, host, 'must be a unicast host address (not 0.0.0.0, broadcast or multicast)');
  }
  return host;
}

/** `HOST:PORT` (IPv4, port 1-65535) or {host, port}: a remote server or relay given by the user. */
export function parseAddress(field: string, value: unknown): Address {
  const text = typeof value === 'string' ? value.trim() : value;
  let host: unknown;
  let port: unknown;
  if (typeof text === 'string') {
    const match = /^([^:]+):(\d{1,5})$/.exec(text);
    if (!match) throw new ConfigError(field, value, 'must be HOST:PORT, e.g. 203.0.113.10:32100');
    [host, port] = [match[1], Number(match[2])];
  } else if (text && typeof text === 'object') {
    ({ host, port } = text as { host?: unknown; port?: unknown });
  }
  if (typeof host !== 'string' || !isIPv4(host)) throw new ConfigError(field, value, 'the host must be an IPv4 address');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(field, value, 'the port must be 1-65535');
  return { host, port };
}
