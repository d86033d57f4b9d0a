import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode, type CliIo, type Command } from './io';

export const BENCH_HELP = `Usage: trailcam bench [options]

Benchmarks the connection engine against the simulator on 127.0.0.1: seven impaired-network
scenarios and one with the real camera's timing (cold engine, warm engine with telemetry, oracle,
the seed's sequential baseline; the eighth against the vendor app's 325-547 ms) and a
scale run with many cameras connecting at once, engine, floor (the bare LAN handshake on one
socket, bench/floor.ts) and the sequential baseline side by side with their ratios, at 100, 250,
500 and 1,000 cameras, with the simulator's own CPU share and which process bounded each row. As root with ip netns, nftables and conntrack,
four more scenarios across real Linux NAT routers in network namespaces (P2P through
port-preserving NAT, relay through symmetric NAT, each without and with 10 % loss); elsewhere
they are listed as skipped with what is missing. Writes latest.md, latest.svg and latest.json
(in a checkout: npm run bench).

Options:
  --quick               short run: 12 trials per scenario, 200 cameras (about 40 s on loopback;
                        the NAT scenarios, where they run, add about 90 s)
  --trials N            measured trials per scenario (default 60; --quick 12)
  --cameras N           cameras of the largest scale run, 0 to skip it (default 1000; --quick
                        200); the standard scales 100, 250, 500 below N run too
  --idle MS             hold the largest scale's connects as idle live sessions this long, 0 to
                        skip (default 10000; --quick 3000)
  --out DIR             where to write the results (default bench/results; --quick:
                        bench/results/quick, which git ignores, so the committed full run stays)
  --seed N              seed of the simulator and the trial plans (default 1)
  --baseline-timeout MS per-attempt timeout of the sequential baseline (default 5000, the seed's)
  --nat auto|off        NAT scenarios 9-12: run them where the machine can (default auto), or skip
  --json                print the results as one JSON object
  -h, --help            show this help

Exit codes: 0 done (targets are reported, not asserted), 1 the benchmark failed, 2 bad input.
`;

const OPTIONS = {
  quick: { type: 'boolean', default: false },
  trials: { type: 'string' },
  cameras: { type: 'string' },
  idle: { type: 'string' },
  out: { type: 'string' },
  seed: { type: 'string' },
  'baseline-timeout': { type: 'string' },
  nat: { type: 'string', default: 'auto' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Parses a whole number flag; the error names the flag. */
function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new Error(`--${flag}: must be a whole number ${min}-${max}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/**
 * Where results go without --out: a full run's are the committed ones (the README's bench
 * section is made from them), a quick run's go where git ignores them and replace nothing.
 */
export function defaultOutDir(quick: boolean): string {
  return quick ? 'bench/results/quick' : 'bench/results';
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark the engine against the simulator (npm run bench)',
  async run(argv: string[], io: CliIo, signal: AbortSignal): Promise<number> {
    let values;
    let patch;
    try {
      ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
      patch = {
        trials: integer('trials', values.trials, 1, 10_000),
        cameras: integer('cameras', values.cameras, 0, 5_000),
        idleMs: integer('idle', values.idle, 0, 600_000),
        seed: integer('seed', values.seed, 0, 2 ** 31),
        baselineAttemptTimeoutMs: integer('baseline-timeout', values['baseline-timeout'], 1, 60_000),
      };
      if (values.out !== undefined && values.out.trim() === '') throw new Error('--out: must name a directory');
      if (values.nat !== 'auto' && values.nat !== 'off') throw new Error(`--nat: must be auto or off, got ${JSON.stringify(values.nat)}`);
    } catch (err) {
      io.stderr.write(`trailcam bench: ${(err as Error).message}\n\n${BENCH_HELP}`);
      return ExitCode.BAD_INPUT;
    }
    if (values.help) {
      io.stdout.write(BENCH_HELP);
      return ExitCode.OK;
    }
    let bench: typeof import('../../bench/run');
    try {
      // Loaded lazily (dist/bench ships in the package, but nothing else needs it at start-up).
      bench = await import('../../bench/run');
    } catch (err) {
      io.stderr.write(`trailcam bench: the benchmark code (dist/bench) is missing: ${(err as Error).message}\n`);
      return ExitCode.FAILED;
    }
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const options = bench.benchDefaults(values.quick ?? false, {
      ...defined,
      nat: values.nat === 'off' ? 'off' : 'auto',
      outDir: resolve(values.out ?? defaultOutDir(values.quick ?? false)),
      signal,
      log: (line: string) => io.stderr.write(`trailcam bench: ${line}\n`),
    });
    try {
      const result = await bench.runBench(options);
      if (values.json) io.stdout.write(`${JSON.stringify(result)}\n`);
      else io.stdout.write(`${bench.renderSummary(result)}\n`);
      return ExitCode.OK;
    } catch (err) {
      if (signal.aborted) {
        io.stderr.write('trailcam bench: interrupted\n');
        return ExitCode.FAILED;
      }
      io.stderr.write(`trailcam bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      return ExitCode.FAILED;
    }
  },
};
