#!/usr/bin/env node
import { decodeCommand } from './decode';
import { benchCommand } from './bench';
import { raceCommand } from './race';
import { infoCommand } from './info';
import { mediaCommand } from './media';
import { simCommand } from './sim';
import { wakeCommand } from './wake';
import { ExitCode, type CliIo, type Command } from './io';

const COMMANDS: readonly Command[] = [decodeCommand, simCommand, raceCommand, infoCommand, mediaCommand, wakeCommand, benchCommand];

function help(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`);
  return `Usage: trailcam <command> [options]

Reach CS2 "PPPP" Wi-Fi trail cameras (KJK230 / TrailCam Go).

Commands:
${lines.join('\n')}

Every command accepts --help (also: trailcam help <command>), and --json for one JSON object per line.
Exit codes: 0 ok, 1 the operation failed (e.g. camera unreachable), 2 bad input.
`;
}

/** Runs the CLI with explicit arguments and IO; returns the exit code. */
export async function main(argv: string[], io: CliIo, signal: AbortSignal): Promise<number> {
  const [name, ...rest] = argv;
  // `trailcam help race` (or `--help race`): the command's own help.
  const asked = (name === 'help' || name === '--help' || name === '-h') && rest.length > 0 ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
  if (asked) return asked.run(['--help'], io, signal);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(help());
    return name === undefined ? ExitCode.BAD_INPUT : ExitCode.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`trailcam: unknown command ${JSON.stringify(name)}\n\n${help()}`);
    return ExitCode.BAD_INPUT;
  }
  return command.run(rest, io, signal);
}

if (require.main === module) {
  const controller = new AbortController();
  const stop = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // A reader that went away (`trailcam sim --json | head -1`, then stopping the sim) ends stdout
  // with EPIPE: what is left to print has nowhere to go, which is no failure of the command (the
  // exit code stays the command's). Without a listener Node would throw it with a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') return;
    process.stderr.write(`trailcam: cannot write the output: ${err.message}\n`);
    process.exitCode = ExitCode.FAILED;
  });
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, controller.signal).then(
    (code) => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`trailcam: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = ExitCode.FAILED;
    },
  );
}
