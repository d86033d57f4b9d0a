import { validateRaceConfig, type Mode, type RaceConfig } from '../src/engine';
import type { PathPlan, PortLayout } from './scenarios';
import { startSimChild } from './sim-child';

/** Maximum connection time of every strategy (the seed's MAX_CONNECTION_TIME). */
export const MAX_CONNECTION_TIME_MS = 30_000;

/**
 * One simulator (camera, rendezvous server, relay on 127.0.0.1) in a child process of its own
 * (bench/sim-process.ts), plus, for the 4th-port and default-shaped layouts, silent loopback
 * sockets in that process, and the race config that reaches the camera. In its own process the
 * simulator's camera and servers do not answer the racers on the engine's thread: on one thread
 * the rendezvous server's and the relay's answers to P2P and relay landed inside the LAN round
 * trip and made an all-modes race 0.25 ms slower at p50 than a LAN-only one (300 alternating
 * connects), which is the simulator's CPU, not the engine's (the scale run does the same).
 * Every change (paths, a run's key) is acknowledged before the call resolves, so a race never
 * starts before its conditions hold.
 */
export interface Environment {
  /** LAN destination ports, in configured order. */
  readonly ports: readonly number[];
  /** A validated race config for this camera (all on loopback). */
  config(modes: readonly Mode[]): RaceConfig;
  /** Sets every path's impairments (replacing the previous ones). */
  apply(paths: PathPlan): Promise<void>;
  /** Keys the impairments by `key` from now on (Simulation.beginRun: common random numbers). */
  beginRun(key: number): Promise<void>;
  /** How many sessions the camera has opened so far. */
  sessionsOpened(): Promise<number>;
  /** The camera's live sessions among those opened after `opened` (a sessionsOpened() value). */
  liveSessionsOpenedAfter(opened: number): Promise<number>;
  close(): Promise<void>;
}

/** What one environment is built from. */
export interface EnvironmentSpec {
  seed: number;
  layout: PortLayout;
  paths: PathPlan;
  camera?: 'fast' | 'real';
}

/** One environment in a child process of its own (a loopback scenario's phase A). */
export async function openEnvironment(spec: EnvironmentSpec): Promise<Environment> {
  const { environments, close } = await openEnvironments([spec]);
  return { ...environments[0], close };
}

/**
 * Several environments, each its own simulator, all in one child process (the sequential
 * baseline's conditions): then the baseline, like the engine in phase A, races against one
 * process besides its own; a child per condition put up to nine processes on two cores, and the
 * scheduling made the baseline's LAN handshake in scenario 1 0.5 ms slower at p50 than the same
 * one-port race in phase A (the oracle's). `close` ends them all; an environment's own `close`
 * does nothing here.
 */
export async function openEnvironments(specs: readonly EnvironmentSpec[]): Promise<{ environments: Environment[]; close(): Promise<void> }> {
  const silentCount = (layout: PortLayout): number => (layout === 'fourth' ? 3 : layout === 'default' ? 4 : 0);
  const sim = await startSimChild(
    specs.map((spec) => ({ cameras: 1, seed: spec.seed, paths: spec.paths, camera: spec.camera ?? 'fast', silentPorts: silentCount(spec.layout) })),
  );
  const count = async (value: Promise<number | null>): Promise<number> => {
    const n = await value;
    if (n === null) throw new Error('bench simulator: no count in its answer');
    return n;
  };
  const environments = specs.map((spec, index): Environment => {
    const ready = sim.simulations[index];
    const camera = ready.cameras[0];
    const quiet = ready.silentPorts;
    // 'default': shaped like ENGINE_DEFAULTS.ports (40611, 32100, 32108, 10000, 80, 57743).
    const ports = spec.layout === 'default' ? [camera.sessionPort, quiet[0], camera.searchPort, ...quiet.slice(1)] : [...quiet, camera.sessionPort];
    return {
      ports,
      config: (modes) =>
        validateRaceConfig({
          host: '127.0.0.1',
          did: camera.did,
          ports: [...ports],
          servers: ready.servers,
          modes: [...modes],
          bindAddress: '127.0.0.1',
          maxConnectionTimeMs: MAX_CONNECTION_TIME_MS,
        }),
      apply: async (paths) => void (await sim.request({ sim: index, op: 'apply', paths })),
      beginRun: async (key) => void (await sim.request({ sim: index, op: 'beginRun', key })),
      sessionsOpened: () => count(sim.request({ sim: index, op: 'sessionsOpened' })),
      liveSessionsOpenedAfter: (opened) => count(sim.request({ sim: index, op: 'liveSessionsOpenedAfter', opened })),
      close: async () => undefined,
    };
  });
  return { environments, close: () => sim.close() };
}
