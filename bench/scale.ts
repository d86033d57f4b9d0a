import { performance } from 'node:perf_hooks';
import { race, RaceError, validateRaceConfig, type Link } from '../src/engine';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SimReady } from './sim-process';
import { MAX_CONNECTION_TIME_MS } from './environment';
import { distribution, rate, round1, type Distribution } from './stats';

export interface ScaleResult {
  cameras: number;
  connected: number;
  successRate: number;
  /** Time to connect of each camera's race, all started in the same tick. */
  timeToConnectMs: Distribution;
  modes: Record<string, number>;
  /** Wall time from the first start to the last race settled. */
  wallMs: number;
  rssBeforeMb: number;
  /** Highest RSS sampled (every 20 ms and at the end) while the simulator and the races ran. */
  peakRssMb: number;
  /** (user + system CPU of this process: the engine; the simulator runs in a child) / cameras, from start to the last race settled. */
  cpuMsPerConnect: number;
  /** UDP sockets / timers open in this process before the races, and after every link was closed. */
  socketsBefore: number;
  socketsAfter: number;
  timersBefore: number;
  timersAfter: number;
  errors: string[];
}

/** Open UDP sockets and timers of this process, once pending closes have completed. */
export async function settledHandles(): Promise<{ udp: number; timers: number }> {
  for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
  const info = process.getActiveResourcesInfo();
  return { udp: info.filter((r) => r === 'UDPWrap').length, timers: info.filter((r) => r === 'Timeout').length };
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/**
 * N simulated cameras (one simulator in a child process, nominal paths) and N cold races
 * (every mode) started at once from this process; every link is held until all races have
 * settled, then closed. CPU, RSS and sockets are this process's: the engine's, not the cameras'.
 */
export async function runScale(cameras: number, seed: number): Promise<ScaleResult> {
  const before = await settledHandles();
  const links: Link[] = [];
  const times: number[] = [];
  const modes: Record<string, number> = {};
  const errors: string[] = [];
  let wallMs = 0;
  let cpuMs = 0;
  const sim = await startSimProcess(cameras, seed);
  const rssBefore = process.memoryUsage.rss();
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    const configs = sim.ready.cameras.map((camera) =>
      validateRaceConfig({
        host: '127.0.0.1',
        did: camera.did,
        ports: [camera.sessionPort],
        servers: sim.ready.servers,
        bindAddress: '127.0.0.1',
        maxConnectionTimeMs: MAX_CONNECTION_TIME_MS,
      }),
    );
    const cpu = process.cpuUsage();
    const start = performance.now();
    await Promise.all(
      configs.map(async (config) => {
        const t0 = performance.now();
        try {
          const result = await race(config);
          times.push(performance.now() - t0);
          links.push(result.link);
          modes[result.mode] = (modes[result.mode] ?? 0) + 1;
        } catch (err) {
          if (!(err instanceof RaceError)) throw err;
          if (errors.length < 5) errors.push(err.message);
        }
      }),
    );
    wallMs = round1(performance.now() - start);
    const used = process.cpuUsage(cpu);
    cpuMs = (used.user + used.system) / 1000;
    peak = Math.max(peak, process.memoryUsage.rss());
  } finally {
    clearInterval(sampler);
    await Promise.all(links.splice(0).map((link) => link.close()));
    await sim.close();
  }
  const after = await settledHandles();
  return {
    cameras,
    connected: times.length,
    successRate: rate(times.length, cameras),
    timeToConnectMs: distribution(times),
    modes,
    wallMs,
    rssBeforeMb: mb(rssBefore),
    peakRssMb: mb(peak),
    cpuMsPerConnect: Math.round((cpuMs / cameras) * 1000) / 1000,
    socketsBefore: before.udp,
    socketsAfter: after.udp,
    timersBefore: before.timers,
    timersAfter: after.timers,
    errors,
  };
}

/** The simulator child process (dist/bench/sim-process.js), ready with its cameras' addresses. */
async function startSimProcess(cameras: number, seed: number): Promise<{ ready: SimReady; close(): Promise<void> }> {
  const child: ChildProcess = fork(join(__dirname, 'sim-process.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.connected) child.send({ type: 'close' });
    const timer = setTimeout(() => child.kill(), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const ready = await new Promise<SimReady>((resolve, reject) => {
      child.once('message', (message: SimReady) => resolve(message));
      child.once('exit', (code) => reject(new Error(`the simulator process exited (code ${code}) before it was ready`)));
      child.once('error', reject);
      child.send({ type: 'start', cameras, seed });
    });
    return { ready, close };
  } catch (err) {
    await close();
    throw err;
  }
}
