import { TelemetryFormatError } from './errors';
import { readBoolean, readModeList, readNumber, readObject } from './fields';
import { MODES, type Mode } from './types';

/** How much history a CameraTelemetry keeps. */
export interface TelemetryOptions {
  /** Time-to-connect samples kept per mode/port for p50/p95 (the last N). */
  windowSize: number;
  /**
   * Half-life of the win/failure weights that rank modes: an outcome counts half as much
   * after this long, so the ranking follows a changing network. `Infinity` turns decay off.
   */
  halfLifeMs: number;
  /** LAN destination ports tracked at most (the least recently active one is dropped). */
  maxLanPorts: number;
}

export const TELEMETRY_DEFAULTS: Readonly<TelemetryOptions> = {
  windowSize: 64,
  halfLifeMs: 30 * 60_000,
  maxLanPorts: 64,
};

/** Hard bounds on stored data and options (they also bound what fromJSON accepts). */
export const TELEMETRY_LIMITS = {
  windowSize: 1024,
  lanPorts: 64,
  /** Bounds of the engine's config (src/engine/defaults.ts ENGINE_LIMITS), kept in step by hand. */
  staggerMs: 60_000,
  attemptTimeoutMs: 5 * 60_000,
} as const;

/** Policy of {@link deriveTuning}. Every adaptive behaviour can be switched off. */
export interface TuningOptions {
  /** Modes the engine will race (others are ordered last and never lead). */
  modes: readonly Mode[];
  /** Per-mode attempt timeout from SRTT + 4·RTTVAR; off: `defaultAttemptTimeoutMs` everywhere. */
  adaptiveTimeout: boolean;
  /** Attempt timeout of a mode without samples (pass the engine's configured value). */
  defaultAttemptTimeoutMs: number;
  /** Floor of an adaptive attempt timeout. */
  minAttemptTimeoutMs: number;
  /** Cap of an adaptive attempt timeout (the seed's fixed 5 s). */
  maxAttemptTimeoutMs: number;
  /** Delay a failing mode's start by backoffBaseMs·2^(streak-1), at most backoffMaxMs. */
  backoff: boolean;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Order modes by expected time and stagger the followers (Happy Eyeballs); off: lan, p2p, relay at once. */
  stagger: boolean;
  minStaggerMs: number;
  maxStaggerMs: number;
  /**
   * A staggered follower that sat idle (never started) in this many consecutive races starts
   * with the leader in the next one, so a mode that came back (or got faster) is found again.
   */
  explore: boolean;
  exploreAfterIdleRaces: number;
  /** Skip a mode after `breakerThreshold` consecutive failures until its cool-down has passed. */
  breaker: boolean;
  breakerThreshold: number;
  /** First cool-down; it doubles with every failed half-open probe, up to breakerMaxCooldownMs. */
  breakerCooldownMs: number;
  breakerMaxCooldownMs: number;
  /** Report LAN destination ports that have won, best first. */
  lanPortOrder: boolean;
}

export const TUNING_DEFAULTS: Readonly<TuningOptions> = {
  modes: MODES,
  adaptiveTimeout: true,
  defaultAttemptTimeoutMs: 1_500,
  minAttemptTimeoutMs: 200,
  maxAttemptTimeoutMs: 5_000,
  backoff: true,
  backoffBaseMs: 250,
  backoffMaxMs: 4_000,
  stagger: true,
  minStaggerMs: 10,
  maxStaggerMs: 2_000,
  explore: true,
  exploreAfterIdleRaces: 3,
  breaker: true,
  breakerThreshold: 5,
  breakerCooldownMs: 30_000,
  breakerMaxCooldownMs: 10 * 60_000,
  lanPortOrder: true,
};

const DAY_MS = 24 * 3_600_000;

