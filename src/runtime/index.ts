/** The per-camera runtime shared by the Node-RED nodes of one camera config node. */
export {
  CameraRuntime,
  failureReason,
  USER_CLOSED,
  IDLE_CLOSED,
  NOT_NEEDED_YET,
  type CameraRuntimeEvents,
  type ConnectOptions,
  type CameraRuntimeOptions,
} from './camera-runtime';
export {
  CAMERA_DEFAULTS,
  CAMERA_LIMITS,
  POWER_MODES,
  validateCameraSettings,
  type PowerMode,
  type CameraSettings,
  type CameraSettingsInput,
  type CameraCredentials,
} from './settings';
export { applyOverrides, OVERRIDABLE_FIELDS, type RaceOverrides } from './overrides';
export { tuneRaceConfig, reportTuning, type RaceTuningReport, type TuningSource } from './tuning';
export { RuntimeClosedError, UnknownCommandError } from './errors';
export type { ConnectResult, RuntimeState, Availability, AvailabilityState, RaceRecord } from './types';
export { SESSION_LAYER_AVAILABLE } from './live-session';
export { commandOutcome, UNRESPONSIVE_AFTER_FAILURES, type CommandHealth, type CommandOutcome } from './command-health';
export { SYSTEM_TIMERS, type RuntimeTimers } from './timers';
