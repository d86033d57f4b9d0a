import { ConfigError } from '../src/errors';
import type { Availability, CameraRuntime } from '../src/runtime';
import { findCamera, runtimeOf, type UsesCamera } from './lib/camera-node';
import { parseAction, STATUS_ACTIONS } from './lib/actions';
import { InFlight } from './lib/inflight';
import type { Node, NodeAPI, NodeMessage } from './lib/red';
import { configErrorStatus } from './lib/status';

interface StatusConfig extends UsesCamera {
  name?: string;
  /** Start the availability monitor when the flow starts. */
  startAtDeploy?: boolean;
  /** Add battery % and SD card free MB (ARTEMIS device info) to "online" messages. */
  deviceInfo?: boolean;
}

/** How long an "online" message waits for the device info before it goes out without it. */
const DEVICE_INFO_TIMEOUT_MS = 5_000;

/**
 * The message for an availability: `{payload: state, mode, since, reason, commandFailures,
 * lastSeen, powerMode, camera}`; payload `asleep` only for a battery camera (see Availability).
 */
function availabilityMessage(rt: CameraRuntime, availability: Availability): NodeMessage {
  return {
    topic: rt.name,
    payload: availability.state,
    mode: availability.mode,
    since: availability.since,
    reason: availability.reason,
    commandFailures: availability.commandFailures,
    lastSeen: availability.lastSeen,
    powerMode: rt.settings.powerMode,
    camera: rt.name,
  };
}

/**
 * trailcam-status: sends the camera's availability whenever it changes (online, unresponsive,
 * asleep (battery power mode), offline, connecting; never the same state twice in a row). Optionally starts the availability
 * monitor at deploy; `msg.action` start / stop / check. The status dot follows the camera.
 */
module.exports = (RED: NodeAPI): void => {
  function TrailcamStatusNode(this: Node, config: StatusConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const camera = findCamera(RED, config.camera);
    const runtime = runtimeOf(camera);
    const inflight = new InFlight();
    /** Messages go out in the order of the changes, even when one waits for device info. */
    let queue: Promise<void> = Promise.resolve();
    const lifetime = new AbortController();

    /** Adds battery and SD card figures when asked to and the camera is online. */
    const enrich = async (rt: CameraRuntime, msg: NodeMessage, signal: AbortSignal): Promise<void> => {
      if (!config.deviceInfo || msg.payload !== 'online') return;
      try {
        const info = await rt.deviceInfo({ signal, timeoutMs: DEVICE_INFO_TIMEOUT_MS });
        msg.battery = info.batteryPercent;
        msg.sdFreeMB = info.sdFreeMB;
      } catch (err) {
        if (signal.aborted) throw err;
        msg.deviceInfoError = err instanceof Error ? err.message : String(err);
      }
    };

    const emit = (rt: CameraRuntime, availability: Availability): void => {
      const msg = availabilityMessage(rt, availability);
      queue = queue
        .then(() => enrich(rt, msg, lifetime.signal))
        .then(() => {
          if (!lifetime.signal.aborted) node.send(msg);
        })
        .catch(() => undefined);
    };
    const onAvailability = (availability: Availability): void => {
      if (!(runtime instanceof ConfigError)) emit(runtime, availability);
    };

    if (camera instanceof ConfigError) node.status(configErrorStatus(RED._('trailcam-status.errors.no-camera')));
    else camera.register(node);
    if (!(runtime instanceof ConfigError)) {
      runtime.on('availability', onAvailability);
      // Missing counts as the editor's default (on), as in a flow imported into the editor.
      if (config.startAtDeploy !== false) runtime.startMonitor(node);
    }

    node.on('input', (msg, send, done) => {
      if (runtime instanceof ConfigError) {
        done(runtime);
        return;
      }
      inflight.run(node, msg, done, async (signal) => {
        const action = parseAction(msg.action, STATUS_ACTIONS);
        if (action === 'start') runtime.startMonitor(node);
        else if (action === 'stop') await runtime.stopMonitor(node);
        else {
          const availability = await runtime.check({ signal });
          const reply: NodeMessage = { ...msg, ...availabilityMessage(runtime, availability), topic: msg.topic ?? runtime.name };
          delete reply.action;
          await enrich(runtime, reply, signal);
          send(reply);
        }
      });
    });

    node.on('close', (_removed: boolean, done: () => void): void => {
      lifetime.abort();
      if (!(camera instanceof ConfigError)) camera.deregister(node);
      const stopping: Promise<unknown>[] = [inflight.abortAll(), queue];
      if (!(runtime instanceof ConfigError)) {
        runtime.off('availability', onAvailability);
        stopping.push(runtime.stopMonitor(node));
      }
      Promise.allSettled(stopping).then(() => done());
    });
  }

  RED.nodes.registerType('trailcam-status', TrailcamStatusNode);
};
