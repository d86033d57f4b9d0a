import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decode, DecodeError, encode, HEADER_SIZE, MESSAGE_NAMES, MessageCode, REPORT_SIZE, type Message } from '../../src/protocol';
import { repoRoot } from '../helpers/fixtures';
import { extractAll, extractFixture, parseFridaHexdump, parseTimedLog, parseWiresharkText } from './extract-captures';
import { captureFixtureNames, loadCapture, UNEXPLAINED, type CaptureFixture } from './fixture';

/** Every log of ../shared/captures the issue names, by fixture file. */
const EXPECTED = [
  'App_Log_2025-12-23log.json',
  'ble_udp_1.json',
  'ble_udp_2.json',
  'direct_punch__debug05012026_4.json',
  'direct_punch__debug06012026_2.json',
  'direct_punch__debug09012026_8.json',
  'direct_punch__debug16012026_1.json',
  'export_packets.json',
  'frida_udp_traffic.json',
  'traffic_port_get_pictures.json',
  'traffic_port_get_pictures_thumpnail.json',
  'udp_traffic_1.json',
  'udp_traffic_2.json',
  'udp_traffic_3.json',
];

const codeOf = (m: Message): number => (m.type === 'UNKNOWN' ? m.code : MessageCode[m.type]);

describe('captures: every real datagram decodes (test/fixtures/captures)', () => {
  const names = captureFixtureNames();

  it('has a fixture for every capture log', () => {
    for (const name of EXPECTED) assert.ok(names.includes(name), `missing fixture ${name}`);
  });

  for (const name of names) {
    const fixture = loadCapture(name);
    describe(fixture.source, () => {
      it('names a reason for every rejected datagram and skipped record, none unexplained', () => {
        for (const d of fixture.datagrams) {
          if (d.rejected) assert.ok(!d.rejected.reason.startsWith(UNEXPLAINED), `datagram #${d.n} (line ${d.line}): ${d.rejected.reason}`);
        }
        for (const s of fixture.skipped) {
          assert.ok(s.reason.length > 0 && !s.reason.startsWith(UNEXPLAINED), `skipped line ${s.line}: ${s.reason}`);
        }
      });

      const distinct = distinctByHex(fixture);
      if (distinct.length > 0) {
        it(`decodes each of its ${distinct.filter((d) => !d.rejected).length} distinct accepted datagrams to its type and re-encodes it byte for byte`, () => {
          for (const d of distinct.filter((x) => !x.rejected)) {
            const bytes = Buffer.from(d.hex, 'hex');
            assert.equal(bytes.length, d.size, `line ${d.line}: the log states ${d.size} bytes`);
            const message = decode(bytes);
            assert.equal(codeOf(message), bytes[1], `line ${d.line}: type`);
            assert.equal(encode(message).toString('hex'), d.hex, `line ${d.line}: re-encoding`);
          }
        });
      }

      const rejected = distinct.filter((d) => d.rejected);
      if (rejected.length > 0) {
        it(`rejects its ${rejected.length} distinct rejected datagrams with exactly the recorded DecodeError, for the recorded cause`, () => {
          for (const d of rejected) {
            const bytes = Buffer.from(d.hex, 'hex');
            assert.throws(
              () => decode(bytes),
              (err: unknown) => err instanceof DecodeError && err.message === d.rejected!.decodeError,
              `line ${d.line}`,
            );
            const reason = d.rejected!.reason;
            if (reason.startsWith('truncated log line')) {
              assert.ok(bytes.length < d.size, `line ${d.line}: truncated means fewer bytes than the stated ${d.size}`);
              assert.equal(bytes.readUInt16BE(2) + HEADER_SIZE, d.size, `line ${d.line}: the header's length field gives the stated size`);
            } else if (reason.startsWith('0xF9 with')) {
              assert.equal(bytes[1], MessageCode.REPORT_SESSION_READY);
              assert.notEqual(bytes.length - HEADER_SIZE, REPORT_SIZE);
              assert.equal(d.dir, 'tx', 'sent by the Python client, not the camera');
            } else if (reason.startsWith('malformed DRW_ACK')) {
              assert.equal(bytes[1], MessageCode.DRW_ACK);
              assert.notEqual(bytes.readUInt16BE(6), (bytes.length - HEADER_SIZE - 4) / 2);
              assert.equal(d.dir, 'tx', 'sent by the Python client, not the camera');
            } else {
              assert.fail(`line ${d.line}: rejection reason without a checked cause: ${reason}`);
            }
          }
        });
      }

      if (fixture.format === 'frida-timed') {
        it('labels every datagram with a code the codec knows, of a size its layout allows', () => {
          assert.ok(fixture.datagrams.length > 1000);
          for (const d of fixture.datagrams) {
            const name = MESSAGE_NAMES.get(d.code!);
            assert.ok(name !== undefined, `line ${d.line}: code 0x${d.code!.toString(16)}`);
            assert.ok(sizeFits(name, d.size), `line ${d.line}: ${name} of ${d.size} bytes`);
          }
        });
      }
    });
  }

  it('covers the handshake, data, keepalive, close and report types across the captures', () => {
    const seen = new Set<number>();
    for (const name of names) {
      for (const d of loadCapture(name).datagrams) if (d.hex && !d.rejected) seen.add(codeOf(decode(Buffer.from(d.hex, 'hex'))));
    }
    for (const type of ['PUNCH_PKT', 'P2P_RDY', 'TRY_LAN_TCP', 'DRW', 'DRW_ACK', 'ALIVE', 'CLOSE', 'REPORT_SESSION_READY'] as const) {
      assert.ok(seen.has(MessageCode[type]), `no ${type} with hex in any capture`);
    }
  });

  it('the app log fixture lists the four LAN connects with the camera at 192.168.43.1:40611', () => {
    const events = loadCapture('App_Log_2025-12-23log.json').events ?? [];
    const wins = events.filter((e) => e.text.startsWith('Lan connect to remote success, mode'));
    assert.equal(wins.length, 4);
    for (const win of wins) assert.equal(win.remote, '192.168.43.1:40611');
  });
});

