import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { ENGINE_DEFAULTS, race, RaceError, sequentialRace, validateRaceConfig, type RaceConfig, type RacerInfo } from '../src/engine';
import { floorConnect, FloorTimeout } from './floor';
import { startSimChild } from './sim-child';
import { MAX_CONNECTION_TIME_MS } from './environment';
import { distribution, rate, round1, type Distribution } from './stats';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Session, SESSION_DEFAULTS } from '../src/session';
import { nearestRankPercentile } from '../src/telemetry/percentile';

/**
 * Who connects in a scale run: the engine (a cold race, every mode, default config), the floor
 * (`floor.ts`: the bare LAN handshake on one socket) or the seed's sequential baseline
 * (`sequentialRace`, same config), against the same kind of simulator, so the table shows what
 * the engine costs on top of the handshake itself and whether it beats the baseline (issue 16).
 */
export const SCALE_STRATEGIES = ['engine', 'floor', 'sequential'] as const;

/** The scales of a full run (issue 16: ahead of the sequential baseline at every one). */
export const SCALES = [100, 250, 500, 1000] as const;

/** The scales measured for `--cameras N`: the standard scales below N, then N itself. */
export function scaleCounts(cameras: number): number[] {
  if (cameras <= 0) return [];
  return [...SCALES.filter((n) => n < cameras), cameras];
}

/**
 * A share of one core (CPU time / wall time) at or above which that process bounded the figure:
 * it had no time left to go faster.
 */
export const SATURATED_SHARE = 0.9;

/** Which process bounded a scale run's figures (see SATURATED_SHARE). */
export type ScaleBound = 'simulator' | 'client' | 'both' | 'neither';

export function scaleBound(clientShare: number, simShare: number | null): ScaleBound {
  const client = clientShare >= SATURATED_SHARE;
  const sim = simShare !== null && simShare >= SATURATED_SHARE;
  return client && sim ? 'both' : client ? 'client' : sim ? 'simulator' : 'neither';
}
export type ScaleStrategy = (typeof SCALE_STRATEGIES)[number];

/** One connected camera of a scale run, whoever connected it. */
interface ScaleConnection {
  mode: string;
  /** UDP sockets the connect opened (engine: attempts of every racer; floor: 1). */
  sockets: number;
  /** Datagrams the connect sent. */
  datagrams: number;
  /** Attempts ended by their timeout after they had heard from a server, relay or the camera. */
  expiredAfterProgress: number;
  /** Keeps the connection as an idle live session until close(): the engine hands its link to a Session, the floor sends bare keepalives. */
  keepAlive(): void;
  /** False once the idle session ended by itself (lost or closed by the camera). */
  alive(): boolean;
  close(): Promise<void>;
}

const expiredIn = (racers: readonly RacerInfo[]): number => racers.reduce((n, r) => n + (r.expiredAfterProgress ?? 0), 0);

async function connectWith(strategy: ScaleStrategy, config: RaceConfig, camera: { did: string; sessionPort: number }): Promise<ScaleConnection> {
  if (strategy === 'floor') {
    const link = await floorConnect({
      host: '127.0.0.1',
      port: camera.sessionPort,
      did: camera.did,
      bindAddress: config.bindAddress,
      probeIntervalMs: config.probeIntervalMs,
      maxConnectionTimeMs: config.maxConnectionTimeMs,
    });
    return {
      mode: 'lan',
      sockets: 1,
      datagrams: link.sent,
      expiredAfterProgress: 0,
      keepAlive: () => link.keepAlive(SESSION_DEFAULTS.keepaliveIntervalMs),
      alive: () => true,
      close: () => link.close(),
    };
  }
  const result = strategy === 'sequential' ? await sequentialRace(config) : await race(config);
  const sockets = result.racers.reduce((n, r) => n + r.attempts, 0);
  const datagrams = result.racers.reduce((n, r) => n + r.sent, 0);
  let session: Session | undefined;
  return {
    mode: result.mode,
    sockets,
    datagrams,
    expiredAfterProgress: expiredIn(result.racers),
    keepAlive: () => void (session ??= new Session(result.link)),
    alive: () => session?.open ?? result.link.open,
    close: () => (session ? session.close() : result.link.close()),
  };
}

export interface ScaleResult {
  strategy: ScaleStrategy;
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
  /** (peak RSS - RSS before) / cameras, KB: the memory one connected camera costs. */
  rssPerCameraKb: number;
  /** The simulator child's own CPU (user + system) over the same window / cameras; null when it did not answer. */
  simCpuMsPerConnect: number | null;
  /** CPU time / wall time of the races, as a share of one core: this process (the client) and the simulator. */
  clientCpuShare: number;
  simCpuShare: number | null;
  /** Which process had no time left (share ≥ SATURATED_SHARE): it bounded the figures. */
  bound: ScaleBound;
  /** Attempts that had heard from a server, relay or the camera and were ended by their timeout, summed over every race (issue 16: 0). */
  expiredAfterProgress: number;
  /** Mean UDP sockets opened and datagrams sent per connected camera. */
  socketsPerConnect: number;
  datagramsPerConnect: number;
  /** Idle live sessions after the connects (issue 16), when the run was asked for them (`idleMs`). */
  idle?: IdleSessions;
  /** UDP sockets / timers open in this process before the races, and after every link was closed. */
  socketsBefore: number;
  socketsAfter: number;
  timersBefore: number;
  timersAfter: number;
  errors: string[];
  /** Every run of this strategy at this scale, in run order, when it was run more than once (`medianRun`). */
  repeats?: { cpuMsPerConnect: number[]; p99Ms: (number | null)[] };
}

