import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * The hosts of the test bed: simulator parts and client programs, each a node process inside
 * one namespace. Shared by the network test tier (test/net) and the benchmark's NAT scenarios
 * (bench/nat.ts); it lives under bench/ because dist/bench ships in the package and dist/test
 * does not, so the bench may not import from test/.
 */

/** dist/src/cli/main.js (this file is dist/bench/testbed/hosts.js). */
export const CLI = resolve(__dirname, '../../src/cli/main.js');

/**
 * `node ARGS` inside namespace `ns`. setpriv --pdeathsig makes the child die with the test
 * process even when that is SIGKILLed (the stale-namespace sweep kills leftovers too).
 */
function spawnIn(ns: string, args: readonly string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, 'setpriv', '--pdeathsig', 'SIGKILL', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A long-running simulator part (camera, rendezvous server or relay) on one host. */
export interface Part {
  /** Its JSON ready line. */
  readonly ready: Record<string, unknown>;
  /** Everything it wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** SIGTERM, then SIGKILL after 3 s; resolves when it has exited. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

/** Starts `trailcam sim ARGS --json` (one part) in `ns` and waits (at most 15 s) for its ready line. */
export async function startPart(ns: string, label: string, args: readonly string[]): Promise<Part> {
  const child = spawnIn(ns, [CLI, 'sim', ...args, '--json']);
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited(child);
      clearTimeout(timer);
    }
  };
  const lines = createInterface({ input: child.stdout! });
  try {
    const ready = await new Promise<Record<string, unknown>>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`${label}: no ready line within 15 s; stderr: ${stderr.trim()}`)), 15_000);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(new Error(`${label}: exited (${code ?? signal}) before its ready line: \`trailcam sim ${args.join(' ')}\`; stderr: ${stderr.trim()}`));
      });
      lines.once('line', (line) => {
        clearTimeout(timer);
        try {
          done(JSON.parse(line) as Record<string, unknown>);
        } catch {
          fail(new Error(`${label}: ready line is not JSON: ${line}`));
        }
      });
    });
    return { ready, stderr: () => stderr, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Stops every part still running (the tests' afterEach/after). */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      child.kill('SIGKILL');
      await exited(child);
    }),
  );
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The last stdout line that parses as JSON (null if none). */
  json: Record<string, unknown> | null;
  /** Wall time of the whole process, ms (start-up of node included). */
  wallMs: number;
}

/** Runs `node ARGS` in `ns` to its end (killed after `timeoutMs`, or when `signal` aborts). */
export function runIn(ns: string, args: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<Run> {
  const started = Date.now();
  const child = spawnIn(ns, args);
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const kill = (): void => void child.kill('SIGKILL');
  const timer = setTimeout(kill, timeoutMs);
  signal?.addEventListener('abort', kill, { once: true });
  if (signal?.aborted) kill();
  return new Promise((done) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      running.delete(child);
      const json =
        stdout
          .trim()
          .split('\n')
          .reverse()
          .map((line) => {
            try {
              return JSON.parse(line) as Record<string, unknown>;
            } catch {
              return null;
            }
          })
          .find((value) => value !== null) ?? null;
      done({ code, stdout, stderr, json, wallMs: Date.now() - started });
    });
  });
}

/** `trailcam race ARGS --json` in `ns`. */
export function raceCli(ns: string, args: readonly string[], timeoutMs = 40_000): Promise<Run> {
  return runIn(ns, [CLI, 'race', ...args, '--json'], timeoutMs);
}
