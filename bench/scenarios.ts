import type { Mode } from '../src/engine';
import { HEALTHY_PATH, PATH_NAMES, REAL_LAN_PATH, seededRandom, type PathName, type PathSettings } from '../src/sim';

/** Impairments of every path during one trial. */
export type PathPlan = Record<PathName, PathSettings>;

/** What one trial runs under: the path impairments, and a key for grouping trials alike. */
export interface Condition {
  key: string;
  paths: PathPlan;
}

/**
 * Where the camera answers: on the only configured LAN port, on the 4th of four, or in a list
 * shaped like the default one (40611, 32100, 32108, 10000, 80, 57743): the camera's session port
 * first, its search port third, silent sockets for the others.
 */
export type PortLayout = 'camera' | 'fourth' | 'default';

export interface Scenario {
  number: number;
  id: string;
  title: string;
  /** How the scenario is produced on the simulator (printed in the report). */
  how: string;
  modes: Mode[];
  layout: PortLayout;
  /**
   * The simulated camera's timing: `fast` (no 0x43 burst, for comparing strategies) or `real`
   * (the KJK230's: 51 × 0x43 over ~330 ms on the search path, direct punch answered at once).
   */
  camera?: 'fast' | 'real';
  /** Count the camera's live sessions a while after every cold race (ghost sessions of losers). */
  countSessions?: boolean;
  /** Conditions of the warm-up races and of the measured trials, drawn from `random`. */
  plan(warmups: number, trials: number, random: () => number): { warmup: Condition[]; trials: Condition[] };
  /** Trials at which LAN comes back (drift), for the learning curve. */
  returnsAt?(trials: number): number;
}

/**
 * Nominal paths: one-way delay per datagram and direction, applied at the simulated end of each
 * path (so the round trips are ~1 ms LAN, ~20 ms P2P, ~50 ms relay; the rendezvous server itself
 * is not delayed). No jitter. Node timers round sub-millisecond delays up to 1 ms.
 */
export const NOMINAL: PathPlan = {
  lan: { ...HEALTHY_PATH, delayMs: 0.5 },
  p2p: { ...HEALTHY_PATH, delayMs: 10 },
  relay: { ...HEALTHY_PATH, delayMs: 25 },
};

export const NOMINAL_TEXT =
  'fixed one-way delay per datagram and direction: LAN 0.5 ms, P2P 10 ms, relay 25 ms (round trips ~1 / 20 / 50 ms; the rendezvous server is not delayed; no jitter, so the regret is not drowned in it)';

function condition(key: string, changes: Partial<Record<PathName, Partial<PathSettings>>> = {}): Condition {
  const paths = Object.fromEntries(PATH_NAMES.map((name) => [name, { ...NOMINAL[name], ...(changes[name] ?? {}) }])) as PathPlan;
  return { key, paths };
}

const UP = condition('nominal');
const LAN_DOWN = condition('lan-down', { lan: { down: true } });
const RELAY_ONLY = condition('relay-only', { lan: { down: true }, p2p: { down: true } });
const LAN_LOSS = condition('lan-loss-20', { lan: { loss: 0.2 } });
const REAL_LAN = condition('real-lan', { lan: { ...REAL_LAN_PATH } });

/** The vendor app's own LAN connect time on the real KJK230 (its REPORT_SESSION_READY reports, 7 sessions, pppp.md §6.1 step 6). */
export const VENDOR_APP_LAN_MS = { min: 325, max: 547 } as const;

const fixed = (c: Condition) => (warmups: number, trials: number) => ({
  warmup: Array.from({ length: warmups }, () => c),
  trials: Array.from({ length: trials }, () => c),
});

/** Probability that LAN fails for a whole trial in the flaky scenario. */
export const FLAKY_LAN_FAILURE = 0.3;

