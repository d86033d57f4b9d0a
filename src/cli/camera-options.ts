import { parseArgs } from 'node:util';
import { ConfigError, TrailcamError } from '../errors';
import { parseMs, RaceError, type RaceConfigInput } from '../engine';
import { CameraRuntime, validateCameraSettings, type ConnectResult } from '../runtime';
import { ExitCode, type CliIo } from './io';

/**
 * What the commands that reach a camera share (`trailcam race`, `info`, `media`): the race
 * flags (one definition, one help text, one mapping to the engine's config input and back to
 * flag names for error messages), the ARTEMIS login flags, and the runner of one camera command.
 */
export const RACE_OPTIONS = {
  host: { type: 'string' },
  did: { type: 'string' },
  ports: { type: 'string' },
  server: { type: 'string', multiple: true },
  relay: { type: 'string', multiple: true },
  modes: { type: 'string' },
  'max-time': { type: 'string' },
  'attempt-timeout': { type: 'string' },
  'port-stagger': { type: 'string' },
  'startup-delay': { type: 'string' },
  bind: { type: 'string' },
  report: { type: 'boolean', default: false },
} as const;

/** Help lines of RACE_OPTIONS (two-space indent, aligned like the rest of each command's help). */
export const RACE_OPTIONS_HELP = `  --host H              camera IPv4 address (LAN mode), e.g. 192.168.43.1
  --did DID             camera id, e.g. LBCS-000000-CCCJJ
  --ports LIST          LAN destination ports, comma-separated
                        (default 40611,32100,32108,10000,80,57743)
  --server HOST:PORT    rendezvous server for P2P and relay (repeatable)
  --relay HOST:PORT     relay server in addition to those the servers list (repeatable)
  --modes LIST          enabled modes, comma-separated: lan,p2p,relay (default all)
  --max-time MS         give up after this long (default 30000)
  --attempt-timeout MS  lifetime of one attempt socket (default 1500)
  --port-stagger MS     delay between LAN destination ports (default 20)
  --startup-delay MS    wait before racing, for a camera that is booting (default 0)
  --bind ADDR           local IPv4 address to bind attempt sockets to (default 0.0.0.0)
  --report              send REPORT_SESSION_READY to the servers after a win (off: it tells
                        a third party your addresses)
`;

/** Turns parsed race flags into engine config input; values are validated by the engine. */
export function raceInputFromFlags(values: Record<string, unknown>): RaceConfigInput {
  return {
    host: values.host,
    did: values.did,
    ports: values.ports,
    servers: values.server,
    relays: values.relay,
    modes: values.modes,
    maxConnectionTimeMs: values['max-time'],
    attemptTimeoutMs: values['attempt-timeout'],
    portStaggerMs: values['port-stagger'],
    startupDelayMs: values['startup-delay'],
    bindAddress: values.bind,
    reportSessionReady: values.report,
  };
}

/** The flag of each config field (race fields and the ARTEMIS login). */
const FLAG_OF_FIELD: Record<string, string> = {
  host: '--host',
  did: '--did',
  ports: '--ports',
  servers: '--server',
  relays: '--relay',
  modes: '--modes',
  maxConnectionTimeMs: '--max-time',
  attemptTimeoutMs: '--attempt-timeout',
  portStaggerMs: '--port-stagger',
  startupDelayMs: '--startup-delay',
  bindAddress: '--bind',
  user: '--user',
  password: '--password',
  timeout: '--timeout',
  page: '--page',
  perPage: '--per-page',
};

/** Rewrites a ConfigError so each of its problems names the CLI flag of its field. */
export function flagMessage(err: ConfigError): string {
  return err.problems
    .map((problem) => {
      const flag = FLAG_OF_FIELD[problem.field.split(/[.[]/)[0]];
      return flag ? `${flag}: ${problem.message}` : problem.message;
    })
    .join('; ');
}

/** Parsed flag values (parseArgs' shape). */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * Parses `argv` strictly with `options`. On a parse error writes it and the help to stderr;
 * with --help writes the help to stdout. Returns the values, or the exit code to return.
 */
export function parseFlags(command: string, argv: string[], options: NonNullable<ParseArgsOptions>, help: string, io: CliIo): FlagValues | number {
  let values: FlagValues;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    io.stderr.write(`trailcam ${command}: ${(err as Error).message}\n\n${help}`);
    return ExitCode.BAD_INPUT;
  }
  if (values.help === true) {
    io.stdout.write(help);
    return ExitCode.OK;
  }
  // An empty value (`--password "$PW"` with PW unset) is a mistake, not "the default": it would
  // log in as admin/admin, or race with the default timing, without a word.
  for (const [name, value] of Object.entries(values)) {
    const empty = (Array.isArray(value) ? value : [value]).some((v) => typeof v === 'string' && v.trim() === '');
    if (empty) {
      io.stderr.write(`trailcam ${command}: --${name} is empty: give a value or leave the flag out\n`);
      return ExitCode.BAD_INPUT;
    }
  }
  return values;
}

