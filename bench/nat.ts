import { resolve } from 'node:path';
import type { Mode } from '../src/engine';
import type { TrialRecord } from './analyse';
import { MAX_CONNECTION_TIME_MS } from './environment';
import type { NatClientJob, NatClientReport } from './nat-client';
import { NOMINAL } from './scenarios';
import { deploy, DID, SERVER, type Scene } from './testbed/deploy';
import { runIn, stopAll, type Part } from './testbed/hosts';
import { unavailableReason } from './testbed/netns';
import type { LossRouters } from './testbed/internet-loss';
import { ADDRESSES as A, createTestbed, type Testbed } from './testbed/testbed';

/**
 * The bench's NAT scenarios: the same strategies and columns as the loopback scenarios, but the
 * camera, rendezvous server and relay run as separate `trailcam sim --part` processes on their
 * own hosts behind real Linux NAT (network namespaces and nftables, bench/testbed/, the same bed
 * and deployment as the network test tier test/net), and the client races from its own LAN
 * (bench/nat-client.ts in the client namespace). They run only as root with `ip netns`, nftables
 * and conntrack; elsewhere each is reported as skipped with what is missing.
 */

/** The camera part's session port (trailcam sim's default, the KJK230's 40611). */
const CAMERA_SESSION_PORT = 40611;

export interface NatScenario {
  number: number;
  id: string;
  title: string;
  how: string;
  modes: Mode[];
  /** The winner the scene is built for (the scenario's point; reported, not asserted here). */
  expected: Mode;
  scene: Scene;
}

const PATHS = `P2P ${NOMINAL.p2p.delayMs} ms and relay ${NOMINAL.relay.delayMs} ms one-way delay added by the camera and relay parts (as the loopback scenarios' nominal paths; the bed itself has ~0 ms round trips and no netem)`;
const CLIENT = `the client in its own LAN (10.2.0.2 behind router natcli, port-preserving masquerade) races every mode with the camera's LAN address ${A.cam} (unreachable from there: LAN is a black hole, as in scenario 2), LAN port ${CAMERA_SESSION_PORT} only, rendezvous server ${SERVER}`;
const LOSS =
  "10 % UDP loss on both internet links, each direction, keyed by the trial: each datagram's fate is a hash of the trial, the link and direction, the flow's remote end (never the client's own port, new in every run), the message type and the datagram's index in its conntrack flow (nftables jhash into the packet mark, dropped at the link's egress; bench/testbed/internet-loss.ts) for the run's first flow to each remote end and first message type, drawn at random for a later one (a retry socket), so the cold race, the warm race and the oracle's runs of a trial meet the same losses where they send the same datagrams; the sequential baseline, whose trials overlap, meets loss drawn at random (numgen random)";
const FIREWALLS = 'home-router firewalls on both routers (unsolicited inbound on wan dropped)';

/** Built on the bed only where it can be; numbered after the loopback scenarios. */
export const NAT_SCENARIOS: readonly NatScenario[] = [
  {
    number: 9,
    id: 'nat-p2p',
    title: 'NAT: P2P by hole punching',
    how: `camera behind router natcam with port-preserving masquerade, ${FIREWALLS}; ${CLIENT}; ${PATHS}; no loss`,
    modes: ['lan', 'p2p', 'relay'],
    expected: 'p2p',
    scene: { camNat: 'preserving', cliNat: 'preserving', firewall: true, loss: 0 },
  },
  {
    number: 10,
    id: 'nat-p2p-loss',
    title: 'NAT: P2P by hole punching, 10 % loss',
    how: `as scenario 9, with ${LOSS}`,
    modes: ['lan', 'p2p', 'relay'],
    expected: 'p2p',
    scene: { camNat: 'preserving', cliNat: 'preserving', firewall: true, loss: 10 },
  },
  {
    number: 11,
    id: 'nat-relay',
    title: 'NAT: relay through symmetric NAT',
    how: `camera behind router natcam with \`masquerade fully-random\` (symmetric NAT: a new public port per 5-tuple, so hole punching fails), ${FIREWALLS}; ${CLIENT}; ${PATHS}; no loss`,
    modes: ['lan', 'p2p', 'relay'],
    expected: 'relay',
    scene: { camNat: 'symmetric', cliNat: 'preserving', firewall: true, loss: 0 },
  },
  {
    number: 12,
    id: 'nat-relay-loss',
    title: 'NAT: relay through symmetric NAT, 10 % loss',
    how: `as scenario 11, with ${LOSS}`,
    modes: ['lan', 'p2p', 'relay'],
    expected: 'relay',
    scene: { camNat: 'symmetric', cliNat: 'preserving', firewall: true, loss: 10 },
  },
];

/** A NAT scenario that could not run, and why. */
export interface SkippedScenario {
  number: number;
  id: string;
  title: string;
  how: string;
  /** "skipped: needs …" naming exactly what this machine lacks, or "skipped: --nat off". */
  reason: string;
}

export interface NatRun {
  scenario: NatScenario;
  records: TrialRecord[];
}

