import { readArray, readNullableNumber, readNumber, readObject } from './fields';
import { TelemetryFormatError } from './errors';
import { nearestRankPercentile } from './percentile';
import { retransmissionTimeoutMs, updateRtt, type RttEstimate } from './rtt';
import { TELEMETRY_LIMITS } from './options';
import type { OutcomeResult } from './types';

/** Highest exponent of the timeout backoff kept (2^10 is far beyond any cap). */
export const MAX_RTO_BACKOFF = 10;

/** Plain, JSON-safe form of one path's statistics (a mode, or one LAN destination port). */
export interface PathStatsJSON {
  wins: number;
  failures: number;
  cancellations: number;
  /** Exponentially decayed win/failure weights, valid at `atMs` (null before the first one). */
  decayed: { wins: number; failures: number; atMs: number | null };
  /** The last `windowSize` time-to-connect samples, oldest first. */
  samplesMs: number[];
  srttMs: number | null;
  rttvarMs: number | null;
  consecutiveFailures: number;
  /** Doublings of the attempt timeout since the last win (RFC 6298 §5.5). */
  rtoBackoff: number;
  lastSuccessAtMs: number | null;
  lastFailureAtMs: number | null;
  /** Consecutive races in which the mode was raced but never started (its stagger outlasted the race). */
  idleRaces: number;
}

/** Read-only view of one path's statistics, as the tuning and the nodes see it. */
export interface PathStatsView {
  readonly wins: number;
  readonly failures: number;
  readonly cancellations: number;
  readonly samplesMs: readonly number[];
  /** SRTT/RTTVAR of the time-to-connect, null before the first win. */
  readonly rtt: RttEstimate | null;
  readonly consecutiveFailures: number;
  readonly rtoBackoff: number;
  readonly lastSuccessAtMs: number | null;
  readonly lastFailureAtMs: number | null;
  readonly idleRaces: number;
  /** Last moment anything but a cancellation was recorded (null if never). */
  readonly lastActivityAtMs: number | null;
  /** Nearest-rank percentile of the sample window (null without samples). */
  percentileMs(p: number): number | null;
  /** Decayed win and failure weights as of `nowMs`. */
  decayedWeights(nowMs: number): { wins: number; failures: number };
  /** (wins + 1) / (wins + failures + 2) over the decayed weights: 1/2 without history (Laplace). */
  successRate(nowMs: number): number;
}

/** Statistics of one path. Mutated only through {@link record}. */
export class PathStats implements PathStatsView {
  private json: PathStatsJSON;

  constructor(
    private readonly windowSize: number,
    private readonly halfLifeMs: number,
    initial: PathStatsJSON = emptyPathStats(),
  ) {
    this.json = { ...initial, decayed: { ...initial.decayed }, samplesMs: initial.samplesMs.slice(-windowSize) };
  }

  get wins(): number {
    return this.json.wins;
  }
  get failures(): number {
    return this.json.failures;
  }
  get cancellations(): number {
    return this.json.cancellations;
  }
  get samplesMs(): readonly number[] {
    return this.json.samplesMs;
  }
  get consecutiveFailures(): number {
    return this.json.consecutiveFailures;
  }
  get rtoBackoff(): number {
    return this.json.rtoBackoff;
  }
  get lastSuccessAtMs(): number | null {
    return this.json.lastSuccessAtMs;
  }
  get lastFailureAtMs(): number | null {
    return this.json.lastFailureAtMs;
  }
  get idleRaces(): number {
    return this.json.idleRaces;
  }

  get rtt(): RttEstimate | null {
    const { srttMs, rttvarMs } = this.json;
    return srttMs === null || rttvarMs === null ? null : { srttMs, rttvarMs };
  }

  get lastActivityAtMs(): number | null {
    return latest(this.json.lastSuccessAtMs, this.json.lastFailureAtMs);
  }

