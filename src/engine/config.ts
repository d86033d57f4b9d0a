import { isIPv4 } from 'node:net';
import { ConfigError } from '../errors';
import { DidError, parseDid, validateDid, type Did } from '../protocol';
import { ENGINE_DEFAULTS, ENGINE_LIMITS } from './defaults';
import { MODES, type Endpoint, type Mode } from './types';

/** What a caller may pass: loose types (strings from a CLI or a Node-RED form are fine). */
export interface RaceConfigInput {
  /** Camera IPv4 address for LAN mode. */
  host?: unknown;
  /** Device id, text form `LBCS-000000-CCCJJ` or a Did value. */
  did?: unknown;
  /** LAN destination ports: numbers, numeric strings, or one comma-separated string. */
  ports?: unknown;
  /** Rendezvous servers: `host:port` strings or {host, port}. */
  servers?: unknown;
  /** Relay servers to use in addition to those the rendezvous servers list. */
  relays?: unknown;
  /** Enabled modes: array or comma-separated string of lan, p2p, relay. */
  modes?: unknown;
  maxConnectionTimeMs?: unknown;
  /** One number for every mode, or {lan, p2p, relay}. */
  attemptTimeoutMs?: unknown;
  startupDelayMs?: unknown;
  portStaggerMs?: unknown;
  probeIntervalMs?: unknown;
  serverRetryMs?: unknown;
  /** Delay before each mode's racer starts ({lan, p2p, relay}; from a tuning object). */
  staggerMs?: unknown;
  /** Also broadcast LAN_SEARCH to port 32108 (off by default; never in tests). */
  lanDiscovery?: unknown;
  bindAddress?: unknown;
  /** Send REPORT_SESSION_READY to the rendezvous servers after a win (off: it reports your addresses to a third party). */
  reportSessionReady?: unknown;
}

/** A validated race configuration. */
export interface RaceConfig {
  host: string | null;
  did: Did;
  ports: number[];
  servers: Endpoint[];
  relays: Endpoint[];
  modes: Mode[];
  maxConnectionTimeMs: number;
  attemptTimeoutMs: Record<Mode, number>;
  startupDelayMs: number;
  portStaggerMs: number;
  probeIntervalMs: number;
  serverRetryMs: number;
  staggerMs: Record<Mode, number>;
  lanDiscovery: boolean;
  bindAddress: string;
  reportSessionReady: boolean;
}

/**
 * Checks every field and fills defaults. Throws ConfigError naming the first bad field and its
 * value, before anything touches the network.
 */
export function validateRaceConfig(input: RaceConfigInput): RaceConfig {
  if (input === null || typeof input !== 'object') throw new ConfigError('config', input, 'must be an object');
  const modes = parseModes(input.modes);
  const lanDiscovery = parseBoolean('lanDiscovery', input.lanDiscovery, false);
  const host = input.host === undefined || input.host === null || input.host === '' ? null : parseHost('host', input.host);
  if (host === null && modes.includes('lan') && !lanDiscovery) {
    throw new ConfigError('host', input.host, 'the camera address is required for LAN mode (or enable lanDiscovery)');
  }
  const ports = parsePorts(input.ports);
  return {
    host,
    did: parseDidField(input.did),
    ports,
    servers: parseEndpoints('servers', input.servers),
    relays: parseEndpoints('relays', input.relays),
    modes,
    maxConnectionTimeMs: parseMs('maxConnectionTimeMs', input.maxConnectionTimeMs, ENGINE_DEFAULTS.maxConnectionTimeMs, 1, ENGINE_LIMITS.maxConnectionTimeMs),
    attemptTimeoutMs: parsePerMode('attemptTimeoutMs', input.attemptTimeoutMs, ENGINE_DEFAULTS.attemptTimeoutMs, 1, ENGINE_LIMITS.attemptTimeoutMs),
    startupDelayMs: parseMs('startupDelayMs', input.startupDelayMs, ENGINE_DEFAULTS.startupDelayMs, 0, ENGINE_LIMITS.startupDelayMs),
    portStaggerMs: parseMs('portStaggerMs', input.portStaggerMs, ENGINE_DEFAULTS.portStaggerMs, 0, ENGINE_LIMITS.staggerMs),
    probeIntervalMs: parseMs('probeIntervalMs', input.probeIntervalMs, ENGINE_DEFAULTS.probeIntervalMs, 5, ENGINE_LIMITS.intervalMs),
    serverRetryMs: parseMs('serverRetryMs', input.serverRetryMs, ENGINE_DEFAULTS.serverRetryMs, 5, ENGINE_LIMITS.intervalMs),
    staggerMs: parsePerMode('staggerMs', input.staggerMs, 0, 0, ENGINE_LIMITS.staggerMs),
    lanDiscovery,
    bindAddress: input.bindAddress === undefined ? ENGINE_DEFAULTS.bindAddress : parseHost('bindAddress', input.bindAddress),
    reportSessionReady: parseBoolean('reportSessionReady', input.reportSessionReady, false),
  };
}

