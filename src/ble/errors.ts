import { TrailcamError } from '../errors';

/** Where a BLE message was rejected. */
export type BleMessageStage = 'notification' | 'magic' | 'length' | 'truncated' | 'trailing' | 'json' | 'field';

/**
 * Bytes that are not a usable BLE message: a notification that does not start a message where
 * one must start (a lost, duplicated or reordered notification), an oversized length field, a
 * message cut short by the next header, or a wake answer whose body is not the expected JSON.
 * Never carries the body (the wake answer holds the hotspot password).
 */
export class BleMessageError extends TrailcamError {
  readonly stage: BleMessageStage;

  constructor(stage: BleMessageStage, reason: string) {
    super('ERR_BLE_MESSAGE', `bad BLE message at ${stage}: ${reason}`);
    this.stage = stage;
  }
}

/** The hint every "BLE is not usable here" error ends with. */
export const NOBLE_INSTALL_HINT =
  'install the optional BLE library in your Node-RED user directory (e.g. ~/.node-red): npm install @abandonware/noble ' +
  '(on Linux it builds a native module: sudo apt-get install build-essential python3 bluetooth bluez libbluetooth-dev libudev-dev, ' +
  'and give node raw-socket rights: sudo setcap cap_net_raw+eip "$(readlink -f "$(which node)")")';

/** The BLE library (@abandonware/noble) is not installed or cannot load its native part. */
export class BleUnavailableError extends TrailcamError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('ERR_BLE_UNAVAILABLE', `Bluetooth LE is not available: ${detail}; ${NOBLE_INSTALL_HINT}`, options);
  }
}

/** There is no usable Bluetooth adapter (noble state other than poweredOn). */
export class BleAdapterError extends TrailcamError {
  readonly state: string;

  constructor(state: string, detail: string) {
    super('ERR_BLE_ADAPTER', `no usable Bluetooth adapter (state ${JSON.stringify(state)}): ${detail}`);
    this.state = state;
  }
}

/** No camera matching the address or name advertised before the timeout. */
export class BleNotFoundError extends TrailcamError {
  readonly target: string;
  readonly timeoutMs: number;

  constructor(target: string, timeoutMs: number) {
    super('ERR_BLE_NOT_FOUND', `no camera with ${target} found over Bluetooth LE within ${timeoutMs} ms (is it in range and advertising?)`);
    this.target = target;
    this.timeoutMs = timeoutMs;
  }
}

/** The camera was connected and the wake request written, but no answer came before the timeout. */
export class BleNoAnswerError extends TrailcamError {
  readonly timeoutMs: number;
  readonly acknowledged: boolean;

  constructor(target: string, timeoutMs: number, acknowledged: boolean) {
    const ack = acknowledged ? 'it echoed the request on 0x0002 but' : 'it neither echoed the request nor';
    super('ERR_BLE_NO_ANSWER', `camera ${target} sent no wake answer within ${timeoutMs} ms: ${ack} answered on 0x0003`);
    this.timeoutMs = timeoutMs;
    this.acknowledged = acknowledged;
  }
}

/** The camera answered the wake request with `ret` other than 0. */
export class BleWakeRefusedError extends TrailcamError {
  readonly ret: number;

  constructor(target: string, ret: number) {
    super('ERR_BLE_WAKE_REFUSED', `camera ${target} refused the wake request: ret ${ret}`);
    this.ret = ret;
  }
}

/** What the wake was doing when it failed. */
export type BleWakeStep = 'adapter' | 'scan' | 'connect' | 'discover' | 'subscribe' | 'write' | 'answer';

/** A GATT step failed (the peripheral lacks a characteristic, a write was refused, the link dropped) or timed out. */
export class BleGattError extends TrailcamError {
  readonly step: BleWakeStep;

  constructor(step: BleWakeStep, detail: string, options?: { cause?: unknown }) {
    super('ERR_BLE_GATT', `Bluetooth LE ${step} failed: ${detail}`, options);
    this.step = step;
  }
}

/** Why joining the hotspot failed. */
export type HotspotErrorKind = 'missing' | 'refused' | 'timeout';

/** nmcli is missing, refused or hung. The message carries nmcli's stderr, never the password. */
export class HotspotError extends TrailcamError {
  readonly kind: HotspotErrorKind;

  constructor(kind: HotspotErrorKind, message: string, options?: { cause?: unknown }) {
    super(kind === 'missing' ? 'ERR_HOTSPOT_NMCLI_MISSING' : kind === 'timeout' ? 'ERR_HOTSPOT_TIMEOUT' : 'ERR_HOTSPOT_JOIN', message, options);
    this.kind = kind;
  }
}
