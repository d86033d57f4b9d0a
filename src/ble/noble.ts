import { toAbortError } from '../errors';
import { abortable } from './abortable';
import { BleAdapterError, BleGattError, BleUnavailableError } from './errors';
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

/** The optional BLE library, loaded with require() only when a wake is asked for. */
export const NOBLE_MODULE = '@abandonware/noble';

/** The part of @abandonware/noble's API this adapter uses (declared here: its types are not installed). */
export interface NobleLike {
  state: string;
  // never[]: any listener, whatever its argument types, is assignable (noble's events differ in their arguments).
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  startScanningAsync(serviceUuids?: string[], allowDuplicates?: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
}

export interface NoblePeripheralLike {
  id: string;
  address: string;
  advertisement?: { localName?: string };
  connectAsync(): Promise<void>;
  disconnectAsync(): Promise<void>;
  discoverSomeServicesAndCharacteristicsAsync(serviceUuids: string[], characteristicUuids: string[]): Promise<{ characteristics: NobleCharacteristicLike[] }>;
}

export interface NobleCharacteristicLike {
  uuid: string;
  on(event: 'data', listener: (data: Buffer, isNotification: boolean) => void): unknown;
  removeListener(event: 'data', listener: (data: Buffer, isNotification: boolean) => void): unknown;
  subscribeAsync(): Promise<void>;
  unsubscribeAsync(): Promise<void>;
  writeAsync(data: Buffer, withoutResponse: boolean): Promise<void>;
}

export type RequireFn = (id: string) => unknown;

/**
 * Loads @abandonware/noble. Throws BleUnavailableError with the install hint when it is not
 * installed, or when it is but its native part does not load. `requireFn` is injectable for tests.
 */
export function loadNoble(requireFn: RequireFn = require): NobleLike {
  let loaded: unknown;
  try {
    loaded = requireFn(NOBLE_MODULE);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes(NOBLE_MODULE))
      throw new BleUnavailableError(`${NOBLE_MODULE} is not installed`, { cause: err });
    throw new BleUnavailableError(`${NOBLE_MODULE} failed to load (${e instanceof Error ? e.message : String(err)})`, { cause: err });
  }
  const noble = (loaded as { default?: unknown })?.default ?? loaded;
  if (!noble || typeof (noble as NobleLike).startScanningAsync !== 'function' || typeof (noble as NobleLike).on !== 'function') {
    throw new BleUnavailableError(`${NOBLE_MODULE} loaded but lacks startScanningAsync (a version older than 1.9.2?)`);
  }
  return noble as NobleLike;
}

/** A BleTransport on the real radio: loads noble now (not at import). */
export function createNobleTransport(requireFn: RequireFn = require): BleTransport {
  return new NobleTransport(loadNoble(requireFn));
}

const ADAPTER_HINTS: Record<string, string> = {
  unsupported: 'no Bluetooth LE adapter was found, or it does not support LE (check `bluetoothctl list` / `hciconfig`)',
  unauthorized: 'this process may not use Bluetooth (on Linux: sudo setcap cap_net_raw+eip "$(readlink -f "$(which node)")", or run as a user allowed to)',
  poweredOff: 'the adapter is off (bluetoothctl power on; rfkill unblock bluetooth)',
};

/** The noble adapter. */
export class NobleTransport implements BleTransport {
  constructor(private readonly noble: NobleLike) {}

  get state(): string {
    return this.noble.state;
  }

