import { BleMessageError } from './errors';

/**
 * The camera's BLE messages (ble-wake.md): an 8-byte header `13 57` · msgId u16 LE · body
 * length u32 LE, then the body, split over notifications of at most 20 bytes. Pure: no I/O.
 */
export const BLE_MAGIC = Buffer.from([0x13, 0x57]);
export const BLE_HEADER_LENGTH = 8;
/** Notification payload size the camera uses (ATT MTU 23 − 3). */
export const BLE_NOTIFICATION_SIZE = 20;
/** msgId of the wake request and its answer. */
export const WAKE_MSG_ID = 1;
/** Largest accepted body by default: the real answer has 72 bytes. */
export const DEFAULT_MAX_BODY_LENGTH = 1024;
/** Largest notification accepted (an ATT value is at most 512 bytes). */
export const MAX_NOTIFICATION_LENGTH = 512;

/** 16-bit UUIDs of the characteristics: the app writes 0x0002, the camera answers on 0x0003. */
export const WAKE_WRITE_CHARACTERISTIC = '0002';
export const WAKE_ANSWER_CHARACTERISTIC = '0003';

export interface BleMessage {
  msgId: number;
  body: Buffer;
}

/** One message: header and body. */
export function encodeBleMessage(msgId: number, body: Uint8Array = Buffer.alloc(0)): Buffer {
  if (!Number.isInteger(msgId) || msgId < 0 || msgId > 0xffff) throw new RangeError(`BLE msgId must be an integer from 0 to 65535, got ${msgId}`);
  const header = Buffer.alloc(BLE_HEADER_LENGTH);
  BLE_MAGIC.copy(header, 0);
  header.writeUInt16LE(msgId, 2);
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** The wake request: msgId 1, empty body (`13 57 01 00 00 00 00 00`). */
export function encodeWakeRequest(): Buffer {
  return encodeBleMessage(WAKE_MSG_ID);
}

/** Cuts a message into notifications of at most `size` bytes (the camera's framing). */
export function splitNotifications(message: Uint8Array, size = BLE_NOTIFICATION_SIZE): Buffer[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`notification size must be a positive integer, got ${size}`);
  const out: Buffer[] = [];
  for (let offset = 0; offset < message.length; offset += size) out.push(Buffer.from(message.subarray(offset, offset + size)));
  return out;
}

/** What one `push` yields, in order: whole messages and rejected input. */
export type BleReassemblyItem = { kind: 'message'; message: BleMessage } | { kind: 'error'; error: BleMessageError };

export interface BleReassemblerOptions {
  /** Largest accepted body length field; a longer one is an error (stage `length`). Default 1024. */
  maxBodyLength?: number;
}

/**
 * Joins the notifications of one characteristic (in the order the link delivered them) into
 * messages. The BLE link is ordered and reliable, so a notification that does not fit means
 * something is wrong; the reassembler never guesses:
 * - a notification that must start a message but does not begin with `13 57` (a continuation
 *   whose header was lost, a duplicated or reordered continuation) is dropped: error `magic`;
 * - a notification beginning with `13 57` while a body is incomplete (a duplicated or reordered
 *   first notification) ends the incomplete message: error `truncated`, and starts a new one.
 *   This assumes a body never begins a notification with `13 57`, true of the JSON answers
 *   (JSON text holds no raw 0x13 byte);
 * - zero bytes after a complete message in the same notification are padding (the camera's
 *   20-byte echo of the request); other bytes there start the next message if they begin with
 *   `13 57`, else they are dropped: error `trailing`;
 * - a length field above `maxBodyLength`: error `length`, the rest of that notification dropped;
 * - an empty notification is ignored; one above 512 bytes: error `notification`.
 * After an error it waits for the next notification that begins with `13 57`. It holds at most
 * `8 + maxBodyLength` bytes. A body made wrong by a duplicated or reordered continuation that still
 * fits the length is caught by the body's decoder (`decodeWakeAnswer`), not here.
 */
export class BleMessageReassembler {
  readonly maxBodyLength: number;
  #header: Buffer | null = null;
  #headerBytes = 0;
  #msgId = 0;
  #length = 0;
  #body: Buffer[] = [];
  #received = 0;
  #inBody = false;

  constructor(options: BleReassemblerOptions = {}) {
    this.maxBodyLength = options.maxBodyLength ?? DEFAULT_MAX_BODY_LENGTH;
  }

  /** Bytes of the incomplete message held (an incomplete header, or the body so far). */
  get bufferedBytes(): number {
    return this.#headerBytes + this.#received;
  }

  /** Forgets the incomplete message. */
  reset(): void {
    this.#header = null;
    this.#headerBytes = 0;
    this.#body = [];
    this.#received = 0;
    this.#inBody = false;
  }

