import { ConfigError } from '../errors';
import { parseMs, validateRaceConfig, type RaceConfig, type RaceConfigInput } from '../engine';
import { formatDid } from '../protocol';

/**
 * Defaults of a camera as the Node-RED editor offers them (KJK230: its own access point
 * 192.168.43.1, session port 40611 first). Race defaults not listed here come from the engine
 * (src/engine/defaults.ts).
 */
export const CAMERA_DEFAULTS = {
  host: '192.168.43.1',
  ports: '40611,32100,32108,10000,80,57743',
  maxConnectionTimeMs: 30_000,
  attemptTimeoutMs: 1_500,
  startupDelayMs: 0,
  adaptive: true,
  /** A session with no datagram from the camera for this long is lost (vendor library: ~7 s). */
  keepaliveSilenceMs: 7_000,
  /** First and largest wait between reconnect attempts of the availability monitor. */
  reconnectMinMs: 1_000,
  reconnectMaxMs: 60_000,
  /** The wait grows by this factor after each failed race (exponential back-off). */
  reconnectFactor: 2,
  /** Up to this fraction of each wait is taken off at random (jitter), so cameras do not retry in lockstep. */
  reconnectJitter: 0.2,
  /**
   * Power mode: `mains` keeps a session up (the monitor reconnects with the backoff); `battery`
   * opens sessions on demand and closes them after `idleCloseMs` without use, so the camera can sleep.
   */
  powerMode: 'mains',
  /** Battery mode: a session with no connect or command for this long is closed (other clients: 30 s). */
  idleCloseMs: 30_000,
  /** ARTEMIS login of the KJK230 (artemis.md §5). */
  user: 'admin',
  password: 'admin',
} as const;

/** Bounds of the runtime's own settings (race bounds are the engine's). */
export const CAMERA_LIMITS = {
  keepaliveSilenceMs: { min: 1_000, max: 10 * 60_000 },
  reconnectMs: { min: 10, max: 60 * 60_000 },
  reconnectFactor: { min: 1, max: 10 },
  reconnectJitter: { min: 0, max: 1 },
  idleCloseMs: { min: 1_000, max: 60 * 60_000 },
} as const;

/** How the camera is powered, which decides how long its sessions live (see CAMERA_DEFAULTS.powerMode). */
export const POWER_MODES = ['mains', 'battery'] as const;
export type PowerMode = (typeof POWER_MODES)[number];

/** The user's ARTEMIS login (Node-RED credentials). Never logged or put in a message. */
export interface CameraCredentials {
  user: string;
  password: string;
}

/** Everything one camera runtime needs, validated. */
export interface CameraSettings {
  /** Label for statuses and messages (the config node's name, or the DID). */
  name: string;
  /** The race configuration before tuning and per-message overrides. */
  race: RaceConfig;
  /** Apply the tuning derived from the camera's telemetry (order, stagger, adaptive timeouts) before every race. */
  adaptive: boolean;
  keepaliveSilenceMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  reconnectFactor: number;
  reconnectJitter: number;
  powerMode: PowerMode;
  /** Battery mode only: idle time after which the session is closed. */
  idleCloseMs: number;
  credentials: CameraCredentials;
}

/** What a caller may pass (loose: strings from the Node-RED editor are fine). */
export interface CameraSettingsInput extends RaceConfigInput {
  name?: unknown;
  adaptive?: unknown;
  keepaliveSilenceMs?: unknown;
  reconnectMinMs?: unknown;
  reconnectMaxMs?: unknown;
  reconnectFactor?: unknown;
  reconnectJitter?: unknown;
  powerMode?: unknown;
  idleCloseMs?: unknown;
  user?: unknown;
  password?: unknown;
}

/**
 * Validates a camera's settings; throws ConfigError naming the first bad field and its value
 * (never the password's value).
 */
export function validateCameraSettings(input: CameraSettingsInput): CameraSettings {
  if (input === null || typeof input !== 'object') throw new ConfigError('camera', input, 'must be an object');
  const race = validateRaceConfig(input);
  const reconnectMinMs = parseMs('reconnectMinMs', input.reconnectMinMs, CAMERA_DEFAULTS.reconnectMinMs, CAMERA_LIMITS.reconnectMs.min, CAMERA_LIMITS.reconnectMs.max);
  const reconnectMaxMs = parseMs('reconnectMaxMs', input.reconnectMaxMs, CAMERA_DEFAULTS.reconnectMaxMs, CAMERA_LIMITS.reconnectMs.min, CAMERA_LIMITS.reconnectMs.max);
  if (reconnectMaxMs < reconnectMinMs) throw new ConfigError('reconnectMaxMs', reconnectMaxMs, `must not be below reconnectMinMs (${reconnectMinMs})`);
  return {
    name: parseName(input.name, race),
    race,
    adaptive: parseFlag('adaptive', input.adaptive, CAMERA_DEFAULTS.adaptive),
    keepaliveSilenceMs: parseMs(
      'keepaliveSilenceMs',
      input.keepaliveSilenceMs,
      CAMERA_DEFAULTS.keepaliveSilenceMs,
      CAMERA_LIMITS.keepaliveSilenceMs.min,
      CAMERA_LIMITS.keepaliveSilenceMs.max,
    ),
    reconnectMinMs,
    reconnectMaxMs,
    reconnectFactor: parseNumber('reconnectFactor', input.reconnectFactor, CAMERA_DEFAULTS.reconnectFactor, CAMERA_LIMITS.reconnectFactor),
    reconnectJitter: parseNumber('reconnectJitter', input.reconnectJitter, CAMERA_DEFAULTS.reconnectJitter, CAMERA_LIMITS.reconnectJitter),
    powerMode: parsePowerMode(input.powerMode),
    idleCloseMs: parseMs('idleCloseMs', input.idleCloseMs, CAMERA_DEFAULTS.idleCloseMs, CAMERA_LIMITS.idleCloseMs.min, CAMERA_LIMITS.idleCloseMs.max),
    credentials: {
      user: parseSecret('user', input.user, CAMERA_DEFAULTS.user),
      password: parseSecret('password', input.password, CAMERA_DEFAULTS.password),
    },
  };
}

function parsePowerMode(value: unknown): PowerMode {
  if (value === undefined || value === null || value === '') return CAMERA_DEFAULTS.powerMode;
  if (typeof value === 'string' && (POWER_MODES as readonly string[]).includes(value)) return value as PowerMode;
  throw new ConfigError('powerMode', value, `must be one of ${POWER_MODES.join(', ')}`);
}

function parseName(value: unknown, race: RaceConfig): string {
  if (value === undefined || value === null || value === '') return formatDid(race.did);
  if (typeof value !== 'string') throw new ConfigError('name', value, 'must be text');
  return value.trim();
}

/** A finite number within bounds (numbers or numeric text from the editor; empty means the default). */
function parseNumber(field: string, value: unknown, fallback: number, bounds: { min: number; max: number }): number {
  if (value === undefined || value === null || value === '') return fallback;
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(number) || number < bounds.min || number > bounds.max) {
    throw new ConfigError(field, value, `must be a number from ${bounds.min} to ${bounds.max}`);
  }
  return number;
}

function parseFlag(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(field, value, 'must be true or false');
}

/** Credentials: text; empty means the default. The value never appears in an error. */
function parseSecret(field: string, value: unknown, fallback: string): string {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value !== 'string') throw new ConfigError(field, typeof value, 'must be text');
  return value;
}
