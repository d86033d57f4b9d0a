import { ArtemisCmd, ArtemisMsgType, MAX_MEDIA_PAGE_SIZE } from './constants';
import { DEFAULT_CAMERA_DEVICE_STATE, deviceInfoResponse, generateMediaFiles, mediaListResponse, type CameraDeviceState } from './camera-documents';
import { ArtemisFrameError } from './errors';
import { decodeCommandFrame, encodeResponse } from './frame';
import { numberField, type JsonObject } from './json';
import type { MediaFile } from './media-list';
import { seededRandom } from '../random';
import { FrameReassembler } from './reassembler';

/**
 * Error results of the simulated camera. The real camera's error answers were never captured:
 * these numbers and texts are our guesses, in the shape of its success answers.
 */
export const SIMULATED_ERRORS = {
  invalidPassword: { result: -1, errorMsg: 'Invalid password' },
  invalidToken: { result: -2, errorMsg: 'Invalid token' },
  invalidParameter: { result: -3, errorMsg: 'Invalid parameter' },
  unsupportedCommand: { result: -4, errorMsg: 'Unsupported command' },
} as const;

export interface ArtemisCameraServiceOptions {
  /** Accepted user name. Default "admin". */
  user?: string;
  /** Accepted password. Default "admin". */
  password?: string;
  /** Seed of the token and media-id generator. Give each simulated session its own seed. Default 1. */
  seed?: number;
  /** Battery, temperature, SD card, …; defaults are the real camera's values. */
  device?: Partial<CameraDeviceState>;
  /** The media list, newest first. Default: `mediaCount` generated pictures. */
  media?: readonly MediaFile[];
  /** How many pictures to generate when `media` is not given. Default 120. */
  mediaCount?: number;
  /** Wall clock in ms since the epoch (for `timeUTC` and generated media times). Default Date.now. */
  now?: () => number;
  /** Largest accepted frame length field. */
  maxFrameLength?: number;
}

/** Counters of what the simulated camera received. */
export interface ArtemisCameraServiceStats {
  requests: number;
  heartbeats: number;
  logins: number;
  failedLogins: number;
  rejectedTokens: number;
  /** Frames that could not be decoded, oversized headers, and frames of other msgTypes. */
  badFrames: number;
}

/**
 * The camera side of ARTEMIS channel 0 for the simulator (pure: bytes in, bytes out; no
 * sockets or timers). Feed it the channel's data; it returns the response frames to send back.
 * Checks the login, issues a new token per login (the previous one becomes stale), rejects
 * commands without the current token, answers 512 (device info), 768 (media list), 258/259
 * and 772 (short acks) and ignores 525 heartbeats, as the real camera does.
 *
 * `onData(data, reply)` makes an instance usable directly as a simulator ChannelService.
 */
