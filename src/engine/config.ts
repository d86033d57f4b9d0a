import { ConfigError } from '../errors';
import { validateDid, type Did } from '../protocol';
import {
  FIELD_BOUNDS,
  readDidText,
  readEndpoints,
  readFlag,
  readHost,
  readIpv4,
  readModes,
  readNumber,
  readPorts,
  throwProblems,
  type Bounds,
  type FieldProblem,
} from '../validation';
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
 * Checks every field and fills defaults. Throws one ConfigError naming every bad field and its
 * value (in `problems`, and in its message in a user's words, e.g. `port 70000 is not 1–65535`),
 * before anything touches the network. The rules are those of the editor (src/validation).
 */
export function validateRaceConfig(input: RaceConfigInput): RaceConfig {
  if (VALIDATED.has(input as object)) return input as RaceConfig;
  const problems: FieldProblem[] = [];
  const config = readRaceConfig(problems, input);
  throwProblems(problems);
  return sealValidated(config as RaceConfig);
}

/**
 * Configs this module produced, frozen all the way down: passing one to `race()` again (the
 * bench, the runtime and the CLI validate first) skips a second validation, which was ~3 % of a
 * 1,000-camera burst (issue 16). Frozen, because a config changed after its check would skip the
 * check; a changed copy (`{ ...config, ports }`) is a new object and is validated again.
 */
const VALIDATED = new WeakSet<object>();

function sealValidated(config: RaceConfig): RaceConfig {
  for (const list of [config.ports, config.modes]) Object.freeze(list);
  for (const list of [config.servers, config.relays]) {
    for (const endpoint of list) Object.freeze(endpoint);
    Object.freeze(list);
  }
  Object.freeze(config.attemptTimeoutMs);
  Object.freeze(config.staggerMs);
  Object.freeze(config.did);
  VALIDATED.add(Object.freeze(config));
  return config;
}

/** Reads a race config, appending every problem to `problems`; the result is only valid without any. */
export function readRaceConfig(problems: FieldProblem[], input: RaceConfigInput): RaceConfig | undefined {
  if (input === null || typeof input !== 'object') throw new ConfigError('config', input, 'must be an object');
  const modes = input.modes === undefined ? [...ENGINE_DEFAULTS.modes] : readModes(problems, 'modes', input.modes);
  const lanDiscovery = readFlag(problems, 'lanDiscovery', input.lanDiscovery) ?? false;
  const host = readHost(problems, 'host', input.host, (modes ?? []).includes('lan') && !lanDiscovery);
  const ports = input.ports === undefined ? [...ENGINE_DEFAULTS.ports] : readPorts(problems, 'ports', input.ports);
  const config = {
    host,
    did: readDid(problems, input.did),
    ports,
    servers: readEndpoints(problems, 'servers', input.servers, 'server'),
    relays: readEndpoints(problems, 'relays', input.relays, 'relay'),
    modes,
    maxConnectionTimeMs: readMs(
      problems,
      'maxConnectionTimeMs',
      input.maxConnectionTimeMs,
      ENGINE_DEFAULTS.maxConnectionTimeMs,
      FIELD_BOUNDS.maxConnectionTimeMs,
    ),
    attemptTimeoutMs: readPerMode(problems, 'attemptTimeoutMs', input.attemptTimeoutMs, ENGINE_DEFAULTS.attemptTimeoutMs, FIELD_BOUNDS.attemptTimeoutMs),
    startupDelayMs: readMs(problems, 'startupDelayMs', input.startupDelayMs, ENGINE_DEFAULTS.startupDelayMs, FIELD_BOUNDS.startupDelayMs),
    portStaggerMs: readMs(problems, 'portStaggerMs', input.portStaggerMs, ENGINE_DEFAULTS.portStaggerMs, { min: 0, max: ENGINE_LIMITS.staggerMs, unit: 'ms' }),
    probeIntervalMs: readMs(problems, 'probeIntervalMs', input.probeIntervalMs, ENGINE_DEFAULTS.probeIntervalMs, {
      min: 5,
      max: ENGINE_LIMITS.intervalMs,
      unit: 'ms',
    }),
    serverRetryMs: readMs(problems, 'serverRetryMs', input.serverRetryMs, ENGINE_DEFAULTS.serverRetryMs, { min: 5, max: ENGINE_LIMITS.intervalMs, unit: 'ms' }),
    staggerMs: readPerMode(problems, 'staggerMs', input.staggerMs, 0, { min: 0, max: ENGINE_LIMITS.staggerMs, unit: 'ms' }),
    lanDiscovery,
    bindAddress: input.bindAddress === undefined ? ENGINE_DEFAULTS.bindAddress : readIpv4(problems, 'bindAddress', input.bindAddress),
    reportSessionReady: readFlag(problems, 'reportSessionReady', input.reportSessionReady) ?? false,
  };
  return problems.length === 0 ? (config as RaceConfig) : undefined;
}

/** A DID: its text form (the editor's rule) or a Did value (checked by the protocol layer). */
function readDid(problems: FieldProblem[], value: unknown): Did | undefined {
  if (value !== null && typeof value === 'object') {
    try {
      return validateDid(value as Did);
    } catch {
      problems.push({ field: 'did', value, code: 'did', subject: 'did' });
      return undefined;
    }
  }
  return readDidText(problems, 'did', value);
}

/** Milliseconds within `bounds`; empty means `fallback`. */
function readMs(problems: FieldProblem[], field: string, value: unknown, fallback: number, bounds: Bounds, subject = field): number | undefined {
  const before = problems.length;
  const n = readNumber(problems, field, value, bounds, subject);
  return problems.length > before ? undefined : (n ?? fallback);
}

/**
 * Milliseconds within bounds; throws a ConfigError naming the field otherwise (for options read
 * one at a time: CLI --timeout, a node's timeout, BLE timeouts). Empty means `fallback`.
 */
export function parseMs(field: string, value: unknown, fallback: number, min: number, max: number): number {
  const problems: FieldProblem[] = [];
  const n = readMs(problems, field, value, fallback, { min, max, unit: 'ms' });
  throwProblems(problems);
  return n as number;
}

function readPerMode(problems: FieldProblem[], field: string, value: unknown, fallback: number, bounds: Bounds): Record<Mode, number> | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const before = problems.length;
    for (const key of Object.keys(record)) {
      if (!MODES.includes(key as Mode)) problems.push({ field: `${field}.${key}`, value: record[key], code: 'mode-key', subject: field, params: { key } });
    }
    const lan = readMs(problems, `${field}.lan`, record.lan, fallback, bounds, field);
    const p2p = readMs(problems, `${field}.p2p`, record.p2p, fallback, bounds, field);
    const relay = readMs(problems, `${field}.relay`, record.relay, fallback, bounds, field);
    return problems.length > before ? undefined : { lan: lan as number, p2p: p2p as number, relay: relay as number };
  }
  const all = readMs(problems, field, value, fallback, bounds);
  return all === undefined ? undefined : { lan: all, p2p: all, relay: all };
}
