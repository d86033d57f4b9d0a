import { TrailcamError } from '../errors';

/** Where in the frame pipeline a frame was rejected. */
export type ArtemisFrameStage = 'header' | 'length' | 'base64' | 'decrypt' | 'utf8' | 'json' | 'msgType';

/**
 * Bytes that are not a usable ARTEMIS frame: an oversized length field, a payload that is not
 * base64 of whole AES blocks, or a plaintext that is not a JSON object. Never carries the
 * payload or plaintext (a request may hold the password).
 */
export class ArtemisFrameError extends TrailcamError {
  readonly stage: ArtemisFrameStage;
  readonly msgType: number | undefined;
  readonly seq: number | undefined;

  constructor(stage: ArtemisFrameStage, reason: string, frame?: { msgType?: number; seq?: number }) {
    const where = frame?.msgType === undefined ? '' : ` (msgType ${frame.msgType}${frame.seq === undefined ? '' : `, seq ${frame.seq}`})`;
    super('ERR_ARTEMIS_FRAME', `bad ARTEMIS frame${where} at ${stage}: ${reason}`);
    this.stage = stage;
    this.msgType = frame?.msgType;
    this.seq = frame?.seq;
  }
}

/** The camera answered a command with `result != 0`. */
export class ArtemisCommandError extends TrailcamError {
  readonly cmdId: number;
  readonly seq: number;
  readonly result: number;
  readonly errorMsg: string | undefined;

  constructor(cmdId: number, seq: number, result: number, errorMsg: string | undefined, code = 'ERR_ARTEMIS_COMMAND') {
    const detail = errorMsg === undefined ? '' : ` ${JSON.stringify(errorMsg.length > 120 ? `${errorMsg.slice(0, 117)}...` : errorMsg)}`;
    super(code, `ARTEMIS command ${cmdId} (seq ${seq}) failed: camera result ${result}${detail}`);
    this.cmdId = cmdId;
    this.seq = seq;
    this.result = result;
    this.errorMsg = errorMsg;
  }
}

/** The camera refused the login (wrong user name or password). Never says which credentials were tried. */
export class ArtemisLoginError extends ArtemisCommandError {
  constructor(seq: number, result: number, errorMsg: string | undefined) {
    super(0, seq, result, errorMsg, 'ERR_ARTEMIS_LOGIN');
  }
}

/** No response with the command's seq arrived in time. */
export class ArtemisTimeoutError extends TrailcamError {
  readonly cmdId: number;
  readonly seq: number;
  readonly timeoutMs: number;

  constructor(cmdId: number, seq: number, timeoutMs: number) {
    super('ERR_ARTEMIS_TIMEOUT', `ARTEMIS command ${cmdId} (seq ${seq}) got no response within ${timeoutMs} ms`);
    this.cmdId = cmdId;
    this.seq = seq;
    this.timeoutMs = timeoutMs;
  }
}

/** The client was closed, or its session ended, before the operation finished. */
export class ArtemisClosedError extends TrailcamError {
  readonly reason: string;

  constructor(what: string, reason: string, options?: { cause?: unknown }) {
    super('ERR_ARTEMIS_CLOSED', `${what} failed: ARTEMIS client closed (${reason})`, options);
    this.reason = reason;
  }
}

/** The operation is not allowed in the client's current state (e.g. a command before login). */
export class ArtemisStateError extends TrailcamError {
  readonly state: string;

  constructor(what: string, state: string, expected: string) {
    super('ERR_ARTEMIS_STATE', `${what} is not possible while the ARTEMIS client is ${state} (must be ${expected})`);
    this.state = state;
  }
}

/** A response that decoded but does not have the shape its command promises (e.g. login without a token). */
export class ArtemisResponseError extends TrailcamError {
  readonly cmdId: number;
  readonly seq: number;

  constructor(cmdId: number, seq: number, problem: string) {
    super('ERR_ARTEMIS_RESPONSE', `unexpected ARTEMIS response to command ${cmdId} (seq ${seq}): ${problem}`);
    this.cmdId = cmdId;
    this.seq = seq;
  }
}
