import type { BenchResult, ScenarioResult } from './run';
import { NAT_SCENARIOS } from './nat';
import { medianP99 } from './scale';
import { VENDOR_APP_LAN_MS } from './scenarios';

/** One target of issue #6 with the measured figure. */
export interface TargetResult {
  id: string;
  target: string;
  met: boolean | null;
  measured: string;
}

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? 'n/a' : `${v} ms`);
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? 'n/a' : `${Math.round(v * 1000) / 10} %`);

/**
 * The network tier's bound on the relay's p95 through symmetric NAT with 10 % loss
 * (test/net/net.test.ts BOUND.relayLossP95: 5 steps × 2 × 40 ms + two resends of 500 ms, doubled).
 */
export const NAT_RELAY_LOSS_P95_MS = 3_000;

/** Idle sessions may cost this multiple of the idle floor's RSS and CPU (issue 16: a target derived from the floor). */
export const IDLE_FACTOR = 2;

/** Races after LAN returns within which the warm engine must win on LAN again ("a few"). */
export const FEW_RACES = 3;

export function evaluateTargets(result: Pick<BenchResult, 'scenarios' | 'scale'> & Partial<Pick<BenchResult, 'floorScale' | 'scaleSeries'>>): TargetResult[] {
  const targets: TargetResult[] = [];
  const byNumber = (n: number): ScenarioResult | undefined => result.scenarios.find((s) => s.number === n);
  for (const n of [1, 2, 3]) {
    const s = byNumber(n);
    if (!s) continue;
    for (const strategy of ['cold', 'warm'] as const) {
      const regret = s.strategies[strategy].regretMs?.p50 ?? null;
      targets.push({
        id: `regret-s${n}-${strategy}`,
        target: `scenario ${n} (${s.title}), engine ${strategy}: regret p50 ≤ 2 ms`,
        met: regret === null ? null : regret <= 2,
        measured: `regret p50 ${ms(regret)} (engine p50 ${ms(s.strategies[strategy].timeToConnectMs.p50)}, oracle p50 ${ms(s.strategies.oracle.timeToConnectMs.p50)})`,
      });
    }
  }
  const s4 = byNumber(4);
  if (s4) {
    const seq = s4.strategies.sequential.timeToConnectMs.p50;
    for (const strategy of ['cold', 'warm'] as const) {
      const engine = s4.strategies[strategy].timeToConnectMs.p50;
      const ratio = seq !== null && engine !== null && engine > 0 ? Math.round((seq / engine) * 10) / 10 : null;
      targets.push({
        id: `fourth-port-${strategy}`,
        target: `scenario 4, engine ${strategy}: ≥ 10× faster than the sequential baseline at p50`,
        met: ratio === null ? null : ratio >= 10,
        measured: ratio === null ? 'n/a' : `${ratio}× (engine p50 ${ms(engine)}, sequential p50 ${ms(seq)})`,
      });
    }
  }
  // Issue 16: ahead of the sequential baseline in every loopback and NAT scenario, cold and warm.
  const compared = result.scenarios.filter((s) => s.strategies.sequential.timeToConnectMs.p99 !== null);
  if (compared.length > 0) {
    const behind = compared.flatMap((s) =>
      (['cold', 'warm'] as const).flatMap((strategy) => {
        const engine = s.strategies[strategy].timeToConnectMs.p99;
        const seq = s.strategies.sequential.timeToConnectMs.p99 as number;
        return engine === null || engine >= seq ? [`scenario ${s.number} ${strategy} (${ms(engine)} vs ${ms(seq)})`] : [];
      }),
    );
    const closest = compared
      .map((s) => ({
        s,
        gap:
          (s.strategies.sequential.timeToConnectMs.p99 as number) -
          Math.max(s.strategies.cold.timeToConnectMs.p99 ?? Infinity, s.strategies.warm.timeToConnectMs.p99 ?? Infinity),
      }))
      .sort((a, b) => a.gap - b.gap)[0];
    targets.push({
      id: 'scenarios-ahead-of-sequential',
      target: 'every scenario, engine cold and warm: p99 time to connect below the sequential baseline’s',
      met: behind.length === 0,
      measured:
        behind.length > 0
          ? `behind in ${behind.join(', ')}`
          : `ahead in all ${compared.length} scenarios; closest: scenario ${closest.s.number}, engine cold / warm p99 ${ms(closest.s.strategies.cold.timeToConnectMs.p99)} / ${ms(closest.s.strategies.warm.timeToConnectMs.p99)} vs ${ms(closest.s.strategies.sequential.timeToConnectMs.p99)}`,
    });
  }
  const s8 = byNumber(8);
  if (s8) {
    const cold = s8.strategies.cold;
    const t = cold.timeToConnectMs;
    const lanWins = cold.winners.lan ?? 0;
    const vendor = `vendor app on the real camera ${VENDOR_APP_LAN_MS.min}-${VENDOR_APP_LAN_MS.max} ms`;
    const faster = t.p50 !== null && t.p50 > 0 ? ` (${Math.round((VENDOR_APP_LAN_MS.min / t.p50) * 10) / 10}× the vendor's fastest)` : '';
    targets.push({
      id: 'real-camera-p50',
      target: 'scenario 8 (real camera timing, default config): LAN connect p50 ≤ 45 ms',
      met: t.p50 === null ? null : t.p50 <= 45 && lanWins === cold.trials,
      measured: `engine cold p50 ${ms(t.p50)}${faster}; LAN won ${lanWins} of ${cold.trials}; ${vendor}`,
    });
    targets.push({
      id: 'real-camera-p99',
      target: 'scenario 8: LAN connect p99 ≤ 60 ms',
      met: t.p99 === null ? null : t.p99 <= 60,
      measured: `engine cold p99 ${ms(t.p99)} over ${t.n} connects${t.n < 100 ? ' (fewer than 100: p99 is about the maximum)' : ''}`,
    });
    const live = s8.liveSessionsAfterRace ?? [];
    const one = live.filter((n) => n === 1).length;
    targets.push({
      id: 'real-camera-sessions',
      target: 'scenario 8: 1 live camera session after every race (no ghost sessions of losers)',
      met: live.length === 0 ? null : one === live.length,
      measured: `${one} of ${live.length} cold races left exactly 1 live session (opened by the race and still live) 400 ms after the race (per race: ${live.join(' ') || 'n/a'})`,
    });
  }
  let wrong = 0;
  let paired = 0;
  for (const s of result.scenarios) {
    const w = s.strategies.warm;
    wrong += w.wrongWinners ?? 0;
    paired += w.compared;
  }
  // A scenario with random loss (the NAT scenarios' kernel loss, drawn anew for every run) gives the
  // engine's race and the oracle's runs of a trial different losses; the figure without those is
  // given next to the overall one. Results written before the randomLoss field: scenario 5 is the
  // one with random loss (before common random numbers, its loss was drawn anew for every run too).
  const random = (s: ScenarioResult): boolean => s.randomLoss ?? s.id === 'lan-loss';
  const noLoss = result.scenarios.filter((s) => !random(s));
  const lossy = result.scenarios.filter(random).map((s) => s.number);
  const lossyText = `${lossy.length === 1 ? 'scenario' : 'scenarios'} ${lossy.join(', ')}`;
  const wrongNoLoss = noLoss.reduce((sum, s) => sum + (s.strategies.warm.wrongWinners ?? 0), 0);
  const pairedNoLoss = noLoss.reduce((sum, s) => sum + s.strategies.warm.compared, 0);
  const worst = [...result.scenarios].sort((a, b) => (b.strategies.warm.wrongWinnerRate ?? 0) - (a.strategies.warm.wrongWinnerRate ?? 0))[0];
  targets.push({
    id: 'warm-wrong-winner',
    target: 'warm engine: wrong-winner rate < 1 % (all scenarios together)',
    met: paired === 0 ? null : wrong / paired < 0.01,
    measured: `${pct(paired === 0 ? null : wrong / paired)} (${wrong} of ${paired} trials; worst: scenario ${worst?.number} ${pct(worst?.strategies.warm.wrongWinnerRate)}${
      lossy.length === 0
        ? ''
        : `; without ${lossyText}, whose random losses differ between the engine's and the oracle's runs: ${pct(pairedNoLoss === 0 ? null : wrongNoLoss / pairedNoLoss)}, ${wrongNoLoss} of ${pairedNoLoss}`
    })`,
  });
  const drift = byNumber(7)?.learning;
  if (drift) {
    targets.push({
      id: 'drift-relearn',
      target: `scenario 7: the warm engine wins on LAN again within ${FEW_RACES} races after LAN returns`,
      met: drift.warmRacesToLan === null ? false : drift.warmRacesToLan <= FEW_RACES,
      measured:
        drift.warmRacesToLan === null
          ? 'no LAN win after the return'
          : `first LAN win at race ${drift.warmRacesToLan} after the return; LAN won ${pct(drift.warmLanShareAfterReturn)} of the races after it (winners: ${drift.warm})`,
    });
  }
  for (const s of result.scenarios.filter((sc) => sc.network === 'nat')) {
    const scenario = NAT_SCENARIOS.find((n) => n.id === s.id);
    if (!scenario) continue;
    const cold = s.strategies.cold;
    const won = cold.winners[scenario.expected] ?? 0;
    const connected = Math.round(cold.successRate * cold.trials);
    // Without loss the scene decides the winner; with loss P2P may lose its punches to the relay
    // (the network tier's 10 % loss case accepts either), so there the target is that every race
    // connects. Through symmetric NAT only the relay can connect, loss or not.
    targets.push(
      (scenario.scene.loss ?? 0) > 0 && scenario.expected === 'p2p'
        ? {
            id: `${s.id}-connects`,
            target: `scenario ${s.number} (${s.title}): every cold race connects (${scenario.expected}, or the relay when loss costs the punches)`,
            met: cold.trials === 0 ? null : connected === cold.trials,
            measured: `${connected} of ${cold.trials} connected; ${scenario.expected} won ${won} (winners: ${s.winners.cold})`,
          }
        : {
            id: `${s.id}-winner`,
            target: `scenario ${s.number} (${s.title}): every cold race connects via ${scenario.expected}`,
            met: cold.trials === 0 ? null : won === cold.trials,
            measured: `${scenario.expected} won ${won} of ${cold.trials} cold races (winners: ${s.winners.cold})`,
          },
    );
    if (scenario.id === 'nat-relay-loss') {
      const p95 = cold.timeToConnectMs.p95;
      targets.push({
        id: `${s.id}-p95`,
        target: `scenario ${s.number}: relay p95 ≤ ${NAT_RELAY_LOSS_P95_MS} ms (the network test tier's bound for this case, derived there with 40 ms relay delay; here it is 25 ms)`,
        met: p95 === null ? null : p95 <= NAT_RELAY_LOSS_P95_MS,
        measured: `engine cold p95 ${ms(p95)} over ${cold.timeToConnectMs.n} connects (p50 ${ms(cold.timeToConnectMs.p50)}, max ${ms(cold.timeToConnectMs.max)})`,
      });
    }
  }
  const scale = result.scale;
  if (scale) {
    const full = scale.cameras >= 1000;
    targets.push({
      id: 'scale-connected',
      target: 'scale: 100 % of the cameras connected',
      met: scale.connected === scale.cameras,
      measured: `${scale.connected} of ${scale.cameras} (${pct(scale.successRate)})`,
    });
    targets.push({
      id: 'scale-p99',
      target: 'scale: p99 time to connect ≤ 500 ms for 1,000 cameras',
      met: full ? scale.timeToConnectMs.p99 !== null && scale.timeToConnectMs.p99 <= 500 : null,
      measured: `p99 ${ms(scale.timeToConnectMs.p99)} with ${scale.cameras} cameras${full ? '' : ' (not the 1,000 of the target: run without --quick)'}`,
    });
    targets.push({
      id: 'scale-sockets',
      target: 'scale: no leaked sockets (open UDP sockets back to the baseline after closing)',
      met: scale.socketsAfter === scale.socketsBefore,
      measured: `UDP sockets before ${scale.socketsBefore}, after ${scale.socketsAfter}; timers before ${scale.timersBefore}, after ${scale.timersAfter}`,
    });
    // Issue 16: the engine against the bare handshake (bench/floor.ts), measured side by side in one run.
    const floor = result.floorScale;
    if (floor) {
      const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b <= 0 ? null : Math.round((a / b) * 100) / 100);
      const cpu = ratio(scale.cpuMsPerConnect, floor.cpuMsPerConnect);
      const p99 = ratio(scale.timeToConnectMs.p99, floor.timeToConnectMs.p99);
      const at = `with ${scale.cameras} cameras${full ? '' : ' (not the 1,000 of the target: run without --quick)'}`;
      targets.push({
        id: 'scale-cpu-vs-floor',
        target:
          'scale: engine CPU per connect ≤ 2 × the floor’s at 1,000 cameras (default config, every mode, six LAN ports: the simulated camera’s session port first)',
        met: full && cpu !== null ? cpu <= 2 : null,
        measured: `engine ${scale.cpuMsPerConnect} ms, floor ${floor.cpuMsPerConnect} ms: ${cpu ?? '–'} × ${at}`,
      });
      targets.push({
        id: 'scale-p99-vs-floor',
        target: 'scale: engine p99 time to connect ≤ 1.5 × the floor’s p99 at 1,000 cameras',
        met: full && p99 !== null ? p99 <= 1.5 : null,
        measured: `engine p99 ${ms(scale.timeToConnectMs.p99)}, floor p99 ${ms(floor.timeToConnectMs.p99)}: ${p99 ?? '–'} × ${at}`,
      });
    }
  }
  targets.push(...seriesTargets(result.scaleSeries ?? []));
  const idle = result.scaleSeries?.at(-1);
  if (idle?.engine.idle && idle.floor.idle) {
    const e = idle.engine.idle;
    const f = idle.floor.idle;
    const x = (a: number, b: number): string => (b > 0 ? `${Math.round((a / b) * 100) / 100} ×` : '–');
    targets.push({
      id: 'idle-sessions-vs-floor',
      target: `idle sessions: heap per live session (after a full GC) and keepalive CPU each ≤ ${IDLE_FACTOR} × the floor’s (a socket, its keepalive timer and the answers the camera needs), every session still open`,
      met:
        f.heapPerSessionKb > 0 && f.cpuMsPerThousandPerSecond > 0
          ? e.heapPerSessionKb <= IDLE_FACTOR * f.heapPerSessionKb &&
            e.cpuMsPerThousandPerSecond <= IDLE_FACTOR * f.cpuMsPerThousandPerSecond &&
            e.open === e.sessions
          : null,
      measured: `${e.sessions} sessions for ${e.windowMs} ms (${e.open} still open): heap ${e.heapPerSessionKb} KB vs ${f.heapPerSessionKb} KB per session (${x(e.heapPerSessionKb, f.heapPerSessionKb)}); RSS ${e.rssPerSessionKb} KB vs ${f.rssPerSessionKb} KB (the engine's includes the heap its connect burst grew); keepalive CPU ${e.cpuMsPerThousandPerSecond} vs ${f.cpuMsPerThousandPerSecond} ms per 1,000 sessions per second (${x(e.cpuMsPerThousandPerSecond, f.cpuMsPerThousandPerSecond)})`,
    });
  }
  return targets;
}

