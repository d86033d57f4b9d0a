/** Shared vocabulary of the telemetry module (the engine imports `Mode` from here). */

/** How a connection reaches the camera: direct UDP, rendezvous + hole punching, or relay. */
export type Mode = 'lan' | 'p2p' | 'relay';

/** Every mode, in the default start order (used when there is no history). */
export const MODES: readonly Mode[] = ['lan', 'p2p', 'relay'];

/** What happened to one mode (or one LAN destination port) in one race. */
export type OutcomeResult = 'win' | 'fail' | 'cancelled';

/** One observation fed to {@link CameraTelemetry.record}. */
export interface Outcome {
  mode: Mode;
  /** LAN destination port the outcome belongs to (also kept per port when given). */
  destinationPort?: number;
  /**
   * `win`: connected, `elapsedMs` is a time-to-connect sample. `fail`: gave up or errored.
   * `cancelled`: stopped because another mode won; only says the mode was at least this slow.
   */
  result: OutcomeResult;
  /** Time from this mode's start to its end, in ms (excluding any stagger it waited). */
  elapsedMs: number;
  /** When it happened, in ms on the same clock as the `nowMs` given to tuning (e.g. Date.now()). */
  atMs: number;
}

/** Racer states as reported by the engine. */
export type RacerState = 'pending' | 'running' | 'success' | 'failed' | 'cancelled';

/** One racer of a finished race, shaped like the engine's RacerInfo (extra fields are ignored). */
export interface RacerSummary {
  mode: Mode;
  state: RacerState;
  /** Time from the race start to this racer's end; null when the racer never started. */
  elapsedMs: number | null;
  /** Destination port of the racer's winning (or latest) attempt. */
  destinationPort?: number | null;
}

/** A whole race, as fed to {@link recordRace}. */
export interface RaceSummary {
  /** When the race ended, same clock as {@link Outcome.atMs}. */
  atMs: number;
  racers: readonly RacerSummary[];
  /** The delay each mode waited before starting (the tuning's staggerMs); subtracted from elapsedMs. */
  staggerMs?: Partial<Record<Mode, number>>;
}
