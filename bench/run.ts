import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Mode } from '../src/engine';
import { SEQUENTIAL_ATTEMPT_TIMEOUT_MS } from '../src/engine';
import { allStrategyStats, learningCurve, WRONG_WINNER_RULE, type LearningCurve, type StrategyStats, type TrialRecord } from './analyse';
import { renderChart } from './chart-svg';
import { FULL, QUICK } from './defaults';
import { openEnvironment, openEnvironments, MAX_CONNECTION_TIME_MS, type Environment, type EnvironmentSpec } from './environment';
import { renderReport } from './report-md';
import { medianRun, rotated, runScale, scaleCounts, SCALE_STRATEGIES, type ScaleResult, type ScaleStrategy } from './scale';
import { driftPhases, NOMINAL, SCENARIOS, scenarioRandom, type Condition, type Scenario } from './scenarios';
import { runCold, runSequential, type SessionCounter, type Strategy } from './strategies';
import { measureTrials, runKey, runStaggered } from './trials';
import { runNatScenarios, type NatOptions, type NatRun, type SkippedScenario } from './nat';
import { evaluateTargets, type TargetResult } from './targets';

export { renderSummary } from './report-md';

/** When the live camera sessions are counted after a race (scenarios with countSessions): past the ~330 ms 0x43 burst. */
export const SESSION_COUNT_AFTER_MS = 400;

export interface BenchOptions {
  quick: boolean;
  /** Measured trials per scenario. */
  trials: number;
  /** Unmeasured races that warm the telemetry engine before each scenario's trials. */
  warmups: number;
  /** Cameras of the scale run (0 skips it). */
  cameras: number;
  /** Idle-session window of the largest scale (0 skips it). */
  idleMs: number;
  /**
   * Runs of every strategy at every scale, interleaved (a burst's CPU per connect varies up to 2 ×
   * from run to run on this machine): the table shows the run with the median CPU per connect
   * and the range of all of them.
   */
  scaleRepeats: number;
  seed: number;
  /** Per-attempt timeout of the seed's sequential baseline (the seed: 5 s). */
  baselineAttemptTimeoutMs: number;
  /** Gap between the starts of consecutive baseline trials (they overlap only while waiting). */
  baselineGapMs: number;
  /** Directory for latest.md / latest.svg / latest.json; null writes nothing. */
  outDir: string | null;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /** Stops the run between connects (every socket is still closed). */
  signal?: AbortSignal;
  /** NAT scenarios (bench/nat.ts): 'auto' runs them where the machine can (root, ip netns, nftables, conntrack), 'off' skips them. */
  nat: NatOptions['nat'];
}

/** Defaults for a full or a quick run; warm-ups = min(10, max(2, trials)). */
export function benchDefaults(quick: boolean, patch: Partial<BenchOptions> = {}): BenchOptions {
  const base = quick ? QUICK : FULL;
  const trials = patch.trials ?? base.trials;
  return {
    quick,
    trials,
    warmups: Math.min(10, Math.max(2, trials)),
    cameras: base.cameras,
    scaleRepeats: base.scaleRepeats,
    idleMs: quick ? IDLE_WINDOW_MS.quick : IDLE_WINDOW_MS.full,
    seed: 1,
    baselineAttemptTimeoutMs: SEQUENTIAL_ATTEMPT_TIMEOUT_MS,
    baselineGapMs: 20,
    outDir: null,
    nat: 'auto',
    ...patch,
  };
}

