import { ConfigError } from '../../src/errors';
import { failureReason, USER_CLOSED, type Availability, type RuntimeState } from '../../src/runtime';
import type { NodeStatus } from './red';

/** Translates a key of the trailcam-camera catalogue (RED._ of the config node). */
export type Translate = (key: string) => string;

/**
 * The status every node of a camera shows: the race and session state, and the monitor's
 * availability when it says more (offline while no race runs). Mode and time are shown as
 * they are ("lan 12 ms"); words come from the catalogue.
 */
export function cameraStatus(state: RuntimeState, availability: Availability | null, t: Translate): NodeStatus {
  switch (state.phase) {
    case 'racing':
      return { fill: 'yellow', shape: 'ring', text: t('trailcam-camera.status.racing') };
    case 'connected':
      return { fill: 'green', shape: 'dot', text: `${state.mode} ${Math.round(state.elapsedMs)} ms` };
    case 'failed':
      return { fill: 'red', shape: 'ring', text: state.reason };
    case 'closed':
      return {};
    case 'idle':
      if (availability?.state === 'connecting') return { fill: 'yellow', shape: 'ring', text: t('trailcam-camera.status.connecting') };
      // Battery power mode: the session was closed on purpose so the camera can sleep.
      if (availability?.state === 'asleep') return { fill: 'blue', shape: 'ring', text: t('trailcam-camera.status.asleep') };
      if (state.reason === USER_CLOSED) return { fill: 'grey', shape: 'ring', text: t('trailcam-camera.status.disconnected') };
      if (availability?.state === 'offline') return { fill: 'red', shape: 'ring', text: availability.reason ?? t('trailcam-camera.status.offline') };
      if (state.reason !== null) return { fill: 'red', shape: 'ring', text: state.reason };
      return { fill: 'grey', shape: 'ring', text: t('trailcam-camera.status.disconnected') };
  }
}

/** Status for a node whose camera config is missing or invalid. */
export function configErrorStatus(reason: string): NodeStatus {
  return { fill: 'red', shape: 'ring', text: reason };
}

/**
 * The status words for a ConfigError: every field it names (its `problems`), at most three,
 * then how many more ("invalid host, ports (+1)"); the log and the error carry the full text.
 */
export function invalidFieldsText(err: ConfigError): string {
  const fields = [...new Set(err.problems.map((p) => p.field))];
  const more = fields.length > 3 ? ` (+${fields.length - 3})` : '';
  return `invalid ${fields.slice(0, 3).join(', ')}${more}`;
}

/** Red-ring status for a failed input: the invalid fields, or the reason the operation failed. */
export function failureStatus(err: unknown): NodeStatus {
  return configErrorStatus(err instanceof ConfigError ? invalidFieldsText(err) : failureReason(err));
}
