import assert from 'node:assert/strict';
import { decode, DecodeError, encode, formatDid, MessageCode, type Message } from '../../src/protocol';
import { loadFixture } from '../helpers/fixtures';

interface Vector {
  index: number | string;
  file: string;
  hex: string;
  type: string;
  meaning: string;
  decoded: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const vectors = loadFixture<Vector[]>('vectors.json');

describe('protocol: real KJK230 vectors (test/fixtures/vectors.json)', () => {
  it('has the vectors', () => {
    assert.ok(vectors.length >= 30);
  });

  for (const vector of vectors) {
    const label = `${vector.file}#${vector.index} ${vector.type}`;
    const datagram = Buffer.from(vector.hex, 'hex');

    if (vector.type === 'n/a') {
      it(`${label}: a DNS reply starting with 0xF1 is a clean DecodeError`, () => {
        assert.throws(() => decode(datagram), DecodeError);
      });
      continue;
    }

    it(`${label}: decodes to its type and fields`, () => {
      const message = decode(datagram);
      assert.equal(codeOf(message), Number(vector.type), `type of ${label}`);
      const d = vector.decoded;
      if (d.did) assert.equal(formatDid((message as unknown as { did: never }).did), d.did.did_string);
      if (message.type === 'TRY_LAN_TCP') {
        const addr = d.sockaddr_cs2_24B;
        assert.deepEqual(message.address, { host: addr.ip_le32, port: addr.port_le16 });
      }
      if (message.type === 'DRW') {
        assert.equal(message.channel, d.channel);
        assert.equal(message.index, d.index);
        assert.equal(message.data.length, d.drw_payload_len);
        if (d.drw_payload_ascii) assert.equal(message.data.toString('latin1'), d.drw_payload_ascii);
        if (d.artemis) assert.equal(message.data.subarray(0, 8).toString('latin1'), 'ARTEMIS\0');
      }
      if (message.type === 'DRW_ACK') {
        assert.equal(message.channel, d.channel);
        assert.deepEqual(message.indices, d.indices);
      }
      if (message.type === 'REPORT_SESSION_READY') {
        const p = d.report_plaintext;
        const r = message.report;
        assert.equal(formatDid(r.did), p.off0_did.did_string);
        assert.equal(r.result, p.off20_result_i32be);
        assert.equal(r.elapsedMs, p.off28_elapsed_ms_u16be);
        assert.equal(r.lanSearchFlags, Number(p['off32_flags_u8_(=bEnableLanSearch?)']));
        for (const [field, key] of [
          ['localAddress', 'off36_local_addr'],
          ['wanAddress', 'off52_wan_addr'],
          ['peerAddress', 'off68_peer_addr'],
        ] as const) {
          assert.equal(r[field].host, p[key].ip_le32, field);
          assert.equal(r[field].port, p[key].port_le16, field);
          assert.equal(r[field].family ?? 2, p[key].family_be16, field);
        }
      }
      if (vector.type === '0xe0' && d.length_be16 === 4) {
        // The project's own old client sent ALIVE with 4 stray bytes; they are kept, not lost.
        assert.equal((message as { trailing?: Buffer }).trailing?.toString('hex'), '00000000');
      }
    });

    if (!vector.decoded.hex_reconstructed) {
      it(`${label}: re-encodes byte for byte`, () => {
        assert.equal(encode(decode(datagram)).toString('hex'), vector.hex);
      });
    }
  }
});

function codeOf(message: Message): number {
  return message.type === 'UNKNOWN' ? message.code : MessageCode[message.type];
}