export interface ScenarioResult {
  number: number;
  /** Where it ran: the simulator on 127.0.0.1, or separate hosts behind real NAT (bench/nat.ts). Older results have none (loopback). */
  network?: 'loopback' | 'nat';
  /** A loopback scenario's simulator: in a child process of its own (bench/environment.ts), or (older results, none) in the bench process. */
  simulator?: 'child';
  /**
   * Its loss is drawn anew for every datagram of every run, so the engine's race and the oracle's runs of a trial see different losses
   * (the NAT scenarios' kernel loss; the loopback simulator's runs of a trial share their losses, Simulation.beginRun).
   */
  randomLoss?: boolean;
  id: string;
  title: string;
  how: string;
  modes: Mode[];
  ports: string;
  trials: number;
  warmups: number;
  conditions: Record<string, number>;
  strategies: Record<Strategy, StrategyStats>;
  learning?: LearningCurve;
  /** Per-trial time to connect (ms; negative = failed after that long), trial order. */
  raw: Record<Strategy, number[]>;
  /** Per-trial winning mode (l = lan, p = p2p, r = relay, x = failed), trial order. */
  winners: Record<Strategy, string>;
  /** Scenarios that count sessions: camera sessions each cold race opened that are still live 400 ms after it (trial order; -1 = race failed). */
  liveSessionsAfterRace?: number[];
}

export interface BenchResult {
  bench: 'trailcam';
  version: 1;
  date: string;
  machine: {
    cpus: number;
    model: string;
    memoryGb: number;
    node: string;
    platform: string;
    loadAverage1m?: { start: number; end: number; max?: number; natStart?: number; natEnd?: number };
  };
  options: Omit<BenchOptions, 'log' | 'outDir' | 'signal'>;
  definitions: Record<string, string>;
  scenarios: ScenarioResult[];
  /** Scenarios that could not run on this machine (NAT scenarios without root, ip netns, nftables, conntrack, or with --nat off). */
  skippedScenarios?: SkippedScenario[];
  scale: ScaleResult | null;
  /** The floor strategy (bench/floor.ts) at the same scale, right after the engine, against a fresh simulator of the same kind. */
  floorScale: ScaleResult | null;
  /**
   * Every scale measured (scaleCounts: 100, 250, 500 and 1,000 cameras in a full run), each with
   * every strategy on a fresh simulator; `scale` and `floorScale` are the largest one's engine
   * and floor. Results written before issue 16's series have none.
   */
  scaleSeries?: ScaleStep[];
  targets: TargetResult[];
  durationMs: number;
  files: string[];
}

/** How long the largest scale's connects are held as idle live sessions (longer than the 7 s silence limit in a full run). */
export const IDLE_WINDOW_MS = { full: 10_000, quick: 3_000 } as const;

/** One scale of the series: every strategy at the same number of cameras. */
export type ScaleStep = { cameras: number } & Record<ScaleStrategy, ScaleResult>;

