import { normalizeBleAddress } from '../validation/fields';
/**
 * The small BLE central interface the wake operation needs. Implemented by the noble adapter
 * (`noble.ts`, the real radio) and by `FakeBleTransport` (`fake.ts`, tests and the simulator).
 * Every method takes an AbortSignal: on abort it rejects with an AbortError and releases what
 * it started (scan stopped, connection attempt cancelled).
 */
export interface BleTransport {
  /** The adapter's state as last reported (noble: poweredOn, poweredOff, unsupported, unauthorized, unknown, resetting). */
  readonly state?: string;
  /** Waits until the adapter can scan; rejects with BleAdapterError when there is none, or it is off. */
  ready(signal: AbortSignal): Promise<void>;
  /** Scans until a peripheral matches; scanning is stopped on every path. */
  scan(match: BleMatch, signal: AbortSignal): Promise<BlePeripheral>;
}

/** Which peripheral to find: by BLE address (the camera's device id) or by advertised name. */
export type BleMatch = { address: string; name?: undefined } | { name: string; address?: undefined };

export interface BlePeripheral {
  /** Upper-case colon form, or '' when the platform hides it (macOS). */
  readonly address: string;
  readonly name: string | undefined;
  connect(signal: AbortSignal): Promise<GattConnection>;
}

export interface GattConnection {
  /** The characteristics with these UUIDs (normalised, see `normalizeUuid`), in any service; missing ones are absent from the map. */
  discover(uuids: readonly string[], signal: AbortSignal): Promise<Map<string, GattCharacteristic>>;
  /** Ends the connection; never rejects. Idempotent. */
  disconnect(): Promise<void>;
}

export interface GattCharacteristic {
  readonly uuid: string;
  /** Enables notifications; `onData` gets each value in the order the link delivered them. */
  subscribe(onData: (data: Buffer) => void, signal: AbortSignal): Promise<void>;
  /** Disables notifications and removes the listener; never rejects. */
  unsubscribe(): Promise<void>;
  /** Writes with response. */
  write(data: Buffer, signal: AbortSignal): Promise<void>;
}

const BASE_UUID_TAIL = '00001000800000805f9b34fb';

/**
 * Lower-case hex without dashes; a UUID on the Bluetooth base (`0000xxxx-0000-1000-8000-00805f9b34fb`)
 * becomes its 16-bit short form, as noble reports it: `00000002-0000-1000-8000-00805f9b34fb` → `0002`.
 */
export function normalizeUuid(uuid: string): string {
  const hex = uuid.toLowerCase().replace(/-/g, '');
  if (hex.length === 32 && hex.startsWith('0000') && hex.endsWith(BASE_UUID_TAIL)) return hex.slice(4, 8);
  if (hex.length === 8 && hex.startsWith('0000')) return hex.slice(4);
  return hex;
}

/**
 * `c6-1e-0d-e0-32-e8` / `c61e0de032e8` → `C6:1E:0D:E0:32:E8`; undefined for anything else. The
 * rule lives in src/validation/fields.ts, which the editor loads too.
 */
export const normalizeAddress = normalizeBleAddress;

/** Whether a peripheral's address / advertised name is the one asked for. */
export function matches(match: BleMatch, address: string, name: string | undefined): boolean {
  if (match.address !== undefined) return normalizeAddress(address) === normalizeAddress(match.address);
  return name === match.name;
}

/** `address C6:…` or `name "TC100_32E8"`, for messages. */
export function describeMatch(match: BleMatch): string {
  return match.address !== undefined ? `address ${match.address}` : `name ${JSON.stringify(match.name)}`;
}