function parseDidField(value: unknown): Did {
  if (value !== null && typeof value === 'object') {
    try {
      return validateDid(value as Did);
    } catch (err) {
      throw new ConfigError('did', value, (err as DidError).problem ?? (err as Error).message);
    }
  }
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError('did', value, 'the camera id is required, e.g. LBCS-000000-CCCJJ');
  try {
    return parseDid(value);
  } catch (err) {
    throw new ConfigError('did', value, err instanceof DidError ? err.problem : String(err));
  }
}

function parseHost(field: string, value: unknown): string {
  if (typeof value !== 'string' || !isIPv4(value.trim())) throw new ConfigError(field, value, 'must be an IPv4 address such as 192.168.43.1');
  return value.trim();
}

export function parsePort(field: string, value: unknown): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) throw new ConfigError(field, value, 'must be a port number 1-65535');
  return n;
}

function parsePorts(value: unknown): number[] {
  if (value === undefined) return [...ENGINE_DEFAULTS.ports];
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : value;
  if (!Array.isArray(list)) throw new ConfigError('ports', value, 'must be a list of port numbers');
  if (list.length === 0) throw new ConfigError('ports', value, 'must name at least one port');
  if (list.length > ENGINE_LIMITS.ports) throw new ConfigError('ports', value, `at most ${ENGINE_LIMITS.ports} ports`);
  const ports = list.map((p, i) => parsePort(`ports[${i}]`, p));
  return [...new Set(ports)];
}

function parseEndpoints(field: string, value: unknown): Endpoint[] {
  if (value === undefined || value === null || value === '') return [];
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : value;
  if (!Array.isArray(list)) throw new ConfigError(field, value, 'must be a list of host:port');
  if (list.length > ENGINE_LIMITS.servers) throw new ConfigError(field, value, `at most ${ENGINE_LIMITS.servers} entries`);
  return list.map((entry, i) => parseEndpoint(`${field}[${i}]`, entry));
}

export function parseEndpoint(field: string, value: unknown): Endpoint {
  if (typeof value === 'string') {
    const match = /^\s*([^:\s]+):(\d+)\s*$/.exec(value);
    if (!match) throw new ConfigError(field, value, 'must be host:port, e.g. 127.0.0.1:32100');
    return { host: parseHost(field, match[1]), port: parsePort(field, match[2]) };
  }
  if (value !== null && typeof value === 'object' && 'host' in value && 'port' in value) {
    return { host: parseHost(`${field}.host`, value.host), port: parsePort(`${field}.port`, value.port) };
  }
  throw new ConfigError(field, value, 'must be host:port or {host, port}');
}

function parseModes(value: unknown): Mode[] {
  if (value === undefined) return [...ENGINE_DEFAULTS.modes];
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : value;
  if (!Array.isArray(list)) throw new ConfigError('modes', value, 'must be a list of lan, p2p, relay');
  const modes: Mode[] = [];
  for (const mode of list) {
    if (!MODES.includes(mode as Mode)) throw new ConfigError('modes', value, `unknown mode ${JSON.stringify(mode)} (use lan, p2p, relay)`);
    if (!modes.includes(mode as Mode)) modes.push(mode as Mode);
  }
  if (modes.length === 0) throw new ConfigError('modes', value, 'enable at least one mode');
  return modes;
}

export function parseMs(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new ConfigError(field, value, 'must be a number of milliseconds');
  if (n < min || n > max) throw new ConfigError(field, value, `must be between ${min} and ${max} ms`);
  return n;
}

function parsePerMode(field: string, value: unknown, fallback: number, min: number, max: number): Record<Mode, number> {
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!MODES.includes(key as Mode)) throw new ConfigError(`${field}.${key}`, record[key], 'unknown mode (use lan, p2p, relay)');
    }
    return {
      lan: parseMs(`${field}.lan`, record.lan, fallback, min, max),
      p2p: parseMs(`${field}.p2p`, record.p2p, fallback, min, max),
      relay: parseMs(`${field}.relay`, record.relay, fallback, min, max),
    };
  }
  const all = parseMs(field, value, fallback, min, max);
  return { lan: all, p2p: all, relay: all };
}

function parseBoolean(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(field, value, 'must be true or false');
}
