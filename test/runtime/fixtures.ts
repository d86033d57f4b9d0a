import { createSimulation, type Simulation, type SimulationOptions } from '../../src/sim';
import { CameraRuntime, validateCameraSettings, type CameraRuntimeOptions, type CameraSettings, type CameraSettingsInput } from '../../src/runtime';
import { quietHandles } from '../helpers/udp';

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

/** The state of the running test in a suite that uses `runtimeAgainstSimulator`. */
export class SimulatedRuntime {
  /** This test's simulation, its camera started (a test may swap in another; that one is closed instead). */
  sim!: Simulation;
  /** The handles open before the camera started, for checking that everything closed again. */
  quiet!: { udp: number; timers: number };
  /** The runtime closed after the test: set by `open`, or by a test that builds its own. */
  runtime: CameraRuntime | undefined;

  constructor(
    private readonly settings: CameraSettingsInput,
    private readonly runtimeOptions: () => CameraRuntimeOptions | undefined,
  ) {}

  /** A CameraRuntime on `simCameraSettings(sim, { ...settings, ...patch })`, closed after the test. */
  readonly open = (patch: CameraSettingsInput = {}): CameraRuntime => {
    this.runtime = new CameraRuntime(simCameraSettings(this.sim, { ...this.settings, ...patch }), this.runtimeOptions());
    return this.runtime;
  };
}

/**
 * The hooks of a suite that drives a CameraRuntime against the simulator: before each test a
 * simulation (from `start`, else `startSimulation()`), its quiet handle count, its camera
 * started; after each test the runtime closed, then the simulation. `settings` go into every
 * `open`; `runtimeOptions` is called for each `open`.
 */
export function runtimeAgainstSimulator(
  options: { start?: () => Promise<Simulation>; settings?: CameraSettingsInput; runtimeOptions?: () => CameraRuntimeOptions } = {},
): SimulatedRuntime {
  const { start = () => startSimulation(), settings = {}, runtimeOptions = () => undefined } = options;
  const env = new SimulatedRuntime(settings, runtimeOptions);
  beforeEach(async () => {
    env.sim = await start();
    env.quiet = await quietHandles(env.sim);
    await env.sim.cameras[0].start();
  });
  afterEach(async () => {
    await env.runtime?.close();
    env.runtime = undefined;
    await env.sim.close();
  });
  return env;
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
