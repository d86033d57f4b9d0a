import type { StrategyStats } from './analyse';
import { FULL, QUICK } from './defaults';
import type { BenchResult, ScenarioResult } from './run';
import { NAT_SCENARIOS } from './nat';
import { medianP99, SATURATED_SHARE, SCALE_STRATEGIES } from './scale';
import { STRATEGIES, STRATEGY_LABELS } from './strategies';

const num = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : String(v));
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${Math.round(v * 1000) / 10} %`);

function winners(stats: StrategyStats): string {
  const entries = Object.entries(stats.winners);
  return entries.length === 0 ? '–' : entries.map(([mode, n]) => `${mode} ${n}`).join(', ');
}

/** `--quick`, full run, or custom counts. */
export function runKind(result: BenchResult): string {
  const o = result.options;
  const base = o.quick ? QUICK : FULL;
  const kind = o.quick ? '`--quick` run' : 'full run';
  return o.trials === base.trials && o.cameras === base.cameras ? kind : `${kind} with custom counts`;
}

/** The machine's 1-minute load average at the start and the end of the run, measured (older results have none). */
function loadLine(m: BenchResult['machine']): string {
  const load = m.loadAverage1m;
  if (!load) return 'The load of the machine was not recorded for this run.';
  const max = load.max === undefined ? '' : `, at most ${load.max.toFixed(2)} during it (sampled every 5 s)`;
  const nat =
    load.natStart === undefined || load.natEnd === undefined
      ? ''
      : `; ${load.natStart.toFixed(2)} when the NAT scenarios started and ${load.natEnd.toFixed(2)} when they ended`;
  return `Load average (1 min) ${load.start.toFixed(2)} at the start of the run and ${load.end.toFixed(2)} at its end${max}${nat}, on ${m.cpus} cores.`;
}

/** Who ran, where, how many trials, and how loaded the machine was. */
export function runLine(result: BenchResult): string {
  const o = result.options;
  const m = result.machine;
  return [
    `Measured ${result.date.slice(0, 16).replace('T', ' ')} UTC, ${runKind(result)}: ${o.trials} trials per scenario (the warm engine first gets ${o.warmups} warm-up races), seed ${o.seed}, scale run with ${o.cameras} cameras; ${Math.round(result.durationMs / 1000)} s in all.`,
    `Machine: ${m.cpus} cores (${m.model}), ${m.memoryGb} GB, Node ${m.node}, ${m.platform}. ${loadLine(m)}`,
  ].join('\n');
}

/** "1-8" for consecutive numbers, "1, 3" otherwise. */
function span(numbers: readonly number[]): string {
  const sorted = [...numbers].sort((a, b) => a - b);
  const consecutive = sorted.every((n, i) => i === 0 || n === sorted[i - 1] + 1);
  return consecutive && sorted.length > 2 ? `${sorted[0]}-${sorted[sorted.length - 1]}` : sorted.join(', ');
}

export function mainTable(result: BenchResult): string {
  const rows = [
    '| # | scenario | strategy | success | p50 | p95 | p99 | regret p50 / p95 | wrong winner | loser clean-up p50 / max | packets / connect | winners |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const s of result.scenarios) {
    for (const strategy of STRATEGIES) {
      const st = s.strategies[strategy];
      const t = st.timeToConnectMs;
      const regret = st.regretMs ? `${num(st.regretMs.p50)} / ${num(st.regretMs.p95)}` : '–';
      const cleanup = st.cleanupMs.n === 0 ? '–' : `${num(st.cleanupMs.p50)} / ${num(st.cleanupMs.max)}`;
      rows.push(
        `| ${s.number} | ${s.title} | ${STRATEGY_LABELS[strategy]} | ${pct(st.successRate)} | ${num(t.p50)} | ${num(t.p95)} | ${num(t.p99)} | ${regret} | ${st.wrongWinnerRate === null ? '–' : `${pct(st.wrongWinnerRate)} (${st.wrongWinners}/${st.compared})`} | ${cleanup} | ${num(st.packetsPerConnect)} | ${winners(st)} |`,
      );
    }
  }
  for (const skipped of result.skippedScenarios ?? []) {
    rows.push(`| ${skipped.number} | ${skipped.title} | ${skipped.reason} |${' – |'.repeat(9)}`);
  }
  const natNumbers = [...result.scenarios.filter((s) => s.network === 'nat'), ...(result.skippedScenarios ?? [])].map((s) => s.number);
  const loop = result.scenarios.filter((s) => s.network !== 'nat');
  const loopNumbers = loop.map((s) => s.number);
  const host = loop.length > 0 && loop.every((s) => s.simulator === 'child') ? 'in a child process of the bench (one per scenario)' : 'in the bench process';
  const where =
    natNumbers.length > 0
      ? ` Scenarios ${span(loopNumbers)}: the simulator on 127.0.0.1 ${host}; ${span(natNumbers)}: the simulator's parts as separate processes on separate hosts behind real Linux NAT (network namespaces, nftables), raced from the client's own LAN.`
      : '';
  return `Time to connect and regret in ms.${where}\n\n${rows.join('\n')}`;
}

export function scaleTable(result: BenchResult): string {
  const s = result.scale;
  if (!s) return 'Scale run skipped.';
  const sequential = result.scaleSeries?.at(-1)?.sequential;
  const rows = [s, ...(result.floorScale ? [result.floorScale] : []), ...(sequential ? [sequential] : [])];
  const row = (r: NonNullable<BenchResult['scale']>): string => {
    const t = r.timeToConnectMs;
    return `| ${r.strategy ?? 'engine'} | ${r.cameras} | ${r.connected} (${pct(r.successRate)}) | ${num(t.p50)} ms | ${num(t.p99)} ms | ${num(t.max)} ms | ${r.wallMs} ms | ${r.rssBeforeMb} → ${r.peakRssMb} MB | ${num(r.rssPerCameraKb)} KB | ${r.cpuMsPerConnect} ms | ${num(r.socketsPerConnect)} / ${num(r.datagramsPerConnect)} | ${r.socketsBefore} → ${r.socketsAfter} | ${r.timersBefore} → ${r.timersAfter} | ${
      Object.entries(r.modes)
        .map(([m, n]) => `${m} ${n}`)
        .join(', ') || '–'
    } |`;
  };
  const floor = result.floorScale;
  const x = (a: number | null | undefined, b: number | null | undefined): string =>
    a === null || a === undefined || b === null || b === undefined || b <= 0 ? '–' : `${Math.round((a / b) * 100) / 100} ×`;
  const ratioRow = floor
    ? [
        `| engine / floor | | | ${x(s.timeToConnectMs.p50, floor.timeToConnectMs.p50)} | ${x(s.timeToConnectMs.p99, floor.timeToConnectMs.p99)} | | | | ${x(s.rssPerCameraKb, floor.rssPerCameraKb)} | ${x(s.cpuMsPerConnect, floor.cpuMsPerConnect)} | ${x(s.socketsPerConnect, floor.socketsPerConnect)} / ${x(s.datagramsPerConnect, floor.datagramsPerConnect)} | | | |`,
      ]
    : [];
  return [
    '| who connects | cameras | connected | p50 | p99 | max | wall | RSS before → peak | RSS / camera | CPU / connect | sockets / datagrams per connect | UDP sockets before → after | timers before → after | winners |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(row),
    ...ratioRow,
    ...(floor
      ? [
          '',
          '*floor*: the bare LAN handshake on one socket against the same simulator (`bench/floor.ts`): what any client must spend; the engine row is a cold race with every mode and the default config.',
        ]
      : []),
    ...rows.flatMap((r) =>
      r.errors.length > 0 ? ['', `Failures of ${r.strategy ?? 'engine'} (first ${r.errors.length}): ${r.errors.map((e) => `\`${e}\``).join('; ')}`] : [],
    ),
    ...scaleSeriesTable(result),
  ].join('\n');
}

/** The idle sessions of the largest scale, engine and floor side by side. */
function idleRows(step: NonNullable<BenchResult['scaleSeries']>[number] | undefined): string[] {
  const e = step?.engine.idle;
  const f = step?.floor.idle;
  if (!e || !f) return [];
  const x = (a: number, b: number): string => (b > 0 ? `${Math.round((a / b) * 100) / 100} ×` : '–');
  return [
    '',
    `Idle live sessions after the ${step?.cameras}-camera connects, held ${e.windowMs} ms:`,
    '',
    '| who keeps them | sessions | still open | heap / session (after GC) | RSS / session | keepalive CPU per 1,000 sessions per second |',
    '|---|---:|---:|---:|---:|---:|',
    `| engine (Session) | ${e.sessions} | ${e.open} | ${e.heapPerSessionKb} KB | ${e.rssPerSessionKb} KB | ${e.cpuMsPerThousandPerSecond} ms |`,
    `| floor | ${f.sessions} | ${f.open} | ${f.heapPerSessionKb} KB | ${f.rssPerSessionKb} KB | ${f.cpuMsPerThousandPerSecond} ms |`,
    `| engine / floor | | | ${x(e.heapPerSessionKb, f.heapPerSessionKb)} | ${x(e.rssPerSessionKb, f.rssPerSessionKb)} | ${x(e.cpuMsPerThousandPerSecond, f.cpuMsPerThousandPerSecond)} |`,
  ];
}

/** ` (min–max)` of the repeated runs of a row (medianRun), or nothing for a single run; `extra` goes inside the brackets. */
function range(values: readonly (number | null)[] | undefined, show: (v: number) => string, extra = ''): string {
  const known = (values ?? []).filter((v): v is number => v !== null);
  if (known.length < 2) return '';
  return ` (${show(Math.min(...known))}–${show(Math.max(...known))}${extra})`;
}

/** Every scale of the series (issue 16): who connects, time, CPU of both processes, which one bounded the figures. */
function scaleSeriesTable(result: BenchResult): string[] {
  const series = result.scaleSeries ?? [];
  if (series.length === 0) return [];
  const repeats = series[0].engine.repeats?.cpuMsPerConnect.length ?? 1;
  const share = (v: number | null): string => (v === null ? '–' : `${Math.round(v * 100)} %`);
  const rows = series.flatMap((step) =>
    SCALE_STRATEGIES.map((strategy) => {
      const r = step[strategy];
      return `| ${step.cameras} | ${strategy} | ${r.connected} | ${num(r.timeToConnectMs.p50)} ms | ${num(r.timeToConnectMs.p99)} ms${range(r.repeats?.p99Ms, (v) => num(v), `, median ${num(medianP99(r))}`)} | ${r.cpuMsPerConnect} ms${range(r.repeats?.cpuMsPerConnect, String)} | ${r.simCpuMsPerConnect ?? '–'} ms | ${share(r.clientCpuShare)} / ${share(r.simCpuShare)} | ${r.bound} | ${num(r.socketsPerConnect)} / ${num(r.datagramsPerConnect)} | ${r.expiredAfterProgress} |`;
    }),
  );
  return [
    '',
    repeats > 1
      ? `Every scale (a fresh simulator for each run; each row is the run with the median CPU per connect of ${repeats} interleaved runs (each repetition starting with the next strategy), the range of the runs in brackets, for p99 also their median; the comparison with the sequential baseline in Targets takes the medians):`
      : 'Every scale (a fresh simulator for each row):',
    '',
    '| cameras | who connects | connected | p50 | p99 | CPU / connect | sim CPU / connect | CPU share client / sim | bound by | sockets / datagrams per connect | expired after progress |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|',
    ...rows,
    ...idleRows(series.at(-1)),
    '',
    `*CPU share*: CPU time over the wall time of the connects, in % of one core; a process at ≥ ${Math.round(SATURATED_SHARE * 100)} % had no time left and bounded the row (*neither*: both had time to spare, the figures are latency). *sequential*: the seed's baseline (\`sequentialRace\`) with the same config. *expired after progress*: attempts that had heard from a server, relay or the camera and were ended by their attempt timeout.`,
  ];
}

