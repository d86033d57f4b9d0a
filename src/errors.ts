/**
 * Typed errors shared by every layer. Each carries a stable `code` (for flows and tests to
 * branch on) and says what failed and where; none of them ever carries secrets.
 */
export class TrailcamError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad input from a user: config, CLI flag or msg override. Names the field and the value. */
export class ConfigError extends TrailcamError {
  readonly field: string;
  readonly value: unknown;

  constructor(field: string, value: unknown, reason: string) {
    super('ERR_TRAILCAM_CONFIG', `invalid ${field} ${describeValue(value)}: ${reason}`);
    this.field = field;
    this.value = value;
  }
}

/** An operation was aborted through its AbortSignal (or by close/stop). */
export class AbortError extends TrailcamError {
  constructor(message = 'the operation was aborted', options?: { cause?: unknown }) {
    super('ABORT_ERR', message, options);
  }
}

/** Short, log-safe rendering of a user-supplied value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value === undefined) return '(missing)';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Throws the signal's reason as an AbortError if it is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw toAbortError(signal.reason, what);
}

export function toAbortError(reason: unknown, what: string): AbortError {
  if (reason instanceof AbortError) return reason;
  const detail = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
  return new AbortError(`${what} aborted${detail ? `: ${detail}` : ''}`, { cause: reason });
}