/** Fills defaults and checks every given field (TelemetryFormatError names `options.<field>`). */
export function resolveTelemetryOptions(input: Partial<TelemetryOptions> = {}): TelemetryOptions {
  const record = readObject(input, 'options', Object.keys(TELEMETRY_DEFAULTS));
  const pick = <K extends keyof TelemetryOptions>(key: K): unknown => (record[key] === undefined ? TELEMETRY_DEFAULTS[key] : record[key]);
  const halfLifeMs = pick('halfLifeMs');
  return {
    windowSize: readNumber(pick('windowSize'), 'options.windowSize', { integer: true, min: 1, max: TELEMETRY_LIMITS.windowSize }),
    halfLifeMs: halfLifeMs === Infinity ? Infinity : readNumber(halfLifeMs, 'options.halfLifeMs', { min: 1 }),
    maxLanPorts: readNumber(pick('maxLanPorts'), 'options.maxLanPorts', { integer: true, min: 1, max: TELEMETRY_LIMITS.lanPorts }),
  };
}

/** Fills defaults and checks every given field (TelemetryFormatError names `options.<field>`). */
export function resolveTuningOptions(input: Partial<TuningOptions> = {}): TuningOptions {
  const record = readObject(input, 'options', Object.keys(TUNING_DEFAULTS));
  const pick = <K extends keyof TuningOptions>(key: K): unknown => (record[key] === undefined ? TUNING_DEFAULTS[key] : record[key]);
  const flag = (key: keyof TuningOptions): boolean => readBoolean(pick(key), `options.${key}`);
  const ms = (key: keyof TuningOptions, min: number, max: number): number => readNumber(pick(key), `options.${key}`, { min, max });
  const options: TuningOptions = {
    modes: readModeList(pick('modes'), 'options.modes'),
    adaptiveTimeout: flag('adaptiveTimeout'),
    defaultAttemptTimeoutMs: ms('defaultAttemptTimeoutMs', 1, TELEMETRY_LIMITS.attemptTimeoutMs),
    minAttemptTimeoutMs: ms('minAttemptTimeoutMs', 1, TELEMETRY_LIMITS.attemptTimeoutMs),
    maxAttemptTimeoutMs: ms('maxAttemptTimeoutMs', 1, TELEMETRY_LIMITS.attemptTimeoutMs),
    backoff: flag('backoff'),
    backoffBaseMs: ms('backoffBaseMs', 0, TELEMETRY_LIMITS.staggerMs),
    backoffMaxMs: ms('backoffMaxMs', 0, TELEMETRY_LIMITS.staggerMs),
    stagger: flag('stagger'),
    minStaggerMs: ms('minStaggerMs', 0, TELEMETRY_LIMITS.staggerMs),
    maxStaggerMs: ms('maxStaggerMs', 0, TELEMETRY_LIMITS.staggerMs),
    explore: flag('explore'),
    exploreAfterIdleRaces: readNumber(pick('exploreAfterIdleRaces'), 'options.exploreAfterIdleRaces', { integer: true, min: 1, max: 1000 }),
    breaker: flag('breaker'),
    breakerThreshold: readNumber(pick('breakerThreshold'), 'options.breakerThreshold', { integer: true, min: 1, max: 1000 }),
    breakerCooldownMs: ms('breakerCooldownMs', 0, DAY_MS),
    breakerMaxCooldownMs: ms('breakerMaxCooldownMs', 0, DAY_MS),
    lanPortOrder: flag('lanPortOrder'),
  };
  requireOrdered(options, 'minAttemptTimeoutMs', 'maxAttemptTimeoutMs');
  requireOrdered(options, 'backoffBaseMs', 'backoffMaxMs');
  requireOrdered(options, 'minStaggerMs', 'maxStaggerMs');
  requireOrdered(options, 'breakerCooldownMs', 'breakerMaxCooldownMs');
  return options;
}

type NumericTuningKey = { [K in keyof TuningOptions]: TuningOptions[K] extends number ? K : never }[keyof TuningOptions];

function requireOrdered(options: TuningOptions, low: NumericTuningKey, high: NumericTuningKey): void {
  if (options[low] > options[high]) {
    throw new TelemetryFormatError(`options.${high}`, options[high], `must not be below ${low} (${options[low]})`);
  }
}
