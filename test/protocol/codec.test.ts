import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decode,
  DecodeError,
  describeMessage,
  DidError,
  encode,
  formatDid,
  MESSAGE_NAMES,
  parseDid,
  peekCode,
  proprietaryDecrypt,
  proprietaryEncrypt,
  REPORT_KEY,
  CIPHER_TABLE,
  deriveCipherKey,
  encodeSocketAddress,
  readSocketAddress,
} from '../../src/protocol';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadFixture, repoRoot } from '../helpers/fixtures';
import { addressArb, didArb, messageArb } from './arbitraries';
import { propertyOptions } from '../helpers/property';

describe('protocol: codec', () => {
  it('is pure: no sockets, timers, clocks, randomness or process state in src/protocol', () => {
    const dir = path.join(repoRoot(), 'src', 'protocol');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length >= 8);
    const forbidden = /setTimeout|setInterval|setImmediate|Date\.now|performance\.|Math\.random|process\.|globalThis|createSocket|require\(/;
    for (const file of files) {
      const source = fs.readFileSync(path.join(dir, file), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      for (const spec of imports) assert.ok(spec.startsWith('./') || spec === '../errors' || spec === 'node:net', `${file} imports ${spec}`);
      if (imports.includes('node:net')) assert.match(source, /import \{ isIPv4 \} from 'node:net';/, `${file}: only the pure isIPv4 from node:net`);
      assert.doesNotMatch(source, forbidden, file);
      assert.doesNotMatch(source, /^(let|var) /m, `${file}: no module-level mutable state`);
    }
  });

  describe('DID', () => {
    it('parses and formats the KJK230 id', () => {
      const did = parseDid('LBCS-000000-CCCJJ');
      assert.deepEqual(did, { prefix: 'LBCS', serial: 0, check: 'CCCJJ' });
      assert.equal(formatDid(did), 'LBCS-000000-CCCJJ');
      assert.equal(formatDid(parseDid('lbcs-123-abcde')), 'LBCS-000123-ABCDE');
    });

    it('names the problem of a bad DID', () => {
      const cases: [string, RegExp][] = [
        ['LBCS000000CCCJJ', /expected PREFIX-SERIAL-CHECK/],
        ['ABCDEFGH-000001-CCCJJ', /prefix "ABCDEFGH" is longer than 7/],
        ['LBCS-000001-ABCDEFGH', /check code "ABCDEFGH" is longer than 7/],
        ['LBCS-4294967296-CCCJJ', /serial 4294967296 is out of range/],
        ['LBCS--CCCJJ', /expected PREFIX-SERIAL-CHECK/],
      ];
      for (const [text, message] of cases) {
        assert.throws(
          () => parseDid(text),
          (err: unknown) => err instanceof DidError && message.test(err.message),
          text,
        );
      }
    });

    it('round-trips text form for any valid DID', () => {
      fc.assert(
        fc.property(didArb, (did) => assert.deepEqual(parseDid(formatDid(did)), did)),
        propertyOptions(),
      );
    });
  });

  describe('socket addresses', () => {
    it('uses family BE, port LE and reversed IPv4 (192.168.43.1:40611)', () => {
      assert.equal(encodeSocketAddress({ host: '192.168.43.1', port: 40611 }).toString('hex'), '0002a39e012ba8c00000000000000000');
      assert.equal(encodeSocketAddress({ host: '192.168.43.1', port: 40611 }, 24).length, 24);
    });

    it('round-trips', () => {
      fc.assert(
        fc.property(addressArb, (a) => assert.deepEqual(readSocketAddress(encodeSocketAddress(a), 0), a)),
        propertyOptions(),
      );
    });

    it('has a 24-byte sockaddr_cs2 form: the same 8 bytes, then zeros; round-trips', () => {
      const cs2 = encodeSocketAddress({ host: '192.168.43.1', port: 40611 }, 24);
      assert.equal(cs2.toString('hex'), '0002a39e012ba8c0' + '00'.repeat(16));
      fc.assert(
        fc.property(addressArb, (a) => assert.deepEqual(readSocketAddress(encodeSocketAddress(a, 24), 0, undefined, 24), a)),
        propertyOptions(),
      );
      assert.throws(
        () => readSocketAddress(cs2.subarray(0, 20), 0, 0x43, 24),
        (err: unknown) => err instanceof DecodeError && /needs 24 bytes, 20 left/.test(err.message),
      );
    });

    it('keeps a non-AF_INET family (all-zero addresses of failed attempts)', () => {
      const zero = readSocketAddress(Buffer.alloc(16), 0);
      assert.deepEqual(zero, { host: '0.0.0.0', port: 0, family: 0 });
      assert.equal(encodeSocketAddress(zero).toString('hex'), '00'.repeat(16));
    });
  });

  describe('F9 cipher', () => {
    it('uses a permutation table and the key bytes 97 69 d6 5b', () => {
      assert.equal(new Set(CIPHER_TABLE).size, 256);
      assert.deepEqual([...deriveCipherKey(REPORT_KEY)], [0x97, 0x69, 0xd6, 0x5b]);
    });

    it('decrypts every captured REPORT_SESSION_READY to the documented plaintext', () => {
      const vectors = loadFixture<{ type: string; hex: string; decoded: { decrypted_hex?: string } }[]>('vectors.json');
      const reports = vectors.filter((v) => v.type === '0xf9');
      assert.equal(reports.length, 3);
      for (const v of reports) {
        const payload = Buffer.from(v.hex, 'hex').subarray(4);
        assert.equal(proprietaryDecrypt(payload, REPORT_KEY).toString('hex'), v.decoded.decrypted_hex);
      }
    });

    it('decrypt inverts encrypt', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 20 }), (data, key) => {
          assert.deepEqual(proprietaryDecrypt(proprietaryEncrypt(data, key), key), Buffer.from(data));
        }),
        propertyOptions(),
      );
    });
  });

  describe('messages', () => {
    it('encode then decode is the identity for every message type', () => {
      fc.assert(
        fc.property(messageArb, (message) => {
          assert.deepEqual(decode(encode(message)), message);
        }),
        propertyOptions(3000),
      );
    });

    it('covers every named message type in the property test', () => {
      const seen = new Set<string>();
      fc.assert(
        fc.property(messageArb, (m) => void seen.add(m.type)),
        propertyOptions(3000),
      );
      for (const name of MESSAGE_NAMES.values()) assert.ok(seen.has(name), `${name} generated`);
    });

    it('peekCode gives the code of every datagram whose header decode accepts, and undefined for a bad header', () => {
      fc.assert(
        fc.property(messageArb, (message) => {
          const datagram = encode(message);
          assert.equal(peekCode(datagram), datagram[1]);
          assert.equal(peekCode(datagram.subarray(0, datagram.length - 1)), undefined, 'a length field that disagrees');
          assert.equal(peekCode(Buffer.concat([Buffer.from([0xe1]), datagram.subarray(1)])), undefined, 'bad magic');
        }),
        propertyOptions(500),
      );
      assert.equal(peekCode(Buffer.from('f1e00000', 'hex')), 0xe0);
      assert.equal(peekCode(Buffer.from('f1e0', 'hex')), undefined, 'shorter than the header');
    });

    it('decodes an unknown type with a good header to a generic message', () => {
      assert.deepEqual(decode(Buffer.from('f13f000401020304', 'hex')), {
        type: 'UNKNOWN',
        code: 0x3f,
        payload: Buffer.from('01020304', 'hex'),
      });
    });

    it('rejects bad datagrams with the offset and reason', () => {
      const cases: [string, number, RegExp][] = [
        ['', 0, /shorter than the 4-byte header/],
        ['f141', 0, /shorter than the 4-byte header/],
        ['e1410000', 0, /bad magic 0xe1/],
        ['f1410014', 2, /length field says 20 payload bytes, datagram has 0/],
        ['f14100104c42435300000000000000004343434a', 20, /PUNCH_PKT needs 20 payload bytes, got 16/],
        ['f1d10008d1000003000000', 2, /length field/],
        ['f1d1000ad1000004000000000000', 6, /DRW_ACK says 4 indices/],
        ['f1d00004d2000000', 4, /DRW marker must be 0xd1/],
        ['f1690004020000000', 0, /./],
        ['f14100144c4243530000000000000000434343434343434341', 2, /length field/],
        ['f14100144c424353414141414141414100000000434343000000000', 0, /./],
      ];
      for (const [hex, offset, reason] of cases) {
        const datagram = Buffer.from(hex.length % 2 ? hex.slice(0, -1) : hex, 'hex');
        assert.throws(
          () => decode(datagram),
          (err: unknown) => err instanceof DecodeError && reason.test(err.message) && (offset === 0 || err.offset === offset),
          hex,
        );
      }
    });

    it('rejects a DID that is not NUL-terminated', () => {
      const datagram = Buffer.from('f14100144c4243534c4243534c42435300000000434343000000000000', 'hex').subarray(0, 24);
      assert.throws(
        () => decode(datagram),
        (err: unknown) => err instanceof DecodeError && /not NUL-terminated/.test(err.message),
      );
    });

    it('describes messages for JSON output with DIDs as text and addresses as {host, port}', () => {
      const datagram = Buffer.from('f143002c4c42435300000000000000004343434a4a0000000002a39e012ba8c00000000000000000', 'hex');
      const described = describeMessage(decode(Buffer.concat([datagram, Buffer.alloc(8)]).subarray(0, 48)), 48);
      assert.deepEqual(described, {
        code: 0x43,
        name: 'TRY_LAN_TCP',
        length: 44,
        did: 'LBCS-000000-CCCJJ',
        address: { host: '192.168.43.1', port: 40611 },
      });
    });
  });
});
