import type { Mode } from '../src/engine';
import { distribution, rate, round1, type Distribution } from './stats';
import { STRATEGIES, type OracleSample, type Sample, type Strategy, type WarmSample } from './strategies';

/** Every strategy's connect in one trial (sequential is filled in by the baseline phase). */
export interface TrialRecord {
  condition: string;
  cold: Sample;
  warm: WarmSample;
  oracle: OracleSample;
  sequential?: Sample;
}

export interface StrategyStats {
  trials: number;
  successRate: number;
  /** Time to connect of the successful trials. */
  timeToConnectMs: Distribution;
  /** Per trial (both connected): this strategy's time − the oracle's; null for the oracle itself. */
  regretMs: Distribution | null;
  /** Share of connected trials won by a slower mode (see WRONG_WINNER_RULE); null for the oracle. */
  wrongWinnerRate: number | null;
  wrongWinners: number | null;
  /** Connected trials compared with a connected oracle (the base of the regret and the wrong-winner rate). */
  compared: number;
  /** Win → last started loser closed, over trials where a loser had started. */
  cleanupMs: Distribution;
  /** Datagrams sent by the client over all trials / connected trials. */
  packetsPerConnect: number | null;
  winners: Partial<Record<Mode, number>>;
}

export const WRONG_WINNER_RULE =
  "a trial is a wrong win when the winning mode is not the oracle's best mode of that trial and the strategy took more than max(1 ms, 10 %) longer than the oracle";

/** Whether `sample` was won by a slower mode than the trial's best one (WRONG_WINNER_RULE). */
export function wrongWinner(sample: Sample, oracle: OracleSample): boolean {
  if (!sample.ok || !oracle.ok || sample.mode === oracle.mode) return false;
  return sample.ms - oracle.ms > Math.max(1, oracle.ms * 0.1);
}

export function strategyStats(records: readonly TrialRecord[], strategy: Strategy): StrategyStats {
  const samples = records.flatMap((r) => (r[strategy] ? [{ sample: r[strategy] as Sample, oracle: r.oracle }] : []));
  const ok = samples.filter((s) => s.sample.ok);
  const paired = ok.filter((s) => s.oracle.ok);
  const isOracle = strategy === 'oracle';
  const wrong = isOracle ? null : paired.filter((s) => wrongWinner(s.sample, s.oracle)).length;
  const winners: Partial<Record<Mode, number>> = {};
  for (const { sample } of ok) if (sample.mode) winners[sample.mode] = (winners[sample.mode] ?? 0) + 1;
  const packets = samples.reduce((sum, s) => sum + s.sample.packets, 0);
  return {
    trials: samples.length,
    successRate: rate(ok.length, samples.length),
    timeToConnectMs: distribution(ok.map((s) => s.sample.ms)),
    regretMs: isOracle ? null : distribution(paired.map((s) => round1(s.sample.ms - s.oracle.ms))),
    wrongWinnerRate: wrong === null ? null : rate(wrong, paired.length),
    wrongWinners: wrong,
    compared: paired.length,
    cleanupMs: distribution(ok.flatMap((s) => (s.sample.cleanupMs === null ? [] : [s.sample.cleanupMs]))),
    packetsPerConnect: ok.length === 0 ? null : round1(packets / ok.length),
    winners,
  };
}

export function allStrategyStats(records: readonly TrialRecord[]): Record<Strategy, StrategyStats> {
  return Object.fromEntries(STRATEGIES.map((s) => [s, strategyStats(records, s)])) as Record<Strategy, StrategyStats>;
}

/** The drift scenario's learning curve. */
export interface LearningCurve {
  /** Index of the first trial with LAN down, and of the first with LAN back. */
  downFrom: number;
  returnsAt: number;
  /** Winning mode per trial (l = lan, p = p2p, r = relay, x = failed), trial order. */
  warm: string;
  cold: string;
  /** Races after LAN came back until the warm engine's first LAN win (1 = the first race); null if none. */
  warmRacesToLan: number | null;
  /** Share of the races after the return that the warm engine won on LAN. */
  warmLanShareAfterReturn: number;
}

const letter = (s: Sample): string => (s.ok && s.mode ? s.mode[0] : 'x');

export function learningCurve(records: readonly TrialRecord[], downFrom: number, returnsAt: number): LearningCurve {
  const after = records.slice(returnsAt);
  const first = after.findIndex((r) => r.warm.ok && r.warm.mode === 'lan');
  return {
    downFrom,
    returnsAt,
    warm: records.map((r) => letter(r.warm)).join(''),
    cold: records.map((r) => letter(r.cold)).join(''),
    warmRacesToLan: first < 0 ? null : first + 1,
    warmLanShareAfterReturn: rate(after.filter((r) => r.warm.ok && r.warm.mode === 'lan').length, after.length),
  };
}
