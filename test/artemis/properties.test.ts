import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame, decryptPayload, encodeRequest, encodeResponse, encryptPayload, type JsonObject } from '../../src/artemis';
import { propertyOptions } from '../helpers/property';

/** Random JSON objects, as JSON would carry them (no -0, no undefined). */
const jsonObject = fc
  .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 })
  .map((object) => JSON.parse(JSON.stringify(object)) as JsonObject);

describe('artemis: codec properties', () => {
  it('encodeRequest/encodeResponse → decodeFrame is the identity for any JSON object and seq', () => {
    fc.assert(
      fc.property(jsonObject, fc.nat({ max: 0xffffffff }), fc.boolean(), (body, seq, response) => {
        const bytes = (response ? encodeResponse : encodeRequest)(seq, body);
        const message = decodeFrame(bytes);
        assert.equal(message.seq, seq);
        assert.equal(message.msgType, response ? 3 : 2);
        assert.deepEqual(message.body, body);
        const base64Length = bytes.readUInt32LE(16) - (response ? 21 : 1);
        assert.equal(bytes.length, 20 + base64Length + (response ? 21 : 1));
      }),
      propertyOptions(1000),
    );
  });

  it('encryptPayload → decryptPayload is the identity for any non-empty text without NUL', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }).filter((s) => !s.includes('\0')),
        (text) => {
          const base64 = encryptPayload(text);
          assert.equal(Buffer.from(base64, 'base64').length % 16, 0);
          assert.equal(decryptPayload(base64), text);
        },
      ),
      propertyOptions(1000),
    );
  });
});
