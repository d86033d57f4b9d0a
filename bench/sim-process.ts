/**
 * Child process of the scale run: a simulator with N cameras on 127.0.0.1, so the cameras' CPU
 * and memory are not counted as the engine's. Protocol over the IPC channel:
 * parent → {type:'start', cameras, seed}; child → {type:'ready', servers, cameras:[{did, sessionPort}]}
 * parent → {type:'mark'} right before the races start; parent → {type:'measure'}, child →
 * {type:'cpu', ms}: the simulator's own CPU (user + system) since the mark, so the scale table can
 * say whether the simulator bounded a figure (issue 16).
 * parent → {type:'close'}; child closes every socket and exits. A lost parent (disconnect) also
 * closes it.
 */
import { createSimulation, type Simulation } from '../src/sim';
import { NOMINAL } from './scenarios';

export interface SimReady {
  type: 'ready';
  servers: string[];
  cameras: { did: string; sessionPort: number }[];
}

export interface SimStart {
  type: 'start';
  cameras: number;
  seed: number;
}

export interface SimCpu {
  type: 'cpu';
  ms: number;
}

let sim: Simulation | undefined;
let mark: NodeJS.CpuUsage | undefined;
let closing = false;

async function shutdown(code: number): Promise<void> {
  if (closing) return;
  closing = true;
  try {
    await sim?.close();
  } finally {
    process.disconnect?.();
    process.exitCode = code;
  }
}

if (require.main === module) {
  process.on('message', (message: SimStart | { type: 'close' | 'mark' | 'measure' }) => {
    if (message.type === 'mark') {
      mark = process.cpuUsage();
      return;
    }
    if (message.type === 'measure') {
      const used = process.cpuUsage(mark);
      const cpu: SimCpu = { type: 'cpu', ms: (used.user + used.system) / 1000 };
      process.send?.(cpu);
      return;
    }
    if (message.type === 'start' && sim === undefined) {
      createSimulation({ cameras: message.cameras, servers: 1, relays: 1, seed: message.seed, fast: true, paths: NOMINAL }).then(
        (created) => {
          sim = created;
          const ready: SimReady = {
            type: 'ready',
            servers: created.servers.map((s) => `${s.host}:${s.port}`),
            cameras: created.cameras.map((c) => ({ did: c.did, sessionPort: c.sessionPort })),
          };
          process.send?.(ready);
        },
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
