import { TrailcamError } from '../errors';

/**
 * A datagram that is not a well-formed PPPP message. `offset` is the byte position in the
 * datagram where decoding stopped; `code` of the message type is included when the header
 * was readable.
 */
export class DecodeError extends TrailcamError {
  readonly offset: number;
  readonly reason: string;
  readonly messageCode: number | undefined;

  constructor(reason: string, offset: number, messageCode?: number) {
    const where = messageCode === undefined ? '' : ` (type 0x${messageCode.toString(16).padStart(2, '0')})`;
    super('ERR_PPPP_DECODE', `cannot decode PPPP datagram${where} at byte ${offset}: ${reason}`);
    this.offset = offset;
    this.reason = reason;
    this.messageCode = messageCode;
  }
}

/** A device id (DID) that is not of the form PREFIX-SERIAL-CHECK or does not fit the 20-byte form. */
export class DidError extends TrailcamError {
  readonly did: string;
  readonly problem: string;

  constructor(did: string, problem: string) {
    super('ERR_PPPP_DID', `invalid DID ${JSON.stringify(did)}: ${problem}`);
    this.did = did;
    this.problem = problem;
  }
}

/** A value that cannot be put on the wire (out-of-range field in a message to encode). */
export class EncodeError extends TrailcamError {
  readonly field: string;

  constructor(field: string, problem: string) {
    super('ERR_PPPP_ENCODE', `cannot encode ${field}: ${problem}`);
    this.field = field;
  }
}