export interface NatOptions {
  /** 'auto': run where the machine can; 'off': skip (reported as skipped). */
  nat: 'auto' | 'off';
  trials: number;
  warmups: number;
  baselineAttemptTimeoutMs: number;
  baselineGapMs: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** dist/bench/nat-client.js (this file is dist/bench/nat.js). */
export const NAT_CLIENT = resolve(__dirname, 'nat-client.js');

/** Why the NAT scenarios do not run here, or null when they do. */
export function natSkipReason(nat: NatOptions['nat'], reason: () => string | null = unavailableReason): string | null {
  if (nat === 'off') return 'skipped: --nat off';
  const missing = reason();
  return missing === null ? null : `skipped: ${missing}`;
}

/** The skipped rows of every NAT scenario. */
export function skippedNatScenarios(reason: string): SkippedScenario[] {
  return NAT_SCENARIOS.map(({ number, id, title, how }) => ({ number, id, title, how, reason }));
}

/**
 * The client job of one scenario: every mode, the camera's LAN address, the bed's rendezvous
 * server, and (when the scene has loss) the routers the client keys that loss in, by run.
 */
export function natJob(
  scenario: NatScenario,
  options: Pick<NatOptions, 'trials' | 'warmups' | 'baselineAttemptTimeoutMs' | 'baselineGapMs'>,
  routers?: LossRouters,
): NatClientJob {
  return {
    race: { host: A.cam, did: DID, ports: [CAMERA_SESSION_PORT], servers: [SERVER], modes: [...scenario.modes], maxConnectionTimeMs: MAX_CONNECTION_TIME_MS },
    warmups: options.warmups,
    trials: options.trials,
    condition: scenario.id,
    baselineAttemptTimeoutMs: options.baselineAttemptTimeoutMs,
    baselineGapMs: options.baselineGapMs,
    ...(routers && (scenario.scene.loss ?? 0) > 0 ? { loss: { percent: scenario.scene.loss ?? 0, routers } } : {}),
  };
}

/**
 * Longest a scenario's client may run: every race of a trial (cold, warm, oracle lead, oracle
 * rest) failing at the maximum connection time, plus the baseline (3 modes × its attempt
 * timeout) and a minute of slack. A hung client is killed there, never waited for.
 */
function clientTimeoutMs(options: Pick<NatOptions, 'trials' | 'warmups' | 'baselineAttemptTimeoutMs'>): number {
  return (options.warmups + 4 * options.trials) * MAX_CONNECTION_TIME_MS + 3 * options.baselineAttemptTimeoutMs + 60_000;
}

/** Runs one scenario on the bed: routers set up, parts started, the client's trials, parts stopped. */
async function runScenario(bed: Testbed, scenario: NatScenario, options: NatOptions): Promise<TrialRecord[]> {
  const parts: Part[] = [];
  try {
    await deploy(bed, parts, { ...scenario.scene, p2pDelayMs: NOMINAL.p2p.delayMs, relayDelayMs: NOMINAL.relay.delayMs });
    const run = await runIn(bed.ns.cli, [NAT_CLIENT, JSON.stringify(natJob(scenario, options, bed.lossRouters))], clientTimeoutMs(options), options.signal);
    options.signal?.throwIfAborted();
    const report = run.json as NatClientReport | null;
    if (run.code !== 0 || !report?.records) {
      const partLogs = parts
        .map((p) => p.stderr().trim())
        .filter(Boolean)
        .join(' | ');
      throw new Error(
        `NAT scenario ${scenario.number} (${scenario.id}): the client failed (exit ${run.code}): ${report?.error ?? run.stdout.trim()} ${run.stderr.trim()} ${partLogs}`.trim(),
      );
    }
    return report.records;
  } finally {
    await Promise.all(parts.map((p) => p.stop()));
  }
}

/**
 * Builds the bed, runs every NAT scenario on it and deletes it again (every namespace, and every
 * process in them, on every path: here in `finally`; on exit and SIGINT/SIGTERM by
 * bench/testbed/netns.ts; a killed run's leftovers by the next run's sweep).
 */
export async function runNatScenarios(options: NatOptions): Promise<{ runs: NatRun[]; skipped: SkippedScenario[] }> {
  const skip = natSkipReason(options.nat);
  if (skip !== null) {
    options.log?.(`NAT scenarios ${skip}`);
    return { runs: [], skipped: skippedNatScenarios(skip) };
  }
  const runs: NatRun[] = [];
  const bed = createTestbed();
  try {
    for (const scenario of NAT_SCENARIOS) {
      options.signal?.throwIfAborted();
      const t0 = Date.now();
      runs.push({ scenario, records: await runScenario(bed, scenario, options) });
      options.log?.(`scenario ${scenario.number} (${scenario.title}): cold/warm/oracle and sequential, ${options.trials} trials in ${Date.now() - t0} ms`);
    }
  } finally {
    await stopAll();
    bed.destroy();
  }
  return { runs, skipped: [] };
}