  /**
   * Adds one outcome. A win is a time-to-connect sample (window, SRTT/RTTVAR) and clears the
   * failure streak and timeout backoff. A failure extends the streak and doubles the timeout.
   * A cancellation is no sample, but it says the mode was at least that slow: past its
   * SRTT + 4·RTTVAR the ranking counts it as a loss (decayed failure weight; the failure
   * streak and breaker are not touched), and past its backed-off timeout estimate the timeout
   * doubles, so a too-short timeout cannot lock a slower-than-before mode out.
   */
  record(result: OutcomeResult, elapsedMs: number, atMs: number): void {
    const s = this.json;
    s.idleRaces = 0;
    switch (result) {
      case 'win': {
        s.wins += 1;
        this.addDecayed('wins', atMs);
        s.samplesMs.push(elapsedMs);
        if (s.samplesMs.length > this.windowSize) s.samplesMs.splice(0, s.samplesMs.length - this.windowSize);
        const rtt = updateRtt(this.rtt, elapsedMs);
        s.srttMs = rtt.srttMs;
        s.rttvarMs = rtt.rttvarMs;
        s.consecutiveFailures = 0;
        s.rtoBackoff = 0;
        s.lastSuccessAtMs = this.newest(s.lastSuccessAtMs, atMs);
        break;
      }
      case 'fail':
        s.failures += 1;
        this.addDecayed('failures', atMs);
        s.consecutiveFailures += 1;
        s.rtoBackoff = Math.min(s.rtoBackoff + 1, MAX_RTO_BACKOFF);
        s.lastFailureAtMs = this.newest(s.lastFailureAtMs, atMs);
        break;
      case 'cancelled': {
        s.cancellations += 1;
        const rtt = this.rtt;
        if (rtt === null) break;
        const rtoMs = retransmissionTimeoutMs(rtt);
        if (elapsedMs > rtoMs) this.addDecayed('failures', atMs);
        if (elapsedMs > rtoMs * 2 ** s.rtoBackoff) s.rtoBackoff = Math.min(s.rtoBackoff + 1, MAX_RTO_BACKOFF);
        break;
      }
    }
  }

  /** The mode was raced but the race ended before its stagger did. */
  recordIdle(): void {
    this.json.idleRaces += 1;
  }

  percentileMs(p: number): number | null {
    return nearestRankPercentile(this.json.samplesMs, p);
  }

  decayedWeights(nowMs: number): { wins: number; failures: number } {
    const { wins, failures, atMs } = this.json.decayed;
    const factor = atMs === null ? 1 : decayFactor(atMs, nowMs, this.halfLifeMs);
    return { wins: wins * factor, failures: failures * factor };
  }

  successRate(nowMs: number): number {
    const { wins, failures } = this.decayedWeights(nowMs);
    return (wins + 1) / (wins + failures + 2);
  }

  toJSON(): PathStatsJSON {
    return { ...this.json, decayed: { ...this.json.decayed }, samplesMs: [...this.json.samplesMs] };
  }

  /**
   * The later of two times, unless `atMs` is far older than `last` (more than a half-life): then
   * the clock was set back, and the new outcome's time is the real one.
   */
  private newest(last: number | null, atMs: number): number | null {
    return last !== null && last - atMs > this.halfLifeMs ? atMs : latest(last, atMs);
  }

  /** Adds weight 1 at `atMs` to one decayed counter (an older outcome adds its decayed share). */
  private addDecayed(key: 'wins' | 'failures', atMs: number): void {
    const d = this.json.decayed;
    if (d.atMs === null || atMs >= d.atMs) {
      const factor = d.atMs === null ? 1 : decayFactor(d.atMs, atMs, this.halfLifeMs);
      d.wins *= factor;
      d.failures *= factor;
      d.atMs = atMs;
      d[key] += 1;
    } else if (d.atMs - atMs > this.halfLifeMs) {
      // Far older than the newest outcome: the clock was set back (or stored times came from a
      // clock ahead). Decaying it against that "future" would weigh every new outcome ~0 until the
      // clock catches up: it counts in full instead, and the decay starts again from now.
      d.atMs = atMs;
      d[key] += 1;
    } else {
      d[key] += decayFactor(atMs, d.atMs, this.halfLifeMs);
    }
  }
}

