import { ConfigError, TrailcamError } from '../errors';
import { createNobleTransport, joinHotspot, wakeCamera, DEFAULT_WAKE_TIMEOUT_MS, type BleTransport, type JoinHotspotResult, type WakeResult } from '../ble';
import { ExitCode, type CliIo, type Command } from './io';
import { parseFlags } from './camera-options';

export const WAKE_HELP = `Usage: trailcam wake (--address MAC | --name NAME) [options]

Wakes a sleeping battery camera over Bluetooth LE: scans for it, connects, writes the wake
request and prints the hotspot it opens (SSID and BSSID). Needs the optional BLE library:
npm install @abandonware/noble (in the Node-RED user directory, or beside this package).

Options:
  --address MAC         the camera's BLE address = its device id, e.g. C6:1E:0D:E0:32:E8
  --name NAME           or its advertised name, e.g. TC100_32E8
  --join                then join its hotspot with NetworkManager (Linux, nmcli); skipped
                        when already on it. Off by default: nothing touches the network
  --ifname IF           Wi-Fi interface for --join (default: NetworkManager chooses)
  --timeout MS          bound of the wake, scan to answer (default ${DEFAULT_WAKE_TIMEOUT_MS}); --join gets its own
  --json                print one JSON object: woken, address, name, ssid, bssid, password,
                        elapsedMs (and joined). The password is printed only here
  -h, --help            show this help

Exit codes: 0 woken (and joined), 1 failed (no BLE library or adapter, not found, no answer,
refused, join failed), 2 bad input.
`;

const OPTIONS = {
  address: { type: 'string' },
  name: { type: 'string' },
  join: { type: 'boolean', default: false },
  ifname: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const FLAG_OF_FIELD: Record<string, string> = { address: '--address', name: '--name', timeoutMs: '--timeout', ifname: '--ifname' };

export interface WakeCommandDeps {
  /** The BLE central; default: the noble adapter, loaded only when a wake runs. */
  transport?: () => BleTransport | Promise<BleTransport>;
  /** Environment of nmcli for --join (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** `trailcam wake`; `deps` lets tests plug in a fake peripheral and a stand-in nmcli. */
export function createWakeCommand(deps: WakeCommandDeps = {}): Command {
  return {
    name: 'wake',
    summary: 'wake a sleeping camera over Bluetooth LE (and join its hotspot)',
    run: (argv, io, signal) => runWake(argv, io, signal, deps),
  };
}

export const wakeCommand: Command = createWakeCommand();

async function runWake(argv: string[], io: CliIo, signal: AbortSignal, deps: WakeCommandDeps): Promise<number> {
  let nobleLoaded = false;
  const transport =
    deps.transport ??
    ((): BleTransport => {
      const t = createNobleTransport();
      nobleLoaded = true;
      return t;
    });
  try {
    return await wake(argv, io, signal, { ...deps, transport });
  } finally {
    if (nobleLoaded) exitSoonIfHeldOpen();
  }
}

/**
 * @abandonware/noble has no API to stop its HCI polling (abandonware/noble#248), so a `trailcam`
 * process that loaded it would never exit. Only in that process (not when `main` runs in-process)
 * an unref'd timer exits it, if anything still holds it open shortly after the command finished.
 */
function exitSoonIfHeldOpen(): void {
  if (!require.main || !/[\\/]cli[\\/]main\.js$/.test(require.main.filename)) return;
  setTimeout(() => process.exit(), 500).unref();
}

async function wake(argv: string[], io: CliIo, signal: AbortSignal, deps: WakeCommandDeps): Promise<number> {
  const values = parseFlags('wake', argv, OPTIONS, WAKE_HELP, io);
  if (typeof values === 'number') return values;
  const json = values.json === true;
  if (values.ifname !== undefined && values.join !== true) {
    io.stderr.write('trailcam wake: --ifname: only with --join\n');
    return ExitCode.BAD_INPUT;
  }
  let woken: WakeResult;
  try {
    woken = await wakeCamera({ address: values.address, name: values.name, timeoutMs: values.timeout, transport: deps.transport, signal });
  } catch (err) {
    return failure(err, json, io, { woken: false });
  }
  let joined: JoinHotspotResult | undefined;
  if (values.join === true) {
    try {
      joined = await joinHotspot({ credentials: woken, ifname: values.ifname as string | undefined, signal, env: deps.env });
    } catch (err) {
      // the password stays available (JSON only) so the user can join by hand
      return failure(err, json, io, { woken: true, ...publicFields(woken), password: woken.password, joined: false });
    }
  }
  if (json) {
    io.stdout.write(`${JSON.stringify({ woken: true, ...publicFields(woken), password: woken.password, ...(joined ? { joined: joined.outcome } : {}) })}\n`);
  } else {
    const who = [woken.address, woken.name].filter(Boolean).join(' ');
    io.stdout.write(
      `woke ${who} in ${woken.elapsedMs} ms: hotspot ${JSON.stringify(woken.ssid)} (bssid ${woken.bssid}); the password is printed only with --json\n`,
    );
    if (joined) io.stdout.write(joined.outcome === 'already' ? `already on ${JSON.stringify(joined.ssid)}\n` : `joined ${JSON.stringify(joined.ssid)}\n`);
  }
  return ExitCode.OK;
}

/** Everything of a wake result but the password. */
function publicFields(woken: WakeResult): Record<string, unknown> {
  return {
    address: woken.address,
    name: woken.name ?? null,
    ssid: woken.ssid,
    bssid: woken.bssid,
    acknowledged: woken.acknowledged,
    elapsedMs: woken.elapsedMs,
  };
}

function failure(err: unknown, json: boolean, io: CliIo, where: Record<string, unknown>): number {
  if (err instanceof ConfigError) {
    const flag = FLAG_OF_FIELD[err.field];
    io.stderr.write(`trailcam wake: ${flag ? `${flag}: ` : ''}${err.message}\n`);
    return ExitCode.BAD_INPUT;
  }
  if (err instanceof TrailcamError) {
    if (json) io.stdout.write(`${JSON.stringify({ ...where, error: err.message, code: err.code })}\n`);
    io.stderr.write(`trailcam wake: ${err.message}\n`);
    return ExitCode.FAILED;
  }
  throw err;
}