export function learningLine(result: BenchResult): string {
  const drift = result.scenarios.find((s) => s.learning)?.learning;
  if (!drift) return '';
  return [
    `Scenario 7 learning curve (winner per trial, l = LAN, p = P2P, r = relay, x = failed; LAN down from trial ${drift.downFrom + 1} to ${drift.returnsAt}, back from trial ${drift.returnsAt + 1}):`,
    '',
    `- warm: \`${drift.warm}\``,
    `- cold: \`${drift.cold}\``,
  ].join('\n');
}

export function targetList(result: BenchResult): string {
  return result.targets.map((t) => `- ${t.met === null ? 'not measured' : t.met ? '**met**' : '**missed**'}: ${t.target} — measured ${t.measured}`).join('\n');
}

export function definitionList(result: BenchResult): string {
  const scenarios = result.scenarios.map((s) => `${s.number}. **${s.title}** (${s.modes.join(', ')}; LAN ports: ${s.ports}): ${s.how}.`);
  for (const skipped of result.skippedScenarios ?? []) scenarios.push(`${skipped.number}. **${skipped.title}** (${skipped.reason}): ${skipped.how}.`);
  const defs = Object.entries(result.definitions).map(([k, v]) => `- **${k}**: ${v}.`);
  return [...scenarios, '', ...defs].join('\n');
}

