import { ConfigError } from '../../src/errors';
import type { CameraRuntime } from '../../src/runtime';
import type { Node, NodeAPI, NodeStatus } from './red';

/** What a trailcam-camera config node offers the nodes that use it. */
export interface CameraConfigNode extends Node {
  /** The camera's runtime; null when the config is invalid (see configError). */
  readonly runtime: CameraRuntime | null;
  readonly configError: ConfigError | null;
  /** Starts setting the camera's status on `user` (and sets the current one now). */
  register(user: Node): void;
  deregister(user: Node): void;
  /** The status all users show now. */
  currentStatus(): NodeStatus;
}

/** The `camera` property every trailcam node has in its flow config. */
export interface UsesCamera {
  camera?: string;
}

/**
 * Finds the config node named by `id`. Returns it, or a ConfigError saying what is wrong
 * (no camera selected, or the config node is missing).
 */
export function findCamera(RED: NodeAPI, id: string | undefined): CameraConfigNode | ConfigError {
  if (id === undefined || id === '') return new ConfigError('camera', id, 'no camera selected: choose a trailcam-camera config node');
  const node = RED.nodes.getNode(id);
  if (node === null || node.type !== 'trailcam-camera') return new ConfigError('camera', id, 'the camera config node is missing or disabled');
  return node as CameraConfigNode;
}

/** The runtime of `camera`, or the error that explains why there is none. */
export function runtimeOf(camera: CameraConfigNode | ConfigError): CameraRuntime | ConfigError {
  if (camera instanceof ConfigError) return camera;
  return camera.runtime ?? camera.configError ?? new ConfigError('camera', camera.id, 'the camera has no runtime');
}
