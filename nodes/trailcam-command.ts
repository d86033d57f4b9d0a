import { ConfigError } from '../src/errors';
import { commandTimeoutProblems, readNumber, throwProblems, FIELD_BOUNDS } from '../src/validation';
import { findCamera, runtimeOf, type UsesCamera } from './lib/camera-node';
import { parseCommand, runCommand } from './lib/commands';
import { InFlight } from './lib/inflight';
import type { Node, NodeAPI } from './lib/red';
import { configErrorStatus, failureStatus, invalidFieldsText } from './lib/status';

interface CommandConfig extends UsesCamera {
  name?: string;
  /** Command used when msg.command is missing. */
  command?: string;
  /** How long one command waits for the camera's answer, in ms. */
  timeoutMs?: number | string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * trailcam-command: sends an ARTEMIS command to the camera (msg.command: deviceInfo,
 * mediaList, startAV, stopAV or a raw cmdId with its fields in msg.payload) over the camera's
 * shared session, connecting and logging in when needed, and sends the answer in msg.payload.
 * Every error goes to done(err).
 */
module.exports = (RED: NodeAPI): void => {
  function TrailcamCommandNode(this: Node, config: CommandConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const camera = findCamera(RED, config.camera);
    const inflight = new InFlight();
    let timeoutMs = DEFAULT_TIMEOUT_MS;
    let timeoutError: ConfigError | null = null;
    try {
      // The editor's rule and message (src/validation/fields.ts).
      throwProblems(commandTimeoutProblems(config.timeoutMs));
      timeoutMs = readNumber([], 'timeoutMs', config.timeoutMs, FIELD_BOUNDS.commandTimeoutMs) ?? DEFAULT_TIMEOUT_MS;
    } catch (err) {
      timeoutError = err as ConfigError;
      node.error(timeoutError.message);
    }
    if (camera instanceof ConfigError) node.status(configErrorStatus(RED._('trailcam-command.errors.no-camera')));
    else camera.register(node);

    node.on('input', (msg, send, done) => {
      const runtime = runtimeOf(camera);
      if (runtime instanceof ConfigError || timeoutError) {
        const err = runtime instanceof ConfigError ? runtime : (timeoutError as ConfigError);
        node.status(configErrorStatus(invalidFieldsText(err)));
        done(err);
        return;
      }
      inflight.run(
        node,
        msg,
        done,
        async (signal) => {
          const command = parseCommand(msg.command ?? (config.command || 'deviceInfo'));
          msg.payload = await runCommand(runtime, command, msg.payload, { signal, timeoutMs });
          msg.command = command.kind === 'raw' ? command.cmdId : command.name;
          // An answer ends a red status an earlier message left: the camera's status again.
          if (!(camera instanceof ConfigError)) node.status(camera.currentStatus());
          send(msg);
        },
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

  RED.nodes.registerType('trailcam-command', TrailcamCommandNode);
};
