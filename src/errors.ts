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

/** One bad field of a ConfigError: where, the value as given, and what is wrong in a user's words. */
export interface ConfigProblem {
  field: string;
  value: unknown;
  /** A sentence naming the field and the value, e.g. `port 70000 is not 1–65535` (the editor shows the same). */
  message: string;
}

/**
 * Bad input from a user: config, CLI flag or msg override. Names the field and the value:
 * `invalid <field> <value>: <reason>`, or, from the validators that check every field at once
 * (validateRaceConfig, validateCameraSettings), one `invalid <field>: <problem>` per bad field,
 * joined by `; ` (e.g. `invalid ports[0]: port 70000 is not 1–65535; invalid host: host 999.1.1.1
 * is not an IPv4 address such as 192.168.43.1`). `problems` lists them all; `field` and `value`
 * are those of the first.
 */
export class ConfigError extends TrailcamError {
  readonly field: string;
  readonly value: unknown;
  readonly problems: readonly ConfigProblem[];

  constructor(field: string, value: unknown, reason: string, problems?: readonly ConfigProblem[]) {
    const listed = problems !== undefined && problems.length > 0;
    super(
      'ERR_TRAILCAM_CONFIG',
      listed ? problems.map((p) => `invalid ${p.field}: ${p.message}`).join('; ') : `invalid ${field} ${describeValue(value)}: ${reason}`,
    );
    this.field = field;
    this.value = value;
    this.problems = listed ? problems : [{ field, value, message: this.message }];
  }

  /** One error for every problem found (at least one). */
  static of(problems: readonly ConfigProblem[]): ConfigError {
    if (problems.length === 0) throw new RangeError('ConfigError.of needs at least one problem');
    return new ConfigError(problems[0].field, problems[0].value, problems[0].message, problems);
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
