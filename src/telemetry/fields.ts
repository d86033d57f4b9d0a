import { TelemetryFormatError, UnsupportedVersionError } from './errors';
import { MODES, type Mode } from './types';

/**
 * Small readers for untrusted data (JSON from a context store, a `msg`, node config). Each one
 * throws TelemetryFormatError naming the field path when the value is not what it must be.
 */

export function readObject(value: unknown, field: string, allowedKeys: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TelemetryFormatError(field, value, 'must be an object');
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowedKeys.includes(key)) {
      throw new TelemetryFormatError(`${field}.${key}`, record[key], `unknown field (expected ${allowedKeys.join(', ')})`);
    }
  }
  return record;
}

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function readNumber(value: unknown, field: string, rule: NumberRule = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TelemetryFormatError(field, value, 'must be a finite number');
  if (rule.integer && !Number.isInteger(value)) throw new TelemetryFormatError(field, value, 'must be an integer');
  if (rule.min !== undefined && value < rule.min) throw new TelemetryFormatError(field, value, `must be at least ${rule.min}`);
  if (rule.max !== undefined && value > rule.max) throw new TelemetryFormatError(field, value, `must be at most ${rule.max}`);
  return value === 0 ? 0 : value; // -0 would not survive a JSON round trip
}

export function readNullableNumber(value: unknown, field: string, rule: NumberRule = {}): number | null {
  return value === null ? null : readNumber(value, field, rule);
}

export function readBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new TelemetryFormatError(field, value, 'must be true or false');
  return value;
}

export function readArray(value: unknown, field: string, maxLength: number): unknown[] {
  if (!Array.isArray(value)) throw new TelemetryFormatError(field, value, 'must be an array');
  if (value.length > maxLength) throw new TelemetryFormatError(field, `(${value.length} entries)`, `at most ${maxLength} entries`);
  return value;
}

export function readMode(value: unknown, field: string): Mode {
  if (!MODES.includes(value as Mode)) throw new TelemetryFormatError(field, value, 'must be lan, p2p or relay');
  return value as Mode;
}

/** A list of distinct modes. */
export function readModeList(value: unknown, field: string): Mode[] {
  const list = readArray(value, field, MODES.length);
  const modes: Mode[] = [];
  list.forEach((entry, i) => {
    const mode = readMode(entry, `${field}[${i}]`);
    if (modes.includes(mode)) throw new TelemetryFormatError(`${field}[${i}]`, entry, 'listed twice');
    modes.push(mode);
  });
  return modes;
}

export function readPort(value: unknown, field: string): number {
  return readNumber(value, field, { min: 1, max: 65535, integer: true });
}

/** `version` must be present and equal to `supported`; a newer one is reported as such. */
export function readVersion(record: Record<string, unknown>, field: string, supported: number): void {
  const version = readNumber(record.version, `${field}.version`, { integer: true, min: 1 });
  if (version !== supported) throw new UnsupportedVersionError(`${field}.version`, version, supported);
}
