import { ConfigError } from '../errors';
import type { Mode } from '../engine';
import { AVAILABLE, HA_AVAILABILITY, HA_AVAILABILITY_STATES, NOT_AVAILABLE, type HaAvailability } from './availability';
import type { HaComponent } from './schema';

/**
 * Home Assistant MQTT discovery for one camera, as pure functions: what to publish, never how
 * (Node-RED's own `mqtt out` node publishes). One HA device per camera, one single-component
 * discovery config per entity (works with every HA version that has MQTT discovery; HA's
 * newer device-based discovery would bundle them, but one retained topic per entity is what
 * removal by empty retained config clears one by one).
 */

/** The `origin` block: who publishes the discovery configs. */
export interface HaOrigin {
  name: string;
  sw_version?: string;
  support_url?: string;
}

export interface HaSettings {
  /** Distinguishes Node-RED instances that share one broker; part of every topic and unique_id. */
  site: string;
  /** HA's discovery prefix (HA's default `homeassistant`). */
  discoveryPrefix: string;
  origin: HaOrigin;
}

export const HA_DEFAULTS = { site: 'home', discoveryPrefix: 'homeassistant' } as const;

/** `[a-zA-Z0-9_-]`, 1–64: the site goes into topics and HA object ids, which allow only these. */
const SITE = /^[A-Za-z0-9_-]{1,64}$/;
/** MQTT topic levels without wildcards or empty levels. */
const TOPIC_PREFIX = /^[^/+#\s]+(\/[^/+#\s]+)*$/;

/** Validates the user's settings (editor strings are fine); ConfigError names the field and value. */
export function validateHaSettings(input: { site?: unknown; discoveryPrefix?: unknown; origin: HaOrigin }): HaSettings {
  const site = input.site === undefined || input.site === '' ? HA_DEFAULTS.site : input.site;
  if (typeof site !== 'string' || !SITE.test(site))
    throw new ConfigError('site', site, 'must be 1-64 letters, digits, _ or - (it goes into MQTT topics and Home Assistant ids)');
  const prefix = input.discoveryPrefix === undefined || input.discoveryPrefix === '' ? HA_DEFAULTS.discoveryPrefix : input.discoveryPrefix;
  if (typeof prefix !== 'string' || !TOPIC_PREFIX.test(prefix))
    throw new ConfigError('discoveryPrefix', prefix, 'must be an MQTT topic without wildcards (+, #), spaces or empty levels, e.g. homeassistant');
  return { site, discoveryPrefix: prefix, origin: input.origin };
}

/** What identifies a camera, known from its config. */
export interface HaCameraIdentity {
  /** The DID as printed, e.g. LBCS-000000-CCCJJ. */
  did: string;
  /** The device name shown in HA (the camera config's name). */
  name: string;
}

/** What the camera says about itself (device info); null until it answered. */
export interface HaDeviceFacts {
  model: string | null;
  firmware: string | null;
  deviceId: string | null;
}

/** The latest readings; null = not known yet (nothing is published for it). */
export interface HaReadings {
  availability: HaAvailability | null;
  batteryPercent: number | null;
  sdFreeMB: number | null;
  temperature: number | null;
  mode: Mode | null;
  connectMs: number | null;
  /** When the camera last answered (epoch ms; trailcam-status's `lastSeen`). */
  lastSeen: number | null;
}

export const NO_READINGS: HaReadings = {
  availability: null,
  batteryPercent: null,
  sdFreeMB: null,
  temperature: null,
  mode: null,
  connectMs: null,
  lastSeen: null,
};
export const NO_FACTS: HaDeviceFacts = { model: null, firmware: null, deviceId: null };

/** One message for Node-RED's `mqtt out` (it reads topic, payload, qos and retain from msg). */
export interface HaMqttMessage {
  topic: string;
  /** A discovery config object (mqtt out sends it as JSON), a state as text, or '' to clear a retained topic. */
  payload: string | Record<string, unknown>;
  qos: 1;
  retain: true;
}

/** The camera's part of topics and ids: the DID in lower case, `-` kept in topics, `_` in ids. */
function cameraSlug(did: string): string {
  return did.toLowerCase().replace(/[^a-z0-9-]/g, '');
}

/** Every topic of one camera at one site. */
export interface HaTopics {
  /** Node-RED's availability: the mqtt-broker node's birth `online` and will/close `offline` (retained). */
  bridgeStatus: string;
  /**
   * The topics read as Home Assistant's birth and will: its default birth topic
   * (`homeassistant/status`, HA's own setting, independent of the discovery prefix) and, with
   * another discovery prefix, `<prefix>/status` too (for an HA whose birth topic moved with it).
   */
  haStatus: readonly string[];
  /** The camera's availability for its sensors: online/offline (see HA_AVAILABILITY). */
  available: string;
  /** State topic of one entity. */
  state(entity: HaEntityKey): string;
  /** Discovery config topic of one entity. */
  config(entity: HaEntityKey): string;
  /** unique_id of one entity (also its discovery object id). */
  uniqueId(entity: HaEntityKey): string;
}

/** Home Assistant's default birth and will topic (its MQTT integration's setting, not derived from the discovery prefix). */
export const HA_BIRTH_TOPIC = 'homeassistant/status';

/** The bridge status topic of a site (the mqtt-broker node's birth/will topic). */
export function bridgeStatusTopic(site: string): string {
  return `trailcam/${site}/bridge/status`;
}

export function haTopics(settings: HaSettings, did: string): HaTopics {
  const slug = cameraSlug(did);
  const base = `trailcam/${settings.site}/${slug}`;
  const uniqueId = (entity: HaEntityKey): string => `trailcam_${settings.site}_${slug.replace(/-/g, '_')}_${entity}`;
  return {
    bridgeStatus: bridgeStatusTopic(settings.site),
    haStatus: [...new Set([HA_BIRTH_TOPIC, `${settings.discoveryPrefix}/status`])],
    available: `${base}/available`,
    state: (entity) => `${base}/${entity}`,
    config: (entity) => `${settings.discoveryPrefix}/${ENTITIES[entity].component}/${uniqueId(entity)}/config`,
    uniqueId,
  };
}

interface EntitySpec {
  component: HaComponent;
  name: string;
  /** Keys of the discovery config besides topics, ids, device and origin. */
  config: Record<string, unknown>;
  /** True: available whenever Node-RED is (it reports the camera being away); false: also needs the camera available. */
  bridgeOnly: boolean;
  /** The state payload from the readings, or null when unknown. */
  state(readings: HaReadings): string | null;
}

/** A reading as its state payload, rounded to `digits` decimals; null stays unknown. */
const numberText = (value: number | null, digits = 0): string | null => (value === null ? null : String(Number(value.toFixed(digits))));

/**
 * A timestamp sensor's state: ISO 8601 in UTC with its offset, to the second (Home Assistant
 * rejects a timestamp without a time zone).
 */
const timestampText = (ms: number | null): string | null =>
  ms === null ? null : new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+00:00');

/** The entities of a camera, in publishing order. */
export const ENTITIES = {
  connectivity: {
    component: 'binary_sensor',
    name: 'Connectivity',
    config: { device_class: 'connectivity' },
    bridgeOnly: true,
    state: (r) => (r.availability === null ? null : HA_AVAILABILITY[r.availability].connectivity),
  },
  availability: {
    component: 'sensor',
    name: 'Availability',
    config: { device_class: 'enum', options: HA_AVAILABILITY_STATES, icon: 'mdi:lan-pending' },
    bridgeOnly: true,
    state: (r) => r.availability,
  },
  battery: {
    component: 'sensor',
    name: 'Battery',
    config: { device_class: 'battery', unit_of_measurement: '%', state_class: 'measurement' },
    bridgeOnly: false,
    state: (r) => numberText(r.batteryPercent),
  },
  sd_free: {
    component: 'sensor',
    name: 'SD card free',
    config: { device_class: 'data_size', unit_of_measurement: 'MB', state_class: 'measurement', icon: 'mdi:micro-sd' },
    bridgeOnly: false,
    state: (r) => numberText(r.sdFreeMB),
  },
  temperature: {
    component: 'sensor',
    name: 'Temperature',
    config: { device_class: 'temperature', unit_of_measurement: '°C', state_class: 'measurement' },
    bridgeOnly: false,
    state: (r) => numberText(r.temperature, 1),
  },
  mode: {
    component: 'sensor',
    name: 'Last connection mode',
    config: { device_class: 'enum', options: ['lan', 'p2p', 'relay'], entity_category: 'diagnostic', icon: 'mdi:router-network' },
    bridgeOnly: false,
    state: (r) => r.mode,
  },
  connect_time: {
    component: 'sensor',
    name: 'Last time to connect',
    config: { device_class: 'duration', unit_of_measurement: 'ms', state_class: 'measurement', entity_category: 'diagnostic' },
    bridgeOnly: false,
    state: (r) => numberText(r.connectMs),
  },
  last_seen: {
    component: 'sensor',
    name: 'Last seen',
    config: { device_class: 'timestamp', icon: 'mdi:clock-check-outline' },
    // Available whenever Node-RED is: when an asleep or away camera was last heard is the point.
    bridgeOnly: true,
    state: (r) => timestampText(r.lastSeen),
  },
} as const satisfies Record<string, EntitySpec>;

export type HaEntityKey = keyof typeof ENTITIES;
export const ENTITY_KEYS = Object.keys(ENTITIES) as HaEntityKey[];

/** The HA device block: identifiers from the DID and, once known, the camera's device id. */
export function deviceBlock(camera: HaCameraIdentity, facts: HaDeviceFacts): Record<string, unknown> {
  const identifiers = [`trailcam_${camera.did}`];
  if (facts.deviceId !== null) identifiers.push(`trailcam_${facts.deviceId}`);
  const device: Record<string, unknown> = { identifiers, name: camera.name, serial_number: camera.did };
  if (facts.model !== null) device.model = facts.model;
  if (facts.firmware !== null) device.sw_version = facts.firmware;
  return device;
}

/** The discovery config of one entity. */
export function discoveryConfig(settings: HaSettings, camera: HaCameraIdentity, facts: HaDeviceFacts, entity: HaEntityKey): Record<string, unknown> {
  const topics = haTopics(settings, camera.did);
  const spec: EntitySpec = ENTITIES[entity];
  const availability: Record<string, string>[] = [{ topic: topics.bridgeStatus }];
  if (!spec.bridgeOnly) availability.push({ topic: topics.available });
  return {
    name: spec.name,
    unique_id: topics.uniqueId(entity),
    state_topic: topics.state(entity),
    ...spec.config,
    availability,
    availability_mode: 'all',
    device: deviceBlock(camera, facts),
    origin: { ...settings.origin },
  };
}

const message = (topic: string, payload: HaMqttMessage['payload']): HaMqttMessage => ({ topic, payload, qos: 1, retain: true });

/** Every discovery config of the camera, entities in ENTITIES order. */
export function discoveryMessages(settings: HaSettings, camera: HaCameraIdentity, facts: HaDeviceFacts): HaMqttMessage[] {
  const topics = haTopics(settings, camera.did);
  return ENTITY_KEYS.map((entity) => message(topics.config(entity), discoveryConfig(settings, camera, facts, entity)));
}

/** The camera's availability topic and every known state (unknown readings publish nothing). */
export function stateMessages(settings: HaSettings, did: string, readings: HaReadings): HaMqttMessage[] {
  const topics = haTopics(settings, did);
  const out: HaMqttMessage[] = [];
  if (readings.availability !== null) out.push(message(topics.available, HA_AVAILABILITY[readings.availability].available ? AVAILABLE : NOT_AVAILABLE));
  for (const entity of ENTITY_KEYS) {
    const state = (ENTITIES[entity] as EntitySpec).state(readings);
    if (state !== null) out.push(message(topics.state(entity), state));
  }
  return out;
}

/**
 * Removal: an empty retained payload on every discovery config (HA deletes the entity, and the
 * device once it has none) and on every state topic (so the broker keeps nothing of the camera).
 */
export function removalMessages(settings: HaSettings, did: string): HaMqttMessage[] {
  const topics = haTopics(settings, did);
  return [
    ...ENTITY_KEYS.map((entity) => message(topics.config(entity), '')),
    message(topics.available, ''),
    ...ENTITY_KEYS.map((entity) => message(topics.state(entity), '')),
  ];
}
