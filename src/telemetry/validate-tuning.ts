import { TelemetryFormatError } from './errors';
import { readArray, readModeList, readNumber, readObject, readPort, readVersion } from './fields';
import { TELEMETRY_LIMITS } from './options';
import { TUNING_VERSION, type Tuning } from './tuning';
import { MODES, type Mode } from './types';

const TUNING_KEYS = ['version', 'order', 'staggerMs', 'attemptTimeoutMs', 'skip', 'lanPortOrder'];

/**
 * Checks a tuning object from an untrusted source (e.g. `msg.tuning`, as an object or JSON
 * text) and returns a clean copy. Every field but `lanPortOrder` is required; `order` may list
 * fewer than all modes (the rest follow in lan, p2p, relay order). Throws TelemetryFormatError
 * naming the field (`tuning.staggerMs.p2p`, ...), UnsupportedVersionError for another version.
 */
export function validateTuning(input: unknown): Tuning {
  const value = typeof input === 'string' ? parseTuningText(input) : input;
  const r = readObject(value, 'tuning', TUNING_KEYS);
  readVersion(r, 'tuning', TUNING_VERSION);
  const listed = readModeList(r.order, 'tuning.order');
  const skip = readModeList(r.skip, 'tuning.skip');
  if (skip.length === MODES.length) throw new TelemetryFormatError('tuning.skip', r.skip, 'must leave at least one mode to race');
  const tuning: Tuning = {
    version: TUNING_VERSION,
    order: [...listed, ...MODES.filter((mode) => !listed.includes(mode))],
    staggerMs: readPerMode(r.staggerMs, 'tuning.staggerMs', 0, TELEMETRY_LIMITS.staggerMs),
    attemptTimeoutMs: readPerMode(r.attemptTimeoutMs, 'tuning.attemptTimeoutMs', 1, TELEMETRY_LIMITS.attemptTimeoutMs),
    skip,
  };
  if (r.lanPortOrder !== undefined) {
    const ports: number[] = [];
    readArray(r.lanPortOrder, 'tuning.lanPortOrder', TELEMETRY_LIMITS.lanPorts).forEach((entry, i) => {
      const port = readPort(entry, `tuning.lanPortOrder[${i}]`);
      if (ports.includes(port)) throw new TelemetryFormatError(`tuning.lanPortOrder[${i}]`, entry, 'listed twice');
      ports.push(port);
    });
    tuning.lanPortOrder = ports;
  }
  return tuning;
}

function readPerMode(value: unknown, field: string, min: number, max: number): Record<Mode, number> {
  const r = readObject(value, field, MODES);
  const read = (mode: Mode): number => readNumber(r[mode], `${field}.${mode}`, { min, max });
  return { lan: read('lan'), p2p: read('p2p'), relay: read('relay') };
}

function parseTuningText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new TelemetryFormatError('tuning', text, `not valid JSON (${(err as Error).message})`);
  }
}
