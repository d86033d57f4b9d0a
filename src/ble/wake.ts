import { FIELD_BOUNDS, isBleName } from '../validation/fields';
import { ConfigError, throwIfAborted, toAbortError } from '../errors';
import { parseMs } from '../engine/config';
import { abortable } from './abortable';
import {
  BleMessageReassembler,
  decodeWakeAnswer,
  encodeWakeRequest,
  WAKE_ANSWER_CHARACTERISTIC,
  WAKE_MSG_ID,
  WAKE_WRITE_CHARACTERISTIC,
  type HotspotCredentials,
  type WakeAnswer,
} from './codec';
import { BleAdapterError, BleGattError, BleNoAnswerError, BleNotFoundError, BleWakeRefusedError, type BleWakeStep } from './errors';
import { createNobleTransport } from './noble';
import { describeMatch, normalizeAddress, type BleMatch, type BleTransport, type GattCharacteristic, type GattConnection } from './transport';

/** Default bound of a whole wake: the real one took 8 s from scan to answer (ble-wake.md). */
export const DEFAULT_WAKE_TIMEOUT_MS = 30_000;
export const MAX_WAKE_TIMEOUT_MS = FIELD_BOUNDS.wakeTimeoutMs.max;
/** How long the cleanup waits for a disconnect before giving up on it. */
export const DISCONNECT_TIMEOUT_MS = 2_000;

export interface WakeOptions {
  /** The camera's BLE address = its device id, e.g. C6:1E:0D:E0:32:E8. Give this or `name`. */
  address?: unknown;
  /** The camera's advertised name, e.g. TC100_32E8. */
  name?: unknown;
  /** The BLE central; a factory is called only now. Default: the noble adapter, loaded on this call. */
  transport?: BleTransport | (() => BleTransport | Promise<BleTransport>);
  /** Bound of the whole wake, from adapter to answer (default 30000). */
  timeoutMs?: unknown;
  signal?: AbortSignal;
  /** Called as each step begins (adapter, scan, connect, …, answer), e.g. for a node status. Must not throw. */
  onStep?: (step: BleWakeStep) => void;
}

export interface WakeResult extends HotspotCredentials {
  /** The peripheral's address as the platform reports it ('' where hidden, e.g. macOS). */
  address: string;
  name: string | undefined;
  /** Whether the camera echoed the request on 0x0002 before answering. */
  acknowledged: boolean;
  elapsedMs: number;
}

/** Checks `address`/`name` (exactly one); ConfigError naming the field otherwise. */
export function validateMatch(address: unknown, name: unknown): BleMatch {
  const hasAddress = address !== undefined && address !== null && address !== '';
  const hasName = name !== undefined && name !== null && name !== '';
  if (hasAddress && hasName) throw new ConfigError('address', address, 'give either an address or a name, not both');
  if (hasAddress) {
    const normal = typeof address === 'string' ? normalizeAddress(address) : undefined;
    if (!normal) throw new ConfigError('address', address, "must be a BLE address like C6:1E:0D:E0:32:E8 (the camera's device id)");
    return { address: normal };
  }
  if (hasName) {
    if (!isBleName(name)) throw new ConfigError('name', name, 'must be the advertised name, e.g. TC100_32E8 (no surrounding spaces, at most 248 bytes)');
    return { name };
  }
  throw new ConfigError('address', address, "give the camera's BLE address (its device id) or its advertised name");
}

/**
 * Wakes a sleeping camera over BLE: waits for the adapter, scans for the camera (by address or
 * advertised name), connects, finds 0x0002/0x0003, subscribes to both, writes the wake request
 * to 0x0002, reassembles the answer from the 0x0003 notifications and returns the hotspot's
 * credentials. On every path (success, error, timeout, abort) it stops the scan, clears its
 * timer, unsubscribes and disconnects. Errors: ConfigError (bad input), BleUnavailableError
 * (no noble), BleAdapterError, BleNotFoundError, BleGattError, BleNoAnswerError,
 * BleMessageError (a malformed answer or framing fault: fails at once), BleWakeRefusedError
 * (`ret` ≠ 0), AbortError (the caller's signal). No error or log carries the password.
 */
