import fc from 'fast-check';
import type { Did, Message, SessionReport, SocketAddress } from '../../src/protocol';

/** Records with a normal prototype, so deepStrictEqual compares them with decoded values. */
const rec: typeof fc.record = ((model: never) => fc.record(model, { noNullPrototype: true })) as typeof fc.record;

const field = fc.stringMatching(/^[A-Z0-9]{1,7}$/);

export const didArb: fc.Arbitrary<Did> = rec({
  prefix: field,
  serial: fc.integer({ min: 0, max: 0xffff_ffff }),
  check: field,
});

export const addressArb: fc.Arbitrary<SocketAddress> = rec({
  host: fc.ipV4(),
  port: fc.integer({ min: 0, max: 0xffff }),
});

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const result = fc.integer({ min: -128, max: 127 });
const trailing = fc.option(
  fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => Buffer.from(a)),
  { nil: undefined },
);
const withTrailing = <T extends object>(arb: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.tuple(arb, trailing).map(([m, t]) => (t === undefined ? m : { ...m, trailing: t }));
const empty = (type: string) => withTrailing(fc.constant({ type })) as fc.Arbitrary<Message>;

const reportArb: fc.Arbitrary<SessionReport> = rec({
  did: didArb,
  result: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
  unknown24: u32,
  elapsedMs: fc.integer({ min: 0, max: 0xffff }),
  unknown30: fc.integer({ min: 0, max: 0xffff }),
  lanSearchFlags: fc.integer({ min: 0, max: 0xff }),
  unknown33: fc.integer({ min: 0, max: 0xffffff }),
  localAddress: addressArb,
  wanAddress: addressArb,
  peerAddress: addressArb,
});

/** Every message type with generated field values. */
export const messageArb: fc.Arbitrary<Message> = fc.oneof(
  empty('HELLO'),
  withTrailing(rec({ type: fc.constant('HELLO_ACK' as const), address: addressArb })),
  withTrailing(
    rec({
      type: fc.constant('DEV_LGN' as const),
      did: didArb,
      nat: fc.integer({ min: 0, max: 255 }),
      apiVersion: fc.integer({ min: 0, max: 0xffffff }),
      address: addressArb,
    }),
  ),
  withTrailing(rec({ type: fc.constant('DEV_LGN_ACK' as const), result })),
  withTrailing(rec({ type: fc.constant('P2P_REQ' as const), did: didArb, address: addressArb })),
  withTrailing(rec({ type: fc.constant('P2P_REQ_ACK' as const), result })),
  empty('LAN_SEARCH'),
  withTrailing(rec({ type: fc.constant('PUNCH_TO' as const), address: addressArb })),
  withTrailing(rec({ type: fc.constant('PUNCH_PKT' as const), did: didArb })),
  withTrailing(rec({ type: fc.constant('P2P_RDY' as const), did: didArb })),
  withTrailing(rec({ type: fc.constant('TRY_LAN_TCP' as const), did: didArb, address: addressArb })),
  withTrailing(rec({ type: fc.constant('LIST_REQ1' as const), did: didArb })),
  withTrailing(rec({ type: fc.constant('LIST_REQ_ACK' as const), relays: fc.array(addressArb, { maxLength: 8 }) })),
  empty('RLY_HELLO'),
  empty('RLY_HELLO_ACK'),
  empty('RLY_PORT'),
  withTrailing(rec({ type: fc.constant('RLY_PORT_ACK' as const), mark: u32, port: fc.integer({ min: 0, max: 0xffff }) })),
  withTrailing(rec({ type: fc.constant('RLY_REQ' as const), did: didArb, address: addressArb, mark: u32 })),
  withTrailing(rec({ type: fc.constant('RLY_REQ_ACK' as const), result })),
  withTrailing(rec({ type: fc.constant('RLY_TO' as const), address: addressArb, mark: u32 })),
  withTrailing(rec({ type: fc.constant('RLY_PKT' as const), mark: u32, did: didArb, role: fc.constantFrom('client' as const, 'device' as const) })),
  withTrailing(rec({ type: fc.constant('RLY_RDY' as const), did: didArb })),
  rec({
    type: fc.constant('DRW' as const),
    channel: fc.integer({ min: 0, max: 7 }),
    index: fc.integer({ min: 0, max: 0xffff }),
    data: fc.uint8Array({ maxLength: 1024 }).map((a) => Buffer.from(a)),
  }),
  rec({
    type: fc.constant('DRW_ACK' as const),
    channel: fc.integer({ min: 0, max: 7 }),
    indices: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 32 }),
  }),
  empty('ALIVE'),
  empty('ALIVE_ACK'),
  empty('CLOSE'),
  rec({ type: fc.constant('REPORT_SESSION_READY' as const), report: reportArb }),
  rec({
    type: fc.constant('UNKNOWN' as const),
    code: fc.constantFrom(0x02, 0x08, 0x36, 0x3f, 0x90, 0xd8, 0xfb),
    payload: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  }),
) as fc.Arbitrary<Message>;
