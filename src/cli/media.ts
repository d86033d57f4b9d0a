import { DEFAULT_MEDIA_PAGE_SIZE, MAX_MEDIA_PAGE_SIZE, type MediaFile, type MediaListPage } from '../artemis';
import { ConfigError } from '../errors';
import { ExitCode, type CliIo, type Command } from './io';
import {
  flagMessage,
  integerFlag,
  LOGIN_OPTIONS,
  LOGIN_OPTIONS_HELP,
  parseFlags,
  RACE_OPTIONS,
  RACE_OPTIONS_HELP,
  runCameraCommand,
  type CameraCommandSpec,
} from './camera-options';

export const MEDIA_HELP = `Usage: trailcam media --host H --did DID [--page N] [--per-page N] [options]

Races LAN, P2P and relay to the camera, logs in (ARTEMIS) and prints one page of its media
list (newest first): time, type, directory and number, media id. Then closes the session.

Options:
  --page N              page number, from 0 (default 0)
  --per-page N          entries per page, 1-${MAX_MEDIA_PAGE_SIZE} (default ${DEFAULT_MEDIA_PAGE_SIZE}, as the app asks)
${RACE_OPTIONS_HELP}${LOGIN_OPTIONS_HELP}  --json                print one JSON object: connected, camera, mode, winner, elapsedMs,
                        page, perPage, count, listResult and items
  -h, --help            show this help

Exit codes: 0 ok, 1 unreachable or the camera refused (login, command), 2 bad input.
`;

const OPTIONS = {
  page: { type: 'string' },
  'per-page': { type: 'string' },
  ...RACE_OPTIONS,
  ...LOGIN_OPTIONS,
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** One media entry as a line. fileType 0 is a photo on the KJK230; other types are shown by number. */
export function formatMediaFile(file: MediaFile): string {
  const kind = file.fileType === 0 ? 'photo' : `type ${file.fileType}`;
  const duration = file.durationMs > 0 ? ` ${file.durationMs} ms` : '';
  return `  ${new Date(file.mediaTime * 1000).toISOString()}  ${kind}${duration}  dir ${file.mediaDirNum} #${file.mediaNum}  id ${file.mediaId}\n`;
}

export function formatMediaPage(page: MediaListPage): string {
  const head = `page ${page.page}: ${page.items.length} item(s), ${page.perPage} per page\n`;
  return head + page.items.map(formatMediaFile).join('');
}

export const mediaCommand: Command = {
  name: 'media',
  summary: "connect, log in and print one page of the camera's media list",
  async run(argv: string[], io: CliIo, signal: AbortSignal): Promise<number> {
    const values = parseFlags('media', argv, OPTIONS, MEDIA_HELP, io);
    if (typeof values === 'number') return values;
    let page: number;
    let perPage: number;
    try {
      page = integerFlag('page', values.page, 0, 0, 0xffff_ffff);
      perPage = integerFlag('perPage', values['per-page'], DEFAULT_MEDIA_PAGE_SIZE, 1, MAX_MEDIA_PAGE_SIZE);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.stderr.write(`trailcam media: ${flagMessage(err)}\n`);
      return ExitCode.BAD_INPUT;
    }
    const spec: CameraCommandSpec<MediaListPage> = {
      command: 'media',
      request: ({ runtime, signal: callSignal, timeoutMs }) => runtime.mediaList({ page, perPage }, { signal: callSignal, timeoutMs }),
      format: formatMediaPage,
      json: ({ raw: _raw, ...rest }) => rest,
    };
    return runCameraCommand(spec, values, io, signal);
  },
};
