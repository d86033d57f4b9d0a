import { CAPTURED_WAKE_ANSWER, FakeBleTransport, type FakeCameraOptions } from '../ble/fake';
import { normalizeAddress } from '../ble/transport';
import { SYSTEM_TIMERS, type RuntimeTimers } from '../runtime/timers';
import { ConfigError } from '../errors';
import type { SimCamera } from './camera';

/**
 * How a simulated battery camera sleeps and wakes. Defaults follow the real wake
 * (protocol/ble-wake.md): GATT connect 1.4 s, answer 4.4 s after the write, ~90 ms between the
 * four notifications. `sleepAfterMs` is the camera's own idle time: not measured on the
 * KJK230 [?]; 60 s is our stand-in.
 */
export interface SleepingCameraOptions {
  /** BLE address = the camera's device id (default the captured C6:1E:0D:E0:32:E8). */
  address?: string;
  /** Advertised name (default `TC100_` + the address's last two bytes, as the real camera). */
  name?: string;
  /** The hotspot the wake answer names (default the captured answer). */
  hotspot?: { ssid: string; bssid: string; pwd: string };
  /** From the wake write to the first answer notification (real: 4400 ms). */
  answerDelayMs?: number;
  notificationGapMs?: number;
  /** GATT connection time (real: 1400 ms). */
  connectDelayMs?: number;
  /** Awake with no session for this long: the Wi-Fi side goes off again (default 60000). */
  sleepAfterMs?: number;
  /**
   * Timers for that idle time only (a fake clock in tests, so a camera cannot fall asleep while a
   * test's stand-in join runs); default setTimeout/clearTimeout. The BLE delays use the fake
   * transport's own timers.
   */
  timers?: RuntimeTimers;
}

export const REALISTIC_SLEEPING_CAMERA = {
  address: 'C6:1E:0D:E0:32:E8',
  answerDelayMs: 4_400,
  notificationGapMs: 90,
  connectDelayMs: 1_400,
  sleepAfterMs: 60_000,
} as const;

export interface SleepingCounters {
  /** Wake requests written over BLE (also while awake). */
  wakes: number;
  /** Times the Wi-Fi side went off after its idle time. */
  sleeps: number;
}

/**
 * A battery KJK230 in the simulator: `camera` (the Wi-Fi side: LAN, P2P, relay, ARTEMIS) is
 * stopped, i.e. silent on every port, until a wake request is written through the fake BLE
 * peripheral `ble` (plug it into a FakeBleTransport, or use `transport()`). The Wi-Fi side
 * starts at the write, the answer with the hotspot credentials follows `answerDelayMs` later;
 * once no session has been open for `sleepAfterMs` the camera stops again (no CLOSE: it just
 * goes silent, as a real camera switching its Wi-Fi off). A wake while awake is answered again
 * and keeps it awake (the real camera's behaviour there is unknown [?]). One timer, released by close().
 */
export class SleepingCamera {
  readonly camera: SimCamera;
  readonly ble: FakeCameraOptions;
  readonly sleepAfterMs: number;
  readonly counters: SleepingCounters = { wakes: 0, sleeps: 0 };
  #timer: unknown;
  readonly #timers: RuntimeTimers;
  #unwatch: () => void;
  #closed = false;
  #transition: Promise<void> = Promise.resolve();
  readonly #listeners = new Set<(awake: boolean) => void>();

