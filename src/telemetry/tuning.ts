import { breakerStatus, type BreakerStatus } from './breaker';
import type { CameraTelemetry } from './camera-telemetry';
import { readNumber } from './fields';
import { resolveTuningOptions, TELEMETRY_LIMITS, type TuningOptions } from './options';
import type { PathStatsView } from './path-stats';
import { nearestRankPercentile } from './percentile';
import { retransmissionTimeoutMs } from './rtt';
import { MODES, type Mode } from './types';

/** Version of the tuning object (checked by validateTuning). */
export const TUNING_VERSION = 1;

/** What the engine should do in its next race, derived from telemetry (or fed by a user via msg.tuning). */
export interface Tuning {
  version: typeof TUNING_VERSION;
  /** Every mode, best first: raced modes, then skipped ones, then modes not raced. */
  order: Mode[];
  /** Delay before each mode starts, in ms (the leader's is 0). */
  staggerMs: Record<Mode, number>;
  /** How long one attempt (one fresh socket) of each mode may last, in ms. */
  attemptTimeoutMs: Record<Mode, number>;
  /** Modes not to race this time (their circuit breaker is open). Never every raced mode. */
  skip: Mode[];
  /** LAN destination ports that have won, best first; try them before the other configured ports. */
  lanPortOrder?: number[];
}

/**
 * Derives the next race's tuning from a camera's telemetry at `nowMs` (same clock as the
 * recorded `atMs`). Steps, each switchable in `options`:
 *
 * 1. breaker: modes whose breaker is open (see breakerStatus) are skipped; if that would skip
 *    every raced mode, the one whose cool-down ends first is let through as a probe.
 * 2. order (option `stagger`): modes by expected cost = typical time / success rate, lowest first;
 *    typical time = the median of the mode's newest TYPICAL_SAMPLES samples (SRTT if it has an
 *    estimate but no samples), or defaultAttemptTimeoutMs without either; success rate = Laplace
 *    estimate over decayed wins/failures (1/2 without history). Ties keep lan, p2p, relay.
 *    The median, not SRTT: under loss a mode's times have a heavy tail (a lost request costs a
 *    whole retry interval), and one slow win raised SRTT enough to hand the lead to a mode that
 *    is slower in every race without loss (measured in the bench's NAT scenario with loss).
 * 3. stagger (Happy Eyeballs v2): the leader (first closed mode) starts at 0; the k-th closed follower
 *    at k·step, step = clamp(min(SRTT + 4·RTTVAR, 2 × typical time) of the leader, minStaggerMs,
 *    maxStaggerMs): when the leader would retry, but no later than twice its usual time, by which a
 *    leader that usually answers has most likely lost a datagram and waits for a retry (under
 *    loss SRTT + 4·RTTVAR grows to many times the usual time and held the followers back until the
 *    leader's slow retry won). A leader without samples gives step 0 (all at once).
 *    Half-open modes start at 0 so their probe gets a full chance, and so does (option `explore`)
 *    a follower that sat idle in exploreAfterIdleRaces races in a row: a healthy leader usually
 *    wins before its followers start, and this keeps a follower that came back from going unseen.
 * 4. backoff: a closed follower with a failure streak s waits another
 *    min(backoffBaseMs·2^(s-1), backoffMaxMs). The leader never waits.
 * 5. attempt timeout (option `adaptiveTimeout`): min(clamp(SRTT + 4·RTTVAR, min, max)·2^b, max),
 *    b = the mode's timeout backoff (failures or overdue cancellations since its last win): the
 *    floor applies before the doubling, as in RFC 6298 §2.4/§5.5. Without samples:
 *    defaultAttemptTimeoutMs·2^b, at most max(maxAttemptTimeoutMs, default).
 * 6. lanPortOrder: ports with at least one win, by the same expected cost.
 *
 * All delays and timeouts are whole milliseconds (rounded up).
 */
export function deriveTuning(telemetry: CameraTelemetry, nowMs: number, options: Partial<TuningOptions> = {}): Tuning {
  const opts = resolveTuningOptions(options);
  const now = readNumber(nowMs, 'nowMs');
  const raced = MODES.filter((mode) => opts.modes.includes(mode));
  const breakers = perMode((mode): BreakerStatus => (opts.breaker ? breakerStatus(telemetry.mode(mode), now, opts) : CLOSED));
  const skip = modesToSkip(raced, breakers);

  const cost = perMode((mode) => expectedCostMs(telemetry.mode(mode), now, opts));
  const ranked = opts.stagger ? [...MODES].sort((a, b) => cost[a] - cost[b] || MODES.indexOf(a) - MODES.indexOf(b)) : [...MODES];
  const active = ranked.filter((mode) => raced.includes(mode) && !skip.includes(mode));
  const order = [...active, ...ranked.filter((mode) => skip.includes(mode)), ...ranked.filter((mode) => !raced.includes(mode))];
  const closed = active.filter((mode) => breakers[mode].state === 'closed');

  const tuning: Tuning = {
    version: TUNING_VERSION,
    order,
    staggerMs: startDelays(telemetry, closed, opts),
    attemptTimeoutMs: perMode((mode) => attemptTimeoutMs(telemetry.mode(mode), opts)),
    skip: order.filter((mode) => skip.includes(mode)),
  };
  const ports = opts.lanPortOrder ? winningPortsBestFirst(telemetry, now, opts) : [];
  if (ports.length > 0) tuning.lanPortOrder = ports;
  return tuning;
}

