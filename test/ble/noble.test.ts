import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import sinon from 'sinon';
import { AbortError } from '../../src/errors';
import {
  BleAdapterError,
  BleUnavailableError,
  CAPTURED_WAKE_ANSWER,
  createNobleTransport,
  encodeBleMessage,
  loadNoble,
  NOBLE_MODULE,
  splitNotifications,
  wakeCamera,
} from '../../src/ble';

/** A stand-in for @abandonware/noble's API (the parts the adapter uses), with the camera behind it. */
class FakeNoble extends EventEmitter {
  state = 'poweredOn';
  scanning = false;
  connected = false;
  subscribed = new Set<string>();
  writes: [string, string, boolean][] = [];
  readonly characteristics = ['0002', '0003', '2a00'].map((uuid) =>
    Object.assign(new EventEmitter(), {
      uuid,
      subscribeAsync: async () => void this.subscribed.add(uuid),
      unsubscribeAsync: async () => void this.subscribed.delete(uuid),
      writeAsync: async (data: Buffer, withoutResponse: boolean) => {
        this.writes.push([uuid, data.toString('hex'), withoutResponse]);
        setTimeout(() => {
          for (const n of splitNotifications(encodeBleMessage(1, Buffer.from(JSON.stringify(CAPTURED_WAKE_ANSWER)))))
            this.characteristics[1].emit('data', n, true);
        }, 4400);
      },
    }),
  );
  readonly peripheral = {
    id: 'c61e0de032e8',
    address: 'c6:1e:0d:e0:32:e8',
    advertisement: { localName: 'TC100_32E8' },
    connectAsync: async () => void (this.connected = true),
    disconnectAsync: async () => void (this.connected = false),
    discoverSomeServicesAndCharacteristicsAsync: async (_s: string[], uuids: string[]) => ({
      characteristics: this.characteristics.filter((c) => uuids.length === 0 || uuids.includes(c.uuid)),
    }),
  };
  async startScanningAsync(): Promise<void> {
    this.scanning = true;
    setTimeout(() => this.emit('discover', { ...this.peripheral, address: 'aa:bb:cc:dd:ee:ff', advertisement: { localName: 'other' } }), 100);
    setTimeout(() => this.emit('discover', this.peripheral), 200);
  }
  async stopScanningAsync(): Promise<void> {
    this.scanning = false;
  }
}

describe('ble: noble adapter', () => {
  it('without @abandonware/noble installed (as here): BleUnavailableError that says what to install', function () {
    try {
      require.resolve(NOBLE_MODULE);
      this.skip(); // installed after all: the hint path is covered by the injected require below
    } catch {
      // not installed: the real require() must fail with the hint
    }
    assert.throws(
      () => loadNoble(),
      (e: unknown) => {
        assert.ok(e instanceof BleUnavailableError);
        assert.equal(e.code, 'ERR_BLE_UNAVAILABLE');
        assert.match(e.message, /@abandonware\/noble is not installed/);
        assert.match(e.message, /npm install @abandonware\/noble/);
        assert.match(e.message, /Node-RED user directory/);
        assert.match(e.message, /libbluetooth-dev/);
        return true;
      },
    );
  });

  it('a noble whose native part fails to load: BleUnavailableError with the cause and the hint', () => {
    const requireFn = (): never => {
      throw new Error('No native build was found for platform=linux');
    };
    assert.throws(() => createNobleTransport(requireFn), /failed to load \(No native build was found.*npm install @abandonware\/noble/);
  });

  it('loads noble only when the wake runs, then wakes through it: scan by address, subscribe, write with response, disconnect', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const noble = new FakeNoble();
      const requireFn = sinon.fake((id: string) => (id === NOBLE_MODULE ? noble : assert.fail(id)));
      const wake = wakeCamera({ address: 'C6:1E:0D:E0:32:E8', transport: () => createNobleTransport(requireFn) });
      const outcome = wake.then(
        (v) => v,
        (e: unknown) => e,
      );
      await clock.tickAsync(10_000);
      const result = await outcome;
      assert.deepEqual(
        { ...(result as object), elapsedMs: undefined },
        {
          ssid: 'KJK_E0FF',
          bssid: '1C:4E:A2:92:E0:FF',
          password: '85087127',
          address: 'C6:1E:0D:E0:32:E8',
          name: 'TC100_32E8',
          acknowledged: false,
          elapsedMs: undefined,
        },
      );
      assert.equal(requireFn.callCount, 1);
      assert.deepEqual(noble.writes, [['0002', '1357010000000000', false]], 'written with response (withoutResponse false)');
      assert.equal(noble.scanning, false, 'scan stopped');
      assert.equal(noble.connected, false, 'disconnected');
      assert.deepEqual([...noble.subscribed], [], 'unsubscribed');
      assert.equal(noble.characteristics[1].listenerCount('data'), 0);
      assert.equal(noble.listenerCount('discover'), 0);
    } finally {
      clock.restore();
    }
  });

  it('adapter states: poweredOff and unsupported fail at once; unknown waits for poweredOn; abort while waiting', async () => {
    for (const [state, hint] of [
      ['poweredOff', /adapter is off/],
      ['unsupported', /no Bluetooth LE adapter was found/],
      ['unauthorized', /setcap/],
    ] as const) {
      const noble = new FakeNoble();
      noble.state = state;
      await assert.rejects(
        createNobleTransport(() => noble).ready(new AbortController().signal),
        (e: unknown) => e instanceof BleAdapterError && e.state === state && hint.test(e.message),
      );
    }
    const noble = new FakeNoble();
    noble.state = 'unknown';
    const transport = createNobleTransport(() => noble);
    const ready = transport.ready(new AbortController().signal);
    noble.emit('stateChange', 'poweredOn');
    await ready;
    assert.equal(noble.listenerCount('stateChange'), 0);
    const controller = new AbortController();
    noble.state = 'resetting';
    const waiting = transport.ready(controller.signal);
    controller.abort();
    await assert.rejects(waiting, AbortError);
    assert.equal(noble.listenerCount('stateChange'), 0);
  });

  it('an adapter that stays "unknown" until the wake times out: BleAdapterError naming the state, listener removed', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const noble = new FakeNoble();
      noble.state = 'unknown';
      const outcome = wakeCamera({ name: 'TC100_32E8', timeoutMs: 2000, transport: () => createNobleTransport(() => noble) }).then(
        () => assert.fail('woke'),
        (e: unknown) => e,
      );
      await clock.tickAsync(2000);
      const error = await outcome;
      assert.ok(error instanceof BleAdapterError, String(error));
      assert.equal(error.state, 'unknown');
      assert.match(error.message, /not powered on within 2000 ms/);
      assert.equal(noble.listenerCount('stateChange'), 0);
      assert.equal(noble.scanning, false);
    } finally {
      clock.restore();
    }
  });

  it('abort during the scan stops scanning and removes the discover listener', async () => {
    const noble = new FakeNoble();
    noble.startScanningAsync = async () => void (noble.scanning = true); // nothing advertises
    const controller = new AbortController();
    const scan = createNobleTransport(() => noble).scan({ name: 'TC100_32E8' }, controller.signal);
    await new Promise((r) => setImmediate(r));
    assert.equal(noble.scanning, true);
    controller.abort();
    await assert.rejects(scan, AbortError);
    assert.equal(noble.scanning, false);
    assert.equal(noble.listenerCount('discover'), 0);
  });
});
