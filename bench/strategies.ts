import { performance } from 'node:perf_hooks';
import { race, RaceError, sequentialRace, type Mode, type RaceConfig, type RaceResult, type RacerInfo } from '../src/engine';
import { tuneRaceConfig } from '../src/runtime/tuning';
import { CameraTelemetry, deriveTuning, recordRace } from '../src/telemetry';
import { MAX_CONNECTION_TIME_MS } from './environment';
import { round1 } from './stats';

export const STRATEGIES = ['cold', 'warm', 'oracle', 'sequential'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const STRATEGY_LABELS: Readonly<Record<Strategy, string>> = {
  cold: 'engine, cold',
  warm: 'engine, warm',
  oracle: 'oracle',
  sequential: 'seed sequential',
};

/** One connect of one strategy. */
export interface Sample {
  ok: boolean;
  /** Time to connect as the caller sees it: from the call until the promise settles (losers already closed). */
  ms: number;
  mode: Mode | null;
  /** Datagrams the client sent (every racer's `sent`, every attempt socket). */
  packets: number;
  /** From the win to the last started loser's end (its sockets closed); null when no loser had started. */
  cleanupMs: number | null;
  error?: string;
  /** Scenarios that count sessions: the camera's live sessions a while after the race, before the link was closed. */
  liveSessions?: number;
}

/** A warm race's sample with the tuning it ran with. */
export interface WarmSample extends Sample {
  order: Mode[];
  staggerMs: Record<Mode, number>;
}

/** The oracle's sample, with what it learnt about each mode alone. */
export interface OracleSample extends Sample {
  /** Each mode alone: its time if it connected, or `atLeastMs` when it was cut at the best time so far. */
  alone: Partial<Record<Mode, { ok: boolean; ms: number; capped: boolean }>>;
}

const packetsOf = (racers: readonly RacerInfo[]): number => racers.reduce((sum, r) => sum + r.sent, 0);

/**
 * Time from the win to the end of the last loser that had started. A racer's `elapsedMs` is set
 * when its promise settles, which is after its attempts awaited their sockets' close, so this is
 * "win → last loser socket closed" without any engine hook.
 */
export function cleanupMs(result: Pick<RaceResult, 'racers' | 'mode'>): number | null {
  const winner = result.racers.find((r) => r.state === 'success' && r.mode === result.mode);
  if (!winner || winner.elapsedMs === null) return null;
  const ends = result.racers.filter((r) => r !== winner && r.elapsedMs !== null).map((r) => r.elapsedMs as number);
  if (ends.length === 0) return null;
  return round1(Math.max(0, Math.max(...ends) - winner.elapsedMs));
}

/** Runs one race (or the sequential baseline) and closes its link; RaceError becomes a failed sample. */
/** Counts the camera sessions a race leaves: `start` just before the race, `count` after it (the link still open). */
export interface SessionCounter {
  start(): void | Promise<void>;
  count(): Promise<number>;
}

async function measure(run: () => Promise<RaceResult>, sessions?: SessionCounter): Promise<{ sample: Sample; racers: RacerInfo[] }> {
  await sessions?.start();
  const started = performance.now();
  try {
    const result = await run();
    const ms = round1(performance.now() - started);
    let liveSessions: number | undefined;
    try {
      if (sessions) liveSessions = await sessions.count();
    } finally {
      await result.link.close();
    }
    return {
      sample: {
        ok: true,
        ms,
        mode: result.mode,
        packets: packetsOf(result.racers),
        cleanupMs: cleanupMs(result),
        ...(liveSessions === undefined ? {} : { liveSessions }),
      },
      racers: result.racers,
    };
  } catch (err) {
    if (!(err instanceof RaceError)) throw err;
    const ms = round1(performance.now() - started);
    return { sample: { ok: false, ms, mode: null, packets: packetsOf(err.racers), cleanupMs: null, error: err.message }, racers: err.racers };
  }
}

/** (a) The engine as configured, no history: race() with the defaults. */
export async function runCold(config: RaceConfig, signal?: AbortSignal, sessions?: SessionCounter): Promise<Sample> {
  return (await measure(() => race(config, { signal }), sessions)).sample;
}

/**
 * (b) The engine with telemetry, built as src/runtime/camera-runtime.ts builds it: before each
 * race deriveTuning() (modes of the config, its attempt timeout for modes without samples) is
 * applied with tuneRaceConfig(); after it, recordRace() with the stagger the race used.
 */
export class WarmEngine {
  readonly telemetry = new CameraTelemetry();

  tuned(base: RaceConfig): RaceConfig {
    const tuning = deriveTuning(this.telemetry, Date.now(), {
      modes: base.modes,
      defaultAttemptTimeoutMs: Math.max(...Object.values(base.attemptTimeoutMs)),
    });
    return tuneRaceConfig(base, tuning);
  }

  async run(base: RaceConfig, signal?: AbortSignal): Promise<WarmSample> {
    const config = this.tuned(base);
    const { sample, racers } = await measure(() => race(config, { signal }));
    recordRace(this.telemetry, { atMs: Date.now(), racers, staggerMs: config.staggerMs });
    return { ...sample, order: [...config.modes], staggerMs: { ...config.staggerMs } };
  }
}

/**
 * (c) The oracle for one trial setting: each mode raced alone (one-mode race, same engine), the
 * best one taken. The mode that won the cold race goes first; the other modes then run alone,
 * concurrently, each cut at the best time so far (+1 ms): a mode cut there cannot be the best,
 * so the minimum is exact while a black-holed mode costs one best time instead of 30 s.
 */
export async function runOracle(
  base: RaceConfig,
  first: Mode | null,
  signal?: AbortSignal,
  beginRun: () => void | Promise<void> = () => undefined,
): Promise<OracleSample> {
  const lead = first !== null && base.modes.includes(first) ? first : base.modes[0];
  const alone = (mode: Mode, maxMs: number): Promise<Sample> =>
    measure(() => race({ ...base, modes: [mode], maxConnectionTimeMs: maxMs }, { signal })).then((m) => m.sample);
  const result: OracleSample = { ok: false, ms: 0, mode: null, packets: 0, cleanupMs: null, alone: {} };
  const consider = (mode: Mode, sample: Sample, capped: boolean): void => {
    result.alone[mode] = { ok: sample.ok, ms: sample.ms, capped: capped && !sample.ok };
    if (sample.ok && (!result.ok || sample.ms < result.ms)) {
      Object.assign(result, { ok: true, ms: sample.ms, mode, packets: sample.packets, error: undefined });
    }
  };
  await beginRun();
  const leadSample = await alone(lead, MAX_CONNECTION_TIME_MS);
  consider(lead, leadSample, false);
  if (!leadSample.ok) result.ms = leadSample.ms;
  const cap = result.ok ? Math.ceil(result.ms) + 1 : MAX_CONNECTION_TIME_MS;
  const rest = base.modes.filter((m) => m !== lead);
  await beginRun(); // the others run together: their modes use disjoint paths, so one run serves them all
  const samples = await Promise.all(rest.map((mode) => alone(mode, cap)));
  rest.forEach((mode, i) => consider(mode, samples[i], result.ok));
  if (!result.ok) {
    result.ms = Math.max(leadSample.ms, ...samples.map((s) => s.ms));
    result.error = 'no mode connected alone';
  }
  return result;
}

/** (d) The seed's "before" behaviour: modes and LAN ports one after another, one attempt each. */
export async function runSequential(config: RaceConfig, attemptTimeoutMs: number, signal?: AbortSignal): Promise<Sample> {
  const { sample } = await measure(() => sequentialRace(config, { attemptTimeoutMs, signal }));
  // One racer at a time: there are no parallel losers to clean up.
  return { ...sample, cleanupMs: null };
}
