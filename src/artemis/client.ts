import { EventEmitter } from 'node:events';
import { ConfigError, throwIfAborted, toAbortError } from '../errors';
import type { ChannelTransport, SessionEndReason } from '../session/types';
import {
  ArtemisCmd,
  ArtemisMsgType,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_MEDIA_PAGE_SIZE,
  FIRST_COMMAND_SEQ,
  FIRST_HEARTBEAT_SEQ,
  MAX_MEDIA_PAGE_SIZE,
} from './constants';
import { normaliseDeviceInfo, type DeviceInfo } from './device-info';
import {
  ArtemisClosedError,
  ArtemisCommandError,
  ArtemisFrameError,
  ArtemisLoginError,
  ArtemisResponseError,
  ArtemisStateError,
  ArtemisTimeoutError,
} from './errors';
import { decodeCommandFrame, encodeRequest, type ArtemisRawFrame } from './frame';
import { numberField, stringField, type JsonObject } from './json';
import { normaliseMediaList, type MediaListPage } from './media-list';
import { FrameReassembler, type ReassemblyItem } from './reassembler';

/** The timer functions the client uses; defaults call the global ones at call time (so sinon fake timers apply). */
export interface ArtemisTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const globalTimers: ArtemisTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface ArtemisClientOptions {
  /** DRW channel of the command stream. Default 0. */
  channel?: number;
  /** Heartbeat period while logged in; 0 disables the heartbeat. Default 3000 ms (the app's). */
  heartbeatIntervalMs?: number;
  /** Default time a command waits for its response. Default 10 000 ms. */
  commandTimeoutMs?: number;
  /** Largest accepted frame length field (see FrameReassembler). */
  maxFrameLength?: number;
  /** Wall clock in ms since the epoch, for the login's `utcTime`. Default Date.now. */
  now?: () => number;
  timers?: ArtemisTimers;
}

/** Login credentials; both default to "admin" (the KJK230 default). */
export interface ArtemisCredentials {
  user?: string;
  password?: string;
}

export interface ArtemisCallOptions {
  signal?: AbortSignal;
  /** Overrides the client's commandTimeoutMs for this call. */
  timeoutMs?: number;
}

export interface ArtemisLoginResult {
  /** `bat_percent` of the login response, null if absent. */
  batteryPercent: number | null;
  errorMsg: string | null;
}

export interface MediaListRequest {
  /** Page number, from 0. Default 0. */
  page?: number;
  /** Entries per page, 1–1000. Default 45 (the app's). */
  perPage?: number;
}

/** A response frame whose seq matches no command (or a decoded frame the client did not ask for). */
export interface ArtemisNotification {
  msgType: number;
  seq: number;
  body: JsonObject;
}

export type ArtemisClientState = 'idle' | 'logging-in' | 'logged-in' | 'closed';

/** Events of ArtemisClient. None of them carries credentials or the token. */
export interface ArtemisClientEvents {
  /** An unsolicited response (its seq matches no pending or recently abandoned command). */
  notification: [ArtemisNotification];
  /** A response to a command that already timed out or was aborted. */
  'late-response': [ArtemisNotification];
  /** A frame of another msgType than 3 on the command channel (events, media), undecoded. */
  frame: [ArtemisRawFrame];
  /** Bytes on the channel that could not be used (a header or frame that cannot be valid, resynchronised past; an undecodable unsolicited frame). */
  'protocol-error': [ArtemisFrameError];
  /** A heartbeat could not be sent (the session usually ends soon after). */
  'heartbeat-error': [Error];
  /** The client closed (close() or the session ended); pending commands were rejected with this. */
  close: [ArtemisClosedError];
}

interface PendingCommand {
  cmdId: number;
  seq: number;
  succeed(body: JsonObject): void;
  fail(error: Error): void;
}

/** How many abandoned seqs are remembered, to tell late responses from notifications. */
const LATE_SEQ_MEMORY = 64;
const MAX_U32 = 0xffff_ffff;
/** setTimeout's largest delay; longer ones would fire at once. */
const MAX_TIMER_MS = 0x7fff_ffff;

function checkInteger(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, value, `must be an integer from ${min} to ${max}`);
  }
}

/**
 * The ARTEMIS command client over one session's DRW channel 0: login (token), commands matched
 * to responses by seq, the 3-second heartbeat, device info and the media list.
 *
 * One instance per session: the seq counters start at 1 (commands) and 65537 (heartbeats).
 * `close()` stops the heartbeat and rejects pending commands; it does not close the transport.
 */
