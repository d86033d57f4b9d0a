import { parseArgs } from 'node:util';
import { ConfigError, TrailcamError } from '../errors';
import { race, RaceError, validateRaceConfig, type RaceConfigInput, type RaceResult, type RacerInfo } from '../engine';
import { ExitCode, type CliIo, type Command } from './io';

export const RACE_HELP = `Usage: trailcam race --host H --did DID [options]

Races LAN, P2P and relay to the camera at once; the first to connect wins, the rest are
closed. Prints the result (mode, winner, elapsedMs, localPort, remote, destinationPort and
every racer's state), then closes the session.

Options:
  --host H              camera IPv4 address (LAN mode), e.g. 192.168.43.1
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
  --json                print the result as one JSON object
  -h, --help            show this help

Exit codes: 0 connected, 1 unreachable (the message says how each racer failed), 2 bad input.
`;

const OPTIONS = {
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
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Turns parsed flags into engine config input; values are validated by the engine. */
function configFromFlags(values: Record<string, unknown>): RaceConfigInput {
  const input: RaceConfigInput = {
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
  return input;
}

export const raceCommand: Command = {
  name: 'race',
  summary: 'race LAN, P2P and relay to a camera and print the winner',
  async run(argv: string[], io: CliIo, signal: AbortSignal): Promise<number> {
    let values;
    try {
      ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
    } catch (err) {
      io.stderr.write(`trailcam race: ${(err as Error).message}\n\n${RACE_HELP}`);
      return ExitCode.BAD_INPUT;
    }
    if (values.help) {
      io.stdout.write(RACE_HELP);
      return ExitCode.OK;
    }
    let config;
    try {
      config = validateRaceConfig(configFromFlags(values));
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr.write(`trailcam race: ${flagMessage(err)}\n`);
        return ExitCode.BAD_INPUT;
      }
      throw err;
    }
    return runRace(config, values.json ?? false, io, signal);
  },
};

/** Races with a validated config, prints the result and closes the link; returns the exit code. */
export async function runRace(config: Parameters<typeof race>[0], json: boolean, io: CliIo, signal: AbortSignal): Promise<number> {
  try {
    const result = await race(config, { signal });
    await result.link.close();
    io.stdout.write(json ? `${JSON.stringify(resultJson(result))}\n` : formatResult(result));
    return ExitCode.OK;
  } catch (err) {
    if (err instanceof RaceError) {
      if (json) io.stdout.write(`${JSON.stringify({ connected: false, error: err.message, elapsedMs: err.elapsedMs, racers: err.racers })}\n`);
      io.stderr.write(`trailcam race: ${err.message}\n`);
      return ExitCode.FAILED;
    }
    if (err instanceof TrailcamError) {
      io.stderr.write(`trailcam race: ${err.message}\n`);
      return ExitCode.FAILED;
    }
    throw err;
  }
}

/** The JSON form of a result: everything but the live link. */
export function resultJson(result: RaceResult): Omit<RaceResult, 'link'> & { connected: true } {
  const { link: _link, ...rest } = result;
  return { connected: true, ...rest };
}

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
};

/** Rewrites a ConfigError so it names the CLI flag rather than the config field. */
export function flagMessage(err: ConfigError): string {
  const root = err.field.split(/[.[]/)[0];
  const flag = FLAG_OF_FIELD[root];
  return flag ? `${flag}: ${err.message}` : err.message;
}

function formatResult(result: RaceResult): string {
  const lines = [
    `connected via ${result.mode} (${result.winner}) in ${result.elapsedMs} ms`,
    `  local port ${result.localPort} -> ${result.remote.host}:${result.remote.port}` +
      (result.destinationPort === null ? '' : ` (destination port ${result.destinationPort})`),
    ...result.racers.map(formatRacer),
  ];
  return `${lines.join('\n')}\n`;
}

function formatRacer(info: RacerInfo): string {
  const time = info.elapsedMs === null ? '' : ` after ${info.elapsedMs} ms`;
  const why = info.error ? ` (${info.error})` : '';
  return `  ${info.name.padEnd(19)} ${info.state}${time}, ${info.attempts} attempt(s)${why}`;
}
