import type { Mode, RaceResult, RacerInfo } from '../engine';
import type { RaceTuningReport } from './tuning';

/**
 * The outcome of `CameraRuntime.connect()`: a JSON-safe copy of the race result (without the
 * link, which the runtime keeps), for msg.payload.
 */
export interface ConnectResult extends Omit<RaceResult, 'link'> {
  /** The camera's name (config node name or DID). */
  camera: string;
  /**
   * True when this call started no race: a live session was already up (its original race
   * result is reported) or the call joined a race another caller had started.
   */
  reused: boolean;
  /** Timeouts, order and ports the race used, and where they came from. */
  tuning: RaceTuningReport;
  /** When the session was established (ms since the epoch). */
  since: number;
}

/** Connection state of a camera runtime, for node statuses. */
export type RuntimeState =
  | { phase: 'idle'; reason: string | null }
  | { phase: 'racing'; since: number }
  | { phase: 'connected'; mode: Mode; elapsedMs: number; since: number }
  | { phase: 'failed'; reason: string; since: number }
  | { phase: 'closed' };

/**
 * Camera availability as the monitor (or a check) sees it: `unresponsive` while a session is up
 * but the last UNRESPONSIVE_AFTER_FAILURES or more commands got no usable answer. `asleep`
 * (battery power mode only): no session because this package closed it on purpose (idle time,
 * or a close asked for), or a battery camera nobody has needed yet; `offline` then means asked
 * for and unreachable, or a session lost without a CLOSE.
 */
export type AvailabilityState = 'online' | 'unresponsive' | 'asleep' | 'offline' | 'connecting' | 'unknown';

export interface Availability {
  state: AvailabilityState;
  /** Winning mode while online. */
  mode: Mode | null;
  /** When this state began (ms since the epoch). */
  since: number;
  /** Why the camera is offline / why the last session ended, or the last command failure while unresponsive; null when online. */
  reason: string | null;
  /**
   * Commands in a row that got no usable answer on the current session (timeout, undecodable
   * answer); 0 after an answer or a new session. From UNRESPONSIVE_AFTER_FAILURES on, a camera
   * whose session is up is `unresponsive`, not `online`.
   */
  commandFailures: number;
  /**
   * When the camera was last seen (ms since the epoch): a session opened, a command answered, or
   * a session closed on purpose; null before any contact. A lost session keeps the earlier value.
   */
  lastSeen: number | null;
}

/** A finished race as recorded in the telemetry (emitted as the runtime's `race` event). */
export interface RaceRecord {
  ok: boolean;
  mode: Mode | null;
  elapsedMs: number;
  racers: RacerInfo[];
  atMs: number;
  error: string | null;
}
