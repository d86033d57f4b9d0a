/**
 * Child process of the benchmark: simulators on 127.0.0.1, so that neither the cameras' nor the
 * simulated servers' CPU and memory are counted as the engine's (the scale run: one simulator
 * with N cameras; a loopback scenario: one with one camera; the sequential baseline: one per
 * scenario condition, all in one child, bench/environment.ts). Protocol over the IPC channel
 * (parent side: bench/sim-child.ts):
 * - parent → SimStart; child → SimReady (each simulator's servers, cameras and silent ports).
 * - parent → {type:'mark'} right before the races start; parent → {type:'measure'}, child →
 *   {type:'cpu', ms}: the simulator's own CPU (user + system) since the mark, so the scale table
 *   can say whether the simulator bounded a figure (issue 16).
 * - parent → SimRequest (apply paths, begin a run, read the camera's session counters); child →
 *   SimReply with the same id once done, so a race starts only after its conditions hold.
 * - parent → {type:'close'}; child closes every socket and exits. A lost parent (disconnect) also
 *   closes it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createSimulation, PATH_NAMES, type Simulation } from '../src/sim';
import { NOMINAL, type PathPlan } from './scenarios';

/** One simulator of the child. */
export interface SimSpec {
  cameras: number;
  seed: number;
  /** Path impairments at the start (default NOMINAL). */
  paths?: PathPlan;
  /** 'real': the real camera's timing (REALISTIC_CAMERA, REAL_LAN_PATH); default 'fast'. */
  camera?: 'fast' | 'real';
  /** Bound 127.0.0.1 sockets that never answer (closed camera ports that swallow probes). */
  silentPorts?: number;
}

export interface SimStart {
  type: 'start';
  simulations: SimSpec[];
}

export interface SimReadyOne {
  servers: string[];
  cameras: { did: string; sessionPort: number; searchPort: number }[];
  silentPorts: number[];
}

export interface SimReady {
  type: 'ready';
  simulations: SimReadyOne[];
}

export interface SimCpu {
  type: 'cpu';
  ms: number;
}

/** What the parent asks of the simulator (answered by a SimReply with the same id). */
export type SimRequest = { type: 'request'; id: number; /** Index into SimStart.simulations. */ sim: number } & (
  { op: 'apply'; paths: PathPlan } | { op: 'beginRun'; key: number } | { op: 'sessionsOpened' } | { op: 'liveSessionsOpenedAfter'; opened: number }
);

export interface SimReply {
  type: 'reply';
  id: number;
  /** The counter asked for; null for apply and beginRun. */
  value: number | null;
  error?: string;
}

let sims: Simulation[] | undefined;
const silent: Socket[] = [];
let mark: NodeJS.CpuUsage | undefined;
let closing = false;

async function shutdown(code: number): Promise<void> {
  if (closing) return;
  closing = true;
  try {
    await Promise.all(silent.map((socket) => new Promise<void>((done) => socket.close(() => done()))));
    await Promise.all((sims ?? []).map((sim) => sim.close()));
  } finally {
    process.disconnect?.();
    process.exitCode = code;
  }
}

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

async function startOne(spec: SimSpec, created: Simulation[]): Promise<SimReadyOne> {
  const real = spec.camera === 'real';
  const sim = await createSimulation({
    cameras: spec.cameras,
    servers: 1,
    relays: 1,
    seed: spec.seed,
    fast: !real,
    realTiming: real,
    paths: spec.paths ?? NOMINAL,
  });
  created.push(sim);
  const own: Socket[] = [];
  for (let i = 0; i < (spec.silentPorts ?? 0); i += 1) {
    const socket = await silentSocket();
    silent.push(socket);
    own.push(socket);
  }
  return {
    servers: sim.servers.map((s) => `${s.host}:${s.port}`),
    cameras: sim.cameras.map((c) => ({ did: c.did, sessionPort: c.sessionPort, searchPort: c.searchPort })),
    silentPorts: own.map((s) => s.address().port),
  };
}

async function start(message: SimStart): Promise<SimReady> {
  const created: Simulation[] = [];
  sims = created; // closed by shutdown() even when a later one fails to start
  const simulations: SimReadyOne[] = [];
  for (const spec of message.simulations) simulations.push(await startOne(spec, created));
  return { type: 'ready', simulations };
}

function answer(request: SimRequest, current: Simulation): number | null {
  const camera = current.cameras[0];
  switch (request.op) {
    case 'apply':
      for (const name of PATH_NAMES) current.setPath(name, request.paths[name]);
      return null;
    case 'beginRun':
      current.beginRun(request.key);
      return null;
    case 'sessionsOpened':
      return camera.counters.sessions;
    case 'liveSessionsOpenedAfter':
      return camera.liveSessionsOpenedAfter(request.opened);
  }
}

if (require.main === module) {
  process.on('message', (message: SimStart | SimRequest | { type: 'close' | 'mark' | 'measure' }) => {
    if (message.type === 'mark') {
      mark = process.cpuUsage();
    } else if (message.type === 'measure') {
      const used = process.cpuUsage(mark);
      const cpu: SimCpu = { type: 'cpu', ms: (used.user + used.system) / 1000 };
      process.send?.(cpu);
    } else if (message.type === 'request') {
      let reply: SimReply;
      try {
        const sim = sims?.[message.sim];
        if (!sim) throw new Error(`no simulator ${message.sim}`);
        reply = { type: 'reply', id: message.id, value: answer(message, sim) };
      } catch (err) {
        reply = { type: 'reply', id: message.id, value: null, error: err instanceof Error ? err.message : String(err) };
      }
      process.send?.(reply);
    } else if (message.type === 'start' && sims === undefined) {
      start(message).then(
        (ready) => process.send?.(ready),
        (err: unknown) => {
          process.stderr.write(`bench simulator: ${err instanceof Error ? err.message : String(err)}\n`);
          void shutdown(1);
        },
      );
    } else if (message.type === 'close') {
      void shutdown(0);
    }
  });
  process.on('disconnect', () => void shutdown(0));
}
