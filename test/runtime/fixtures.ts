import { createSimulation, type Simulation, type SimulationOptions } from '../../src/sim';
import { validateCameraSettings, type CameraSettings, type CameraSettingsInput } from '../../src/runtime';

/** A simulation with one fast camera, one rendezvous server and one relay, all on 127.0.0.1. */
export function startSimulation(options: SimulationOptions = {}): Promise<Simulation> {
  return createSimulation({ cameras: 1, servers: 1, relays: 1, seed: 3, fast: true, ...options });
}

/**
 * Camera settings aimed at the simulator: loopback only (host, servers and bind address), the
 * camera's ephemeral session port, short limits for tests.
 */
export function simCameraInput(sim: Simulation, patch: CameraSettingsInput = {}): CameraSettingsInput {
  const camera = sim.cameras[0];
  return {
    name: 'sim cam',
    host: '127.0.0.1',
    did: camera.did,
    ports: [camera.sessionPort],
    servers: sim.servers.map((s) => `${s.host}:${s.port}`),
    bindAddress: '127.0.0.1',
    maxConnectionTimeMs: 3_000,
    attemptTimeoutMs: 500,
    adaptive: false,
    ...patch,
  };
}

export function simCameraSettings(sim: Simulation, patch: CameraSettingsInput = {}): CameraSettings {
  return validateCameraSettings(simCameraInput(sim, patch));
}

/** Resolves with the first event `name` whose arguments satisfy `match`. */
export function nextEvent<T extends unknown[]>(
  emitter: { on(name: string, fn: (...args: T) => void): unknown; off(name: string, fn: (...args: T) => void): unknown },
  name: string,
  match: (...args: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve) => {
    const listener = (...args: T): void => {
      if (!match(...args)) return;
      emitter.off(name, listener);
      resolve(args);
    };
    emitter.on(name, listener);
  });
}

/**
 * Waits until `condition()` holds, checking once per event-loop turn (for effects of datagrams
 * already sent on loopback); fails after `turns` turns.
 */
export async function eventually(condition: () => boolean, what: string, turns = 200): Promise<void> {
  for (let i = 0; i < turns; i += 1) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}