export class ArtemisCameraService {
  readonly #user: string;
  readonly #password: string;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #reassembler: FrameReassembler;
  readonly #media: readonly MediaFile[];
  #device: CameraDeviceState;
  #token: number | undefined;
  readonly #stats: ArtemisCameraServiceStats = {
    requests: 0,
    heartbeats: 0,
    logins: 0,
    failedLogins: 0,
    rejectedTokens: 0,
    badFrames: 0,
  };

  constructor(options: ArtemisCameraServiceOptions = {}) {
    this.#user = options.user ?? 'admin';
    this.#password = options.password ?? 'admin';
    this.#random = seededRandom(options.seed ?? 1);
    this.#now = options.now ?? Date.now;
    this.#reassembler = new FrameReassembler({ maxFrameLength: options.maxFrameLength });
    this.#device = { ...DEFAULT_CAMERA_DEVICE_STATE, ...options.device };
    this.#media = options.media ?? generateMediaFiles(options.mediaCount ?? 120, this.#random, this.#now() / 1000);
  }

  /** The token of the current login (undefined before the first successful login). */
  get token(): number | undefined {
    return this.#token;
  }

  get stats(): Readonly<ArtemisCameraServiceStats> {
    return { ...this.#stats };
  }

  get device(): Readonly<CameraDeviceState> {
    return { ...this.#device };
  }

  get media(): readonly MediaFile[] {
    return this.#media;
  }

  /** Changes the simulated device values (e.g. the battery draining). */
  setDevice(patch: Partial<CameraDeviceState>): void {
    this.#device = { ...this.#device, ...patch };
  }

  /** Consumes the next bytes of channel 0 and returns the response frames they call for. */
  handle(chunk: Buffer): Buffer[] {
    const responses: Buffer[] = [];
    for (const item of this.#reassembler.push(chunk)) {
      if (item.kind === 'error' || item.frame.msgType !== ArtemisMsgType.request) {
        this.#stats.badFrames += 1;
        continue;
      }
      let request;
      try {
        request = decodeCommandFrame(item.frame);
      } catch (error) {
        if (!(error instanceof ArtemisFrameError)) throw error;
        this.#stats.badFrames += 1;
        continue;
      }
      const body = this.#answer(request.body);
      if (body !== undefined) responses.push(encodeResponse(request.seq, body));
    }
    return responses;
  }

  /** ChannelService shape: handles `data` and sends each response frame through `reply`. */
  onData(data: Buffer, reply: (data: Buffer) => void): void {
    for (const response of this.handle(data)) reply(response);
  }

  /** Forgets a partial frame and the login (the session ended). */
  close(): void {
    this.#reassembler.reset();
    this.#token = undefined;
  }

  #answer(request: JsonObject): JsonObject | undefined {
    const cmdId = numberField(request, 'cmdId');
    if (cmdId === undefined) {
      this.#stats.badFrames += 1;
      return undefined;
    }
    if (cmdId === ArtemisCmd.heartbeat) {
      this.#stats.heartbeats += 1;
      return undefined;
    }
    this.#stats.requests += 1;
    if (cmdId === ArtemisCmd.login) return this.#login(request);
    if (this.#token === undefined || request.token !== this.#token) {
      this.#stats.rejectedTokens += 1;
      return failure(cmdId, SIMULATED_ERRORS.invalidToken);
    }
    switch (cmdId) {
      case ArtemisCmd.deviceInfo:
        return deviceInfoResponse(this.#device, this.#now() / 1000);
      case ArtemisCmd.mediaList:
        return this.#mediaList(request);
      case ArtemisCmd.ack258:
      case ArtemisCmd.ack259:
        return { errorMsg: 'Success', result: 0, cmdId };
      case ArtemisCmd.thumbnails:
        // The real camera then sends the thumbnails on DRW channel 4; not simulated.
        return { cmdRet: 0, result: 0, cmdId };
      default:
        return failure(cmdId, SIMULATED_ERRORS.unsupportedCommand);
    }
  }

  #login(request: JsonObject): JsonObject {
    if (request.usrName !== this.#user || request.password !== this.#password) {
      this.#stats.failedLogins += 1;
      return { cmdId: ArtemisCmd.login, ...SIMULATED_ERRORS.invalidPassword };
    }
    this.#stats.logins += 1;
    this.#token = this.#newToken();
    return {
      cmdId: ArtemisCmd.login,
      result: 0,
      token: this.#token,
      bat_percent: this.#device.batteryPercent,
      errorMsg: 'Success',
    };
  }

  /** Real tokens were 8–9 digit integers (58 277 887 … 142 998 185); a new one differs from the last. */
  #newToken(): number {
    for (;;) {
      const token = 10_000_000 + Math.floor(this.#random() * 140_000_000);
      if (token !== this.#token) return token;
    }
  }

  #mediaList(request: JsonObject): JsonObject {
    const pageNo = numberField(request, 'pageNo');
    const perPage = numberField(request, 'itemCntPerPage');
    const valid =
      pageNo !== undefined &&
      perPage !== undefined &&
      Number.isInteger(pageNo) &&
      Number.isInteger(perPage) &&
      pageNo >= 0 &&
      perPage >= 1 &&
      perPage <= MAX_MEDIA_PAGE_SIZE;
    if (!valid) return failure(ArtemisCmd.mediaList, SIMULATED_ERRORS.invalidParameter);
    return mediaListResponse(this.#media, pageNo, perPage);
  }
}

function failure(cmdId: number, error: { result: number; errorMsg: string }): JsonObject {
  return { errorMsg: error.errorMsg, result: error.result, cmdId };
}