export const DEFINITIONS: Record<string, string> = {
  timeToConnect:
    'performance.now() from the call until race()/sequentialRace() resolves with the link (the engine closes its losers before it resolves, so their clean-up is included); the link is then closed with CLOSE',
  success: `connected within the maximum connection time (${MAX_CONNECTION_TIME_MS} ms, the seed's MAX_CONNECTION_TIME)`,
  cold: 'race() with the default config (all modes at once, LAN ports 20 ms apart, 1.5 s attempts), no history',
  warm: 'the same engine built as src/runtime/camera-runtime.ts does: deriveTuning() (order, stagger, adaptive attempt timeouts, breaker, LAN port order) before each race, recordRace() after; warm-up races first, then it keeps learning during the measured trials',
  oracle:
    "each mode raced alone (a one-mode race, configured LAN port order, no telemetry) under the same trial setting, the best taken: the cold race's winning mode runs first, the other modes then run alone concurrently, each cut at the best time so far + 1 ms (a mode cut there cannot be the best, so the minimum is exact)",
  sequential:
    "src/engine sequentialRace(): the seed's before-behaviour, modes lan, p2p, relay and LAN ports one after another, one attempt each with the seed's 5 s timeout; its trials run concurrently, started 20 ms apart (they overlap only while waiting out timeouts), each scenario condition on its own simulator",
  regret: 'per trial: strategy time − oracle time (both connected); the table gives its p50 and p95',
  wrongWinner: WRONG_WINNER_RULE,
  cleanup:
    "win → last loser settled: max(elapsedMs of the losers that had started) − winner's elapsedMs from the race result; a racer settles only after its attempt sockets' close callbacks ran, so no engine hook is needed. Scenario 4 races LAN alone, so it has no losing racer: the losing destination ports of the LAN racer are closed before the LAN racer itself settles, i.e. inside its time to connect",
  packets: "datagrams the client sent (sum of every racer's `sent`, all attempt sockets, failed trials included) / connected trials",
  loopback:
    "scenarios 1-8: one simulator (camera, rendezvous server and relay on 127.0.0.1) per scenario in a child process of the bench (bench/sim-process.ts), as in the scale run, so that its CPU is not the engine's: on the engine's thread the simulated servers' answers to P2P and relay landed inside the ~2.5 ms LAN handshake; paths and run keys are set over its IPC channel and acknowledged before the race starts; the sequential baseline gets one simulator per scenario condition, all in one such process (so it too races against one process besides its own)",
  nat: "scenarios 9-12 (bench/nat.ts): the network test tier's bed (bench/testbed/: six namespaces, veth pairs, a bridge, nftables masquerade and home-router firewalls, documentation-range addresses only inside the namespaces, no route out), the simulator's camera, rendezvous server and relay as separate `trailcam sim --part` processes on their hosts, every strategy run by dist/bench/nat-client.js in the client's namespace with the same trial loop as scenarios 1-8; the bed is built once per run and deleted afterwards (also on exit, SIGINT, SIGTERM)",
  impairments:
    "scenarios 1-8: each datagram's loss, copies and jitter are drawn by the simulator's paths keyed by the trial (Simulation.beginRun before the cold race, the warm race and each oracle step: common random numbers), by the simulated socket, direction, message type and peer (numbered by first appearance in the run) and by its index there, so the runs of one trial meet the same fates wherever they send the same datagrams, and a regret or a wrong win compares strategies, not luck; the warm-up races have keys of their own. Scenarios 10 and 12: the kernel drops 10 % of the datagrams on each internet link and direction, keyed by the trial too (the NAT client begins every run with the trial's key: bench/testbed/internet-loss.ts): by the link and direction, the flow's remote end (a server's address and port, the camera's public address and port, the client's public address; never the client's own port, which the OS picks anew for every socket), the message type and the datagram's index in its conntrack flow and direction, with the routers' conntrack counters zeroed at the start of every run; that key cannot tell a run's sockets to one remote end apart, so only the run's first flow to each remote end and first message type is keyed and a later one (a retry from a fresh socket) meets loss drawn at random, as independent sockets do; the camera's long-lived registration flow is keyed too but carries other datagrams in each run. The sequential baseline (trials overlapping, no runs to key) meets loss drawn anew for every datagram (nftables numgen random) in every scenario with loss",
  scale: `N cameras in one simulator running in a child process (nominal paths), so the cameras' CPU and memory are not counted; N connects started in the same tick from the bench process, by the engine (cold race(), every mode, six LAN ports as in the default config: the camera's session port first, then five closed ports of 127.0.0.1), the floor (bench/floor.ts, the bare LAN handshake on one socket, the session port only) or the seed's sequential baseline (sequentialRace(), the engine's config), each on a fresh simulator, at every scale of the series (100, 250, 500 and 1,000 cameras in a full run; the standard scales below --cameras N, then N), every strategy ${FULL.scaleRepeats} times at every scale in a full run (--quick once), interleaved, each repetition starting with the next strategy (engine, floor, sequential; then floor, sequential, engine; …) so that no strategy always runs first on a freshly grown heap, each run's window starting after a full GC (no run pays for the garbage of the runs before it), seeds seed, seed+1, …: a row is the run with the median CPU per connect, with the range of the runs in brackets (for p99 also their median; the comparison with the sequential baseline compares the medians of p99 and of CPU per connect over the runs); links held until every connect settled, then closed; CPU = user+system time of the bench process (the client) from the first start to the last connect settled / N; sim CPU = the simulator child's own user+system time over the same window (marked and read over its IPC channel) / N; a process whose CPU time over the window's wall time is at least 90 % of one core bounded the figures (the bound column: client, simulator, both, or neither = latency-bound); expired = attempts that had heard from a server, relay or the camera and were ended by their attempt timeout, summed over every race; idle sessions (largest scale, engine and floor, their first run): every connect is then held as a live session for 10 s (--quick 3 s), the engine's as a src/session Session on its link, the floor's as its socket answering the camera's ALIVE, P2P_RDY copies and DRW and sending ALIVE after 1 s without sending; heap per session = (JS heap in use after a full GC at the end of the window − the same before the races) / sessions (the bench forces the GC through V8's gc(), exposed at run time), RSS per session = (RSS at the end of the window − RSS before the races) / sessions (the engine's includes the heap its connect burst grew and V8 has not returned; the floor's may be negative when an earlier run's heap was returned meanwhile), keepalive CPU = the bench process's CPU over the window per 1,000 sessions per second; RSS of the bench process sampled every 20 ms; UDP sockets and timers of the bench process counted with process.getActiveResourcesInfo() before the races and after every link and the simulator were closed`,
};