  constructor(camera: SimCamera, options: SleepingCameraOptions = {}) {
    this.camera = camera;
    const address = normalizeAddress(options.address ?? REALISTIC_SLEEPING_CAMERA.address);
    if (!address) throw new ConfigError('address', options.address, 'must be a BLE address like C6:1E:0D:E0:32:E8');
    this.#timers = options.timers ?? SYSTEM_TIMERS;
    this.sleepAfterMs = nonNegative('sleepAfterMs', options.sleepAfterMs, REALISTIC_SLEEPING_CAMERA.sleepAfterMs);
    const hotspot = options.hotspot ?? CAPTURED_WAKE_ANSWER;
    this.ble = {
      address,
      name: options.name ?? `TC100_${address.slice(-5).replace(':', '')}`,
      answer: { ret: 0, ssid: hotspot.ssid, bssid: hotspot.bssid, pwd: hotspot.pwd },
      answerDelayMs: nonNegative('answerDelayMs', options.answerDelayMs, REALISTIC_SLEEPING_CAMERA.answerDelayMs),
      notificationGapMs: nonNegative('notificationGapMs', options.notificationGapMs, REALISTIC_SLEEPING_CAMERA.notificationGapMs),
      connectDelayMs: nonNegative('connectDelayMs', options.connectDelayMs, REALISTIC_SLEEPING_CAMERA.connectDelayMs),
      onWake: () => this.#onWake(),
    };
    this.#unwatch = camera.onSessionsChanged((count) => {
      if (count > 0) this.#clearTimer();
      else this.#armSleep();
    });
  }

  /** The Wi-Fi side is on (after a wake, until its idle time passes without a session). */
  get awake(): boolean {
    return this.camera.running;
  }

  /** Its own idle timer runs: awake, no session, it will sleep after `sleepAfterMs`. */
  get sleepScheduled(): boolean {
    return this.#timer !== undefined;
  }

  /** A fake BLE central that sees this camera (and `others`). */
  transport(others: FakeCameraOptions[] = []): FakeBleTransport {
    return new FakeBleTransport([this.ble, ...others]);
  }

  /** Called with true when the Wi-Fi side comes on, false when it goes off. Returns the remover. */
  onChange(listener: (awake: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once the last wake or sleep has taken effect (sockets bound or closed). */
  settled(): Promise<void> {
    return this.#transition;
  }

  /** Switches the Wi-Fi side off now (as its idle time would). */
  sleep(): Promise<void> {
    this.#clearTimer();
    if (!this.camera.running) return this.#transition;
    this.#transition = this.#transition.then(async () => {
      await this.camera.stop();
      this.counters.sleeps += 1;
      this.#emit(false);
    });
    return this.#transition;
  }

  /** Stops watching and the timer; the camera itself is stopped by the simulation's close(). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#clearTimer();
    this.#unwatch();
    this.#listeners.clear();
    await this.#transition.catch(() => undefined);
  }

  #onWake(): void {
    this.counters.wakes += 1;
    if (this.#closed) return;
    if (this.camera.running) {
      if (this.camera.sessionCount === 0) this.#armSleep();
      return;
    }
    this.#transition = this.#transition
      .then(async () => {
        await this.camera.start();
        if (this.#closed) return;
        this.#emit(true);
        if (this.camera.sessionCount === 0) this.#armSleep();
      })
      .catch(() => undefined); // a port taken while it slept: it stays asleep (the race fails, named)
  }

  #armSleep(): void {
    this.#clearTimer();
    if (this.#closed || !this.camera.running) return;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      if (this.camera.sessionCount === 0) void this.sleep();
    }, this.sleepAfterMs);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #emit(awake: boolean): void {
    for (const listener of [...this.#listeners]) listener(awake);
  }
}

/** The BLE address of camera `index` of a simulation: the base address plus `index` in its last two bytes. */
export function sleeperAddress(base: string, index: number): string {
  const normal = normalizeAddress(base);
  if (!normal) throw new ConfigError('sleeping.address', base, 'must be a BLE address like C6:1E:0D:E0:32:E8');
  const bytes = normal.split(':').map((b) => parseInt(b, 16));
  const low = (((bytes[4] << 8) | bytes[5]) + index) & 0xffff;
  bytes[4] = low >> 8;
  bytes[5] = low & 0xff;
  return bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':');
}

function nonNegative(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(field, value, 'must be a number of milliseconds, 0 or more');
  return value;
}