/** Remarks derived from the figures (so they stay true when the figures change). */
export function notes(result: BenchResult): string {
  const lines: string[] = [];
  const load = result.machine.loadAverage1m;
  const peak = load ? Math.max(load.start, load.end, load.max ?? 0) : 0;
  if (peak > result.machine.cpus) {
    lines.push(
      `The machine was overloaded during this run (1-minute load average up to ${peak.toFixed(2)} on ${result.machine.cpus} cores, from other jobs): every time here is slower than on an idle machine, the CPU-bound scale run most of all, and the p95/p99 columns carry scheduling delays.`,
    );
  }
  const s4 = result.scenarios.find((s) => s.id === 'fourth-port');
  const r4 = s4?.strategies.warm.regretMs?.p50;
  if (s4 && r4 !== undefined && r4 !== null && r4 < 0) {
    lines.push(
      `Scenario 4: the warm engine is faster than the oracle (regret p50 ${r4} ms): it learned the camera's port and tries it first (lanPortOrder), while the oracle races each mode with the configured port order.`,
    );
  }
  const slower = result.scenarios.filter((s) => (s.strategies.warm.timeToConnectMs.p95 ?? 0) > (s.strategies.cold.timeToConnectMs.p95 ?? 0) * 1.2);
  if (slower.length > 0) {
    lines.push(
      `The warm engine's p95 is above the cold engine's in ${slower.map((s) => `scenario ${s.number} (${s.strategies.warm.timeToConnectMs.p95} vs ${s.strategies.cold.timeToConnectMs.p95} ms)`).join(', ')}: it holds the followers back by the learned stagger, so in a trial where LAN fails P2P starts that much later.${slower.every((s) => (s.strategies.warm.packetsPerConnect ?? Infinity) < (s.strategies.cold.packetsPerConnect ?? 0)) ? ' In exchange it sends fewer datagrams there (packets / connect column).' : ''}`,
    );
  }
  const s5 = result.scenarios.find((s) => s.id === 'lan-loss');
  if (s5) {
    const o = s5.raw.oracle;
    const wrong = (['cold', 'warm'] as const).flatMap((st) =>
      s5.raw[st].flatMap((ms, i) =>
        ms >= 0 && o[i] >= 0 && s5.winners[st][i] !== s5.winners.oracle[i] && ms - o[i] > Math.max(1, o[i] * 0.1)
          ? [`${s5.winners[st][i]}${s5.winners.oracle[i]}`]
          : [],
      ),
    );
    const p2pOverLan = wrong.filter((w) => w === 'pl').length;
    if (wrong.length > 0) {
      lines.push(
        `Scenario 5: ${p2pOverLan} of the ${wrong.length} wrong wins (cold and warm together) are P2P wins in trials whose LAN-alone oracle run was faster. Every run of a trial faces the same losses (the simulator keys each datagram's fate by trial, socket, peer, message type and index: common random numbers, src/sim/path.ts), so these are trials in which the race sent other datagrams than the LAN-alone run and so met other fates.`,
      );
    }
  }
  const byId = (id: string) => result.scenarios.find((s) => s.id === id);
  const pairs = [
    [byId('nat-p2p'), byId('lan-down'), 'P2P'],
    [byId('nat-relay'), byId('relay-only'), 'relay'],
  ] as const;
  const compared = pairs.flatMap(([nat, loop, mode]) =>
    nat && loop
      ? [
          `scenario ${nat.number} ${nat.strategies.cold.timeToConnectMs.p50} ms against scenario ${loop.number}'s ${loop.strategies.cold.timeToConnectMs.p50} ms (${mode})`,
        ]
      : [],
  );
  if (compared.length > 0) {
    lines.push(
      `Scenarios 9 and 11 are scenarios 2 and 3 across real NAT (the same path delays, the camera's LAN address a black hole from the client's LAN); engine cold p50 ${compared.join(', ')}: the difference is what the real deployment adds (separate processes on separate hosts, the routers' NAT, firewalls and conntrack in every path, the punches through them).`,
    );
  }
  // The NAT scenarios whose scene has loss (bench/nat.ts), not guessed from the id.
  const natLoss = result.scenarios.filter((s) => s.network === 'nat' && (NAT_SCENARIOS.find((n) => n.id === s.id)?.scene.loss ?? 0) > 0);
  const natRandom = natLoss.filter((s) => s.randomLoss);
  const natKeyed = natLoss.filter((s) => !s.randomLoss);
  const numbers = (list: readonly ScenarioResult[]): string => `${list.length === 1 ? 'Scenario' : 'Scenarios'} ${list.map((s) => s.number).join(' and ')}`;
  if (natRandom.length > 0) {
    // Results written before the NAT loss was keyed by trial.
    lines.push(
      `${numbers(natRandom)}: unlike the loopback scenarios, whose runs of a trial face the same losses, the kernel drew this loss anew for every datagram of every run (nftables \`numgen random\`), so a negative regret or a wrong win means the engine's race was luckier (or unluckier) than the oracle's runs of the same trial, not that it beat the best mode.`,
    );
  }
  if (natKeyed.length > 0) {
    lines.push(
      `${numbers(natKeyed)}: the kernel keys its loss by trial as the loopback simulator does (bench/testbed/internet-loss.ts), as far as a kernel rule can: not by the client's own port, which is new in every run, so only a run's first socket to each remote end and first message type meets keyed loss, a later one (a retry from a fresh socket) random loss, and the camera's long-lived registration flow carries other datagrams in each run. A wrong win or a negative regret there is mostly the strategy, partly luck.`,
    );
  }
  return lines.map((l) => `- ${l}`).join('\n');
}