/** A few unmeasured races so JIT compilation does not land in the first scenario's figures. */
async function warmUpProcess(seed: number): Promise<void> {
  const env = await openEnvironment({ seed, layout: 'camera', paths: NOMINAL });
  try {
    for (let i = 0; i < 5; i += 1) await runCold(env.config(['lan', 'p2p', 'relay']));
  } finally {
    await env.close();
  }
}

interface Planned {
  scenario: Scenario;
  plan: { warmup: Condition[]; trials: Condition[] };
  records: TrialRecord[];
}

/** Phase A: cold, warm and oracle, one connect at a time, one simulator per scenario. */
async function measureScenario(p: Planned, options: BenchOptions): Promise<void> {
  const { scenario, plan } = p;
  const env = await openEnvironment({
    seed: options.seed + scenario.number,
    layout: scenario.layout,
    paths: (plan.warmup[0] ?? plan.trials[0]).paths,
    camera: scenario.camera,
  });
  try {
    const { signal } = options;
    // Sessions the race opened on the camera that are still live SESSION_COUNT_AFTER_MS after it
    // (past the search path's ~330 ms burst, so a loser's session would be open by then), by the
    // camera's session serials: sessions of earlier races (warm-up, warm, oracle), and their
    // CLOSEs arriving meanwhile, do not count (an opened-minus-closed count did, and went below 0).
    let opened = 0;
    const countSessions: SessionCounter | undefined = scenario.countSessions
      ? {
          start: async () => {
            opened = await env.sessionsOpened();
          },
          count: async () => {
            await sleep(SESSION_COUNT_AFTER_MS, undefined, { signal });
            return env.liveSessionsOpenedAfter(opened);
          },
        }
      : undefined;
    const records = await measureTrials(
      plan.warmup.length,
      plan.trials.length,
      async (phase, i) => {
        await env.apply((phase === 'warmup' ? plan.warmup : plan.trials)[i].paths);
        return env.config(scenario.modes);
      },
      signal,
      countSessions,
      (phase, i) => env.beginRun(runKey(phase, i)),
    );
    p.records.push(...records.map((r, i) => ({ condition: plan.trials[i].key, ...r })));
  } finally {
    await env.close();
  }
}

