import { ConfigError } from '../src/errors';
import { CameraRuntime, failureReason, validateCameraSettings, type CameraSettingsInput } from '../src/runtime';
import type { CameraConfigNode } from './lib/camera-node';
import type { Node, NodeAPI, NodeStatus } from './lib/red';
import { cameraStatus, configErrorStatus, invalidFieldsText } from './lib/status';

/** The properties the editor stores for a trailcam-camera config node. */
interface CameraConfig {
  name?: string;
  host?: string;
  did?: string;
  ports?: string;
  modeLan?: boolean;
  modeP2p?: boolean;
  modeRelay?: boolean;
  servers?: string;
  relays?: string;
  maxConnectionTimeMs?: number | string;
  attemptTimeoutMs?: number | string;
  startupDelayMs?: number | string;
  adaptive?: boolean;
  keepaliveSilenceMs?: number | string;
  reconnectMinMs?: number | string;
  reconnectMaxMs?: number | string;
  reconnectFactor?: number | string;
  reconnectJitter?: number | string;
  /** `mains` (default) or `battery` (sessions on demand, closed after idleCloseMs). */
  powerMode?: string;
  idleCloseMs?: number | string;
}

/** Turns the editor's properties (and credentials) into runtime settings input. */
function settingsInput(config: CameraConfig, credentials: Record<string, string | undefined> | undefined): CameraSettingsInput {
  const modes = [config.modeLan !== false && 'lan', config.modeP2p !== false && 'p2p', config.modeRelay !== false && 'relay'].filter(
    (mode): mode is string => typeof mode === 'string',
  );
  return {
    name: config.name,
    host: config.host,
    did: config.did,
    ports: config.ports === '' ? undefined : config.ports,
    modes,
    servers: config.servers,
    relays: config.relays,
    maxConnectionTimeMs: config.maxConnectionTimeMs,
    attemptTimeoutMs: config.attemptTimeoutMs,
    startupDelayMs: config.startupDelayMs,
    adaptive: config.adaptive,
    keepaliveSilenceMs: config.keepaliveSilenceMs,
    reconnectMinMs: config.reconnectMinMs,
    reconnectMaxMs: config.reconnectMaxMs,
    reconnectFactor: config.reconnectFactor,
    reconnectJitter: config.reconnectJitter,
    powerMode: config.powerMode,
    idleCloseMs: config.idleCloseMs,
    user: credentials?.user,
    password: credentials?.password,
  };
}

/**
 * trailcam-camera: the config node. Owns one CameraRuntime (race, session, telemetry) shared
 * by every node that uses this camera, and sets the camera's status on all of them (like the
 * core MQTT broker node). Closing it closes the runtime, a race in flight included.
 */
module.exports = (RED: NodeAPI): void => {
  function TrailcamCameraNode(this: Node, config: CameraConfig): void {
    RED.nodes.createNode(this, config);
    const node = this as Node & { runtime: CameraRuntime | null; configError: ConfigError | null } & Partial<CameraConfigNode>;
    const users = new Set<Node>();
    let runtime: CameraRuntime | null = null;
    let configError: ConfigError | null = null;
    try {
      runtime = new CameraRuntime(validateCameraSettings(settingsInput(config, node.credentials)));
    } catch (err) {
      configError = err instanceof ConfigError ? err : new ConfigError('camera', config.name, failureReason(err));
      node.error(RED._('trailcam-camera.errors.invalid-config', { error: configError.message }));
    }
    node.runtime = runtime;
    node.configError = configError;

    const t = (key: string): string => RED._(key);
    const currentStatus = (): NodeStatus => {
      if (runtime === null) return configErrorStatus(configError ? invalidFieldsText(configError) : 'invalid config');
      return withCommandFailures(cameraStatus(runtime.state, runtime.availability, t), runtime);
    };
    /**
     * While a session is up, failed commands in a row show on the status: a yellow dot, and a
     * red one once the camera is `unresponsive` (its keepalives are answered, its commands not).
     */
    const withCommandFailures = (status: NodeStatus, rt: CameraRuntime): NodeStatus => {
      const { state, commandFailures } = rt.availability;
      if (rt.state.phase !== 'connected' || commandFailures === 0) return status;
      const failed = `${commandFailures} ${t('trailcam-camera.status.command-failures')}`;
      return { fill: state === 'unresponsive' ? 'red' : 'yellow', shape: 'dot', text: `${status.text ?? ''}, ${failed}` };
    };
    const refresh = (): void => {
      const status = currentStatus();
      for (const user of users) user.status(status);
    };
    runtime?.on('state', refresh);
    runtime?.on('availability', refresh);
    runtime?.on('commands', refresh);

    node.currentStatus = currentStatus;
    node.register = (user: Node): void => {
      users.add(user);
      user.status(currentStatus());
    };
    node.deregister = (user: Node): void => {
      users.delete(user);
    };

    node.on('close', (_removed: boolean, done: () => void): void => {
      runtime?.off('state', refresh);
      runtime?.off('availability', refresh);
      runtime?.off('commands', refresh);
      users.clear();
      if (runtime === null) return done();
      runtime.close().then(
        () => done(),
        (err: unknown) => {
          node.warn(err);
          done();
        },
      );
    });
  }

  RED.nodes.registerType('trailcam-camera', TrailcamCameraNode, {
    credentials: { user: { type: 'text' }, password: { type: 'password' } },
  });
};