/**
 * The run with the median CPU per connect (the lower middle of an even count), as it was
 * measured, with every run's CPU and p99 in `repeats`, and the idle sessions of the run that
 * measured them (only the first does). A real run, not a mix of figures from several.
 */
export function medianRun(runs: readonly ScaleResult[]): ScaleResult {
  if (runs.length === 0) throw new RangeError('medianRun: no runs');
  if (runs.length === 1) return runs[0];
  const sorted = [...runs].sort((a, b) => a.cpuMsPerConnect - b.cpuMsPerConnect);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const idle = median.idle ?? runs.find((r) => r.idle)?.idle;
  return {
    ...median,
    ...(idle ? { idle } : {}),
    repeats: { cpuMsPerConnect: runs.map((r) => r.cpuMsPerConnect), p99Ms: runs.map((r) => r.timeToConnectMs.p99) },
  };
}

/**
 * The median p99 over a row's runs (the lower middle of an even count; `repeats`), or its own
 * p99 with one run. The comparison with the sequential baseline uses it: one run's p99 is one
 * draw from a spread as wide as the gap being judged (the p99 ranges of the runs overlap at
 * every scale), while the median run is chosen by CPU, not by p99.
 */
export function medianP99(row: ScaleResult): number | null {
  // The nearest-rank 50th percentile is the lower middle, as medianRun picks.
  return nearestRankPercentile(
    (row.repeats?.p99Ms ?? [row.timeToConnectMs.p99]).filter((v): v is number => v !== null),
    50,
  );
}

/**
 * The strategies in the order of repetition `repeat`: each repetition starts one strategy later
 * (engine, floor, sequential; floor, sequential, engine; …), so no strategy always runs first after
 * the previous scale and its heap growth (a burst's CPU varies up to 2 × with such state).
 */
