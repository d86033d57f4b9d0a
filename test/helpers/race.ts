import type { RaceConfigInput } from '../../src/engine';
import type { Simulation } from '../../src/sim';

/** Race config for the simulation's first camera: every mode on, loopback only, short limits for tests; `patch` on top. */
export function raceConfigFor(sim: Simulation, patch: RaceConfigInput = {}): RaceConfigInput {
  const camera = sim.cameras[0];
  return {
    host: '127.0.0.1',
    did: camera.did,
    ports: [camera.sessionPort],
    servers: sim.servers.map((s) => `${s.host}:${s.port}`),
    bindAddress: '127.0.0.1',
    maxConnectionTimeMs: 5_000,
    ...patch,
  };
}
