import { ConfigError } from '../errors';
import { SESSION_DEFAULTS, SESSION_LIMITS } from './constants';

/** Tuning of one session; every field is optional (defaults in SESSION_DEFAULTS). */
export interface SessionOptions {
  keepaliveIntervalMs?: number;
  silenceMs?: number;
  initialRtoMs?: number;
  minRtoMs?: number;
  maxRtoMs?: number;
  /** A packet's resend wait doubles per retransmission up to this factor of the RTO (1 = no back-off). */
  maxBackoffFactor?: number;
  /** A packet unacknowledged this long since its first transmission ends the session (`unacknowledged`). Default: silenceMs. */
  ackTimeoutMs?: number;
  /** Resend a packet at once when this many later ones were acknowledged (0 = off). */
  fastResendAfter?: number;
  window?: number;
  maxOutOfOrder?: number;
  maxAckIndices?: number;
  maxQueuedBytes?: number;
}

export type ResolvedSessionOptions = Required<SessionOptions>;

/** Fills in the defaults and checks every field; ConfigError names the field and the value. */
export function resolveSessionOptions(input: SessionOptions = {}): ResolvedSessionOptions {
  if (input === null || typeof input !== 'object') throw new ConfigError('session', input, 'must be an object');
  const L = SESSION_LIMITS;
  const int = (field: keyof SessionOptions, fallback: number, bounds: { min: number; max: number }): number => {
    const value = input[field] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < bounds.min || value > bounds.max) {
      throw new ConfigError(`session.${field}`, value, `must be an integer from ${bounds.min} to ${bounds.max}`);
    }
    return value;
  };
  const silenceMs = int('silenceMs', SESSION_DEFAULTS.silenceMs, L.silenceMs);
  const keepaliveIntervalMs = int('keepaliveIntervalMs', SESSION_DEFAULTS.keepaliveIntervalMs, L.intervalMs);
  if (keepaliveIntervalMs >= silenceMs) throw new ConfigError('session.keepaliveIntervalMs', keepaliveIntervalMs, `must be below silenceMs (${silenceMs})`);
  const minRtoMs = int('minRtoMs', SESSION_DEFAULTS.minRtoMs, L.rtoMs);
  const maxRtoMs = int('maxRtoMs', SESSION_DEFAULTS.maxRtoMs, L.rtoMs);
  if (maxRtoMs < minRtoMs) throw new ConfigError('session.maxRtoMs', maxRtoMs, `must not be below minRtoMs (${minRtoMs})`);
  const initialRtoMs = int('initialRtoMs', Math.min(Math.max(SESSION_DEFAULTS.initialRtoMs, minRtoMs), maxRtoMs), L.rtoMs);
  const maxBackoffFactor = int('maxBackoffFactor', SESSION_DEFAULTS.maxBackoffFactor, L.maxBackoffFactor);
  const window = int('window', SESSION_DEFAULTS.window, L.window);
  return {
    keepaliveIntervalMs,
    silenceMs,
    initialRtoMs,
    minRtoMs,
    maxRtoMs,
    maxBackoffFactor,
    ackTimeoutMs: int('ackTimeoutMs', silenceMs, L.silenceMs),
    window,
    fastResendAfter: int('fastResendAfter', SESSION_DEFAULTS.fastResendAfter, L.fastResendAfter),
    maxOutOfOrder: int('maxOutOfOrder', SESSION_DEFAULTS.maxOutOfOrder, L.maxOutOfOrder),
    maxAckIndices: int('maxAckIndices', SESSION_DEFAULTS.maxAckIndices, L.maxAckIndices),
    maxQueuedBytes: int('maxQueuedBytes', SESSION_DEFAULTS.maxQueuedBytes, L.maxQueuedBytes),
  };
}
