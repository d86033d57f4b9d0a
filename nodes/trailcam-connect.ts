import { ConfigError } from '../src/errors';
import { RaceError, type Mode } from '../src/engine';
import { applyOverrides, type CameraRuntime, type ConnectResult } from '../src/runtime';
import { validateTuning } from '../src/telemetry';
import { findCamera, runtimeOf, type UsesCamera } from './lib/camera-node';
import { CONNECT_ACTIONS, parseAction } from './lib/actions';
import { InFlight } from './lib/inflight';
import type { Node, NodeAPI, NodeMessage, SendFunction } from './lib/red';
import { configErrorStatus, failureStatus, invalidFieldsText } from './lib/status';

interface ConnectConfig extends UsesCamera {
  name?: string;
}

/** Output index per winning mode; the fourth output gets failed races. */
const OUTPUT: Readonly<Record<Mode | 'failed', number>> = { lan: 0, p2p: 1, relay: 2, failed: 3 };

/** What the Failed output carries in msg.payload. */
interface FailedPayload {
  camera: string;
  mode: null;
  error: string;
  code: string;
  elapsedMs: number;
  racers: RaceError['racers'];
}

/** Sends `msg` on output `index` of four. */
function sendOn(send: SendFunction, index: number, msg: NodeMessage): void {
  const outputs: (NodeMessage | null)[] = [null, null, null, null];
  outputs[index] = msg;
  send(outputs);
}

/**
 * trailcam-connect: each input races the camera (or reuses its live session) and sends the
 * result on the output of the winning mode (LAN, P2P, Relay) or on Failed. `msg.camera`
 * overrides config fields for one race, `msg.tuning` is applied to the camera first,
 * `msg.action` = "close" closes the session, "reconnect" closes it and races anew.
 */
module.exports = (RED: NodeAPI): void => {
  function TrailcamConnectNode(this: Node, config: ConnectConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const camera = findCamera(RED, config.camera);
    const inflight = new InFlight();
    if (camera instanceof ConfigError) node.status(configErrorStatus(RED._('trailcam-connect.errors.no-camera')));
    else camera.register(node);

    const handle = async (runtime: CameraRuntime, msg: NodeMessage, send: SendFunction, signal: AbortSignal): Promise<void> => {
      // No action (or an empty one) is a connect.
      const action = msg.action === undefined || msg.action === null || msg.action === '' ? 'connect' : parseAction(msg.action, CONNECT_ACTIONS);
      // A string msg.camera is the camera label other trailcam nodes put there (trailcam-status
      // sends {topic, payload, camera: "<name>"}), passed through a flow: not overrides.
      const overrides = typeof msg.camera === 'string' || action === 'close' ? undefined : msg.camera;
      // Every field of the message is checked before anything is applied or sent: a bad
      // msg.camera or msg.tuning leaves the tuning and the live session as they were.
      applyOverrides(runtime.settings.race, overrides);
      if (msg.tuning !== undefined && msg.tuning !== null) validateTuning(msg.tuning);
      if (msg.tuning !== undefined) runtime.applyTuning(msg.tuning);
      if (action === 'close' || action === 'reconnect') await runtime.closeSession();
      if (action === 'close') return;
      let result: ConnectResult;
      try {
        result = await runtime.connect({ signal, overrides });
      } catch (err) {
        if (!(err instanceof RaceError)) throw err;
        const payload: FailedPayload = {
          camera: runtime.name,
          mode: null,
          error: err.message,
          code: err.code,
          elapsedMs: err.elapsedMs,
          racers: err.racers,
        };
        msg.payload = payload;
        sendOn(send, OUTPUT.failed, msg);
        return;
      }
      msg.payload = result;
      // A won or reused session ends a red status an earlier message left (a reused one changes
      // no camera state, so nothing else would repaint it).
      if (!(camera instanceof ConfigError)) node.status(camera.currentStatus());
      sendOn(send, OUTPUT[result.mode], msg);
    };

    node.on('input', (msg, send, done) => {
      const runtime = runtimeOf(camera);
      if (runtime instanceof ConfigError) {
        node.status(configErrorStatus(invalidFieldsText(runtime)));
        done(runtime);
        return;
      }
      inflight.run(
        node,
        msg,
        done,
        (signal) => handle(runtime, msg, send, signal),
        (err) => node.status(failureStatus(err)),
      );
    });

    node.on('close', (_removed: boolean, done: () => void): void => {
      if (!(camera instanceof ConfigError)) camera.deregister(node);
      inflight.abortAll().then(
        () => done(),
        () => done(),
      );
    });
  }

  RED.nodes.registerType('trailcam-connect', TrailcamConnectNode);
};
