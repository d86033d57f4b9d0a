import { createSocket, type Socket } from 'node:dgram';
import { validateRaceConfig, type Mode, type RaceConfig } from '../src/engine';
import { createSimulation, PATH_NAMES, type Simulation } from '../src/sim';
import type { PathPlan, PortLayout } from './scenarios';

/** Maximum connection time of every strategy (the seed's MAX_CONNECTION_TIME). */
export const MAX_CONNECTION_TIME_MS = 30_000;

/**
 * One simulator (camera, rendezvous server, relay on 127.0.0.1) plus, for the 4th-port layout,
 * three silent loopback sockets the bench owns, and the race config that reaches the camera.
 */
export interface Environment {
  readonly sim: Simulation;
  /** LAN destination ports, in configured order. */
  readonly ports: readonly number[];
  /** A validated race config for this camera (all on loopback). */
  config(modes: readonly Mode[]): RaceConfig;
  /** Sets every path's impairments (replacing the previous ones). */
  apply(paths: PathPlan): void;
  close(): Promise<void>;
}

export async function openEnvironment(options: { seed: number; layout: PortLayout; paths: PathPlan; camera?: 'fast' | 'real' }): Promise<Environment> {
  const silent: Socket[] = [];
  const real = options.camera === 'real';
  const sim = await createSimulation({ cameras: 1, servers: 1, relays: 1, seed: options.seed, fast: !real, realTiming: real, paths: options.paths });
  try {
    const silentCount = options.layout === 'fourth' ? 3 : options.layout === 'default' ? 4 : 0;
    for (let i = 0; i < silentCount; i += 1) silent.push(await silentSocket());
  } catch (err) {
    await Promise.all(silent.map(closeSocket));
    await sim.close();
    throw err;
  }
  const camera = sim.cameras[0];
  const quiet = silent.map((s) => s.address().port);
  // 'default': shaped like ENGINE_DEFAULTS.ports (40611, 32100, 32108, 10000, 80, 57743).
  const ports = options.layout === 'default' ? [camera.sessionPort, quiet[0], camera.searchPort, ...quiet.slice(1)] : [...quiet, camera.sessionPort];
  const servers = sim.servers.map((s) => `${s.host}:${s.port}`);
  return {
    sim,
    ports,
    config: (modes) =>
      validateRaceConfig({
        host: '127.0.0.1',
        did: camera.did,
        ports: [...ports],
        servers,
        modes: [...modes],
        bindAddress: '127.0.0.1',
        maxConnectionTimeMs: MAX_CONNECTION_TIME_MS,
      }),
    apply: (paths) => {
      for (const name of PATH_NAMES) sim.setPath(name, paths[name]);
    },
    close: async () => {
      await Promise.all(silent.map(closeSocket));
      await sim.close();
    },
  };
}

/** A bound 127.0.0.1 UDP socket that never answers (a closed camera port that swallows probes). */
function silentSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.on('message', () => undefined);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}