describe('captures: the extractor', () => {
  it('reads Frida hex dumps: direction, stated size, fd and only the hex columns', () => {
    const parsed = parseFridaHexdump(
      [
        '⚡ [RX] Empfange UDP (24 bytes)',
        '7381ed0a18  f1 41 00 14 4c 42 43 53 00 00 00 00 00 00 00 00  .A..LBCS........',
        '7381ed0a28  43 43 43 4a 4a 00 00 00                          CCCJJ...',
        '',
        '⚡ [UDP TX] Sende (4 bytes) FD:70',
        '74aa71cec8  f1 e0 00 00                                      ....',
        '🔵 [BLE RX] Notification von UUID: 00000002-0000-1000-8000-00805f9b34fb',
        '    Data: 13 57 01 00',
      ].join('\n'),
    );
    assert.deepEqual(
      parsed.datagrams.map((d) => [d.dir, d.size, d.fd, d.hex]),
      [
        ['rx', 24, undefined, 'f14100144c42435300000000000000004343434a4a000000'],
        ['tx', 4, 70, 'f1e00000'],
      ],
    );
    assert.equal(parsed.skipped.length, 1);
    assert.match(parsed.skipped[0].reason, /BLE RX .* not UDP/);
  });

  it('reads the timed log: time, direction, code from the label, size', () => {
    const parsed = parseTimedLog(
      '[23:53:58.146] 📤 [TX] UNKNOWN (0x30) (4 bytes)\n[23:53:58.629] 📥 [RX] RUDP_CONTROL (10 bytes)\n[23:53:58.630] 📥 [RX] DATA (RUDP Seq 0) (11 bytes)\n',
    );
    assert.deepEqual(
      parsed.datagrams.map((d) => [d.at, d.dir, d.code, d.size]),
      [
        ['23:53:58.146', 'tx', 0x30, 4],
        ['23:53:58.629', 'rx', 0xd1, 10],
        ['23:53:58.630', 'rx', 0xd0, 11],
      ],
    );
  });

  it('reads the Python debug log: addresses, BodyLen, a cut line as truncated, a RAW RX dump once', () => {
    const text = [
      '2026-01-16 17:02:51,685 - INFO - Socket: 192.168.43.20:35281',
      '2026-01-16 17:02:51,722 - DEBUG - 📤 RUDP DISC Seq=83 BodyLen=20 to=192.168.43.1:40611 LBCS | hex=f14100144c42435300000000000000004343434a4a000000',
      "2026-01-16 17:02:51,749 - DEBUG - 📥 RUDP FRAG Seq=83 BodyLen=20 from=('192.168.43.1', 40611) | hex=f14200144c42435300000000000000004343434a4a000000",
      '2026-01-16 17:02:54,851 - DEBUG - 📤 RUDP DATA Seq=0 BodyLen=9 | ARTEMIS to=192.168.43.1:40611 Login#1 | hex=f1d00009d1000000415254…(+2b)',
      '2026-01-16 17:03:03,370 - DEBUG - 🧾 RAW RX from=192.168.43.1:40611 len=4',
      '0000: f1e00000',
      "2026-01-16 17:03:03,384 - DEBUG - 📥 F1 ERR (short,len=4) f1e00000 from=('192.168.43.1', 40611) | hex=f1e00000",
    ].join('\n');
    const fixture = extractFixture('direct_punch/x.log', text);
    assert.equal(fixture.localAddress, '192.168.43.20:35281');
    assert.deepEqual(
      fixture.datagrams.map((d) => [d.dir, d.to ?? d.from, d.size, d.tMs, d.rejected?.reason.split(':')[0]]),
      [
        ['tx', '192.168.43.1:40611', 24, 0, undefined],
        ['rx', '192.168.43.1:40611', 24, 27, undefined],
        ['tx', '192.168.43.1:40611', 13, 3129, 'truncated log line'],
        ['rx', '192.168.43.1:40611', 4, 11662, undefined],
      ],
    );
    assert.equal(fixture.skipped.length, 1);
    assert.match(fixture.skipped[0].reason, /RAW-RX-DUMP .* line 7/);
  });

  it('reads the Wireshark text export: frame, time, addresses; ICMP is skipped with its reason', () => {
    const parsed = parseWiresharkText(
      [
        'No.     Time           Source                Destination           Protocol Length Info',
        '   2731 238.158855     192.168.43.115        192.168.43.1          UDP      52     43555 → 40611 Len=4',
        '',
        'User Datagram Protocol, Src Port: 43555, Dst Port: 40611',
        'Data (4 bytes)',
        '',
        '0000  f1 e0 00 00                                       ....',
        '',
        'No.     Time           Source                Destination           Protocol Length Info',
        '   2732 238.159036     192.168.43.1          192.168.43.115        ICMP     80     Destination unreachable (Port unreachable)',
      ].join('\n'),
    );
    assert.deepEqual(
      parsed.datagrams.map((d) => [d.frame, d.dir, d.from, d.to, d.hex]),
      [[2731, 'tx', '192.168.43.115:43555', '192.168.43.1:40611', 'f1e00000']],
    );
    assert.match(parsed.skipped[0].reason, /frame 2732: ICMP .* not a UDP datagram/);
  });

  it('marks a rejection no rule explains as UNEXPLAINED (so the tests above would fail on it)', () => {
    const fixture = extractFixture(
      'x.log',
      "2026-01-16 17:02:51,749 - DEBUG - 📥 RUDP FRAG from=('192.168.43.1', 40611) | hex=f14200154c42435300000000000000004343434a4a000000",
    );
    assert.match(fixture.datagrams[0].rejected?.reason ?? '', /^UNEXPLAINED: cannot decode/);
  });

  it('the committed fixtures are what the extractor makes of ../shared/captures (when that folder is beside the clone)', function () {
    const from = process.env.TRAILCAM_CAPTURES ?? path.join(repoRoot(), '..', 'shared', 'captures');
    if (!fs.existsSync(from)) this.skip();
    this.timeout(20_000);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'trailcam-captures-'));
    try {
      const written = extractAll(from, out, () => undefined);
      assert.deepEqual(written.sort(), captureFixtureNames());
      for (const name of written) {
        assert.equal(
          fs.readFileSync(path.join(out, name), 'utf8'),
          fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'captures', name), 'utf8'),
          `${name} is stale: run npm run extract-captures`,
        );
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

/** The first datagram of each distinct hex (the rest are copies). */
function distinctByHex(fixture: CaptureFixture): (CaptureFixture['datagrams'][number] & { hex: string })[] {
  const seen = new Set<string>();
  const out: (CaptureFixture['datagrams'][number] & { hex: string })[] = [];
  for (const d of fixture.datagrams) {
    if (d.hex === undefined || seen.has(d.hex)) continue;
    seen.add(d.hex);
    out.push(d as CaptureFixture['datagrams'][number] & { hex: string });
  }
  return out;
}

/** Whether a datagram of `size` bytes can be a `name` message (fixed layouts exactly, variable ones by their rule). */
function sizeFits(name: string, size: number): boolean {
  const payload = size - HEADER_SIZE;
  switch (name) {
    case 'DRW':
      return payload >= 4 && payload <= 4 + 1024;
    case 'DRW_ACK':
      return payload >= 4 && payload % 2 === 0;
    case 'REPORT_SESSION_READY':
      return payload === REPORT_SIZE;
    case 'HELLO':
    case 'LAN_SEARCH':
    case 'ALIVE':
    case 'ALIVE_ACK':
    case 'CLOSE':
      return payload === 0;
    case 'PUNCH_PKT':
    case 'P2P_RDY':
      return payload === 20;
    case 'TRY_LAN_TCP':
      return payload === 44;
    default:
      return false;
  }
}