export async function wakeCamera(options: WakeOptions): Promise<WakeResult> {
  const match = validateMatch(options.address, options.name);
  const timeoutMs = parseMs('timeoutMs', options.timeoutMs, DEFAULT_WAKE_TIMEOUT_MS, 1, MAX_WAKE_TIMEOUT_MS);
  const target = describeMatch(match);
  throwIfAborted(options.signal, 'BLE wake');
  const started = Date.now();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const parent = options.signal;
  const onParentAbort = (): void => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  const signal = controller.signal;

  let step: BleWakeStep = 'adapter';
  const enter = (next: BleWakeStep): void => {
    step = next;
    options.onStep?.(next);
  };
  options.onStep?.(step);
  let transport: BleTransport | undefined;
  let connection: GattConnection | undefined;
  const subscribed: GattCharacteristic[] = [];
  let acknowledged = false;
  try {
    const source = options.transport ?? createNobleTransport;
    transport = typeof source === 'function' ? await source() : source;
    await transport.ready(signal);
    enter('scan');
    const peripheral = await transport.scan(match, signal);
    enter('connect');
    connection = await abortable(peripheral.connect(signal), signal, 'Bluetooth LE connect', (late) => void late.disconnect());
    enter('discover');
    const found = await abortable(connection.discover([WAKE_WRITE_CHARACTERISTIC, WAKE_ANSWER_CHARACTERISTIC], signal), signal, 'GATT discovery');
    const write = found.get(WAKE_WRITE_CHARACTERISTIC);
    const answer = found.get(WAKE_ANSWER_CHARACTERISTIC);
    if (!write || !answer) {
      const missing = [write ? null : '0x0002 (write)', answer ? null : '0x0003 (answer)'].filter(Boolean).join(' and ');
      throw new BleGattError('discover', `camera ${target} has no characteristic ${missing}: is it a KJK230?`);
    }
    enter('subscribe');
    let settle: { resolve(a: WakeAnswer): void; reject(e: unknown): void } | undefined;
    const answered = new Promise<WakeAnswer>((resolve, reject) => (settle = { resolve, reject }));
    answered.catch(() => undefined); // it may fail before it is awaited; awaited below
    const reassembler = new BleMessageReassembler();
    subscribed.push(answer);
    await abortable(
      answer.subscribe((data) => {
        for (const item of reassembler.push(data)) {
          if (item.kind === 'error') settle?.reject(item.error);
          else if (item.message.msgId === WAKE_MSG_ID) {
            try {
              settle?.resolve(decodeWakeAnswer(item.message.body));
            } catch (err) {
              settle?.reject(err);
            }
          }
        }
      }, signal),
      signal,
      'GATT subscribe',
    );
    const request = encodeWakeRequest();
    subscribed.push(write);
    await abortable(
      write.subscribe((data) => {
        if (data.subarray(0, request.length).equals(request)) acknowledged = true;
      }, signal),
      signal,
      'GATT subscribe',
    );
    enter('write');
    await abortable(write.write(request, signal), signal, 'GATT write');
    enter('answer');
    const result = await abortable(answered, signal, 'BLE wake answer');
    if (result.ret !== 0 || !result.credentials) throw new BleWakeRefusedError(target, result.ret);
    return { ...result.credentials, address: peripheral.address, name: peripheral.name, acknowledged, elapsedMs: Date.now() - started };
  } catch (err) {
    if (timedOut) throw timeoutError(step, target, timeoutMs, acknowledged, transport);
    if (parent?.aborted) throw toAbortError(parent.reason, 'BLE wake');
    throw err;
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
    for (const c of subscribed) await c.unsubscribe().catch(() => undefined);
    if (connection) await disconnectWithin(connection, DISCONNECT_TIMEOUT_MS);
  }
}

function timeoutError(step: BleWakeStep, target: string, timeoutMs: number, acknowledged: boolean, transport: BleTransport | undefined): Error {
  switch (step) {
    case 'adapter':
      return new BleAdapterError(transport?.state ?? 'unknown', `not powered on within ${timeoutMs} ms`);
    case 'scan':
      return new BleNotFoundError(target, timeoutMs);
    case 'answer':
      return new BleNoAnswerError(target, timeoutMs, acknowledged);
    default:
      return new BleGattError(step, `camera ${target}: timed out after ${timeoutMs} ms`);
  }
}

async function disconnectWithin(connection: GattConnection, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([connection.disconnect().catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