/** Phase B: the sequential baseline of every trial of every scenario, overlapping, one simulator per condition (all in one child process). */
async function measureBaseline(planned: Planned[], options: BenchOptions): Promise<void> {
  const keyOf = (p: Planned, c: Condition): string => `${p.scenario.number}|${c.key}`;
  const specs = new Map<string, EnvironmentSpec>();
  for (const p of planned) {
    for (const c of p.plan.trials) {
      const key = keyOf(p, c);
      if (!specs.has(key)) specs.set(key, { seed: options.seed + 100 + specs.size, layout: p.scenario.layout, paths: c.paths, camera: p.scenario.camera });
    }
  }
  const { environments, close } = await openEnvironments([...specs.values()]);
  const envs = new Map([...specs.keys()].map((key, i) => [key, environments[i]]));
  try {
    const jobs: { p: Planned; i: number }[] = [];
    for (let i = 0; i < options.trials; i += 1) for (const p of planned) if (i < p.plan.trials.length) jobs.push({ p, i });
    await runStaggered(
      jobs.map(({ p, i }) => async (signal: AbortSignal) => {
        const env = envs.get(keyOf(p, p.plan.trials[i])) as Environment;
        p.records[i].sequential = await runSequential(env.config(p.scenario.modes), options.baselineAttemptTimeoutMs, signal);
      }),
      options.baselineGapMs,
      options.signal,
    );
  } finally {
    await close();
  }
}

/** What a scenario's row says about itself (loopback and NAT scenarios alike). */
type ScenarioMeta = Pick<ScenarioResult, 'number' | 'id' | 'title' | 'how' | 'modes' | 'ports' | 'warmups'> &
  Partial<Pick<ScenarioResult, 'network' | 'randomLoss' | 'simulator'>>;

/** The figures of one scenario from its trial records. */
function summarise(meta: ScenarioMeta, records: readonly TrialRecord[]): ScenarioResult {
  const conditions: Record<string, number> = {};
  for (const r of records) conditions[r.condition] = (conditions[r.condition] ?? 0) + 1;
  const raw = Object.fromEntries(
    (['cold', 'warm', 'oracle', 'sequential'] as const).map((s) => [s, records.map((r) => (r[s] ? (r[s].ok ? r[s].ms : -r[s].ms) : NaN))]),
  ) as Record<Strategy, number[]>;
  const winners = Object.fromEntries(
    (['cold', 'warm', 'oracle', 'sequential'] as const).map((s) => [
      s,
      records.map((r) => (r[s]?.ok && r[s]?.mode ? (r[s]?.mode as string)[0] : 'x')).join(''),
    ]),
  ) as Record<Strategy, string>;
  return { ...meta, modes: [...meta.modes], trials: records.length, conditions, strategies: allStrategyStats(records), raw, winners };
}

function scenarioResult(p: Planned): ScenarioResult {
  const { scenario, records } = p;
  const result = summarise(
    {
      number: scenario.number,
      id: scenario.id,
      title: scenario.title,
      how: scenario.how,
      modes: scenario.modes,
      ports:
        scenario.layout === 'fourth'
          ? '3 silent + camera (4th)'
          : scenario.layout === 'default'
            ? 'session, silent, search, 3 silent (default-shaped)'
            : 'camera session port',
      warmups: p.plan.warmup.length,
      network: 'loopback',
      simulator: 'child',
      // The simulator keys its impairments by trial (measureTrials' beginRun): common to the trial's runs.
      randomLoss: false,
    },
    records,
  );
  if (scenario.countSessions) result.liveSessionsAfterRace = records.map((r) => r.cold.liveSessions ?? -1);
  if (scenario.returnsAt) {
    const { downFrom, returnsAt } = driftPhases(records.length);
    result.learning = learningCurve(records, downFrom, returnsAt);
  }
  return result;
}

function natScenarioResult(run: NatRun, warmups: number): ScenarioResult {
  const { scenario } = run;
  return summarise(
    {
      number: scenario.number,
      id: scenario.id,
      title: scenario.title,
      how: scenario.how,
      modes: scenario.modes,
      ports: 'camera session port (its LAN address, unreachable from the client LAN)',
      warmups,
      network: 'nat',
      // The NAT client keys the kernel loss by trial (bench/testbed/internet-loss.ts): common to the trial's runs.
      randomLoss: false,
    },
    run.records,
  );
}