export function rotated<T>(items: readonly T[], repeat: number): T[] {
  const shift = items.length === 0 ? 0 : repeat % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** What `sessions` idle live sessions cost over `windowMs` (the engine: Session on each link; the floor: a socket and a keepalive timer). */
export interface IdleSessions {
  sessions: number;
  windowMs: number;
  /** Sessions still open at the end of the window (the rest were lost or closed by the camera). */
  open: number;
  /** (RSS at the end of the window − RSS before the races) / sessions, KB: includes the heap the connect burst grew and V8 has not returned. */
  rssPerSessionKb: number;
  /** (JS heap in use after a full GC at the end of the window − the same before the races) / sessions, KB: what one live session keeps on the heap. */
  heapPerSessionKb: number;
  /** This process's CPU over the window, per 1,000 sessions and per second (keepalives and their answers). */
  cpuMsPerThousandPerSecond: number;
}

/** Open UDP sockets and timers of this process, once pending closes have completed. */
export async function settledHandles(): Promise<{ udp: number; timers: number }> {
  for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
  const info = process.getActiveResourcesInfo();
  return { udp: info.filter((r) => r === 'UDPWrap').length, timers: info.filter((r) => r === 'Timeout').length };
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
const share = (cpuMs: number, wallMs: number): number => (wallMs > 0 ? Math.round((cpuMs / wallMs) * 100) / 100 : 0);

/**
 * N simulated cameras (one simulator in a child process, nominal paths) and N cold races
 * (every mode; or N floor handshakes) started at once from this process; every link is held until all races have
 * settled, then closed. CPU, RSS and sockets are this process's: the engine's, not the cameras'.
 */
export async function runScale(cameras: number, seed: number, strategy: ScaleStrategy = 'engine', idleMs = 0): Promise<ScaleResult> {
  const before = await settledHandles();
  const links: ScaleConnection[] = [];
  const times: number[] = [];
  const modes: Record<string, number> = {};
  const errors: string[] = [];
  let wallMs: number;
  let cpuMs: number;
  let sockets = 0;
  let datagrams = 0;
  let expired = 0;
  let simCpuMs: number | null;
  let idle: IdleSessions | undefined;
  const sim = await startSimChild([{ cameras, seed }]);
  const [ready] = sim.simulations;
  collectGarbage(); // the garbage of earlier runs is not this run's: each window starts on a collected heap
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage.rss();
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    const closed = await closedPorts(ENGINE_DEFAULTS.ports.length - 1);
    const configs = ready.cameras.map((camera) =>
      validateRaceConfig({
        host: '127.0.0.1',
        did: camera.did,
        // The default count of LAN ports: the camera's session port first (40611, the KJK230's,
        // is first in the default list), then ports where nothing listens, as on a real camera.
        ports: [camera.sessionPort, ...closed],
        servers: ready.servers,
        bindAddress: '127.0.0.1',
        maxConnectionTimeMs: MAX_CONNECTION_TIME_MS,
      }),
    );
    sim.mark();
    const cpu = process.cpuUsage();
    const start = performance.now();
    await Promise.all(
      configs.map(async (config, i) => {
        const t0 = performance.now();
        try {
          const connection = await connectWith(strategy, config, ready.cameras[i]);
          times.push(performance.now() - t0);
          links.push(connection);
          sockets += connection.sockets;
          datagrams += connection.datagrams;
          expired += connection.expiredAfterProgress;
          modes[connection.mode] = (modes[connection.mode] ?? 0) + 1;
        } catch (err) {
          if (!(err instanceof RaceError) && !(err instanceof FloorTimeout)) throw err;
          if (err instanceof RaceError) expired += expiredIn(err.racers);
          if (errors.length < 5) errors.push(err.message);
        }
      }),
    );
    wallMs = round1(performance.now() - start);
    const used = process.cpuUsage(cpu);
    cpuMs = (used.user + used.system) / 1000;
    simCpuMs = await sim.measure();
    peak = Math.max(peak, process.memoryUsage.rss());
    if (idleMs > 0 && links.length > 0) idle = await holdIdle(links, idleMs, rssBefore, heapBefore);
  } finally {
    clearInterval(sampler);
    await Promise.all(links.splice(0).map((link) => link.close()));
    await sim.close();
  }
  const after = await settledHandles();
  const perConnect = (total: number): number => Math.round((total / Math.max(1, times.length)) * 10) / 10;
  return {
    strategy,
    cameras,
    connected: times.length,
    successRate: rate(times.length, cameras),
    timeToConnectMs: distribution(times),
    modes,
    wallMs,
    rssBeforeMb: mb(rssBefore),
    peakRssMb: mb(peak),
    cpuMsPerConnect: Math.round((cpuMs / cameras) * 1000) / 1000,
    simCpuMsPerConnect: simCpuMs === null ? null : Math.round((simCpuMs / cameras) * 1000) / 1000,
    clientCpuShare: share(cpuMs, wallMs),
    simCpuShare: simCpuMs === null ? null : share(simCpuMs, wallMs),
    bound: scaleBound(share(cpuMs, wallMs), simCpuMs === null ? null : share(simCpuMs, wallMs)),
    expiredAfterProgress: expired,
    ...(idle ? { idle } : {}),
    rssPerCameraKb: Math.round((peak - rssBefore) / 1024 / cameras),
    socketsPerConnect: perConnect(sockets),
    datagramsPerConnect: perConnect(datagrams),
    socketsBefore: before.udp,
    socketsAfter: after.udp,
    timersBefore: before.timers,
    timersAfter: after.timers,
    errors,
  };
}

/**
 * A full garbage collection, so heap figures count live objects only (the bench's own tool: V8's
 * gc() exposed at run time, the documented --expose-gc behaviour, in a fresh context).
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Every connection becomes an idle live session for `windowMs`; what that costs this process. */
async function holdIdle(links: readonly ScaleConnection[], windowMs: number, rssBefore: number, heapBefore: number): Promise<IdleSessions> {
  for (const link of links) link.keepAlive();
  const cpu = process.cpuUsage();
  const start = performance.now();
  // Node's timers run on a millisecond loop clock and can fire a fraction of a millisecond before
  // `windowMs` has passed on performance.now(): the window is held until it has.
  for (let left = windowMs; left > 0; left = windowMs - (performance.now() - start)) await sleep(Math.ceil(left));
  const used = process.cpuUsage(cpu);
  const elapsed = performance.now() - start;
  const rss = process.memoryUsage.rss();
  collectGarbage();
  const heap = process.memoryUsage().heapUsed;
  const cpuMs = (used.user + used.system) / 1000;
  return {
    sessions: links.length,
    windowMs: Math.round(elapsed),
    open: links.filter((l) => l.alive()).length,
    rssPerSessionKb: Math.round((rss - rssBefore) / 1024 / links.length),
    heapPerSessionKb: Math.round(((heap - heapBefore) / 1024 / links.length) * 10) / 10,
    cpuMsPerThousandPerSecond: Math.round((cpuMs / (links.length / 1000) / (elapsed / 1000)) * 10) / 10,
  };
}

/**
 * `count` UDP ports of 127.0.0.1 where nothing listens: bound to port 0 (the OS picks free ones)
 * and closed again. Datagrams sent to them are dropped by the kernel (an ICMP port unreachable
 * that an unconnected socket never sees), as on a camera that does not listen on them.
 */
export async function closedPorts(count: number): Promise<number[]> {
  const sockets = Array.from({ length: count }, () => createSocket('udp4'));
  const ports = await Promise.all(
    sockets.map((socket) => new Promise<number>((resolve, reject) => socket.once('error', reject).bind(0, '127.0.0.1', () => resolve(socket.address().port)))),
  );
  await Promise.all(sockets.map((socket) => new Promise<void>((done) => socket.close(() => done()))));
  return ports;
}
