import { parseArgs } from 'node:util';
import { decode, describeMessage, DecodeError, type DescribedMessage } from '../protocol';
import { ExitCode, type CliIo, type Command } from './io';

const HELP = `Usage: trailcam decode [--json] HEX...

Decodes PPPP datagrams given as hex strings (spaces, colons and a 0x prefix are ignored)
and prints one line per datagram.

Options:
  --json   print each datagram as one JSON object: {code, name, length, ...fields}
           (DIDs as text, addresses as {host, port}, bytes as hex)
  -h, --help  show this help

Exit codes: 0 all decoded, 2 invalid hex or an undecodable datagram (reason on stderr).

Example:
  trailcam decode f14100144c42435300000000000000004343434a4a000000
`;

export const decodeCommand: Command = {
  name: 'decode',
  summary: 'decode PPPP datagrams given as hex',
  async run(argv: string[], io: CliIo): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
        options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      });
    } catch (err) {
      io.stderr.write(`trailcam decode: ${(err as Error).message}\n\n${HELP}`);
      return ExitCode.BAD_INPUT;
    }
    if (parsed.values.help) {
      io.stdout.write(HELP);
      return ExitCode.OK;
    }
    if (parsed.positionals.length === 0) {
      io.stderr.write(`trailcam decode: no datagram given\n\n${HELP}`);
      return ExitCode.BAD_INPUT;
    }
    let status: number = ExitCode.OK;
    parsed.positionals.forEach((text, i) => {
      const label = `datagram ${i + 1}`;
      const bytes = parseHex(text);
      if (typeof bytes === 'string') {
        io.stderr.write(`trailcam decode: ${label}: invalid hex ${JSON.stringify(text)}: ${bytes}\n`);
        status = ExitCode.BAD_INPUT;
        return;
      }
      try {
        const described = describeMessage(decode(bytes), bytes.length);
        io.stdout.write(`${parsed.values.json ? JSON.stringify(described) : formatLine(described)}\n`);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        io.stderr.write(`trailcam decode: ${label}: ${err.message}\n`);
        status = ExitCode.BAD_INPUT;
      }
    });
    return status;
  },
};

/** Returns the bytes, or a reason why the text is not hex. */
export function parseHex(text: string): Buffer | string {
  const clean = text.replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (clean.length === 0) return 'empty';
  if (!/^[0-9a-fA-F]*$/.test(clean)) return 'contains a character that is not a hex digit';
  if (clean.length % 2 !== 0) return 'odd number of hex digits';
  return Buffer.from(clean, 'hex');
}

function formatLine(described: DescribedMessage): string {
  const { code, name, length, ...fields } = described;
  const parts = Object.entries(fields).map(([key, value]) => `${key}=${formatValue(value)}`);
  return [`0x${code.toString(16).padStart(2, '0')} ${name} len=${length}`, ...parts].join(' ');
}

function formatValue(value: unknown): string {
  if (value !== null && typeof value === 'object' && 'host' in value && 'port' in value) {
    return `${(value as { host: string }).host}:${(value as { port: number }).port}`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}
