/**
 * CS2's byte-stream cipher `P2P_Proprietary_Encrypt` (pppp.md §7.1). Each output byte is the
 * input byte XOR a table entry chosen by the previous *ciphertext* byte and a 4-byte key
 * derived from a key string. The KJK230 network does not use it on whole datagrams; the app
 * uses it with the fixed key `SSD@cs2-network.` for the payload of REPORT_SESSION_READY (0xF9).
 */

/** The 256-byte substitution table (a permutation of 0..255) from the CS2 library. */
const TABLE = Buffer.from(
  '7c9ce84a13dedcb22f2123e4307b3d8c' +
    'bc0b270c3cf79ae7087196009785efc1' +
    '1fc4dba1c2ebd901faba3b05b8158783' +
    '2872d18b5ad6da9358feaacc6e1bf0a3' +
    '88ab43c00db545384f502266207f075b' +
    '14981d9ba72ab9a8cbf1fc4947063eb1' +
    '0e043a945eee541134dd4df9ecc7c9e3' +
    '781a6f706ba4bda95dd5f8e5bb26af42' +
    '37d8e1020aae5f1cc573094e6924906d' +
    '12b319ad748a2940f52dbea559e0f479' +
    'd24bce8982488425c6912ba2fb8fe9a6' +
    'b09e3f65f603312eac0f952c5ced39b7' +
    '336c567eb4a0fd7a815351868d9f77ff' +
    '6a80dfe2bf10d775645776f355cdd0c8' +
    '18e6364162cf99f2324c67606192cad3' +
    'ea637d16b68ed46835c3529d46441e17',
  'hex',
);

/** The fixed key of REPORT_SESSION_READY payloads. */
export const REPORT_KEY = 'SSD@cs2-network.';

/** Derives the 4 key bytes: sum, negated sum, sum of b/3, XOR (mod 256, first 20 chars). */
export function deriveCipherKey(keyString: string): Uint8Array {
  const bytes = Buffer.from(keyString, 'latin1').subarray(0, 20);
  const k = new Uint8Array(4);
  for (const b of bytes) {
    k[0] = (k[0] + b) & 0xff;
    k[1] = (k[1] - b) & 0xff;
    k[2] = (k[2] + Math.floor(b / 3)) & 0xff;
    k[3] ^= b;
  }
  return k;
}

function keystreamByte(key: Uint8Array, previousCipherByte: number): number {
  return TABLE[(key[previousCipherByte & 3] + previousCipherByte) & 0xff];
}

/** Encrypts a copy of `plain`. */
export function proprietaryEncrypt(plain: Uint8Array, keyString: string): Buffer {
  const key = deriveCipherKey(keyString);
  const out = Buffer.alloc(plain.length);
  let previous = 0;
  for (let i = 0; i < plain.length; i += 1) {
    out[i] = plain[i] ^ keystreamByte(key, previous);
    previous = out[i];
  }
  return out;
}

/** Decrypts a copy of `cipher`. */
export function proprietaryDecrypt(cipher: Uint8Array, keyString: string): Buffer {
  const key = deriveCipherKey(keyString);
  const out = Buffer.alloc(cipher.length);
  let previous = 0;
  for (let i = 0; i < cipher.length; i += 1) {
    out[i] = cipher[i] ^ keystreamByte(key, previous);
    previous = cipher[i];
  }
  return out;
}

/** Exposed for tests: the table must be a permutation of 0..255. */
export const CIPHER_TABLE: Readonly<Buffer> = TABLE;
