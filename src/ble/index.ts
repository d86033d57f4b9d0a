export * from './codec';
export * from './errors';
export * from './transport';
export { FakeBleTransport, FakeConnection, CAPTURED_WAKE_ANSWER, type FakeCameraOptions, type FakeBleHandles } from './fake';
export {
  createNobleTransport,
  loadNoble,
  NobleTransport,
  NOBLE_MODULE,
  type NobleLike,
  type NoblePeripheralLike,
  type NobleCharacteristicLike,
  type RequireFn,
} from './noble';
export { wakeCamera, validateMatch, DEFAULT_WAKE_TIMEOUT_MS, type WakeOptions, type WakeResult } from './wake';
export { joinHotspot, activeSsids, DEFAULT_JOIN_TIMEOUT_MS, type JoinHotspotOptions, type JoinHotspotResult } from './hotspot';
