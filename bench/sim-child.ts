import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SimCpu, SimReady, SimReadyOne, SimReply, SimRequest, SimSpec, SimStart } from './sim-process';

/** Distributes Omit over the request variants (a plain Omit of a union keeps only the common keys). */
type RequestBody = SimRequest extends infer R ? (R extends SimRequest ? Omit<R, 'type' | 'id'> : never) : never;

/** The parent's handle on a simulator child process (dist/bench/sim-process.js). */
export interface SimChild {
  /** Each simulator's addresses, in the order of the specs. */
  readonly simulations: readonly SimReadyOne[];
  /** Sends a request (`sim`: the simulator's index) and resolves with the child's answer once it has acted on it. */
  request(body: RequestBody): Promise<number | null>;
  /** Starts the simulator's CPU count. */
  mark(): void;
  /** The simulator's CPU ms since mark(); null if it does not answer within 5 s (a gap in the table, not a failed run). */
  measure(): Promise<number | null>;
  /** Asks the child to close (SIGTERM after 10 s) and waits for its exit. */
  close(): Promise<void>;
}

/**
 * Forks one simulator child with a simulator per spec and waits for it to be ready; a child that
 * dies fails every pending request.
 */
export async function startSimChild(specs: readonly SimSpec[]): Promise<SimChild> {
  const child: ChildProcess = fork(join(__dirname, 'sim-process.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pending = new Map<number, { resolve(value: number | null): void; reject(err: Error): void }>();
  let nextId = 1;
  child.on('message', (message: SimReply | SimCpu | SimReady) => {
    if (message.type !== 'reply') return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(`bench simulator: ${message.error}`));
    else waiter?.resolve(message.value);
  });
  child.once('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`the simulator process exited (${code ?? signal}) with a request pending`));
    pending.clear();
  });
  const close = async (): Promise<void> => {
    if (child.connected) child.send({ type: 'close' });
    const timer = setTimeout(() => child.kill(), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const ready = await new Promise<SimReady>((resolve, reject) => {
      const onMessage = (message: SimReady): void => {
        if (message.type !== 'ready') return;
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`the simulator process exited (code ${code}) before it was ready`)));
      child.once('error', reject);
      child.send({ type: 'start', simulations: [...specs] } satisfies SimStart);
    });
    const request = (body: RequestBody): Promise<number | null> =>
      new Promise((resolve, reject) => {
        if (!child.connected) {
          reject(new Error('the simulator process is gone'));
          return;
        }
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ type: 'request', id, ...body } as SimRequest);
      });
    const mark = (): void => void child.send({ type: 'mark' });
    const measure = (): Promise<number | null> =>
      new Promise((resolve) => {
        const timer = setTimeout(() => done(null), 5_000);
        const onMessage = (message: SimCpu): void => {
          if (message.type === 'cpu') done(message.ms);
        };
        const done = (ms: number | null): void => {
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(ms);
        };
        child.on('message', onMessage);
        child.send({ type: 'measure' });
      });
    return { simulations: ready.simulations, request, mark, measure, close };
  } catch (err) {
    await close();
    throw err;
  }
}
