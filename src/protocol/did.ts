import { DecodeError, DidError } from './errors';

/**
 * A CS2 device id. On the wire it is 20 bytes: prefix char[8] (NUL-padded, at most 7 chars),
 * serial u32 big-endian, check code char[8] (NUL-padded, at most 7 chars). Its text form is
 * `PREFIX-%06u-CHECK`, e.g. `LBCS-000000-CCCJJ` (pppp.md §2).
 */
export interface Did {
  readonly prefix: string;
  readonly serial: number;
  readonly check: string;
}

export const DID_SIZE = 20;
const FIELD_CHARS = 7;
const TEXT_FORM = /^([A-Za-z0-9]+)-(\d+)-([A-Za-z0-9]+)$/;
const FIELD_FORM = /^[A-Z0-9]{1,7}$/;
const MAX_SERIAL = 0xffff_ffff;

/** Parses the text form (case-insensitive; normalised to upper case). Throws DidError. */
export function parseDid(text: string): Did {
  if (typeof text !== 'string') throw new DidError(String(text), 'not a string');
  const match = TEXT_FORM.exec(text.trim());
  if (!match) throw new DidError(text, 'expected PREFIX-SERIAL-CHECK, e.g. LBCS-000000-CCCJJ');
  const [, prefix, serialText, check] = match;
  if (prefix.length > FIELD_CHARS) throw new DidError(text, `prefix ${JSON.stringify(prefix)} is longer than ${FIELD_CHARS} characters`);
  if (check.length > FIELD_CHARS) throw new DidError(text, `check code ${JSON.stringify(check)} is longer than ${FIELD_CHARS} characters`);
  const serial = Number(serialText);
  if (serialText.length > 10 || !Number.isSafeInteger(serial) || serial > MAX_SERIAL) {
    throw new DidError(text, `serial ${serialText} is out of range 0..${MAX_SERIAL}`);
  }
  return { prefix: prefix.toUpperCase(), serial, check: check.toUpperCase() };
}

/** Formats a DID as text, with the serial zero-padded to six digits. */
export function formatDid(did: Did): string {
  return `${did.prefix}-${String(did.serial).padStart(6, '0')}-${did.check}`;
}

/** Checks a Did value (e.g. built by hand) fits the wire form; throws DidError. */
export function validateDid(did: Did): Did {
  const text = `${did.prefix}-${did.serial}-${did.check}`;
  if (!FIELD_FORM.test(did.prefix)) throw new DidError(text, 'prefix must be 1-7 characters A-Z or 0-9');
  if (!FIELD_FORM.test(did.check)) throw new DidError(text, 'check code must be 1-7 characters A-Z or 0-9');
  if (!Number.isInteger(did.serial) || did.serial < 0 || did.serial > MAX_SERIAL) {
    throw new DidError(text, `serial ${did.serial} is out of range 0..${MAX_SERIAL}`);
  }
  return did;
}

/** Writes the 20-byte wire form at `offset` of `target`. */
export function writeDid(did: Did, target: Buffer, offset: number): void {
  validateDid(did);
  target.fill(0, offset, offset + DID_SIZE);
  target.write(did.prefix, offset, 'latin1');
  target.writeUInt32BE(did.serial, offset + 8);
  target.write(did.check, offset + 12, 'latin1');
}

export function encodeDid(did: Did): Buffer {
  const out = Buffer.alloc(DID_SIZE);
  writeDid(did, out, 0);
  return out;
}

/** Reads the 20-byte wire form; `base` is the datagram offset of `source[offset]` for error messages. */
export function readDid(source: Buffer, offset: number, messageCode?: number): Did {
  if (source.length - offset < DID_SIZE) {
    throw new DecodeError(`DID needs ${DID_SIZE} bytes, ${source.length - offset} left`, offset, messageCode);
  }
  return {
    prefix: readField(source, offset, 'DID prefix', messageCode),
    serial: source.readUInt32BE(offset + 8),
    check: readField(source, offset + 12, 'DID check code', messageCode),
  };
}

export function didEquals(a: Did, b: Did): boolean {
  return a.prefix === b.prefix && a.serial === b.serial && a.check === b.check;
}

function readField(source: Buffer, offset: number, what: string, messageCode?: number): string {
  let end = offset;
  while (end < offset + 8 && source[end] !== 0) {
    end += 1;
  }
  if (end === offset + 8) throw new DecodeError(`${what} is not NUL-terminated within 8 bytes`, offset, messageCode);
  const text = source.toString('latin1', offset, end);
  if (!FIELD_FORM.test(text)) throw new DecodeError(`${what} ${JSON.stringify(text)} is not 1-7 characters A-Z or 0-9`, offset, messageCode);
  return text;
}
