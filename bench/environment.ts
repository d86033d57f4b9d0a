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

export async function openEnvironment(options: { seed: number; layout: PortLayout; paths: PathPlan; camera?: 'fast' | 'real' }): Promise<Environment> {
  const silentCount = options.layout === 'fourth' ? 3 : options.layout === 'default' ? 4 : 0;
  const sim = await startSimChild({ cameras: 1, seed: options.seed, paths: options.paths, camera: options.camera ?? 'fast', silentPorts: silentCount });
  const camera = sim.ready.cameras[0];
  const quiet = sim.ready.silentPorts;
  // 'default': shaped like ENGINE_DEFAULTS.ports (40611, 32100, 32108, 10000, 80, 57743).
  const ports = options.layout === 'default' ? [camera.sessionPort, quiet[0], camera.searchPort, ...quiet.slice(1)] : [...quiet, camera.sessionPort];
  const count = async (value: Promise<number | null>): Promise<number> => {
    const n = await value;
    if (n === null) throw new Error('bench simulator: no count in its answer');
    return n;
  };
  return {
    ports,
    config: (modes) =>
      validateRaceConfig({
        host: '127.0.0.1',
        did: camera.did,
        ports: [...ports],
        servers: sim.ready.servers,
        modes: [...modes],
        bindAddress: '127.0.0.1',
        maxConnectionTimeMs: MAX_CONNECTION_TIME_MS,
      }),
    apply: async (paths) => void (await sim.request({ op: 'apply', paths })),
    beginRun: async (key) => void (await sim.request({ op: 'beginRun', key })),
    sessionsOpened: () => count(sim.request({ op: 'sessionsOpened' })),
    liveSessionsOpenedAfter: (opened) => count(sim.request({ op: 'liveSessionsOpenedAfter', opened })),
    close: () => sim.close(),
  };
}
