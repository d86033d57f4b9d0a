import {
  joinHotspot,
  validateMatch,
  wakeCamera,
  DEFAULT_WAKE_TIMEOUT_MS,
  type BleMatch,
  type BleTransport,
  type BleWakeStep,
  type JoinHotspotResult,
  type WakeResult,
} from '../src/ble';
import { parseMs } from '../src/engine';
import { FIELD_BOUNDS } from '../src/validation';
import { ConfigError, TrailcamError } from '../src/errors';
import { InFlight } from './lib/inflight';
import type { Node, NodeAPI, NodeMessage, NodeStatus } from './lib/red';
import { configErrorStatus, failureStatus, invalidFieldsText } from './lib/status';

interface WakeConfig {
  name?: string;
  /** The camera's BLE address (= its device id); or `bleName`. */
  address?: string;
  /** The camera's advertised name, e.g. TC100_32E8. */
  bleName?: string;
  /** Join the camera's hotspot with nmcli after the wake (opt-in). */
  join?: boolean;
  /** Wi-Fi interface for the join (empty: NetworkManager chooses). */
  ifname?: string;
  timeoutMs?: number | string;
}

/**
 * Extension point in Node-RED's settings.js, `trailcamWake: { transport, nmcliEnv }`: another
 * BLE central (anything with the BleTransport interface: the tests plug in FakeBleTransport),
 * and the environment nmcli runs in (its PATH finds `nmcli`). Default: the noble adapter, loaded
 * on the first wake, and the process environment.
 */
export interface WakeSettings {
  transport?: () => BleTransport | Promise<BleTransport>;
  nmcliEnv?: NodeJS.ProcessEnv;
}

/** What msg.payload carries after a wake: the only place the hotspot password appears. */
export interface WakePayload {
  woken: true;
  address: string;
  name: string | null;
  ssid: string;
  bssid: string;
  password: string;
  acknowledged: boolean;
  elapsedMs: number;
  /** `joined`, `already` (on that hotspot before), or null without the join. */
  joined: JoinHotspotResult['outcome'] | null;
}

/** A wake is already running on this node (BLE centrals scan badly in parallel). */
class WakeBusyError extends TrailcamError {
  constructor() {
    super('ERR_WAKE_BUSY', 'trailcam-wake: a wake is already running on this node; send the next message when it has finished');
  }
}

/** msg.address / msg.bleName replace the node's target (exactly one of them); ConfigError names the field. */
function targetOf(msg: NodeMessage, config: WakeConfig): BleMatch {
  if (msg.address !== undefined || msg.bleName !== undefined) {
    try {
      return validateMatch(msg.address, msg.bleName);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(err.field === 'name' ? 'msg.bleName' : 'msg.address', err.value, reasonOf(err));
      throw err;
    }
  }
  try {
    return validateMatch(config.address, config.bleName);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.field === 'name' ? 'bleName' : 'address', err.value, reasonOf(err));
    throw err;
  }
}

function reasonOf(err: ConfigError): string {
  const at = err.message.indexOf(': ');
  return at < 0 ? err.message : err.message.slice(at + 2);
}

function wakeSettings(RED: NodeAPI): WakeSettings {
  const value = RED.settings?.trailcamWake;
  return value !== null && typeof value === 'object' ? (value as WakeSettings) : {};
}

/**
 * trailcam-wake: wakes a sleeping battery camera over Bluetooth LE, optionally joins its hotspot
 * (opt-in, nmcli), and sends the hotspot's credentials in msg.payload (WakePayload). Statuses for
 * each step; the password never appears in a status, a log or an error. Errors go to done(err);
 * when the join fails after a wake, msg.payload already holds the credentials (join by hand).
 */
module.exports = (RED: NodeAPI): void => {
  function TrailcamWakeNode(this: Node, config: WakeConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const t = (key: string): string => RED._(`trailcam-wake.status.${key}`);
    const inflight = new InFlight();
    let configError: ConfigError | null = null;
    let timeoutMs = DEFAULT_WAKE_TIMEOUT_MS;
    const ifname = typeof config.ifname === 'string' && config.ifname.trim() !== '' ? config.ifname.trim() : undefined;
    try {
      timeoutMs = parseMs('timeoutMs', config.timeoutMs, DEFAULT_WAKE_TIMEOUT_MS, FIELD_BOUNDS.wakeTimeoutMs.min, FIELD_BOUNDS.wakeTimeoutMs.max);
      if (ifname !== undefined && !/^[A-Za-z0-9_.:-]{1,15}$/.test(ifname))
        throw new ConfigError('ifname', ifname, 'must be a network interface name such as wlan0');
    } catch (err) {
      configError = err as ConfigError;
      node.error(configError.message);
      node.status(configErrorStatus(invalidFieldsText(configError)));
    }
    const status = (fill: NodeStatus['fill'], shape: NodeStatus['shape'], text: string): void => node.status({ fill, shape, text });
    const stepStatus = (step: BleWakeStep): void => status('blue', 'ring', `${t('waking')}: ${t(`step-${step}`)}`);

    node.on('input', (msg, send, done) => {
      if (configError) {
        done(configError);
        return;
      }
      if (inflight.size > 0) {
        done(new WakeBusyError());
        return;
      }
      inflight.run(
        node,
        msg,
        done,
        async (signal) => {
          const target = targetOf(msg, config);
          const settings = wakeSettings(RED);
          const woken: WakeResult = await wakeCamera({ ...target, transport: settings.transport, timeoutMs, signal, onStep: stepStatus });
          const payload: WakePayload = {
            woken: true,
            address: woken.address,
            name: woken.name ?? null,
            ssid: woken.ssid,
            bssid: woken.bssid,
            password: woken.password,
            acknowledged: woken.acknowledged,
            elapsedMs: woken.elapsedMs,
            joined: null,
          };
          // Set before the join: if it fails, the Catch node's msg still has the credentials.
          msg.payload = payload;
          msg.topic = msg.topic ?? target.address ?? target.name;
          if (config.join) {
            status('yellow', 'ring', `${t('joining')} ${woken.ssid}…`);
            const joined = await joinHotspot({ credentials: woken, ifname, signal, env: settings.nmcliEnv });
            payload.joined = joined.outcome;
            status('green', 'dot', `${t(joined.outcome === 'already' ? 'already' : 'joined')} ${woken.ssid}`);
          } else {
            status('green', 'dot', `${t('woken')}: ${woken.ssid}`);
          }
          send(msg);
        },
        (err) => node.status(failureStatus(err)),
      );
    });

    node.on('close', (_removed: boolean, done: () => void): void => {
      inflight.abortAll().then(
        () => done(),
        () => done(),
      );
    });
  }

  RED.nodes.registerType('trailcam-wake', TrailcamWakeNode);
};