/** bench/results/latest.md */
export function renderReport(result: BenchResult): string {
  return [
    '# trailcam benchmark: latest results',
    '',
    runLine(result),
    '',
    '![chart](latest.svg)',
    '',
    '## Time to connect',
    '',
    mainTable(result),
    '',
    learningLine(result),
    '',
    'Notes:',
    '',
    notes(result),
    '',
    '## Scale',
    '',
    scaleTable(result),
    '',
    "## Targets (issue #6; the NAT scenarios' from issue 12)",
    '',
    targetList(result),
    '',
    '## How it is measured',
    '',
    definitionList(result),
    '',
  ].join('\n');
}

/** What goes between the README's bench markers. */
export function renderReadmeSection(result: BenchResult): string {
  return [
    "`npm run bench` (or `trailcam bench`, `--quick` for a short run, `--json` for the figures) races against the simulator on 127.0.0.1 (scenarios 1-8) and, as root with `ip netns`, nftables and conntrack, across real Linux NAT routers in network namespaces (scenarios 9-12, the network test tier's bed; elsewhere they are listed as skipped with what is missing, `--nat off` skips them), and writes `bench/results/latest.md`, `latest.svg` and `latest.json` (a `--quick` run writes them to `bench/results/quick/`, which git ignores). Definitions of every column and scenario: [bench/results/latest.md](bench/results/latest.md).",
    '',
    runLine(result),
    '',
    mainTable(result),
    '',
    '![chart](bench/results/latest.svg)',
    '',
    learningLine(result),
    '',
    'Notes:',
    '',
    notes(result),
    '',
    'Scale run:',
    '',
    scaleTable(result),
    '',
    'Targets of issue #6 (and of issue 12 for the NAT scenarios) against these figures:',
    '',
    targetList(result),
  ].join('\n');
}

/** What the CLI prints without --json. */
export function renderSummary(result: BenchResult): string {
  return [
    runLine(result),
    '',
    mainTable(result),
    '',
    learningLine(result),
    '',
    scaleTable(result),
    '',
    targetList(result),
    '',
    ...result.files.map((f) => `written: ${f}`),
  ].join('\n');
}
