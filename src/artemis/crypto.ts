import { createCipheriv, createDecipheriv } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { AES_BLOCK_LENGTH, ARTEMIS_AES_KEY } from './constants';
import { ArtemisFrameError } from './errors';

const ZERO_IV = Buffer.alloc(AES_BLOCK_LENGTH);
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Zero-pads `plaintext` to a multiple of 16 bytes (nothing is added if it is already aligned,
 * as the app does), encrypts it with AES-128-CBC (vendor key, zero IV, no PKCS#7) and returns
 * standard base64 with `=` padding.
 */
export function encryptPayload(plaintext: Buffer | string): string {
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  const padded = Buffer.alloc(Math.ceil(data.length / AES_BLOCK_LENGTH) * AES_BLOCK_LENGTH);
  data.copy(padded);
  const cipher = createCipheriv('aes-128-cbc', ARTEMIS_AES_KEY, ZERO_IV).setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

/**
 * Decodes strict base64, decrypts it (AES-128-CBC, vendor key, zero IV, no padding removal) and
 * returns every decrypted byte, padding included.
 * @throws ArtemisFrameError (stage `base64`) if the text is not strict base64 of whole AES blocks.
 */
export function decryptPayloadBytes(base64: string, frame?: { msgType?: number; seq?: number }): Buffer {
  if (base64.length === 0) throw new ArtemisFrameError('base64', 'empty payload', frame);
  if (!STRICT_BASE64.test(base64)) throw new ArtemisFrameError('base64', 'payload is not standard base64', frame);
  const ciphertext = Buffer.from(base64, 'base64');
  if (ciphertext.length % AES_BLOCK_LENGTH !== 0) {
    throw new ArtemisFrameError('base64', `ciphertext of ${ciphertext.length} bytes is not whole AES blocks`, frame);
  }
  const decipher = createDecipheriv('aes-128-cbc', ARTEMIS_AES_KEY, ZERO_IV).setAutoPadding(false);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/**
 * Decrypts a base64 payload to its text: the decrypted bytes up to the first NUL, as UTF-8.
 * @throws ArtemisFrameError (stage `base64` or `utf8`).
 */
export function decryptPayload(base64: string, frame?: { msgType?: number; seq?: number }): string {
  const bytes = decryptPayloadBytes(base64, frame);
  const end = bytes.indexOf(0);
  try {
    return utf8.decode(end < 0 ? bytes : bytes.subarray(0, end));
  } catch {
    throw new ArtemisFrameError('utf8', 'decrypted payload is not UTF-8 (wrong key or corrupt data)', frame);
  }
}