  push(notification: Uint8Array): BleReassemblyItem[] {
    const items: BleReassemblyItem[] = [];
    const chunk = Buffer.from(notification.buffer, notification.byteOffset, notification.byteLength);
    if (chunk.length === 0) return items;
    if (chunk.length > MAX_NOTIFICATION_LENGTH) {
      this.reset();
      items.push({ kind: 'error', error: new BleMessageError('notification', `notification of ${chunk.length} bytes exceeds ${MAX_NOTIFICATION_LENGTH}`) });
      return items;
    }
    if (this.#inBody && startsWithMagic(chunk, 0)) {
      items.push({
        kind: 'error',
        error: new BleMessageError('truncated', `msgId ${this.#msgId} ended after ${this.#received} of ${this.#length} body bytes: a new header arrived`),
      });
      this.reset();
    }
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#header === null && !this.#inBody) {
        if (offset > 0 && chunk.subarray(offset).every((b) => b === 0)) break; // padding after a message
        if (!startsWithMagic(chunk, offset)) {
          items.push({
            kind: 'error',
            error:
              offset === 0
                ? new BleMessageError(
                    'magic',
                    `notification of ${chunk.length} bytes does not start a message (no 13 57 header): a lost, duplicated or reordered notification`,
                  )
                : new BleMessageError('trailing', `${chunk.length - offset} bytes after a complete message are neither padding nor a header`),
          });
          break;
        }
        this.#header = Buffer.alloc(BLE_HEADER_LENGTH);
        this.#headerBytes = 0;
      }
      if (this.#header !== null) {
        const take = Math.min(BLE_HEADER_LENGTH - this.#headerBytes, chunk.length - offset);
        chunk.copy(this.#header, this.#headerBytes, offset, offset + take);
        this.#headerBytes += take;
        offset += take;
        if (this.#headerBytes < BLE_HEADER_LENGTH) break;
        if (this.#header[1] !== BLE_MAGIC[1]) {
          this.reset();
          items.push({ kind: 'error', error: new BleMessageError('magic', 'header does not begin with 13 57') });
          break;
        }
        const msgId = this.#header.readUInt16LE(2);
        const length = this.#header.readUInt32LE(4);
        this.reset();
        if (length > this.maxBodyLength) {
          items.push({ kind: 'error', error: new BleMessageError('length', `msgId ${msgId} announces ${length} body bytes, more than ${this.maxBodyLength}`) });
          break;
        }
        this.#msgId = msgId;
        this.#length = length;
        this.#inBody = true;
      }
      if (this.#inBody) {
        const take = Math.min(this.#length - this.#received, chunk.length - offset);
        if (take > 0) this.#body.push(Buffer.from(chunk.subarray(offset, offset + take)));
        this.#received += take;
        offset += take;
        if (this.#received === this.#length) {
          items.push({ kind: 'message', message: { msgId: this.#msgId, body: Buffer.concat(this.#body) } });
          this.reset();
        }
      }
    }
    return items;
  }
}

function startsWithMagic(chunk: Buffer, offset: number): boolean {
  // A header split after its first byte (a notification shorter than 2 bytes) is accepted on its first byte.
  return chunk[offset] === BLE_MAGIC[0] && (offset + 1 >= chunk.length || chunk[offset + 1] === BLE_MAGIC[1]);
}

/** The camera's hotspot, from a wake answer. */
export interface HotspotCredentials {
  ssid: string;
  bssid: string;
  password: string;
}

/** A decoded wake answer: `ret` 0 carries the credentials; another `ret` may carry none. */
export interface WakeAnswer {
  ret: number;
  credentials: HotspotCredentials | null;
}

const MAC = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;

/**
 * Decodes the wake answer's body, e.g. `{"ret":0,"ssid":"KJK_E0FF","bssid":"1C:4E:A2:92:E0:FF","pwd":"85087127"}`.
 * With `ret` 0 it requires `ssid` (1–32 bytes), `bssid` (a MAC address) and `pwd` (a string up to
 * 63 characters, the WPA2 limit); the password becomes `password`. Throws BleMessageError
 * (stage `json` or `field`) otherwise; the error names the field and never shows the password.
 */
export function decodeWakeAnswer(body: Uint8Array): WakeAnswer {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new BleMessageError('json', `wake answer body of ${body.length} bytes is not UTF-8`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BleMessageError('json', `wake answer body of ${body.length} bytes is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BleMessageError('json', 'wake answer body is not a JSON object');
  const record = value as Record<string, unknown>;
  const ret = record.ret;
  if (typeof ret !== 'number' || !Number.isInteger(ret)) throw new BleMessageError('field', `wake answer field "ret" is ${describe(ret)}, not an integer`);
  if (ret !== 0) return { ret, credentials: null };
  const { ssid, bssid, pwd } = record;
  if (typeof ssid !== 'string' || ssid.length === 0 || Buffer.byteLength(ssid) > 32 || hasControl(ssid))
    throw new BleMessageError('field', `wake answer field "ssid" is ${describe(ssid)}, not a Wi-Fi name of 1 to 32 bytes without control characters`);
  if (typeof bssid !== 'string' || !MAC.test(bssid)) throw new BleMessageError('field', `wake answer field "bssid" is ${describe(bssid)}, not a MAC address`);
  // (A control character would also stop nmcli's arguments: a NUL makes execFile throw with the argument in its message.)
  if (typeof pwd !== 'string' || pwd.length > 63 || hasControl(pwd))
    throw new BleMessageError('field', `wake answer field "pwd" is not a string of up to 63 characters without control characters`);
  return { ret, credentials: { ssid, bssid: bssid.toUpperCase(), password: pwd } };
}

/** Whether `text` has a C0 control or DEL: never in a WPA passphrase (printable ASCII, IEEE 802.11i), nor in a name nmcli can be given. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return typeof value;
}
