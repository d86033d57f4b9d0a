import { ArtemisCmd } from './constants';
import { ArtemisResponseError } from './errors';
import { isJsonObject, numberField, type JsonObject } from './json';

/**
 * One entry of the media list, with the camera's own field names (cmdId 772 thumbnail requests
 * use `dirNum`/`mediaNum` from here). Seen on the KJK230: photos have `fileType` 0 and
 * `durationMs` 0, `mediaDirNum` 100, `mediaNum` counting up per picture, `mediaId` a u32,
 * `mediaTime` in unix seconds; the list is newest first.
 */
export interface MediaFile {
  fileType: number;
  mediaDirNum: number;
  mediaNum: number;
  durationMs: number;
  mediaId: number;
  mediaTime: number;
}

/** One page of the media list (cmdId 768). */
export interface MediaListPage {
  /** `pageNo` echoed by the camera. */
  page: number;
  /** The page size that was asked for (`itemCntPerPage`). */
  perPage: number;
  /** `cnt`: entries in this page as the camera reports it. */
  count: number;
  items: MediaFile[];
  /** `getMediaListRet` (0 on success), null if absent. */
  listResult: number | null;
  raw: JsonObject;
}

const MEDIA_FIELDS = ['fileType', 'mediaDirNum', 'mediaNum', 'durationMs', 'mediaId', 'mediaTime'] as const;

/**
 * Normalises a 768 response body (pure).
 * @throws ArtemisResponseError if `mediaFiles` is not a list of media entries.
 */
export function normaliseMediaList(body: JsonObject, request: { page: number; perPage: number }, seq: number): MediaListPage {
  const list = body.mediaFiles ?? [];
  if (!Array.isArray(list)) throw new ArtemisResponseError(ArtemisCmd.mediaList, seq, 'mediaFiles is not a list');
  const items = list.map((entry, index): MediaFile => {
    if (!isJsonObject(entry)) throw new ArtemisResponseError(ArtemisCmd.mediaList, seq, `mediaFiles[${index}] is not an object`);
    const file = {} as Record<(typeof MEDIA_FIELDS)[number], number>;
    for (const field of MEDIA_FIELDS) {
      const value = numberField(entry, field);
      if (value === undefined) {
        throw new ArtemisResponseError(ArtemisCmd.mediaList, seq, `mediaFiles[${index}].${field} is not a number`);
      }
      file[field] = value;
    }
    return file;
  });
  return {
    page: numberField(body, 'pageNo') ?? request.page,
    perPage: request.perPage,
    count: numberField(body, 'cnt') ?? items.length,
    items,
    listResult: numberField(body, 'getMediaListRet') ?? null,
    raw: body,
  };
}
