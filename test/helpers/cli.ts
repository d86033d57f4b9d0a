import type { CliIo } from '../../src/cli/io';

/** A CliIo that keeps what a command writes: `out()` and `err()` return all of stdout and stderr so far. */
export interface CapturedIo {
  io: CliIo;
  out: () => string;
  err: () => string;
}

/** Captures what a command writes, for calling `main(argv, c.io, signal)` in-process. */
export function capture(): CapturedIo {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (t: string) => void (out += t) }, stderr: { write: (t: string) => void (err += t) } },
    out: () => out,
    err: () => err,
  };
}
