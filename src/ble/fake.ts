import { AbortError, toAbortError } from '../errors';
import { BLE_NOTIFICATION_SIZE, encodeBleMessage, splitNotifications, WAKE_ANSWER_CHARACTERISTIC, WAKE_MSG_ID, WAKE_WRITE_CHARACTERISTIC } from './codec';
import { BleAdapterError, BleGattError } from './errors';
import {
  matches,
  normalizeAddress,
  normalizeUuid,
  type BleMatch,
  type BlePeripheral,
  type BleTransport,
  type GattCharacteristic,
  type GattConnection,
} from './transport';

/** How a fake camera answers the wake request. */
export interface FakeCameraOptions {
  /** BLE address (= device id), e.g. C6:1E:0D:E0:32:E8. */
  address: string;
  /** Advertised name, e.g. TC100_32E8. */
  name?: string;
  /** The answer's JSON body (default: the captured answer); or `null` to never answer. */
  answer?: Record<string, unknown> | null;
  /** The answer's notifications as raw bytes, instead of `answer` (to test framing faults). */
  answerNotifications?: Buffer[];
  /** Delay from the write to the first answer notification (real camera: 4.4 s). */
  answerDelayMs?: number;
  /** Delay between answer notifications (real camera: ~90 ms). */
  notificationGapMs?: number;
  /** Delay from the scan start to the first advertisement (default 0). */
  advertiseDelayMs?: number;
  /** Delay of the GATT connection (real camera: 1.4 s). Default 0. */
  connectDelayMs?: number;
  /** Echo the request on 0x0002 as the real camera does (default true). */
  echo?: boolean;
  /** Characteristics it lacks (e.g. ['0003']). */
  missing?: string[];
  /** Refuse the write (a GATT error). */
  refuseWrite?: boolean;
  /**
   * Called when the wake request is written, before the answer's delay starts (the simulator's
   * sleeping camera switches its Wi-Fi side on here). Its errors are ignored: the answer still comes.
   */
  onWake?: () => void;
}

/** The captured answer body (ble_udp_1.log). */
export const CAPTURED_WAKE_ANSWER = { ret: 0, ssid: 'KJK_E0FF', bssid: '1C:4E:A2:92:E0:FF', pwd: '85087127' } as const;

/** What the fake holds open now: all zero once a wake has released everything. */
export interface FakeBleHandles {
  scans: number;
  connections: number;
  subscriptions: number;
  timers: number;
}

/**
 * A BLE central with simulated cameras (no radio): scan, connect, discover 0x0002/0x0003,
 * subscribe, write the wake request, and the camera's echo and answer as 20-byte
 * notifications after the configured delays. Timers are plain setTimeout, so sinon fake
 * timers drive it. `handles()` says what is still open; `writes` records every write.
 */
export class FakeBleTransport implements BleTransport {
  state: string;
  readonly cameras: FakeCameraOptions[];
  readonly writes: { address: string; uuid: string; data: Buffer }[] = [];
  /** Connections made, in order (also the closed ones). */
  readonly connections: FakeConnection[] = [];
  #scans = 0;
  #timers = new Set<NodeJS.Timeout>();

  constructor(cameras: FakeCameraOptions[], options: { state?: string } = {}) {
    this.cameras = cameras;
    this.state = options.state ?? 'poweredOn';
  }

