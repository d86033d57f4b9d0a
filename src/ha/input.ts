import { ConfigError } from '../errors';
import { MODES, type Mode } from '../engine';
import { isHaAvailability, UNPUBLISHED_AVAILABILITY } from './availability';
import type { HaDeviceFacts, HaReadings, HaTopics } from './discovery';

/** What a message to the Home Assistant formatter asks for. */
export type HaInput =
  | { kind: 'announce'; by: 'home-assistant' | 'bridge' | 'action' }
  | { kind: 'remove' }
  | { kind: 'ignore'; why: string }
  | { kind: 'update'; readings: Partial<HaReadings>; facts: Partial<HaDeviceFacts> };

export const HA_ACTIONS = ['announce', 'remove'] as const;

/** A Node-RED message as the formatter reads it. */
export interface HaMessageIn {
  topic?: unknown;
  payload?: unknown;
  action?: unknown;
  [key: string]: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
/** A point in time in epoch ms that a Date can hold (±8.64e15 ms), else unknown. */
const epochMs = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= 8.64e15 ? v : null);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const isMode = (v: unknown): v is Mode => (MODES as readonly unknown[]).includes(v);

/** Drops the unknown (null) values, so an update never erases a reading the camera did not repeat. */
function known<T extends object>(values: { [K in keyof T]: T[K] | null }): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null)) as Partial<T>;
}

/**
 * Classifies one message (pure). Recognised, in this order:
 * - `msg.action` `announce` | `remove` (anything else is an error naming it);
 * - a birth: topic `homeassistant/status` or `<prefix>/status` (Home Assistant) or this site's
 *   bridge status topic with payload `online` → announce; any other payload on them, or another
 *   site's bridge status, is ignored; an MQTT message (`qos` and `retain` set, as mqtt in does,
 *   and no trailcam-status `powerMode`) with a text payload on any other topic is an error naming the topic;
 * - trailcam-status: `payload` an availability state (with `mode`, `lastSeen`, and `battery`/`sdFreeMB` when present);
 * - trailcam-connect (outputs LAN/P2P/Relay): `payload.mode` and `payload.elapsedMs`; the Failed output (`mode: null`) is ignored;
 * - trailcam-command deviceInfo: `payload.batteryPercent`, `sdFreeMB`, `temperature`, `model`, `firmware`, `deviceId`.
 * Anything else throws a ConfigError that says what is accepted.
 */
export function classifyHaInput(msg: HaMessageIn, topics: HaTopics): HaInput {
  if (msg.action !== undefined) {
    if (msg.action === 'announce' || msg.action === 'remove') return msg.action === 'remove' ? { kind: 'remove' } : { kind: 'announce', by: 'action' };
    throw new ConfigError('action', msg.action, `must be one of ${HA_ACTIONS.join(', ')}`);
  }
  const fromHa = typeof msg.topic === 'string' && topics.haStatus.includes(msg.topic);
  if (typeof msg.topic === 'string' && (fromHa || /^trailcam\/[^/]+\/bridge\/status$/.test(msg.topic))) {
    const payload = Buffer.isBuffer(msg.payload) ? msg.payload.toString('utf8') : msg.payload;
    if (!fromHa && msg.topic !== topics.bridgeStatus) return { kind: 'ignore', why: `another site's bridge status (${msg.topic})` };
    if (payload !== 'online') return { kind: 'ignore', why: `${msg.topic} is ${JSON.stringify(payload)}` };
    return { kind: 'announce', by: fromHa ? 'home-assistant' : 'bridge' };
  }
  const payload = msg.payload;
  // A message from Node-RED's mqtt in node (it sets qos and retain) with the text online or
  // offline on any other topic is no camera status: e.g. Home Assistant's birth and will on a
  // birth topic of its own would mark the camera online or offline. trailcam-status's own
  // messages (they carry powerMode) stay statuses, even when they answer an MQTT message.
  if (typeof payload === 'string' && typeof msg.topic === 'string' && 'qos' in msg && 'retain' in msg && !('powerMode' in msg)) {
    const known = [...topics.haStatus, topics.bridgeStatus].join(', ');
    throw new ConfigError('topic', msg.topic, `is not a birth topic this node reads (${known}); an MQTT message is never read as the camera's status`);
  }
  if (typeof payload === 'string') {
    if ((UNPUBLISHED_AVAILABILITY as readonly string[]).includes(payload)) return { kind: 'ignore', why: `availability ${payload} is not published` };
    if (isHaAvailability(payload)) {
      return {
        kind: 'update',
        readings: known<HaReadings>({
          availability: payload,
          mode: payload === 'online' && isMode(msg.mode) ? msg.mode : null,
          batteryPercent: finite(msg.battery),
          sdFreeMB: finite(msg.sdFreeMB),
          temperature: null,
          connectMs: null,
          lastSeen: epochMs(msg.lastSeen),
        }),
        facts: {},
      };
    }
  }
  if (isRecord(payload)) {
    // A race result (ConnectResult) or the Failed output's payload: both have mode, elapsedMs and racers.
    if ('mode' in payload && 'elapsedMs' in payload && 'racers' in payload) {
      if (payload.mode === null) return { kind: 'ignore', why: 'the race failed (Failed output)' };
      if (isMode(payload.mode) && finite(payload.elapsedMs) !== null)
        return { kind: 'update', readings: { mode: payload.mode, connectMs: finite(payload.elapsedMs) as number }, facts: {} };
    }
    if ('batteryPercent' in payload && 'sdFreeMB' in payload) {
      return {
        kind: 'update',
        readings: known<HaReadings>({
          availability: null,
          mode: null,
          connectMs: null,
          lastSeen: null,
          batteryPercent: finite(payload.batteryPercent),
          sdFreeMB: finite(payload.sdFreeMB),
          temperature: finite(payload.temperature),
        }),
        facts: known<HaDeviceFacts>({ model: text(payload.model), firmware: text(payload.firmware), deviceId: text(payload.deviceId) }),
      };
    }
  }
  throw new ConfigError(
    'payload',
    payload,
    'not a message this node reads: send it trailcam-status output, trailcam-connect results, trailcam-command deviceInfo answers, MQTT birth messages or msg.action announce/remove',
  );
}
