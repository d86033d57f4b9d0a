import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BleMessageError,
  BleMessageReassembler,
  decodeWakeAnswer,
  encodeBleMessage,
  encodeWakeRequest,
  splitNotifications,
  type BleMessage,
  type BleReassemblyItem,
} from '../../src/ble';
import { propertyOptions } from '../helpers/property';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// captures/ble_udp_1.log (identical in ble_udp_2.log): the app's write and the camera's four notifications on 0x0003.
const CAPTURED_WRITE = hex('13 57 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00');
const CAPTURED_ANSWER = [
  hex('13 57 01 00 48 00 00 00 7B 22 72 65 74 22 3A 30 2C 22 73 73'),
  hex('69 64 22 3A 22 4B 4A 4B 5F 45 30 46 46 22 2C 22 62 73 73 69'),
  hex('64 22 3A 22 31 43 3A 34 45 3A 41 32 3A 39 32 3A 45 30 3A 46'),
  hex('46 22 2C 22 70 77 64 22 3A 22 38 35 30 38 37 31 32 37 22 7D'),
];
const CAPTURED_JSON = '{"ret":0,"ssid":"KJK_E0FF","bssid":"1C:4E:A2:92:E0:FF","pwd":"85087127"}';

function messagesOf(items: BleReassemblyItem[]): BleMessage[] {
  return items.map((item) => {
    assert.equal(item.kind, 'message', item.kind === 'error' ? item.error.message : '');
    return (item as { message: BleMessage }).message;
  });
}

function pushAll(r: BleMessageReassembler, notifications: Buffer[]): BleReassemblyItem[] {
  return notifications.flatMap((n) => r.push(n));
}

function errorsOf(items: BleReassemblyItem[]): BleMessageError[] {
  return items.filter((i): i is { kind: 'error'; error: BleMessageError } => i.kind === 'error').map((i) => i.error);
}