/** Runs the whole benchmark; writes latest.md/.svg/.json to `outDir` when given. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const loadAtStart = loadavg()[0];
  // The highest 1-minute load average seen during the run (sampled every 5 s): other jobs on a
  // shared machine show up here, next to the figures they may have slowed down.
  let loadMax = loadAtStart;
  const loadSampler = setInterval(() => (loadMax = Math.max(loadMax, loadavg()[0])), 5_000);
  loadSampler.unref();
  try {
    await warmUpProcess(options.seed);
    const planned: Planned[] = SCENARIOS.map((scenario) => ({
      scenario,
      plan: scenario.plan(options.warmups, options.trials, scenarioRandom(options.seed, scenario)),
      records: [],
    }));
    for (const p of planned) {
      const t0 = performance.now();
      await measureScenario(p, options);
      log(`scenario ${p.scenario.number} (${p.scenario.title}): cold/warm/oracle, ${p.records.length} trials in ${Math.round(performance.now() - t0)} ms`);
    }
    const t1 = performance.now();
    await measureBaseline(planned, options);
    log(`sequential baseline: ${planned.length * options.trials} trials (overlapping) in ${Math.round(performance.now() - t1)} ms`);
    const loadAtNat = loadavg()[0];
    const nat = await runNatScenarios({ ...options, log });
    const loadAfterNat = loadavg()[0];
    const scaleSeries: ScaleStep[] = [];
    const counts = scaleCounts(options.cameras);
    for (const cameras of counts) {
      const runs: Record<ScaleStrategy, ScaleResult[]> = { engine: [], floor: [], sequential: [] };
      for (let repeat = 0; repeat < Math.max(1, options.scaleRepeats); repeat += 1) {
        for (const strategy of rotated(SCALE_STRATEGIES, repeat)) {
          options.signal?.throwIfAborted();
          const t2 = performance.now();
          // The largest scale's engine and floor also hold their connects as idle sessions (issue 16), in the first run.
          const idleMs = repeat === 0 && cameras === counts.at(-1) && strategy !== 'sequential' ? options.idleMs : 0;
          const run = await runScale(cameras, options.seed + repeat, strategy, idleMs);
          runs[strategy].push(run);
          log(`scale, ${strategy}: ${run.connected}/${run.cameras} cameras in ${Math.round(performance.now() - t2)} ms`);
        }
      }
      scaleSeries.push({ cameras, engine: medianRun(runs.engine), floor: medianRun(runs.floor), sequential: medianRun(runs.sequential) });
    }
    const largest = scaleSeries.at(-1);
    const scale: ScaleResult | null = largest?.engine ?? null;
    const floorScale: ScaleResult | null = largest?.floor ?? null;
    const scenarios = [...planned.map((p) => scenarioResult(p)), ...nat.runs.map((r) => natScenarioResult(r, options.warmups))];
    const { log: _log, outDir, signal: _signal, ...recorded } = options;
    const result: BenchResult = {
      bench: 'trailcam',
      version: 1,
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model ?? 'unknown',
        memoryGb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        loadAverage1m: {
          start: loadAtStart,
          end: loadavg()[0],
          max: Math.max(loadMax, loadavg()[0]),
          ...(nat.runs.length > 0 ? { natStart: loadAtNat, natEnd: loadAfterNat } : {}),
        },
      },
      options: recorded,
      definitions: DEFINITIONS,
      scenarios,
      skippedScenarios: nat.skipped,
      scale,
      floorScale,
      scaleSeries,
      targets: [],
      durationMs: Math.round(performance.now() - started),
      files: [],
    };
    result.targets = evaluateTargets(result);
    if (outDir !== null) {
      await mkdir(outDir, { recursive: true });
      const files = { md: join(outDir, 'latest.md'), svg: join(outDir, 'latest.svg'), json: join(outDir, 'latest.json') };
      result.files = Object.values(files).map((file) => relative(process.cwd(), file) || file);
      await writeFile(files.md, renderReport(result));
      await writeFile(files.svg, renderChart(result));
      await writeFile(files.json, `${JSON.stringify(result, null, 2)}\n`);
    }
    return result;
  } finally {
    clearInterval(loadSampler);
  }
}