  ready(signal: AbortSignal): Promise<void> {
    const fail = (state: string): BleAdapterError | undefined => (ADAPTER_HINTS[state] ? new BleAdapterError(state, ADAPTER_HINTS[state]) : undefined);
    if (signal.aborted) return Promise.reject(toAbortError(signal.reason, 'Bluetooth LE adapter'));
    if (this.noble.state === 'poweredOn') return Promise.resolve();
    const now = fail(this.noble.state);
    if (now) return Promise.reject(now);
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.noble.removeListener('stateChange', onState);
        signal.removeEventListener('abort', onAbort);
      };
      const onState = (state: string): void => {
        if (state === 'poweredOn') {
          done();
          resolve();
          return;
        }
        const err = fail(state);
        if (err) {
          done();
          reject(err);
        }
      };
      const onAbort = (): void => {
        done();
        reject(toAbortError(signal.reason, 'Bluetooth LE adapter'));
      };
      this.noble.on('stateChange', onState);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  scan(match: BleMatch, signal: AbortSignal): Promise<BlePeripheral> {
    if (signal.aborted) return Promise.reject(toAbortError(signal.reason, 'Bluetooth LE scan'));
    const noble = this.noble;
    return new Promise<BlePeripheral>((resolve, reject) => {
      let finished = false;
      const finish = (): void => {
        finished = true;
        noble.removeListener('discover', onDiscover);
        signal.removeEventListener('abort', onAbort);
        noble.stopScanningAsync().catch(() => undefined);
      };
      const onDiscover = (peripheral: NoblePeripheralLike): void => {
        const name = peripheral.advertisement?.localName;
        if (finished || !matches(match, peripheral.address ?? '', name)) return;
        finish();
        resolve(new NoblePeripheral(peripheral));
      };
      const onAbort = (): void => {
        finish();
        reject(toAbortError(signal.reason, 'Bluetooth LE scan'));
      };
      noble.on('discover', onDiscover);
      signal.addEventListener('abort', onAbort, { once: true });
      noble.startScanningAsync([], false).catch((err: unknown) => {
        if (finished) return;
        finish();
        reject(new BleGattError('scan', `cannot start scanning: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      });
    });
  }
}

class NoblePeripheral implements BlePeripheral {
  readonly address: string;
  readonly name: string | undefined;

  constructor(private readonly peripheral: NoblePeripheralLike) {
    this.address = normalizeAddress(peripheral.address ?? '') ?? '';
    this.name = peripheral.advertisement?.localName;
  }

  async connect(signal: AbortSignal): Promise<GattConnection> {
    // Disconnecting a peripheral that is still connecting cancels the attempt in noble.
    const cancel = (): void => void this.peripheral.disconnectAsync().catch(() => undefined);
    signal.addEventListener('abort', cancel, { once: true });
    try {
      await abortable(this.peripheral.connectAsync(), signal, 'Bluetooth LE connect');
    } catch (err) {
      if (signal.aborted) throw err;
      throw new BleGattError('connect', err instanceof Error ? err.message : String(err), { cause: err });
    } finally {
      signal.removeEventListener('abort', cancel);
    }
    return new NobleConnection(this.peripheral);
  }
}

class NobleConnection implements GattConnection {
  constructor(private readonly peripheral: NoblePeripheralLike) {}

  async discover(uuids: readonly string[], signal: AbortSignal): Promise<Map<string, GattCharacteristic>> {
    const wanted = uuids.map(normalizeUuid);
    const { characteristics } = await abortable(this.peripheral.discoverSomeServicesAndCharacteristicsAsync([], wanted), signal, 'GATT discovery');
    const out = new Map<string, GattCharacteristic>();
    for (const c of characteristics) {
      const uuid = normalizeUuid(c.uuid);
      if (wanted.includes(uuid) && !out.has(uuid)) out.set(uuid, new NobleCharacteristic(c, uuid));
    }
    return out;
  }

  async disconnect(): Promise<void> {
    await this.peripheral.disconnectAsync().catch(() => undefined);
  }
}

class NobleCharacteristic implements GattCharacteristic {
  #listener: ((data: Buffer) => void) | undefined;

  constructor(
    private readonly characteristic: NobleCharacteristicLike,
    readonly uuid: string,
  ) {}

  async subscribe(onData: (data: Buffer) => void, signal: AbortSignal): Promise<void> {
    const listener = (data: Buffer): void => onData(data);
    this.#listener = listener;
    this.characteristic.on('data', listener);
    await abortable(this.characteristic.subscribeAsync(), signal, 'GATT subscribe');
  }

  async unsubscribe(): Promise<void> {
    if (!this.#listener) return;
    this.characteristic.removeListener('data', this.#listener);
    this.#listener = undefined;
    await this.characteristic.unsubscribeAsync().catch(() => undefined);
  }

  async write(data: Buffer, signal: AbortSignal): Promise<void> {
    await abortable(this.characteristic.writeAsync(data, false), signal, 'GATT write');
  }
}