/** 2^-((toMs - fromMs) / halfLifeMs); 1 when no time passed or decay is off (Infinity). */
export function decayFactor(fromMs: number, toMs: number, halfLifeMs: number): number {
  return toMs <= fromMs ? 1 : 2 ** (-(toMs - fromMs) / halfLifeMs);
}

export function emptyPathStats(): PathStatsJSON {
  return {
    wins: 0,
    failures: 0,
    cancellations: 0,
    decayed: { wins: 0, failures: 0, atMs: null },
    samplesMs: [],
    srttMs: null,
    rttvarMs: null,
    consecutiveFailures: 0,
    rtoBackoff: 0,
    lastSuccessAtMs: null,
    lastFailureAtMs: null,
    idleRaces: 0,
  };
}

const PATH_KEYS: readonly (keyof PathStatsJSON)[] = [
  'wins',
  'failures',
  'cancellations',
  'decayed',
  'samplesMs',
  'srttMs',
  'rttvarMs',
  'consecutiveFailures',
  'rtoBackoff',
  'lastSuccessAtMs',
  'lastFailureAtMs',
  'idleRaces',
];

/** Checks untrusted data field by field and for consistency; throws TelemetryFormatError naming the field. */
export function readPathStats(value: unknown, field: string): PathStatsJSON {
  const r = readObject(value, field, PATH_KEYS);
  const count = (key: keyof PathStatsJSON): number => readNumber(r[key], `${field}.${key}`, { integer: true, min: 0 });
  const time = (key: keyof PathStatsJSON): number | null => readNullableNumber(r[key], `${field}.${key}`);
  const nonNegative = { min: 0 };
  const decayedRecord = readObject(r.decayed, `${field}.decayed`, ['wins', 'failures', 'atMs']);
  const json: PathStatsJSON = {
    wins: count('wins'),
    failures: count('failures'),
    cancellations: count('cancellations'),
    decayed: {
      wins: readNumber(decayedRecord.wins, `${field}.decayed.wins`, nonNegative),
      failures: readNumber(decayedRecord.failures, `${field}.decayed.failures`, nonNegative),
      atMs: readNullableNumber(decayedRecord.atMs, `${field}.decayed.atMs`),
    },
    samplesMs: readArray(r.samplesMs, `${field}.samplesMs`, TELEMETRY_LIMITS.windowSize).map((v, i) => readNumber(v, `${field}.samplesMs[${i}]`, nonNegative)),
    srttMs: readNullableNumber(r.srttMs, `${field}.srttMs`, nonNegative),
    rttvarMs: readNullableNumber(r.rttvarMs, `${field}.rttvarMs`, nonNegative),
    consecutiveFailures: count('consecutiveFailures'),
    rtoBackoff: readNumber(r.rtoBackoff, `${field}.rtoBackoff`, { integer: true, min: 0, max: MAX_RTO_BACKOFF }),
    lastSuccessAtMs: time('lastSuccessAtMs'),
    lastFailureAtMs: time('lastFailureAtMs'),
    idleRaces: count('idleRaces'),
  };
  if ((json.srttMs === null) !== (json.rttvarMs === null)) {
    throw new TelemetryFormatError(`${field}.rttvarMs`, json.rttvarMs, 'srttMs and rttvarMs must both be numbers or both null');
  }
  if (json.samplesMs.length > 0 && json.srttMs === null) {
    throw new TelemetryFormatError(`${field}.srttMs`, json.srttMs, 'must be a number when there are samples');
  }
  if (json.samplesMs.length > json.wins) {
    throw new TelemetryFormatError(`${field}.samplesMs`, `(${json.samplesMs.length} samples)`, `more samples than wins (${json.wins})`);
  }
  if (json.consecutiveFailures > json.failures) {
    throw new TelemetryFormatError(`${field}.consecutiveFailures`, json.consecutiveFailures, `more than failures (${json.failures})`);
  }
  return json;
}

function latest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