/** Issue 16 over every scale of the series: ahead of the sequential baseline, and no progressing attempt expired. */
function seriesTargets(series: NonNullable<BenchResult['scaleSeries']>): TargetResult[] {
  if (series.length === 0) return [];
  const scales = series.map((s) => s.cameras).join(', ');
  // Medians over the interleaved runs: the p99's (medianP99) and the CPU's (the median run's own).
  const behind = series.filter((s) => {
    const engine = medianP99(s.engine);
    const sequential = medianP99(s.sequential);
    return engine === null || sequential === null || engine >= sequential || s.engine.cpuMsPerConnect >= s.sequential.cpuMsPerConnect;
  });
  const runs = series[0].engine.repeats?.p99Ms.length ?? 1;
  const figures = series
    .map(
      (s) =>
        `${s.cameras}: p99 ${ms(medianP99(s.engine))} vs ${ms(medianP99(s.sequential))}, CPU ${s.engine.cpuMsPerConnect} vs ${s.sequential.cpuMsPerConnect} ms`,
    )
    .join('; ');
  const expired = series.map((s) => `${s.cameras}: ${s.engine.expiredAfterProgress}`).join(', ');
  return [
    {
      id: 'scale-ahead-of-sequential',
      target: `scale: the engine’s p99 and CPU per connect below the sequential baseline’s at every scale (${scales} cameras)`,
      met: behind.length === 0,
      measured: `${behind.length === 0 ? 'ahead at every scale' : `behind at ${behind.map((s) => s.cameras).join(', ')}`} (engine vs sequential${runs > 1 ? `, medians of ${runs} interleaved runs` : ''}: ${figures})`,
    },
    {
      id: 'scale-no-expired-progress',
      target: `scale: no engine attempt that had heard from a server, relay or the camera was ended by its attempt timeout, at any scale (${scales} cameras)`,
      met: series.every((s) => s.engine.expiredAfterProgress === 0),
      measured: `expired after progress per scale: ${expired}`,
    },
  ];
}