type ParseArgsOptions = Parameters<typeof parseArgs>[0] extends infer C ? (C extends { options?: infer O } ? O : never) : never;

/** Flags of the commands that log in to the camera (ARTEMIS). */
export const LOGIN_OPTIONS = {
  user: { type: 'string' },
  password: { type: 'string' },
  timeout: { type: 'string' },
} as const;

/** The environment variable read when --password is not given (keeps it out of `ps`). */
export const PASSWORD_ENV = 'TRAILCAM_PASSWORD';

/** Default and bounds of --timeout (one command's wait for the camera's answer). */
const COMMAND_TIMEOUT = { fallback: 10_000, min: 1, max: 10 * 60_000 } as const;

export const LOGIN_OPTIONS_HELP = `  --user NAME           ARTEMIS login user (default admin)
  --password PASSWORD   ARTEMIS login password (default admin, or $${PASSWORD_ENV});
                        never printed
  --timeout MS          how long one command waits for the camera's answer (default ${COMMAND_TIMEOUT.fallback})
`;

/** What a camera command gets to run its request on a connected, lazily logged-in camera. */
export interface CameraCall {
  runtime: CameraRuntime;
  signal: AbortSignal;
  timeoutMs: number;
}

/** One camera command (`info`, `media`): what it asks and how it prints the answer. */
export interface CameraCommandSpec<T> {
  /** The subcommand's name, for messages. */
  command: string;
  request(call: CameraCall): Promise<T>;
  /** The human-readable answer, after the "connected via" line. */
  format(result: T): string;
  /** The answer's fields in the --json object. */
  json(result: T): Record<string, unknown>;
}

/**
 * Races the camera (flags from RACE_OPTIONS), logs in with --user/--password, runs `spec`'s
 * request and prints its answer; closes the session on every path. Returns the exit code:
 * 2 for a bad flag (named), 1 when the camera is unreachable or the command fails.
 * The password is never printed: error messages carry no credentials.
 */
export async function runCameraCommand<T>(
  spec: CameraCommandSpec<T>,
  values: FlagValues,
  io: CliIo,
  signal: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const json = values.json === true;
  let runtime: CameraRuntime;
  let timeoutMs: number;
  try {
    timeoutMs = parseMs('timeout', values.timeout, COMMAND_TIMEOUT.fallback, COMMAND_TIMEOUT.min, COMMAND_TIMEOUT.max);
    const settings = validateCameraSettings({
      ...raceInputFromFlags(values),
      user: values.user,
      password: values.password ?? env[PASSWORD_ENV],
      adaptive: false,
    });
    runtime = new CameraRuntime(settings);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`trailcam ${spec.command}: ${flagMessage(err)}\n`);
      return ExitCode.BAD_INPUT;
    }
    throw err;
  }
  let connected: ConnectResult | undefined;
  try {
    connected = await runtime.connect({ signal });
    const result = await spec.request({ runtime, signal, timeoutMs });
    io.stdout.write(
      json ? `${JSON.stringify({ ...connectionJson(connected), ...spec.json(result) })}\n` : `${connectedLine(connected)}\n${spec.format(result)}`,
    );
    return ExitCode.OK;
  } catch (err) {
    if (err instanceof RaceError) {
      if (json) io.stdout.write(`${JSON.stringify({ connected: false, error: err.message, code: err.code, elapsedMs: err.elapsedMs, racers: err.racers })}\n`);
      io.stderr.write(`trailcam ${spec.command}: ${err.message}\n`);
      return ExitCode.FAILED;
    }
    if (err instanceof TrailcamError) {
      if (json) {
        const where = connected ? connectionJson(connected) : { connected: false };
        io.stdout.write(`${JSON.stringify({ ...where, error: err.message, code: err.code })}\n`);
      }
      io.stderr.write(`trailcam ${spec.command}: ${err.message}\n`);
      return ExitCode.FAILED;
    }
    throw err;
  } finally {
    await runtime.close();
  }
}

function connectionJson(result: ConnectResult): Record<string, unknown> {
  return { connected: true, camera: result.camera, mode: result.mode, winner: result.winner, elapsedMs: result.elapsedMs };
}

function connectedLine(result: ConnectResult): string {
  return `connected to ${result.camera} via ${result.mode} (${result.winner}) in ${result.elapsedMs} ms`;
}

/** Reads an optional integer flag in [min, max]; ConfigError naming `field` otherwise. */
export function integerFlag(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(field, value, `must be an integer from ${min} to ${max}`);
  return n;
}
