import { ArtemisCommandError, ArtemisResponseError, ArtemisStateError } from '../artemis';
import { AbortError, ConfigError } from '../errors';
import { RaceError } from '../engine';
import { RuntimeClosedError } from './errors';

/**
 * Consecutive failed commands after which a camera whose session is up is reported
 * `unresponsive` instead of `online` (its keepalives are answered, its commands are not).
 */
export const UNRESPONSIVE_AFTER_FAILURES = 3;

/** What one command's outcome says about the camera's command channel. */
export type CommandOutcome = 'answered' | 'failed' | 'neutral';

/**
 * Classifies a command's error: `answered` when the camera sent a decodable answer (it refused
 * the command, or the answer had another shape: the channel works), `neutral` when the command
 * never reached the camera or the caller stopped it (abort, bad input, wrong state, no session,
 * runtime closed), `failed` otherwise (no answer in time, an undecodable answer, the client
 * closed under it, the send failed).
 */
export function commandOutcome(err: unknown): CommandOutcome {
  if (err instanceof ArtemisCommandError || err instanceof ArtemisResponseError) return 'answered';
  if (
    err instanceof AbortError ||
    err instanceof ConfigError ||
    err instanceof ArtemisStateError ||
    err instanceof RaceError ||
    err instanceof RuntimeClosedError
  ) {
    return 'neutral';
  }
  return 'failed';
}

/** The command channel's health, as the runtime's `commands` event reports it. */
export interface CommandHealth {
  /** Commands in a row that got no usable answer on the current session (0 after an answer or a new session). */
  consecutiveFailures: number;
  /** The last failure's message, null while consecutiveFailures is 0. */
  lastError: string | null;
}
