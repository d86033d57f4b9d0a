import type { Mode } from '../src/engine';
import { HEALTHY_PATH, PATH_NAMES, seededRandom, type PathName, type PathSettings } from '../src/sim';

/** Impairments of every path during one trial. */
export type PathPlan = Record<PathName, PathSettings>;

/** What one trial runs under: the path impairments, and a key for grouping trials alike. */
export interface Condition {
  key: string;
  paths: PathPlan;
}

/** Where the camera answers: on the only configured LAN port, or on the 4th of four. */
export type PortLayout = 'camera' | 'fourth';

export interface Scenario {
  number: number;
  id: string;
  title: string;
  /** How the scenario is produced on the simulator (printed in the report). */
  how: string;
  modes: Mode[];
  layout: PortLayout;
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

export const NOMINAL_TEXT = 'fixed one-way delay per datagram and direction: LAN 0.5 ms, P2P 10 ms, relay 25 ms (round trips ~1 / 20 / 50 ms; the rendezvous server is not delayed; no jitter, so the regret is not drowned in it)';

function condition(key: string, changes: Partial<Record<PathName, Partial<PathSettings>>> = {}): Condition {
  const paths = Object.fromEntries(PATH_NAMES.map((name) => [name, { ...NOMINAL[name], ...(changes[name] ?? {}) }])) as PathPlan;
  return { key, paths };
}

const UP = condition('nominal');
const LAN_DOWN = condition('lan-down', { lan: { down: true } });
const RELAY_ONLY = condition('relay-only', { lan: { down: true }, p2p: { down: true } });
const LAN_LOSS = condition('lan-loss-20', { lan: { loss: 0.2 } });

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
];

/** The seeded PRNG of one scenario's plan. */
export function scenarioRandom(seed: number, scenario: Scenario): () => number {
  return seededRandom((seed * 7919 + scenario.number * 104_729) >>> 0);
}