/** Step 1: open breakers are skipped, but never every raced mode (the earliest to cool down is let through). */
function modesToSkip(raced: readonly Mode[], breakers: Readonly<Record<Mode, BreakerStatus>>): Mode[] {
  const open = raced.filter((mode) => breakers[mode].state === 'open');
  if (open.length === 0 || open.length < raced.length) return open;
  const halfOpenAt = (mode: Mode): number => breakers[mode].halfOpenAtMs ?? -Infinity;
  const probe = open.reduce((a, b) => (halfOpenAt(b) < halfOpenAt(a) ? b : a));
  return open.filter((mode) => mode !== probe);
}

/** Steps 3 and 4: the closed modes, best first, get k·step (+ backoff); every other mode starts at 0. */
function startDelays(telemetry: CameraTelemetry, closed: readonly Mode[], opts: TuningOptions): Record<Mode, number> {
  const staggerMs = perMode(() => 0);
  const [leader, ...followers] = closed;
  const leaderStats = leader === undefined ? null : telemetry.mode(leader);
  const leaderRtt = leaderStats?.rtt ?? null;
  const step =
    opts.stagger && leaderStats !== null && leaderRtt !== null
      ? clamp(Math.min(retransmissionTimeoutMs(leaderRtt), 2 * (typicalMs(leaderStats) ?? Infinity)), opts.minStaggerMs, opts.maxStaggerMs)
      : 0;
  followers.forEach((mode, k) => {
    const stats = telemetry.mode(mode);
    const exploring = opts.explore && stats.idleRaces >= opts.exploreAfterIdleRaces;
    const streak = stats.consecutiveFailures;
    const backoff = opts.backoff && streak > 0 ? Math.min(opts.backoffBaseMs * 2 ** Math.min(streak - 1, 30), opts.backoffMaxMs) : 0;
    staggerMs[mode] = Math.min(Math.ceil((exploring ? 0 : (k + 1) * step) + backoff), TELEMETRY_LIMITS.staggerMs);
  });
  return staggerMs;
}

/** Step 6: LAN ports with at least one win, lowest expected cost first (ties: lower port). */
function winningPortsBestFirst(telemetry: CameraTelemetry, nowMs: number, opts: TuningOptions): number[] {
  const won = telemetry.lanPorts().flatMap((port) => {
    const stats = telemetry.lanPort(port);
    return stats !== undefined && stats.wins > 0 ? [{ port, cost: expectedCostMs(stats, nowMs, opts) }] : [];
  });
  won.sort((a, b) => a.cost - b.cost || a.port - b.port);
  return won.map((entry) => entry.port);
}

/** How many of a path's newest samples its typical time is the median of (see deriveTuning, step 2). */
export const TYPICAL_SAMPLES = 16;

/**
 * A path's typical time to connect: the nearest-rank median of its newest TYPICAL_SAMPLES
 * samples, SRTT when it has an estimate but no samples, null without either.
 */
export function typicalMs(stats: PathStatsView): number | null {
  const samples = stats.samplesMs;
  if (samples.length === 0) return stats.rtt?.srttMs ?? null;
  return nearestRankPercentile(samples.slice(-TYPICAL_SAMPLES), 50);
}

/** Typical time to connect divided by the success rate: lower is better (see deriveTuning). */
export function expectedCostMs(stats: PathStatsView, nowMs: number, options: Pick<TuningOptions, 'defaultAttemptTimeoutMs'>): number {
  const expectedMs = typicalMs(stats) ?? options.defaultAttemptTimeoutMs;
  return expectedMs / stats.successRate(nowMs);
}

/** One mode's attempt timeout (step 5 of deriveTuning). */
export function attemptTimeoutMs(
  stats: PathStatsView,
  options: Pick<TuningOptions, 'adaptiveTimeout' | 'defaultAttemptTimeoutMs' | 'minAttemptTimeoutMs' | 'maxAttemptTimeoutMs'>,
): number {
  if (!options.adaptiveTimeout) return options.defaultAttemptTimeoutMs;
  const backoff = 2 ** stats.rtoBackoff;
  const rtt = stats.rtt;
  if (rtt === null) {
    return Math.min(Math.ceil(options.defaultAttemptTimeoutMs * backoff), Math.max(options.maxAttemptTimeoutMs, options.defaultAttemptTimeoutMs));
  }
  const baseMs = clamp(retransmissionTimeoutMs(rtt), options.minAttemptTimeoutMs, options.maxAttemptTimeoutMs);
  return Math.min(baseMs * backoff, options.maxAttemptTimeoutMs);
}

const CLOSED: BreakerStatus = { state: 'closed', halfOpenAtMs: null };

function perMode<T>(of: (mode: Mode) => T): Record<Mode, T> {
  return { lan: of('lan'), p2p: of('p2p'), relay: of('relay') };
}

/** Rounds up to whole ms, then clamps. */
function clamp(valueMs: number, min: number, max: number): number {
  return Math.min(Math.max(Math.ceil(valueMs), min), max);
}