  handles(): FakeBleHandles {
    let connections = 0;
    let subscriptions = 0;
    for (const c of this.connections) {
      if (c.open) connections++;
      subscriptions += c.subscriptions();
    }
    return { scans: this.#scans, connections, subscriptions, timers: this.#timers.size };
  }

  async ready(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw toAbortError(signal.reason, 'Bluetooth LE adapter');
    if (this.state !== 'poweredOn') throw new BleAdapterError(this.state, 'the fake adapter is not powered on');
  }

  scan(match: BleMatch, signal: AbortSignal): Promise<BlePeripheral> {
    if (signal.aborted) return Promise.reject(toAbortError(signal.reason, 'Bluetooth LE scan'));
    this.#scans++;
    return new Promise<BlePeripheral>((resolve, reject) => {
      const found: NodeJS.Timeout[] = [];
      const finish = (): void => {
        this.#scans--;
        signal.removeEventListener('abort', onAbort);
        for (const t of found) this.clear(t);
      };
      const onAbort = (): void => {
        finish();
        reject(toAbortError(signal.reason, 'Bluetooth LE scan'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      for (const camera of this.cameras) {
        if (!matches(match, camera.address, camera.name)) continue;
        found.push(
          this.later(camera.advertiseDelayMs ?? 0, () => {
            finish();
            resolve(new FakePeripheral(this, camera));
          }),
        );
        break;
      }
    });
  }

  /** setTimeout that `handles()` counts until it fires or is cleared. */
  later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }

  clear(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.#timers.delete(timer);
  }
}

class FakePeripheral implements BlePeripheral {
  readonly address: string;
  readonly name: string | undefined;

  constructor(
    private readonly transport: FakeBleTransport,
    private readonly camera: FakeCameraOptions,
  ) {
    this.address = normalizeAddress(camera.address) ?? camera.address;
    this.name = camera.name;
  }

  connect(signal: AbortSignal): Promise<GattConnection> {
    if (signal.aborted) return Promise.reject(toAbortError(signal.reason, 'Bluetooth LE connect'));
    return new Promise<GattConnection>((resolve, reject) => {
      const onAbort = (): void => {
        this.transport.clear(timer);
        reject(toAbortError(signal.reason, 'Bluetooth LE connect'));
      };
      const timer = this.transport.later(this.camera.connectDelayMs ?? 0, () => {
        signal.removeEventListener('abort', onAbort);
        const connection = new FakeConnection(this.transport, this.camera, this.address);
        this.transport.connections.push(connection);
        resolve(connection);
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** One fake GATT connection. */
export class FakeConnection implements GattConnection {
  open = true;
  readonly #characteristics = new Map<string, FakeCharacteristic>();
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly transport: FakeBleTransport,
    readonly camera: FakeCameraOptions,
    readonly address: string,
  ) {
    const missing = new Set((camera.missing ?? []).map(normalizeUuid));
    for (const uuid of [WAKE_WRITE_CHARACTERISTIC, WAKE_ANSWER_CHARACTERISTIC]) {
      if (!missing.has(uuid)) this.#characteristics.set(uuid, new FakeCharacteristic(this, uuid));
    }
  }

  subscriptions(): number {
    let n = 0;
    for (const c of this.#characteristics.values()) if (c.listener) n++;
    return n;
  }

  async discover(uuids: readonly string[], signal: AbortSignal): Promise<Map<string, GattCharacteristic>> {
    if (signal.aborted) throw toAbortError(signal.reason, 'GATT discovery');
    if (!this.open) throw new BleGattError('discover', 'disconnected');
    const out = new Map<string, GattCharacteristic>();
    for (const uuid of uuids.map(normalizeUuid)) {
      const c = this.#characteristics.get(uuid);
      if (c) out.set(uuid, c);
    }
    return out;
  }

  async disconnect(): Promise<void> {
    this.open = false;
    for (const t of this.#timers) this.transport.clear(t);
    this.#timers.clear();
    for (const c of this.#characteristics.values()) c.listener = undefined;
  }

  /** What the camera does on a write. */
  onWrite(uuid: string, data: Buffer): void {
    const request = encodeBleMessage(WAKE_MSG_ID);
    if (uuid !== WAKE_WRITE_CHARACTERISTIC || !data.subarray(0, request.length).equals(request)) return;
    try {
      this.camera.onWake?.();
    } catch {
      // the simulator's hook; the fake camera answers regardless
    }
    if (this.camera.echo !== false) {
      const echo = Buffer.alloc(BLE_NOTIFICATION_SIZE);
      request.copy(echo);
      this.schedule(0, () => this.#characteristics.get(WAKE_WRITE_CHARACTERISTIC)?.notify(echo));
    }
    const notifications =
      this.camera.answerNotifications ??
      (this.camera.answer === null
        ? []
        : splitNotifications(encodeBleMessage(WAKE_MSG_ID, Buffer.from(JSON.stringify(this.camera.answer ?? CAPTURED_WAKE_ANSWER)))));
    const first = this.camera.answerDelayMs ?? 4400;
    const gap = this.camera.notificationGapMs ?? 90;
    notifications.forEach((n, i) => this.schedule(first + i * gap, () => this.#characteristics.get(WAKE_ANSWER_CHARACTERISTIC)?.notify(n)));
  }

  private schedule(ms: number, fn: () => void): void {
    const timer = this.transport.later(ms, () => {
      this.#timers.delete(timer);
      fn();
    });
    this.#timers.add(timer);
  }
}

class FakeCharacteristic implements GattCharacteristic {
  listener: ((data: Buffer) => void) | undefined;

  constructor(
    private readonly connection: FakeConnection,
    readonly uuid: string,
  ) {}

  notify(data: Buffer): void {
    if (this.connection.open) this.listener?.(Buffer.from(data));
  }

  async subscribe(onData: (data: Buffer) => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw toAbortError(signal.reason, 'GATT subscribe');
    if (!this.connection.open) throw new BleGattError('subscribe', 'disconnected');
    this.listener = onData;
  }

  async unsubscribe(): Promise<void> {
    this.listener = undefined;
  }

  async write(data: Buffer, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new AbortError('GATT write aborted');
    if (!this.connection.open) throw new BleGattError('write', 'disconnected');
    if (this.connection.camera.refuseWrite) throw new BleGattError('write', `the camera refused the write on ${this.uuid}`);
    this.connection.transport.writes.push({ address: this.connection.address, uuid: this.uuid, data: Buffer.from(data) });
    this.connection.onWrite(this.uuid, Buffer.from(data));
  }
}
