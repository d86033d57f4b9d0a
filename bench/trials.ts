import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RaceConfig } from '../src/engine';
import type { TrialRecord } from './analyse';
import { runCold, runOracle, WarmEngine, type SessionCounter } from './strategies';

/**
 * The trial loop of one scenario, shared by the loopback scenarios (bench/run.ts, in the bench
 * process) and the NAT scenarios (bench/nat-client.ts, in the client namespace's process).
 */

/** Which race `configFor` is asked for: a warm-up race (index among warm-ups) or a measured trial. */
export type TrialPhase = 'warmup' | 'trial';

/**
 * Called (and awaited) before every run of the engine or the oracle: the loopback simulator keys
 * its impairments by it (Simulation.beginRun), the NAT scenarios' kernel loss too
 * (bench/testbed/internet-loss.ts), so that the cold race, the warm race and the oracle's runs of
 * one trial face the same losses (common random numbers).
 */
export type BeginRun = (phase: TrialPhase, index: number) => void | Promise<void>;

/** The run key of a race (the loopback simulator's and the NAT bed's keyed loss): trial i is key i, warm-up i is key -1 - i. */
export function runKey(phase: TrialPhase, index: number): number {
  return phase === 'trial' ? index : -1 - index;
}

/**
 * Phase A of a scenario: `warmups` unmeasured races of the warm engine, then `trials` trials of
 * cold, warm and oracle, one connect at a time. `configFor` applies the race's conditions (if
 * any) and returns its config. The order of cold and warm alternates, so neither always races
 * right after the other; the oracle goes last, led by the cold race's winner.
 */
export async function measureTrials(
  warmups: number,
  trials: number,
  configFor: (phase: TrialPhase, index: number) => RaceConfig | Promise<RaceConfig>,
  signal?: AbortSignal,
  countSessions?: SessionCounter,
  beginRun: BeginRun = () => undefined,
): Promise<Omit<TrialRecord, 'condition'>[]> {
  const warm = new WarmEngine();
  for (let i = 0; i < warmups; i += 1) {
    signal?.throwIfAborted();
    const config = await configFor('warmup', i);
    await beginRun('warmup', i);
    await warm.run(config, signal);
  }
  const records: Omit<TrialRecord, 'condition'>[] = [];
  for (let i = 0; i < trials; i += 1) {
    signal?.throwIfAborted();
    const config = await configFor('trial', i);
    const coldRun = async (): ReturnType<typeof runCold> => {
      await beginRun('trial', i);
      return runCold(config, signal, countSessions);
    };
    const warmRun = async (): ReturnType<WarmEngine['run']> => {
      await beginRun('trial', i);
      return warm.run(config, signal);
    };
    let cold;
    let warmSample;
    if (i % 2 === 0) {
      cold = await coldRun();
      warmSample = await warmRun();
    } else {
      warmSample = await warmRun();
      cold = await coldRun();
    }
    const oracle = await runOracle(config, cold.mode, signal, () => beginRun('trial', i));
    records.push({ cold, warm: warmSample, oracle });
  }
  return records;
}

/**
 * Runs `jobs` overlapping, job j started j × `gapMs` after the first (the sequential baseline:
 * its trials only wait out timeouts, so they may overlap). One listener on the caller's signal;
 * every job listens to this phase's own signal. Waits for every job; rethrows the first failure.
 */
export async function runStaggered(jobs: readonly ((signal: AbortSignal) => Promise<void>)[], gapMs: number, signal?: AbortSignal): Promise<void> {
  const phase = new AbortController();
  setMaxListeners(2 * jobs.length + 10, phase.signal);
  const onAbort = (): void => phase.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const settled = await Promise.allSettled(
    jobs.map(async (job, j) => {
      await sleep(j * gapMs, undefined, { signal: phase.signal });
      await job(phase.signal);
    }),
  ).finally(() => signal?.removeEventListener('abort', onAbort));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}