describe('ble: message codec', () => {
  it('an SSID or password with a control character (a NUL) is rejected, and the error never shows the password', () => {
    for (const [field, value] of [
      ['pwd', '85087127\u0000'],
      ['pwd', '8508\n7127'],
      ['ssid', 'KJK_E0FF\u0000'],
    ] as const) {
      const body = Buffer.from(JSON.stringify({ ...JSON.parse(CAPTURED_JSON), [field]: value }));
      assert.throws(
        () => decodeWakeAnswer(body),
        (err: unknown) => err instanceof BleMessageError && err.message.includes(`"${field}"`) && !err.message.includes('8508'),
        `${field} ${JSON.stringify(value)}`,
      );
    }
  });

  it('encodes the captured wake request: 13 57 01 00 00 00 00 00 (the app zero-pads it to 20 bytes)', () => {
    const request = encodeWakeRequest();
    assert.equal(request.toString('hex'), '1357010000000000');
    assert.deepEqual(request, CAPTURED_WRITE.subarray(0, 8));
    assert.ok(CAPTURED_WRITE.subarray(8).every((b) => b === 0));
  });

  it('encodes the captured answer and splits it into the captured four notifications (header + 12, then 3 × 20)', () => {
    const message = encodeBleMessage(1, Buffer.from(CAPTURED_JSON));
    assert.deepEqual(splitNotifications(message), CAPTURED_ANSWER);
  });

  it('reassembles the captured four notifications and decodes them to the captured answer', () => {
    const r = new BleMessageReassembler();
    const items = pushAll(r, CAPTURED_ANSWER.slice(0, 3));
    assert.deepEqual(items, [], 'nothing before the last notification');
    assert.equal(r.bufferedBytes, 52, 'the body bytes so far (60 pushed, 8 of them the header)');
    const [message] = messagesOf(r.push(CAPTURED_ANSWER[3]));
    assert.equal(message.msgId, 1);
    assert.equal(message.body.length, 72);
    assert.deepEqual(JSON.parse(message.body.toString()), { ret: 0, ssid: 'KJK_E0FF', bssid: '1C:4E:A2:92:E0:FF', pwd: '85087127' });
    assert.deepEqual(decodeWakeAnswer(message.body), { ret: 0, credentials: { ssid: 'KJK_E0FF', bssid: '1C:4E:A2:92:E0:FF', password: '85087127' } });
    assert.equal(r.bufferedBytes, 0);
  });

  it("takes the camera's zero-padded 20-byte echo on 0x0002 as one empty message (padding ignored)", () => {
    const r = new BleMessageReassembler();
    assert.deepEqual(messagesOf(r.push(CAPTURED_WRITE)), [{ msgId: 1, body: Buffer.alloc(0) }]);
  });

  it('joins a header split across notifications and two messages in one notification', () => {
    const r = new BleMessageReassembler();
    const a = encodeBleMessage(1, Buffer.from('{"ret":5}'));
    const b = encodeBleMessage(7, Buffer.from('xy'));
    const stream = Buffer.concat([a, b]);
    const items = pushAll(r, [stream.subarray(0, 1), stream.subarray(1, 5), stream.subarray(5)]);
    assert.deepEqual(messagesOf(items), [
      { msgId: 1, body: Buffer.from('{"ret":5}') },
      { msgId: 7, body: Buffer.from('xy') },
    ]);
  });

  describe('out-of-order and duplicated notifications (the link is ordered: each is a fault)', () => {
    it('a duplicated continuation inside the body corrupts it and the decoder rejects it (never wrong credentials)', () => {
      const r = new BleMessageReassembler();
      const [n0, n1, n2, n3] = CAPTURED_ANSWER;
      const items = pushAll(r, [n0, n1, n1, n2, n3]);
      const messages = items.filter((i) => i.kind === 'message') as { message: BleMessage }[];
      assert.equal(messages.length, 1);
      assert.throws(
        () => decodeWakeAnswer(messages[0].message.body),
        (e: unknown) => e instanceof BleMessageError && e.stage === 'json',
      );
      // what is left over (n3) cannot start a message
      assert.deepEqual(
        errorsOf(items).map((e) => e.stage),
        ['magic'],
      );
    });

    it('reordered continuations: the decoder rejects the body', () => {
      const r = new BleMessageReassembler();
      const [n0, n1, n2, n3] = CAPTURED_ANSWER;
      const [message] = messagesOf(pushAll(r, [n0, n2, n1, n3]));
      assert.throws(() => decodeWakeAnswer(message.body), BleMessageError);
    });

    it('a duplicated first notification: error "truncated", then the repeated header starts over and completes', () => {
      const r = new BleMessageReassembler();
      const [n0, n1, n2, n3] = CAPTURED_ANSWER;
      const items = pushAll(r, [n0, n0, n1, n2, n3]);
      assert.deepEqual(
        errorsOf(items).map((e) => e.stage),
        ['truncated'],
      );
      const message = (items.find((i) => i.kind === 'message') as { message: BleMessage }).message;
      assert.equal(message.body.toString(), CAPTURED_JSON);
    });

    it('a duplicated last notification after the message: error "magic" (a continuation without a header)', () => {
      const r = new BleMessageReassembler();
      const items = pushAll(r, [...CAPTURED_ANSWER, CAPTURED_ANSWER[3]]);
      assert.equal(messagesOf(items.slice(0, 1))[0].body.toString(), CAPTURED_JSON);
      assert.deepEqual(
        errorsOf(items).map((e) => e.stage),
        ['magic'],
      );
    });

    it('a continuation first (the header lost or reordered behind it): error "magic", and the next header still works', () => {
      const r = new BleMessageReassembler();
      const items = pushAll(r, [CAPTURED_ANSWER[1], ...CAPTURED_ANSWER]);
      assert.deepEqual(
        errorsOf(items).map((e) => e.stage),
        ['magic'],
      );
      assert.equal((items.at(-1) as { message: BleMessage }).message.body.toString(), CAPTURED_JSON);
    });
  });

  describe('bad input gives a typed error, never a crash', () => {
    it('an oversized length field: error "length", nothing buffered', () => {
      const r = new BleMessageReassembler();
      const items = r.push(hex('13 57 01 00 ff ff ff ff 7b'));
      assert.deepEqual(
        errorsOf(items).map((e) => e.stage),
        ['length'],
      );
      assert.match(errorsOf(items)[0].message, /announces 4294967295 body bytes, more than 1024/);
      assert.equal(r.bufferedBytes, 0);
    });

    it('garbage: error "magic"; a second header byte other than 57: error "magic"', () => {
      const r = new BleMessageReassembler();
      assert.deepEqual(
        errorsOf(r.push(hex('de ad be ef'))).map((e) => e.code),
        ['ERR_BLE_MESSAGE'],
      );
      assert.deepEqual(
        errorsOf(pushAll(r, [hex('13'), hex('58 01 00 00 00 00 00')])).map((e) => e.stage),
        ['magic'],
      );
    });

    it('a notification over 512 bytes: error "notification"; an empty one is ignored', () => {
      const r = new BleMessageReassembler();
      assert.deepEqual(
        errorsOf(r.push(Buffer.alloc(513, 0x13))).map((e) => e.stage),
        ['notification'],
      );
      assert.deepEqual(r.push(Buffer.alloc(0)), []);
    });

    it('non-zero trailing bytes after a message: the message, then error "trailing"', () => {
      const r = new BleMessageReassembler();
      const items = r.push(Buffer.concat([encodeBleMessage(1), hex('00 01 02')]));
      assert.equal(items[0].kind, 'message');
      assert.deepEqual(
        errorsOf(items).map((e) => e.stage),
        ['trailing'],
      );
    });

    it('decodeWakeAnswer: not UTF-8, not JSON, not an object, bad fields; errors name the field, never the password', () => {
      const bad: [string | Buffer, string, RegExp][] = [
        [Buffer.from([0xff, 0xfe]), 'json', /not UTF-8/],
        ['{"ret":0,', 'json', /not JSON/],
        ['[1]', 'json', /not a JSON object/],
        ['{"ssid":"a"}', 'field', /"ret" is missing/],
        ['{"ret":"0"}', 'field', /"ret" is "0"/],
        ['{"ret":0,"bssid":"1C:4E:A2:92:E0:FF","pwd":"secretpw"}', 'field', /"ssid" is missing/],
        ['{"ret":0,"ssid":"KJK","bssid":"nope","pwd":"secretpw"}', 'field', /"bssid" is "nope"/],
        ['{"ret":0,"ssid":"KJK","bssid":"1C:4E:A2:92:E0:FF","pwd":12345678}', 'field', /"pwd" is not a string/],
        [`{"ret":0,"ssid":"KJK","bssid":"1C:4E:A2:92:E0:FF","pwd":"${'secretpw'.repeat(8)}"}`, 'field', /"pwd"/],
      ];
      for (const [body, stage, message] of bad) {
        assert.throws(
          () => decodeWakeAnswer(Buffer.from(body)),
          (e: unknown) => e instanceof BleMessageError && e.stage === stage && message.test(e.message) && !e.message.includes('secretpw'),
          String(body),
        );
      }
    });

    it('decodeWakeAnswer: ret other than 0 is returned (the wake turns it into BleWakeRefusedError), credentials null', () => {
      assert.deepEqual(decodeWakeAnswer(Buffer.from('{"ret":3}')), { ret: 3, credentials: null });
    });
  });

  it('property: any message split at any points reassembles to itself; arbitrary notifications never throw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b.map((x) => (x === 0x13 ? 0x14 : x)))),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
        (msgId, body, sizes) => {
          const message = encodeBleMessage(msgId, body);
          const pieces: Buffer[] = [];
          for (let offset = 0, i = 0; offset < message.length; i++) {
            const size = sizes[i % sizes.length];
            pieces.push(message.subarray(offset, offset + size));
            offset += size;
          }
          const r = new BleMessageReassembler();
          assert.deepEqual(messagesOf(pushAll(r, pieces)), [{ msgId, body }]);
          assert.equal(r.bufferedBytes, 0);
        },
      ),
      propertyOptions(200),
    );
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 20 }), (notifications) => {
        const r = new BleMessageReassembler();
        for (const n of notifications) {
          for (const item of r.push(n)) if (item.kind === 'error') assert.ok(item.error instanceof BleMessageError);
          assert.ok(r.bufferedBytes <= 8 + r.maxBodyLength);
        }
        for (const n of notifications) {
          try {
            decodeWakeAnswer(n);
          } catch (err) {
            assert.ok(err instanceof BleMessageError);
          }
        }
      }),
      propertyOptions(200),
    );
  });
});
