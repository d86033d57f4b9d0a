import { ConfigError } from '../errors';
import { readRaceConfig, type RaceConfig, type RaceConfigInput } from '../engine';
import { throwProblems, type FieldProblem } from '../validation';

/** Race fields a message (`msg.camera`) may override for one race. */
export const OVERRIDABLE_FIELDS = ['host', 'ports', 'modes', 'servers', 'relays', 'maxConnectionTimeMs', 'attemptTimeoutMs', 'startupDelayMs'] as const;

export type OverridableField = (typeof OVERRIDABLE_FIELDS)[number];

/** Per-race overrides, as they come from a message. */
export type RaceOverrides = Partial<Record<OverridableField, unknown>>;

/**
 * Checks `overrides` (from `msg.camera`) and returns the race config for one race: the base
 * config with the overridden fields replaced. Throws ConfigError whose field is prefixed with
 * `camera.` (e.g. `camera.maxConnectionTimeMs`), for unknown keys too, before any socket opens.
 * `base` is usually already tuned: an overridden field (e.g. attemptTimeoutMs, modes) replaces
 * the tuned value for every mode.
 */
export function applyOverrides(base: RaceConfig, overrides: unknown): RaceConfig {
  if (overrides === undefined || overrides === null) return base;
  if (typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new ConfigError('camera', overrides, 'must be an object of config fields to override for one race');
  }
  const record = overrides as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(OVERRIDABLE_FIELDS as readonly string[]).includes(key)) {
      throw new ConfigError(`camera.${key}`, record[key], `cannot be overridden per message (allowed: ${OVERRIDABLE_FIELDS.join(', ')})`);
    }
  }
  const input: RaceConfigInput = { ...base };
  for (const key of OVERRIDABLE_FIELDS) {
    if (record[key] !== undefined) input[key] = record[key];
  }
  const problems: FieldProblem[] = [];
  const config = readRaceConfig(problems, input);
  throwProblems(problems, 'camera');
  return config as RaceConfig;
}