/** Drift: trials [0, downFrom) LAN up, [downFrom, returnsAt) LAN down, [returnsAt, n) up again. */
export function driftPhases(trials: number): { downFrom: number; returnsAt: number } {
  const downFrom = Math.floor(trials * 0.2);
  const returnsAt = Math.min(trials - 1, downFrom + Math.max(1, Math.round(trials * 0.4)));
  return { downFrom, returnsAt: Math.max(downFrom, returnsAt) };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    number: 1,
    id: 'all-up',
    title: 'all paths up',
    how: `every path up; ${NOMINAL_TEXT}`,
    modes: ['lan', 'p2p', 'relay'],
    layout: 'camera',
    plan: fixed(UP),
  },
  {
    number: 2,
    id: 'lan-down',
    title: 'LAN down',
    how: 'LAN path a black hole (datagrams dropped, ports open); P2P and relay nominal',
    modes: ['lan', 'p2p', 'relay'],
    layout: 'camera',
    plan: fixed(LAN_DOWN),
  },
  {
    number: 3,
    id: 'relay-only',
    title: 'LAN and P2P down',
    how: 'LAN and P2P paths black holes; relay nominal',
    modes: ['lan', 'p2p', 'relay'],
    layout: 'camera',
    plan: fixed(RELAY_ONLY),
  },
  {
    number: 4,
    id: 'fourth-port',
    title: 'camera on the 4th port',
    how: 'LAN only; port list = three silent loopback sockets reserved by the bench, then the camera session port; nominal LAN path',
    modes: ['lan'],
    layout: 'fourth',
    plan: fixed(UP),
  },
  {
    number: 5,
    id: 'lan-loss',
    title: 'LAN 20 % loss',
    how: 'LAN path drops 20 % of datagrams each direction (seeded); P2P and relay nominal',
    modes: ['lan', 'p2p', 'relay'],
    layout: 'camera',
    plan: fixed(LAN_LOSS),
  },
  {
    number: 6,
    id: 'flaky',
    title: 'flaky LAN (30 %)',
    how: `each trial (and warm-up race) draws from a seeded PRNG: with probability ${FLAKY_LAN_FAILURE} the LAN path is a black hole for that whole trial, otherwise nominal; every strategy of a trial sees the same draw`,
    modes: ['lan', 'p2p', 'relay'],
    layout: 'camera',
    plan: (warmups, trials, random) => {
      const draw = (): Condition => (random() < FLAKY_LAN_FAILURE ? LAN_DOWN : UP);
      return { warmup: Array.from({ length: warmups }, draw), trials: Array.from({ length: trials }, draw) };
    },
  },
  {
    number: 7,
    id: 'drift',
    title: 'drift: LAN down, then back',
    how: 'warm-up with every path up; trials: the first 20 % nominal, the next 40 % LAN a black hole, the rest nominal again (the warm engine keeps learning throughout)',
    modes: ['lan', 'p2p', 'relay'],
    layout: 'camera',
    plan: (warmups, trials) => {
      const { downFrom, returnsAt } = driftPhases(trials);
      return {
        warmup: Array.from({ length: warmups }, () => UP),
        trials: Array.from({ length: trials }, (_, i) => (i >= downFrom && i < returnsAt ? LAN_DOWN : UP)),
      };
    },
    returnsAt: (trials) => driftPhases(trials).returnsAt,
  },
  {
    number: 8,
    id: 'real-camera',
    title: 'real camera timing',
    how: `the real KJK230's timing (pppp.md §6.1, §6.1b): a direct punch to the session port is answered with P2P_RDY at once (one round trip), the search path (LAN_SEARCH, PUNCH_PKT, echo) takes the 51 × 0x43 burst over ~330 ms first, the camera answers LAN_SEARCH on its session port too; LAN ${REAL_LAN_PATH.delayMs} ± ${REAL_LAN_PATH.jitterMs} ms each way (1-5 ms round trips), P2P and relay nominal; every mode, default-shaped port list (session port first, search port third, 4 silent ports); the camera's live sessions are counted 400 ms after every cold race (past the burst), before the link is closed. The vendor app connects to this camera in ${VENDOR_APP_LAN_MS.min}-${VENDOR_APP_LAN_MS.max} ms`,
    modes: ['lan', 'p2p', 'relay'],
    layout: 'default',
    camera: 'real',
    countSessions: true,
    plan: fixed(REAL_LAN),
  },
];

/** The seeded PRNG of one scenario's plan. */
export function scenarioRandom(seed: number, scenario: Scenario): () => number {
  return seededRandom((seed * 7919 + scenario.number * 104_729) >>> 0);
}
