import { isJsonObject, type JsonObject } from '../../src/artemis';
import { ConfigError } from '../../src/errors';
import { UnknownCommandError, type CameraRuntime } from '../../src/runtime';

/** Named commands of trailcam-command. */
export const COMMAND_NAMES = ['deviceInfo', 'mediaList', 'startAV', 'stopAV'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** A parsed msg.command: a named command or a raw ARTEMIS cmdId. */
export type CameraCommand = { kind: 'named'; name: CommandName } | { kind: 'raw'; cmdId: number };

const MAX_CMD_ID = 0xffff_ffff;

/**
 * Reads msg.command (or the node's configured default): a name from COMMAND_NAMES, or a cmdId
 * (an integer or its decimal text). Throws UnknownCommandError otherwise.
 */
export function parseCommand(value: unknown): CameraCommand {
  if ((COMMAND_NAMES as readonly unknown[]).includes(value)) return { kind: 'named', name: value as CommandName };
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_CMD_ID) return { kind: 'raw', cmdId: n };
  throw new UnknownCommandError(value, `use ${COMMAND_NAMES.join(', ')} or an ARTEMIS cmdId (a number such as 512)`);
}

/** msg.payload as command fields: an object, or nothing (anything else is an error that shows `example`). */
export function commandFields(payload: unknown, example = '{"itemCntPerPage": 45, "pageNo": 0} for cmdId 768'): JsonObject {
  if (payload === undefined || payload === null || payload === '') return {};
  if (isJsonObject(payload)) return payload;
  throw new ConfigError('payload', payload, `command fields must be an object, e.g. ${example}`);
}

/**
 * Runs one command on the camera and resolves with what goes to msg.payload. startAV and
 * stopAV are recognised, but their cmdIds were never captured from the KJK230 (artemis.md §5
 * lists every id seen), so they fail with a typed error that says so; send the cmdId as a
 * number once it is known.
 */
export async function runCommand(
  runtime: CameraRuntime,
  command: CameraCommand,
  payload: unknown,
  options: { signal: AbortSignal; timeoutMs: number },
): Promise<unknown> {
  if (command.kind === 'raw') return runtime.command(command.cmdId, commandFields(payload), options);
  switch (command.name) {
    case 'deviceInfo':
      return runtime.deviceInfo(options);
    case 'mediaList': {
      const fields = commandFields(payload, '{"page": 0, "perPage": 45} (mediaList reads only page and perPage)');
      return runtime.mediaList({ page: optionalInteger(fields, 'page'), perPage: optionalInteger(fields, 'perPage') }, options);
    }
    case 'startAV':
    case 'stopAV':
      throw new UnknownCommandError(
        command.name,
        'the KJK230 command id for live audio/video was never captured (see artemis.md §5); send msg.command as a number once it is known',
      );
  }
}

function optionalInteger(fields: JsonObject, key: string): number | undefined {
  const value = fields[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new ConfigError(`payload.${key}`, value, 'must be an integer');
  return value;
}