export class ArtemisClient extends EventEmitter<ArtemisClientEvents> {
  readonly channel: number;
  readonly heartbeatIntervalMs: number;
  readonly commandTimeoutMs: number;
  readonly #transport: ChannelTransport;
  readonly #now: () => number;
  readonly #timers: ArtemisTimers;
  readonly #reassembler: FrameReassembler;
  readonly #pending = new Map<number, PendingCommand>();
  readonly #abandoned: number[] = [];
  readonly #lifetime = new AbortController();
  #state: ArtemisClientState = 'idle';
  #token: number | undefined;
  #nextSeq = FIRST_COMMAND_SEQ;
  #nextHeartbeatSeq = FIRST_HEARTBEAT_SEQ;
  #heartbeatTimer: unknown;
  #heartbeatInFlight = false;
  #heartbeatsSent = 0;

  constructor(transport: ChannelTransport, options: ArtemisClientOptions = {}) {
    super();
    this.channel = options.channel ?? 0;
    checkInteger('channel', this.channel, 0, 7);
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    checkInteger('heartbeatIntervalMs', this.heartbeatIntervalMs, 0, MAX_TIMER_MS);
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    checkInteger('commandTimeoutMs', this.commandTimeoutMs, 1, MAX_TIMER_MS);
    this.#transport = transport;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? globalTimers;
    this.#reassembler = new FrameReassembler({ maxFrameLength: options.maxFrameLength });
    transport.on('data', this.#onData);
    transport.on('end', this.#onEnd);
    if (!transport.open) this.#shutdown('the session had already ended');
  }

  get state(): ArtemisClientState {
    return this.#state;
  }

  get loggedIn(): boolean {
    return this.#state === 'logged-in';
  }

  /** Commands sent and not yet answered. */
  get pendingCommands(): number {
    return this.#pending.size;
  }

  /** Heartbeat frames handed to the transport so far. */
  get heartbeatsSent(): number {
    return this.#heartbeatsSent;
  }

  /**
   * Logs in (cmdId 0, seq 1 on a fresh client) with the app's exact request and keeps the
   * returned token for later commands; starts the heartbeat.
   * @throws ArtemisLoginError if the camera refuses (result != 0), ArtemisTimeoutError,
   *   AbortError, ArtemisClosedError, ArtemisResponseError (no token), ArtemisStateError.
   */
  async login(credentials: ArtemisCredentials = {}, options: ArtemisCallOptions = {}): Promise<ArtemisLoginResult> {
    this.#assertState('login', 'idle', 'idle (not yet logged in)');
    const user = credentials.user ?? 'admin';
    const password = credentials.password ?? 'admin';
    // The value is never shown: only its type (these are credentials).
    if (typeof user !== 'string') throw new ConfigError('user', typeof user, 'must be a string');
    if (typeof password !== 'string') throw new ConfigError('password', typeof password, 'must be a string');
    throwIfAborted(options.signal, 'ARTEMIS login');
    this.#timeoutFor(options);
    this.#state = 'logging-in';
    const seq = this.#takeSeq();
    const request: JsonObject = {
      cmdId: ArtemisCmd.login,
      usrName: user,
      password,
      needVideo: 0,
      needAudio: 0,
      utcTime: Math.floor(this.#now() / 1000),
      supportHeartBeat: true,
    };
    let body: JsonObject;
    try {
      body = await this.#request(ArtemisCmd.login, seq, request, options);
      const token = body.token;
      if (typeof token !== 'number' || !Number.isInteger(token)) {
        throw new ArtemisResponseError(ArtemisCmd.login, seq, 'login succeeded but the response has no integer token');
      }
      if (this.#state !== 'logging-in') throw new ArtemisClosedError('ARTEMIS login', 'closed while logging in');
      this.#token = token;
    } catch (error) {
      if (this.#state === 'logging-in') this.#state = 'idle';
      throw error;
    }
    this.#state = 'logged-in';
    this.#scheduleHeartbeat();
    return { batteryPercent: numberField(body, 'bat_percent') ?? null, errorMsg: stringField(body, 'errorMsg') ?? null };
  }

  /**
   * Sends `{"cmdId":cmdId, ...fields, "token":<token>}` and resolves with the response whose seq
   * matches. `fields` must not contain `cmdId` or `token`.
   * @throws ArtemisCommandError (result != 0), ArtemisTimeoutError, AbortError,
   *   ArtemisClosedError, ArtemisFrameError (undecodable response), ArtemisResponseError
   *   (response for another cmdId), ArtemisStateError (not logged in), ConfigError.
   */
  async command(cmdId: number, fields: JsonObject = {}, options: ArtemisCallOptions = {}): Promise<JsonObject> {
    return (await this.#command(cmdId, fields, options)).body;
  }

  async #command(cmdId: number, fields: JsonObject, options: ArtemisCallOptions): Promise<{ seq: number; body: JsonObject }> {
    checkInteger('cmdId', cmdId, 0, MAX_U32);
    for (const reserved of ['cmdId', 'token']) {
      if (Object.prototype.hasOwnProperty.call(fields, reserved)) {
        throw new ConfigError(`fields.${reserved}`, '(set by the client)', `must not be given; the client sets ${reserved}`);
      }
    }
    this.#assertState(`ARTEMIS command ${cmdId}`, 'logged-in', 'logged in');
    throwIfAborted(options.signal, `ARTEMIS command ${cmdId}`);
    this.#timeoutFor(options);
    const seq = this.#takeSeq();
    return { seq, body: await this.#request(cmdId, seq, { cmdId, ...fields, token: this.#token as number }, options) };
  }

  /** Device info (cmdId 512), normalised; see DeviceInfo for the field mapping. */
  async deviceInfo(options: ArtemisCallOptions = {}): Promise<DeviceInfo> {
    return normaliseDeviceInfo(await this.command(ArtemisCmd.deviceInfo, {}, options));
  }

  /** One page of the media list (cmdId 768 with `itemCntPerPage` and `pageNo`, the app's order). */
  async mediaList(request: MediaListRequest = {}, options: ArtemisCallOptions = {}): Promise<MediaListPage> {
    const page = request.page ?? 0;
    const perPage = request.perPage ?? DEFAULT_MEDIA_PAGE_SIZE;
    checkInteger('page', page, 0, MAX_U32);
    checkInteger('perPage', perPage, 1, MAX_MEDIA_PAGE_SIZE);
    const { seq, body } = await this.#command(ArtemisCmd.mediaList, { itemCntPerPage: perPage, pageNo: page }, options);
    return normaliseMediaList(body, { page, perPage }, seq);
  }

  /** Stops the heartbeat, rejects pending commands with ArtemisClosedError and detaches from the transport. Idempotent. */
  close(): void {
    this.#shutdown('closed by the caller');
  }

  #assertState(what: string, required: ArtemisClientState, expected: string): void {
    if (this.#state === 'closed') throw new ArtemisClosedError(what, 'the client is closed');
    if (this.#state !== required) throw new ArtemisStateError(what, this.#state, expected);
  }

  /** The call's timeout (its own or the client's); ConfigError if out of range. */
  #timeoutFor(options: ArtemisCallOptions): number {
    const timeoutMs = options.timeoutMs ?? this.commandTimeoutMs;
    checkInteger('timeoutMs', timeoutMs, 1, MAX_TIMER_MS);
    return timeoutMs;
  }

  #takeSeq(): number {
    const seq = this.#nextSeq;
    this.#nextSeq = seq >= MAX_U32 ? FIRST_COMMAND_SEQ : seq + 1;
    return seq;
  }

  /** Sends one request and settles with its response body (result checked); every timer and listener is released on every path. */
  #request(cmdId: number, seq: number, body: JsonObject, options: ArtemisCallOptions): Promise<JsonObject> {
    const timeoutMs = this.#timeoutFor(options);
    const { signal } = options;
    const what = `ARTEMIS command ${cmdId} (seq ${seq})`;
    const frame = encodeRequest(seq, body);
    return new Promise<JsonObject>((resolve, reject) => {
      // Stops the transport's (re)sending once the command has failed, been aborted or closed.
      const sendAbort = new AbortController();
      let settled = false;
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        this.#timers.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(seq);
        return true;
      };
      const pending: PendingCommand = {
        cmdId,
        seq,
        succeed: (response) => {
          if (!finish()) return;
          try {
            resolve(checkResponse(cmdId, seq, response));
          } catch (error) {
            reject(error);
          }
        },
        fail: (error) => {
          if (!finish()) return;
          sendAbort.abort(error);
          reject(error);
        },
      };
      const abandon = (error: Error): void => {
        if (settled) return;
        this.#rememberAbandoned(seq);
        pending.fail(error);
      };
      const onAbort = (): void => abandon(toAbortError(signal?.reason, what));
      const sentAt = this.#reassembler.bytesReceived;
      const timer = this.#timers.setTimeout(() => {
        abandon(new ArtemisTimeoutError(cmdId, seq, timeoutMs));
        this.#resyncIfStalled(sentAt);
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(seq, pending);
      this.#transport.send(this.channel, frame, { signal: sendAbort.signal }).catch((error: unknown) => {
        if (settled) return;
        if (this.#state === 'closed') pending.fail(new ArtemisClosedError(what, 'closed while sending', { cause: error }));
        else if (signal?.aborted) onAbort();
        else pending.fail(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  #rememberAbandoned(seq: number): void {
    this.#abandoned.push(seq);
    if (this.#abandoned.length > LATE_SEQ_MEMORY) this.#abandoned.shift();
  }

  #scheduleHeartbeat(): void {
    if (this.heartbeatIntervalMs === 0 || this.#state !== 'logged-in') return;
    this.#heartbeatTimer = this.#timers.setTimeout(() => {
      this.#heartbeatTimer = undefined;
      this.#beat();
      this.#scheduleHeartbeat();
    }, this.heartbeatIntervalMs);
  }

  /** Sends `{"cmdId":525}` (no token) with the heartbeat seq; skips a beat while the previous one is still unacknowledged. */
  #beat(): void {
    if (this.#heartbeatInFlight || this.#state !== 'logged-in') return;
    const seq = this.#nextHeartbeatSeq;
    this.#nextHeartbeatSeq = seq >= MAX_U32 ? FIRST_HEARTBEAT_SEQ : seq + 1;
    this.#heartbeatInFlight = true;
    this.#heartbeatsSent += 1;
    const done = (): void => {
      this.#heartbeatInFlight = false;
    };
    this.#transport.send(this.channel, encodeRequest(seq, { cmdId: ArtemisCmd.heartbeat }), { signal: this.#lifetime.signal }).then(done, (error: unknown) => {
      done();
      if (this.#state !== 'closed') this.emit('heartbeat-error', error instanceof Error ? error : new Error(String(error)));
    });
  }

  readonly #onData = (channel: number, data: Buffer): void => {
    if (channel !== this.channel || this.#state === 'closed') return;
    this.#onItems(this.#reassembler.push(data));
  };

  #onItems(items: ReassemblyItem[]): void {
    for (const item of items) {
      if (item.kind === 'frame') {
        this.#onFrame(item.frame);
        continue;
      }
      // A rejected response frame fails the command waiting for its seq, as an undecodable one does.
      const pending = item.error.msgType === ArtemisMsgType.response ? this.#pending.get(item.error.seq as number) : undefined;
      if (pending) pending.fail(item.error);
      else this.emit('protocol-error', item.error);
    }
  }

  /**
   * After a command timed out: if the frame the reassembler is collecting began before that
   * command was sent (stream offset `sentAt`), it has blocked the stream for the whole timeout
   * (e.g. a corrupt header announcing 200 000 bytes): give up on it and resynchronise.
   */
  #resyncIfStalled(sentAt: number): void {
    if (this.#state === 'closed') return;
    const start = this.#reassembler.partialFrameStart;
    if (start !== undefined && start < sentAt) this.#onItems(this.#reassembler.resync());
  }

  #onFrame(frame: ArtemisRawFrame): void {
    if (frame.msgType !== ArtemisMsgType.response) {
      this.emit('frame', frame);
      return;
    }
    const pending = this.#pending.get(frame.seq);
    let message;
    try {
      message = decodeCommandFrame(frame);
    } catch (error) {
      if (!(error instanceof ArtemisFrameError)) throw error;
      if (pending) pending.fail(error);
      else this.emit('protocol-error', error);
      return;
    }
    if (pending) pending.succeed(message.body);
    else if (this.#abandoned.includes(frame.seq)) this.emit('late-response', message);
    else this.emit('notification', message);
  }

  readonly #onEnd = (end: SessionEndReason): void => {
    this.#shutdown(`session ${end.kind}: ${end.reason}`, end.error);
  };

  #shutdown(reason: string, cause?: Error): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#token = undefined;
    if (this.#heartbeatTimer !== undefined) this.#timers.clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
    this.#transport.off('data', this.#onData);
    this.#transport.off('end', this.#onEnd);
    this.#reassembler.reset();
    for (const pending of [...this.#pending.values()]) {
      pending.fail(new ArtemisClosedError(`ARTEMIS command ${pending.cmdId} (seq ${pending.seq})`, reason, { cause }));
    }
    this.#lifetime.abort(new ArtemisClosedError('ARTEMIS send', reason, { cause }));
    this.emit('close', new ArtemisClosedError('ARTEMIS client', reason, { cause }));
  }
}

/** Checks a response body against its command: result 0 (or absent) and the same cmdId (if present). */
function checkResponse(cmdId: number, seq: number, body: JsonObject): JsonObject {
  const result = body.result;
  if (result !== undefined && typeof result !== 'number') {
    throw new ArtemisResponseError(cmdId, seq, `result is a ${result === null ? 'null' : typeof result}, not a number`);
  }
  if (typeof result === 'number' && result !== 0) {
    const errorMsg = stringField(body, 'errorMsg');
    throw cmdId === ArtemisCmd.login ? new ArtemisLoginError(seq, result, errorMsg) : new ArtemisCommandError(cmdId, seq, result, errorMsg);
  }
  const responseCmd = body.cmdId;
  if (responseCmd !== undefined && responseCmd !== cmdId) {
    throw new ArtemisResponseError(cmdId, seq, `the response is for cmdId ${JSON.stringify(responseCmd)}`);
  }
  return body;
}
