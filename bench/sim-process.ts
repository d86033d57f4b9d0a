/**
 * Child process of the benchmark: a simulator on 127.0.0.1, so that neither the cameras' nor the
 * simulated servers' CPU and memory are counted as the engine's (the scale run with N cameras;
 * every loopback scenario with one, bench/environment.ts). Protocol over the IPC channel
 * (parent side: bench/sim-child.ts):
 * - parent → SimStart; child → SimReady (its servers, cameras and silent ports).
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

export interface SimStart {
  type: 'start';
  cameras: number;
  seed: number;
  /** Path impairments at the start (default NOMINAL). */
  paths?: PathPlan;
  /** 'real': the real camera's timing (REALISTIC_CAMERA, REAL_LAN_PATH); default 'fast'. */
  camera?: 'fast' | 'real';
  /** Bound 127.0.0.1 sockets that never answer (closed camera ports that swallow probes). */
  silentPorts?: number;
}

export interface SimReady {
  type: 'ready';
  servers: string[];
  cameras: { did: string; sessionPort: number; searchPort: number }[];
  silentPorts: number[];
}

export interface SimCpu {
  type: 'cpu';
  ms: number;
}

/** What the parent asks of the simulator (answered by a SimReply with the same id). */
export type SimRequest = { type: 'request'; id: number } & (
  { op: 'apply'; paths: PathPlan } | { op: 'beginRun'; key: number } | { op: 'sessionsOpened' } | { op: 'liveSessionsOpenedAfter'; opened: number }
);

export interface SimReply {
  type: 'reply';
  id: number;
  /** The counter asked for; null for apply and beginRun. */
  value: number | null;
  error?: string;
}

let sim: Simulation | undefined;
const silent: Socket[] = [];
let mark: NodeJS.CpuUsage | undefined;
let closing = false;

async function shutdown(code: number): Promise<void> {
  if (closing) return;
  closing = true;
  try {
    await Promise.all(silent.map((socket) => new Promise<void>((done) => socket.close(() => done()))));
    await sim?.close();
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

async function start(message: SimStart): Promise<SimReady> {
  const real = message.camera === 'real';
  sim = await createSimulation({
    cameras: message.cameras,
    servers: 1,
    relays: 1,
    seed: message.seed,
    fast: !real,
    realTiming: real,
    paths: message.paths ?? NOMINAL,
  });
  for (let i = 0; i < (message.silentPorts ?? 0); i += 1) silent.push(await silentSocket());
  return {
    type: 'ready',
    servers: sim.servers.map((s) => `${s.host}:${s.port}`),
    cameras: sim.cameras.map((c) => ({ did: c.did, sessionPort: c.sessionPort, searchPort: c.searchPort })),
    silentPorts: silent.map((s) => s.address().port),
  };
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
        if (!sim) throw new Error('not started');
        reply = { type: 'reply', id: message.id, value: answer(message, sim) };
      } catch (err) {
        reply = { type: 'reply', id: message.id, value: null, error: err instanceof Error ? err.message : String(err) };
      }
      process.send?.(reply);
    } else if (message.type === 'start' && sim === undefined) {
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
