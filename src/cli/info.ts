import type { DeviceInfo } from '../artemis';
import type { CliIo, Command } from './io';
import { LOGIN_OPTIONS, LOGIN_OPTIONS_HELP, parseFlags, RACE_OPTIONS, RACE_OPTIONS_HELP, runCameraCommand, type CameraCommandSpec } from './camera-options';

export const INFO_HELP = `Usage: trailcam info --host H --did DID [options]

Races LAN, P2P and relay to the camera, logs in (ARTEMIS) and prints its device info:
battery, charging, temperature, SD card space, firmware, model, device id, camera clock.
Then closes the session.

Options:
${RACE_OPTIONS_HELP}${LOGIN_OPTIONS_HELP}  --json                print one JSON object: connected, camera, mode, winner, elapsedMs
                        and deviceInfo (the normalised fields and the camera's raw answer)
  -h, --help            show this help

Exit codes: 0 ok, 1 unreachable or the camera refused (login, command), 2 bad input.
`;

const OPTIONS = {
  ...RACE_OPTIONS,
  ...LOGIN_OPTIONS,
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const show = (value: unknown, unit = ''): string => (value === null || value === undefined ? 'unknown' : `${String(value)}${unit}`);

/** The device info as aligned lines. */
export function formatDeviceInfo(info: DeviceInfo): string {
  const charging = info.charging === null ? '' : info.charging ? (info.solarCharging ? ', charging (solar)' : ', charging') : ', not charging';
  const sd = info.sdFreeMB === null && info.sdTotalMB === null ? 'unknown' : `${show(info.sdFreeMB, ' MB')} free of ${show(info.sdTotalMB, ' MB')}`;
  const time = info.cameraTime === null ? 'unknown' : new Date(info.cameraTime * 1000).toISOString();
  const rows: [string, string][] = [
    ['model', show(info.model)],
    ['firmware', show(info.firmware)],
    ['device id', show(info.deviceId)],
    ['battery', `${show(info.batteryPercent, ' %')}${charging}`],
    ['temperature', show(info.temperature, ' °C')],
    ['SD card', sd],
    ['camera time', time],
  ];
  return rows.map(([k, v]) => `  ${k.padEnd(12)} ${v}\n`).join('');
}

const spec: CameraCommandSpec<DeviceInfo> = {
  command: 'info',
  request: ({ runtime, signal, timeoutMs }) => runtime.deviceInfo({ signal, timeoutMs }),
  format: formatDeviceInfo,
  json: (info) => ({ deviceInfo: info }),
};

export const infoCommand: Command = {
  name: 'info',
  summary: "connect, log in and print the camera's device info (battery, SD card, firmware)",
  async run(argv: string[], io: CliIo, signal: AbortSignal): Promise<number> {
    const values = parseFlags('info', argv, OPTIONS, INFO_HELP, io);
    if (typeof values === 'number') return values;
    return runCameraCommand(spec, values, io, signal);
  },
};
