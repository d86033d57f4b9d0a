/**
 * The bench's client host program for the NAT scenarios (bench/nat.ts runs it with
 * `ip netns exec <client namespace> node dist/bench/nat-client.js JOB_JSON`): the same trial loop
 * as the loopback scenarios (bench/trials.ts: warm-ups, then cold, warm and oracle per trial),
 * then the sequential baseline of every trial, overlapping, all against the camera behind the
 * bed's routers. Prints one JSON line `{"records": [...]}` (or `{"error": "..."}`, exit 1).
 */
import { validateRaceConfig, type RaceConfigInput } from '../src/engine';
import type { TrialRecord } from './analyse';
import { runSequential } from './strategies';
import { applyLossSteps, internetLossSteps, type LossRouters } from './testbed/internet-loss';
import { measureTrials, runKey, runStaggered } from './trials';

export interface NatClientJob {
  race: RaceConfigInput;
  warmups: number;
  trials: number;
  /** Condition key of every trial (e.g. "nat-p2p"). */
  condition: string;
  baselineAttemptTimeoutMs: number;
  baselineGapMs: number;
  /**
   * The scene's internet loss, keyed by run while the trials run (the client begins each run of
   * a trial with the trial's key, bench/testbed/internet-loss.ts), drawn at random again for the
   * sequential baseline, whose trials overlap. Absent: no loss.
   */
  loss?: { percent: number; routers: LossRouters };
}

export interface NatClientReport {
  records?: TrialRecord[];
  error?: string;
}

export async function runNatClient(job: NatClientJob, signal?: AbortSignal): Promise<TrialRecord[]> {
  const config = validateRaceConfig(job.race);
  const { loss } = job;
  const beginRun = loss
    ? (phase: 'warmup' | 'trial', i: number) => applyLossSteps(internetLossSteps(loss.routers, loss.percent, runKey(phase, i)), signal)
    : undefined;
  const measured = await measureTrials(job.warmups, job.trials, () => config, signal, undefined, beginRun);
  if (loss) await applyLossSteps(internetLossSteps(loss.routers, loss.percent), signal);
  const records: TrialRecord[] = measured.map((r) => ({ condition: job.condition, ...r }));
  await runStaggered(
    records.map((record) => async (phase: AbortSignal) => {
      record.sequential = await runSequential(config, job.baselineAttemptTimeoutMs, phase);
    }),
    job.baselineGapMs,
    signal,
  );
  return records;
}

function main(): void {
  const controller = new AbortController();
  const stop = (): void => controller.abort(new Error('nat-client: terminated'));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const report = (value: NatClientReport, code: number): void => {
    process.removeListener('SIGTERM', stop);
    process.removeListener('SIGINT', stop);
    process.stdout.write(`${JSON.stringify(value)}\n`);
    process.exitCode = code;
  };
  let job: NatClientJob;
  try {
    job = JSON.parse(process.argv[2] ?? '') as NatClientJob;
  } catch (err) {
    report({ error: `nat-client: the job (argument 1) is not JSON: ${(err as Error).message}` }, 1);
    return;
  }
  runNatClient(job, controller.signal).then(
    (records) => report({ records }, 0),
    (err: unknown) => report({ error: err instanceof Error ? err.message : String(err) }, 1),
  );
}

if (require.main === module) main();
