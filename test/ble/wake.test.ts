import assert from 'node:assert/strict';
import sinon from 'sinon';
import { AbortError, ConfigError } from '../../src/errors';
import {
  BleAdapterError,
  BleGattError,
  BleMessageError,
  BleNoAnswerError,
  BleNotFoundError,
  BleWakeRefusedError,
  CAPTURED_WAKE_ANSWER,
  encodeBleMessage,
  FakeBleTransport,
  splitNotifications,
  wakeCamera,
  type FakeCameraOptions,
} from '../../src/ble';

const ADDRESS = 'C6:1E:0D:E0:32:E8';
const NAME = 'TC100_32E8';
const CLOSED = { scans: 0, connections: 0, subscriptions: 0, timers: 0 };

/** Advances the fake clock in 10 ms steps until `promise` settles (at most `maxMs`); returns its outcome. */
async function settle<T>(clock: sinon.SinonFakeTimers, promise: Promise<T>, maxMs = 60_000): Promise<{ value?: T; error?: unknown }> {
  let done = false;
  const outcome = promise.then(
    (value) => ((done = true), { value }),
    (error: unknown) => ((done = true), { error }),
  );
  for (let t = 0; t < maxMs && !done; t += 10) await clock.tickAsync(10);
  return outcome;
}

describe('ble: wakeCamera against the fake peripheral', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    // timers and Date only: countTimers() then counts exactly the timers (not mocha's nextTick writes)
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(function () {
    const pending = clock.countTimers();
    clock.restore();
    // every path clears the wake's own timers (its deadline, the disconnect bound) as soon as it settles
    if (this.currentTest?.state === 'passed') assert.equal(pending, 0, 'timers left pending after the wake settled');
  });

  function camera(options: Partial<FakeCameraOptions> = {}): FakeBleTransport {
    return new FakeBleTransport([{ address: ADDRESS, name: NAME, connectDelayMs: 1400, ...options }]);
  }

  it('by address: scan, connect, subscribe, write the request, reassemble the answer, return the credentials, release everything', async () => {
    const fake = camera();
    const { value, error } = await settle(clock, wakeCamera({ address: 'c6-1e-0d-e0-32-e8', transport: fake }));
    assert.equal(error, undefined, String(error));
    assert.deepEqual(value, {
      ssid: 'KJK_E0FF',
      bssid: '1C:4E:A2:92:E0:FF',
      password: '85087127',
      address: ADDRESS,
      name: NAME,
      acknowledged: true,
      elapsedMs: 1400 + 4400 + 3 * 90,
    });
    assert.deepEqual(
      fake.writes.map((w) => [w.uuid, w.data.toString('hex')]),
      [['0002', '1357010000000000']],
    );
    assert.deepEqual(fake.handles(), CLOSED);
    assert.equal(fake.connections.length, 1);
    assert.equal(fake.connections[0].open, false, 'disconnected');
  });

  it('by advertised name; a factory transport is called once, only when the wake runs', async () => {
    const fake = camera();
    const factory = sinon.fake(() => fake);
    const { value } = await settle(clock, wakeCamera({ name: NAME, transport: factory }));
    assert.equal(value?.ssid, 'KJK_E0FF');
    assert.equal(factory.callCount, 1);
    assert.deepEqual(fake.handles(), CLOSED);
  });

  it('no camera advertises: BleNotFoundError at the timeout, the scan stopped', async () => {
    const fake = camera();
    const { error } = await settle(clock, wakeCamera({ name: 'TC100_0000', transport: fake, timeoutMs: 5000 }));
    assert.ok(error instanceof BleNotFoundError, String(error));
    assert.match(error.message, /no camera with name "TC100_0000" found over Bluetooth LE within 5000 ms/);
    assert.deepEqual(fake.handles(), CLOSED);
  });

  it('the camera echoes but never answers: BleNoAnswerError (acknowledged), disconnected', async () => {
    const fake = camera({ answer: null });
    const { error } = await settle(clock, wakeCamera({ address: ADDRESS, transport: fake, timeoutMs: 10_000 }));
    assert.ok(error instanceof BleNoAnswerError, String(error));
    assert.equal(error.acknowledged, true);
    assert.match(error.message, /sent no wake answer within 10000 ms: it echoed the request/);
    assert.deepEqual(fake.handles(), CLOSED);
  });

  it('ret other than 0: BleWakeRefusedError with ret', async () => {
    const fake = camera({ answer: { ret: 7 } });
    const { error } = await settle(clock, wakeCamera({ address: ADDRESS, transport: fake }));
    assert.ok(error instanceof BleWakeRefusedError, String(error));
    assert.equal(error.ret, 7);
    assert.deepEqual(fake.handles(), CLOSED);
  });

  it('a duplicated answer notification: BleMessageError at once (no waiting for the timeout), disconnected', async () => {
    const n = splitNotifications(encodeBleMessage(1, Buffer.from(JSON.stringify(CAPTURED_WAKE_ANSWER))));
    const fake = camera({ answerNotifications: [n[0], n[0], n[1], n[2], n[3]] });
    const wake = wakeCamera({ address: ADDRESS, transport: fake });
    const { error } = await settle(clock, wake, 1400 + 4400 + 90);
    assert.ok(error instanceof BleMessageError, String(error));
    assert.equal(error.stage, 'truncated');
    assert.deepEqual(fake.handles(), CLOSED);
  });

  it('an answer that is not the expected JSON: BleMessageError, never the password in the message', async () => {
    const fake = camera({ answer: { ret: 0, ssid: 'KJK_E0FF', bssid: 'bad', pwd: '85087127' } });
    const { error } = await settle(clock, wakeCamera({ address: ADDRESS, transport: fake }));
    assert.ok(error instanceof BleMessageError, String(error));
    assert.doesNotMatch(error.message, /85087127/);
    assert.deepEqual(fake.handles(), CLOSED);
  });

  it('the adapter is off: BleAdapterError, nothing scanned', async () => {
    const fake = new FakeBleTransport([{ address: ADDRESS }], { state: 'poweredOff' });
    const { error } = await settle(clock, wakeCamera({ address: ADDRESS, transport: fake }));
    assert.ok(error instanceof BleAdapterError, String(error));
    assert.deepEqual(fake.handles(), CLOSED);
  });

  it('a peripheral without 0x0003: BleGattError at discover, disconnected', async () => {
    const fake = camera({ missing: ['00000003-0000-1000-8000-00805f9b34fb'] });
    const { error } = await settle(clock, wakeCamera({ address: ADDRESS, transport: fake }));
    assert.ok(error instanceof BleGattError, String(error));
    assert.equal(error.step, 'discover');
    assert.match(error.message, /no characteristic 0x0003 \(answer\)/);
    assert.deepEqual(fake.handles(), CLOSED);
    assert.equal(fake.connections[0].open, false);
  });

  it('the write is refused: BleGattError at write, unsubscribed and disconnected', async () => {
    const fake = camera({ refuseWrite: true });
    const { error } = await settle(clock, wakeCamera({ address: ADDRESS, transport: fake }));
    assert.ok(error instanceof BleGattError, String(error));
    assert.equal(error.step, 'write');
    assert.deepEqual(fake.handles(), CLOSED);
  });

  it('abort while waiting for the answer: AbortError, everything released', async () => {
    const fake = camera();
    const controller = new AbortController();
    const wake = wakeCamera({ address: ADDRESS, transport: fake, signal: controller.signal }).then(
      () => ({ error: undefined as unknown }),
      (error: unknown) => ({ error }),
    );
    await clock.tickAsync(1400 + 2000);
    assert.deepEqual(fake.handles(), { scans: 0, connections: 1, subscriptions: 2, timers: 4 }, 'mid-wake: connected, subscribed, answer scheduled');
    controller.abort(new Error('user stop'));
    const { error } = await wake;
    await clock.tickAsync(0);
    assert.ok(error instanceof AbortError, String(error));
    assert.match(error.message, /BLE wake aborted: user stop/);
    assert.deepEqual(fake.handles(), CLOSED);
  });

  it('abort while connecting: AbortError; the connection attempt is cancelled, no connection is left', async () => {
    const fake = camera();
    const controller = new AbortController();
    const wake = wakeCamera({ address: ADDRESS, transport: fake, signal: controller.signal });
    await clock.tickAsync(700);
    controller.abort();
    const { error } = await settle(clock, wake, 5000);
    assert.ok(error instanceof AbortError, String(error));
    assert.deepEqual(fake.handles(), CLOSED);
    assert.equal(fake.connections.length, 0);
  });

  it('the timeout while connecting: BleGattError naming the connect step, no connection left', async () => {
    const fake = camera({ connectDelayMs: 20_000 });
    const { error } = await settle(clock, wakeCamera({ address: ADDRESS, transport: fake, timeoutMs: 3000 }));
    assert.ok(error instanceof BleGattError, String(error));
    assert.equal(error.step, 'connect');
    assert.match(error.message, /timed out after 3000 ms/);
    assert.deepEqual(fake.handles(), CLOSED);
  });

  it('an already aborted signal: AbortError before the transport is even created', async () => {
    const factory = sinon.fake(() => camera());
    await assert.rejects(wakeCamera({ address: ADDRESS, transport: factory, signal: AbortSignal.abort() }), AbortError);
    assert.equal(factory.callCount, 0);
  });

  it('bad input: ConfigError naming the field, the transport never created', async () => {
    const factory = sinon.fake(() => camera());
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{}, 'address', /give the camera's BLE address/],
      [{ address: ADDRESS, name: NAME }, 'address', /either an address or a name, not both/],
      [{ address: 'C6:1E:0D:E0:32' }, 'address', /invalid address "C6:1E:0D:E0:32": must be a BLE address/],
      [{ address: 42 }, 'address', /must be a BLE address/],
      [{ name: ' TC100' }, 'name', /advertised name/],
      [{ address: ADDRESS, timeoutMs: 0 }, 'timeoutMs', /timeout 0 is not 1–600000 ms/],
      [{ address: ADDRESS, timeoutMs: 'soon' }, 'timeoutMs', /timeout soon is not a number/],
    ];
    for (const [input, field, message] of cases) {
      await assert.rejects(
        wakeCamera({ ...input, transport: factory }),
        (e: unknown) => e instanceof ConfigError && e.field === field && message.test(e.message),
        JSON.stringify(input),
      );
    }
    assert.equal(factory.callCount, 0);
  });
});
