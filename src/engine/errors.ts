import { TrailcamError } from '../errors';
import type { Mode, RacerState } from './types';

/** Why one racer failed. */
export type RacerFailure = 'timeout' | 'not-configured' | 'unknown-device' | 'device-offline' | 'server-refused' | 'no-relay' | 'socket-error' | 'aborted';

/** A racer's failure: which racer, in which mode, and why. */
export class RacerError extends TrailcamError {
  readonly racer: string;
  readonly mode: Mode;
  readonly reason: RacerFailure;

  constructor(racer: string, mode: Mode, reason: RacerFailure, detail: string, options?: { cause?: unknown }) {
    super(`ERR_TRAILCAM_RACER_${reason.toUpperCase().replace(/-/g, '_')}`, `${racer} (${mode}): ${detail}`, options);
    this.racer = racer;
    this.mode = mode;
    this.reason = reason;
  }
}

/** How the LAN racer reached the camera: the direct punch (pppp.md §6.1b) or the vendor app's search (§6.1). */
export type LanPath = 'direct' | 'search';

/** Summary of one racer in a race result or failure. */
export interface RacerInfo {
  name: string;
  mode: Mode;
  state: RacerState;
  /** Sockets opened (one per attempt). */
  attempts: number;
  /** Local port of the racer's latest (or winning) socket. */
  localPort: number | null;
  /** Destination port of the latest (or winning) attempt. */
  destinationPort: number | null;
  /** Time from race start to this racer's end (or to now while it runs). */
  elapsedMs: number | null;
  /** Why it failed or was cancelled. */
  error: string | null;
  /** Packets that could have won but were ignored (wrong DID or wrong source). */
  ignored: number;
  /** Datagrams this racer sent. */
  sent: number;
  /** True when the racer also succeeded, after another racer had won; its link was closed. */
  late?: boolean;
  /**
   * LAN only: distinct sources (host:port) on the camera's address that sent PUNCH_PKT or
   * P2P_RDY with our DID during the race. The real camera answers from one port; more than one
   * means another process on that address answered too (README, trust model).
   */
  sources?: number;
  /** LAN only, when it won: which probe reached the camera. */
  lanPath?: LanPath;
  /**
   * Attempts ended by their timeout after a server, relay or the camera had answered a step
   * (`Attempt.progress`); absent while none was. Issue 16's "load makes connects slower, never
   * makes them restart" is this being absent in every race.
   */
  expiredAfterProgress?: number;
}

/** Every racer failed (or the race timed out): carries every racer's reason, like AggregateError. */
export class RaceError extends TrailcamError {
  readonly errors: Error[];
  readonly racers: RacerInfo[];
  readonly elapsedMs: number;

  constructor(message: string, errors: Error[], racers: RacerInfo[], elapsedMs: number) {
    super('ERR_TRAILCAM_UNREACHABLE', message);
    this.errors = errors;
    this.racers = racers;
    this.elapsedMs = elapsedMs;
  }
}
