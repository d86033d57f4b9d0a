/**
 * The library entry point of node-red-contrib-trailcam (`require('node-red-contrib-trailcam')`):
 * what a Node program needs to reach a KJK230 / TrailCam Go camera without Node-RED.
 *
 * The names used most are exported at the top level; every layer is also exported whole as a
 * namespace (`engine`, `session`, `artemis`, `protocol`, `runtime`, `telemetry`, `sim`, `errors`, `ble`, `ha`).
 * Nothing here opens a socket or starts a timer on import.
 */

// The camera runtime: race, live session, ARTEMIS commands, availability monitor, telemetry.
export {
  CameraRuntime,
  validateCameraSettings,
  CAMERA_DEFAULTS,
  CAMERA_LIMITS,
  RuntimeClosedError,
  UNRESPONSIVE_AFTER_FAILURES,
  type CameraSettings,
  type CameraSettingsInput,
  type CameraRuntimeEvents,
  type CameraRuntimeOptions,
  type ConnectOptions,
  type ConnectResult,
  type Availability,
  type AvailabilityState,
  type CommandHealth,
  type RuntimeState,
} from './runtime';

// The connection engine: the parallel LAN / P2P / relay race and its configuration.
export {
  race,
  validateRaceConfig,
  Link,
  RaceError,
  RacerError,
  ENGINE_DEFAULTS,
  ENGINE_LIMITS,
  MODES,
  type Mode,
  type RaceConfig,
  type RaceConfigInput,
  type RaceOptions,
  type RaceResult,
  type RacerInfo,
} from './engine';

// The session layer on a won link: keepalive and reliable DRW channels.
export { Session, SessionEndedError, type SessionOptions, type ChannelTransport, type SessionEndReason } from './session';

// The camera's ARTEMIS application layer (encrypted JSON commands on DRW channel 0).
export {
  ArtemisClient,
  FrameReassembler,
  encodeRequest,
  encodeResponse,
  decodeFrame,
  ArtemisFrameError,
  ArtemisTimeoutError,
  ArtemisCommandError,
  ArtemisClosedError,
  type ArtemisClientOptions,
  type ArtemisMessage,
  type DeviceInfo,
  type MediaListPage,
  type JsonObject,
} from './artemis';

// The PPPP wire codec: datagrams in, typed messages out, and back.
export { decode, encode, type Message } from './protocol';

// Home Assistant MQTT discovery: the payloads trailcam-ha sends through Node-RED's mqtt out.
export {
  HaPublisher,
  validateHaSettings,
  discoveryMessages,
  stateMessages,
  removalMessages,
  checkDiscovery,
  HA_AVAILABILITY,
  type HaSettings,
  type HaMqttMessage,
  type HaReadings,
  type HaAvailability,
} from './ha';

// Errors shared by every layer.
export { TrailcamError, ConfigError, AbortError } from './errors';

// Each layer whole.
export * as engine from './engine';
export * as session from './session';
export * as artemis from './artemis';
export * as protocol from './protocol';
export * as runtime from './runtime';
export * as telemetry from './telemetry';
export * as sim from './sim';
export * as errors from './errors';
export * as ble from './ble';
export * as ha from './ha';
