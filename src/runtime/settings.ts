import { ConfigError } from '../errors';
import { readRaceConfig, type RaceConfig, type RaceConfigInput } from '../engine';
import { formatDid } from '../protocol';
import {
  DEFAULT_RECONNECT_MIN_MS,
  FIELD_BOUNDS,
  POWER_MODES,
  readChoice,
  readFlag,
  readNotBelow,
  readNumber,
  readText,
  throwProblems,
  type FieldProblem,
} from '../validation';

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
  reconnectMinMs: DEFAULT_RECONNECT_MIN_MS,
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
  keepaliveSilenceMs: FIELD_BOUNDS.keepaliveSilenceMs,
  reconnectMs: FIELD_BOUNDS.reconnectMs,
  reconnectFactor: FIELD_BOUNDS.reconnectFactor,
  reconnectJitter: FIELD_BOUNDS.reconnectJitter,
  idleCloseMs: FIELD_BOUNDS.idleCloseMs,
} as const;

/** How the camera is powered, which decides how long its sessions live (see CAMERA_DEFAULTS.powerMode); the list lives with the field rules. */
export { POWER_MODES };
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
 * Validates a camera's settings; throws one ConfigError naming every bad field and its value in a
 * user's words (never the password's value). The rules and messages are the editor's
 * (src/validation/fields.ts).
 */
export function validateCameraSettings(input: CameraSettingsInput): CameraSettings {
  if (input === null || typeof input !== 'object') throw new ConfigError('camera', input, 'must be an object');
  const problems: FieldProblem[] = [];
  const race = readRaceConfig(problems, input);
  // In the order of the editor's dialog, so the message lists the fields as the user sees them.
  const keepaliveSilenceMs = readNumber(problems, 'keepaliveSilenceMs', input.keepaliveSilenceMs, FIELD_BOUNDS.keepaliveSilenceMs);
  const reconnectMinMs = readNumber(problems, 'reconnectMinMs', input.reconnectMinMs, FIELD_BOUNDS.reconnectMs);
  let reconnectMaxMs = readNumber(problems, 'reconnectMaxMs', input.reconnectMaxMs, FIELD_BOUNDS.reconnectMs);
  if (reconnectMaxMs !== undefined)
    reconnectMaxMs = readNotBelow(problems, 'reconnectMaxMs', reconnectMaxMs, 'reconnectMinMs', reconnectMinMs ?? CAMERA_DEFAULTS.reconnectMinMs);
  const settings = {
    name: readText(problems, 'name', input.name)?.trim(),
    adaptive: readFlag(problems, 'adaptive', input.adaptive) ?? CAMERA_DEFAULTS.adaptive,
    keepaliveSilenceMs: keepaliveSilenceMs ?? CAMERA_DEFAULTS.keepaliveSilenceMs,
    reconnectMinMs: reconnectMinMs ?? CAMERA_DEFAULTS.reconnectMinMs,
    reconnectMaxMs: reconnectMaxMs ?? CAMERA_DEFAULTS.reconnectMaxMs,
    reconnectFactor: readNumber(problems, 'reconnectFactor', input.reconnectFactor, FIELD_BOUNDS.reconnectFactor) ?? CAMERA_DEFAULTS.reconnectFactor,
    reconnectJitter: readNumber(problems, 'reconnectJitter', input.reconnectJitter, FIELD_BOUNDS.reconnectJitter) ?? CAMERA_DEFAULTS.reconnectJitter,
    powerMode: (readChoice(problems, 'powerMode', input.powerMode, POWER_MODES) ?? CAMERA_DEFAULTS.powerMode) as PowerMode,
    idleCloseMs: readNumber(problems, 'idleCloseMs', input.idleCloseMs, FIELD_BOUNDS.idleCloseMs) ?? CAMERA_DEFAULTS.idleCloseMs,
    credentials: {
      user: readText(problems, 'user', input.user, true) ?? CAMERA_DEFAULTS.user,
      password: readText(problems, 'password', input.password, true) ?? CAMERA_DEFAULTS.password,
    },
  };
  throwProblems(problems);
  const raceConfig = race as RaceConfig;
  return { ...settings, name: settings.name || formatDid(raceConfig.did), race: raceConfig };
}
