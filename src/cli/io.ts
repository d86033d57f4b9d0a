/** Where a CLI command writes; injectable so tests capture output without spawning processes. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Exit codes shared by every subcommand (design.md). */
export const ExitCode = {
  OK: 0,
  /** The operation failed, e.g. the camera was unreachable. */
  FAILED: 1,
  /** Bad input: unknown flag, bad value, invalid hex. */
  BAD_INPUT: 2,
} as const;

/** A subcommand of `trailcam`. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  run(argv: string[], io: CliIo, signal: AbortSignal): Promise<number>;
}

/** Error for bad command-line input; the message names the flag and value. */
export class UsageError extends Error {}
