import type { Attempt } from '../attempt';
import type { FollowerHold } from '../busy';
import type { RaceConfig } from '../config';
import type { RacerInfo } from '../errors';
import type { Link } from '../link';
import type { Mode } from '../types';
import type { LeaderPunch } from './leader-punch';

/** What a racer gets from the race: config, its cancellation signal and its live info. */
export interface RacerContext {
  readonly config: RaceConfig;
  /** Aborted when another racer wins, the race deadline passes, or the caller aborts. */
  readonly signal: AbortSignal;
  /** Live info of this racer (attempts, ports, ignored packets); the racer updates it. */
  readonly info: RacerInfo;
  /** Set in a busy race (busy.ts): the LAN racer holds its search probes on it, as the race holds P2P and relay. */
  readonly hold?: FollowerHold;
  /** A busy race that started with the first port's direct punch alone (leader-punch.ts): the LAN racer adopts it as that probe's first attempt. */
  readonly leader?: LeaderPunch;
  /** Opens a fresh attempt socket (port 0) and records it in `info`. */
  openAttempt(destinationPort: number | null, signal: AbortSignal): Promise<Attempt>;
}

/**
 * The one racer shape: a named strategy for one mode that resolves with a Link or rejects
 * (RacerError, or an AbortError when cancelled). Racers own nothing beyond their attempts.
 */
export interface Racer {
  readonly name: string;
  readonly mode: Mode;
  connect(context: RacerContext): Promise<Link>;
}
