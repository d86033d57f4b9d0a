import { ConfigError, TrailcamError } from '../errors';
import { race, RaceError, validateRaceConfig, type RaceResult, type RacerInfo } from '../engine';
import { ExitCode, type CliIo, type Command } from './io';
import { flagMessage, parseFlags, RACE_OPTIONS, RACE_OPTIONS_HELP, raceInputFromFlags } from './camera-options';

export { flagMessage };

export const RACE_HELP = `Usage: trailcam race --host H --did DID [options]

Races LAN, P2P and relay to the camera at once; the first to connect wins, the rest are
closed. Prints the result (mode, winner, elapsedMs, localPort, remote, destinationPort and
every racer's state; --json also lanSources: how many sources on the camera's address answered
with its DID, 1 for the camera alone), then closes the session.

Options:
${RACE_OPTIONS_HELP}  --json                print the result as one JSON object
  -h, --help            show this help

Exit codes: 0 connected, 1 unreachable (the message says how each racer failed), 2 bad input.
`;

const OPTIONS = {
  ...RACE_OPTIONS,
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const raceCommand: Command = {
  name: 'race',
  summary: 'race LAN, P2P and relay to a camera and print the winner',
  async run(argv: string[], io: CliIo, signal: AbortSignal): Promise<number> {
    const values = parseFlags('race', argv, OPTIONS, RACE_HELP, io);
    if (typeof values === 'number') return values;
    let config;
    try {
      config = validateRaceConfig(raceInputFromFlags(values));
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr.write(`trailcam race: ${flagMessage(err)}\n`);
        return ExitCode.BAD_INPUT;
      }
      throw err;
    }
    return runRace(config, values.json === true, io, signal);
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
      if (json)
        io.stdout.write(
          `${JSON.stringify({ connected: false, error: err.message, code: err.code, elapsedMs: err.elapsedMs, lanSources: lanSources(err.racers), racers: err.racers })}\n`,
        );
      io.stderr.write(`trailcam race: ${err.message}\n`);
      return ExitCode.FAILED;
    }
    if (err instanceof TrailcamError) {
      // Interrupted (Ctrl-C) or another typed failure: --json still prints its one object, as info and media do.
      if (json) io.stdout.write(`${JSON.stringify({ connected: false, error: err.message, code: err.code })}\n`);
      io.stderr.write(`trailcam race: ${err.message}\n`);
      return ExitCode.FAILED;
    }
    throw err;
  }
}

/** The JSON form of a result: everything but the live link. */
export function resultJson(result: RaceResult): Omit<RaceResult, 'link'> & { connected: true; lanSources: number | null } {
  const { link: _link, ...rest } = result;
  return { connected: true, lanSources: lanSources(result.racers), ...rest };
}

/**
 * Distinct sources on the camera's address that answered the LAN racer with the camera's DID
 * (null when LAN was not raced). The real camera answers from one port: more than 1 means another
 * process on that address answered too (README, trust model).
 */
export function lanSources(racers: readonly RacerInfo[]): number | null {
  return racers.find((r) => r.mode === 'lan')?.sources ?? null;
}

function formatResult(result: RaceResult): string {
  const lines = [
    `connected via ${result.mode} (${result.winner}) in ${result.elapsedMs} ms`,
    `  local port ${result.localPort} -> ${result.remote.host}:${result.remote.port}` +
      (result.destinationPort === null ? '' : ` (destination port ${result.destinationPort})`),
    ...result.racers.map(formatRacer),
  ];
  const sources = lanSources(result.racers) ?? 0;
  if (sources > 1)
    lines.push(`  warning: ${sources} sources on the camera's address answered with its DID (the camera answers from one port; see the README's trust model)`);
  return `${lines.join('\n')}\n`;
}

function formatRacer(info: RacerInfo): string {
  const time = info.elapsedMs === null ? '' : ` after ${info.elapsedMs} ms`;
  const why = info.error ? ` (${info.error})` : '';
  const via = info.lanPath ? ` via ${info.lanPath === 'direct' ? 'direct punch' : 'LAN search'}` : '';
  return `  ${info.name.padEnd(19)} ${info.state}${via}${time}, ${info.attempts} attempt(s)${why}`;
}
