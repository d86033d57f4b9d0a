/**
 * The parts of Home Assistant's MQTT discovery schema that this package's payloads use, as
 * documented, and a checker for a discovery payload against them. Sources (read 2026-12-02):
 *
 * - https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery — discovery topic format
 *   (`<discovery_prefix>/<component>/[<node_id>/]<object_id>/config`, ids `[a-zA-Z0-9_-]`), the
 *   `origin` block (`name` required; `sw_version`, `support_url`), the abbreviation tables
 *   (entity keys, device registry keys, origin keys), availability options (`availability`
 *   list of `{topic, payload_available, payload_not_available, value_template}`, not together
 *   with `availability_topic`; `availability_mode` all | any | latest), empty retained payload
 *   = remove.
 * - https://www.home-assistant.io/integrations/sensor.mqtt/ — sensor keys; `options` only with
 *   `device_class: enum` and not with `state_class` or `unit_of_measurement`; `entity_category`
 *   must be `diagnostic` for sensors; `state_topic` required; `device` needs `identifiers` or
 *   `connections` and only works with `unique_id`.
 * - https://www.home-assistant.io/integrations/binary_sensor.mqtt/ — binary sensor keys
 *   (`payload_on`/`payload_off`, default `ON`/`OFF`, `off_delay`).
 * - https://www.home-assistant.io/integrations/sensor/#device-class — units per device class;
 *   `timestamp`: an ISO 8601 datetime with a time zone as the state, no unit, no state class.
 *
 * Home Assistant ignores unknown keys; this checker does not, so a typo in our payloads fails a
 * test instead of silently doing nothing.
 */

/** Keys every MQTT entity platform documents (availability, device, naming, …). */
const COMMON_KEYS = [
  'availability',
  'availability_mode',
  'availability_template',
  'availability_topic',
  'device',
  'device_class',
  'enabled_by_default',
  'encoding',
  'entity_category',
  'entity_picture',
  'expire_after',
  'force_update',
  'icon',
  'json_attributes_template',
  'json_attributes_topic',
  'name',
  'object_id',
  'origin',
  'payload_available',
  'payload_not_available',
  'qos',
  'state_topic',
  'unique_id',
  'value_template',
] as const;

/** Keys per component (single-component discovery: no `platform`, that is for device discovery). */
export const DISCOVERY_KEYS = {
  sensor: [...COMMON_KEYS, 'last_reset_value_template', 'options', 'state_class', 'suggested_display_precision', 'unit_of_measurement'],
  binary_sensor: [...COMMON_KEYS, 'off_delay', 'payload_off', 'payload_on'],
} as const satisfies Record<string, readonly string[]>;

export type HaComponent = keyof typeof DISCOVERY_KEYS;

/** Keys of the `device` block. */
export const DEVICE_KEYS = [
  'configuration_url',
  'connections',
  'hw_version',
  'identifiers',
  'manufacturer',
  'model',
  'model_id',
  'name',
  'serial_number',
  'suggested_area',
  'sw_version',
  'via_device',
] as const;

/** Keys of the `origin` block. */
export const ORIGIN_KEYS = ['name', 'sw_version', 'support_url'] as const;

/** Keys of one entry of the `availability` list. */
export const AVAILABILITY_ENTRY_KEYS = ['payload_available', 'payload_not_available', 'topic', 'value_template'] as const;

/**
 * Documented abbreviations of the keys above (the docs' tables; only those of keys listed here).
 * A payload may use either form, never both for one key.
 */
export const ABBREVIATIONS: Readonly<Record<string, string>> = {
  avty: 'availability',
  avty_mode: 'availability_mode',
  avty_t: 'availability_topic',
  avty_tpl: 'availability_template',
  dev: 'device',
  dev_cla: 'device_class',
  e: 'encoding',
  en: 'enabled_by_default',
  ent_cat: 'entity_category',
  ent_pic: 'entity_picture',
  exp_aft: 'expire_after',
  frc_upd: 'force_update',
  ic: 'icon',
  json_attr_t: 'json_attributes_topic',
  json_attr_tpl: 'json_attributes_template',
  lrst_val_tpl: 'last_reset_value_template',
  o: 'origin',
  obj_id: 'object_id',
  off_dly: 'off_delay',
  ops: 'options',
  pl_avail: 'payload_available',
  pl_not_avail: 'payload_not_available',
  pl_off: 'payload_off',
  pl_on: 'payload_on',
  stat_cla: 'state_class',
  stat_t: 'state_topic',
  sug_dsp_prc: 'suggested_display_precision',
  t: 'topic',
  uniq_id: 'unique_id',
  unit_of_meas: 'unit_of_measurement',
  val_tpl: 'value_template',
};

export const DEVICE_ABBREVIATIONS: Readonly<Record<string, string>> = {
  cu: 'configuration_url',
  cns: 'connections',
  ids: 'identifiers',
  mf: 'manufacturer',
  mdl: 'model',
  mdl_id: 'model_id',
  hw: 'hw_version',
  sw: 'sw_version',
  sa: 'suggested_area',
  sn: 'serial_number',
};

export const ORIGIN_ABBREVIATIONS: Readonly<Record<string, string>> = { sw: 'sw_version', url: 'support_url' };

/** Units HA accepts for the sensor device classes this checker knows (sensor docs, "Device class"). */
export const SENSOR_UNITS: Readonly<Record<string, readonly string[] | null>> = {
  battery: ['%'],
  temperature: ['°C', '°F', 'K'],
  data_size: ['bit', 'kbit', 'Mbit', 'Gbit', 'B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'],
  duration: ['d', 'h', 'min', 's', 'ms', 'µs', 'μs'],
  /** Enumerated states: no unit, `options` instead. */
  enum: null,
  /** A point in time (ISO 8601 with a time zone): no unit, no state class. */
  timestamp: [],
};

/** Binary sensor device classes this checker knows (binary_sensor docs, "Device class"). */
export const BINARY_SENSOR_CLASSES = ['connectivity', 'battery', 'problem', 'running'] as const;

export const STATE_CLASSES = ['measurement', 'measurement_angle', 'total', 'total_increasing'] as const;
export const AVAILABILITY_MODES = ['all', 'any', 'latest'] as const;
export const ENTITY_CATEGORIES = ['config', 'diagnostic'] as const;

/** `[a-zA-Z0-9_-]`: the documented character class of node and object ids in discovery topics. */
export const DISCOVERY_ID = /^[a-zA-Z0-9_-]+$/;

/**
 * Checks `topic` and `payload` of one discovery config; returns every problem found (empty =
 * valid). `payload` is the parsed JSON object.
 */
export function checkDiscovery(topic: string, payload: unknown, discoveryPrefix = 'homeassistant'): string[] {
  const problems: string[] = [];
  const shape = `${discoveryPrefix}/<component>/[<node_id>/]<object_id>/config`;
  if (!topic.startsWith(`${discoveryPrefix}/`)) return [`topic ${topic}: must be ${shape}`];
  const parts = topic.slice(discoveryPrefix.length + 1).split('/');
  if (parts.length < 3 || parts.length > 4 || parts[parts.length - 1] !== 'config') return [`topic ${topic}: must be ${shape}`];
  const [component, ...rest] = parts;
  for (const id of rest.slice(0, -1)) if (!DISCOVERY_ID.test(id)) problems.push(`topic ${topic}: id "${id}" is not [a-zA-Z0-9_-]`);
  if (!(component in DISCOVERY_KEYS)) return [...problems, `topic ${topic}: component "${component}" is not one this checker knows`];
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return [...problems, `${topic}: payload must be a JSON object`];
  const config = expand(payload as Record<string, unknown>, ABBREVIATIONS, DISCOVERY_KEYS[component as HaComponent], topic, problems);
  checkEntity(component as HaComponent, config, topic, problems);
  return problems;
}

/** Full-named copy of `object`; unknown keys and a key given in both forms are problems. */
function expand(
  object: Record<string, unknown>,
  abbreviations: Readonly<Record<string, string>>,
  known: readonly string[],
  where: string,
  problems: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const full = known.includes(key) ? key : abbreviations[key];
    if (full === undefined || !known.includes(full)) {
      problems.push(`${where}: unknown key "${key}"`);
      continue;
    }
    if (full in out) problems.push(`${where}: "${full}" given twice (full and abbreviated)`);
    out[full] = value;
  }
  return out;
}

function checkEntity(component: HaComponent, config: Record<string, unknown>, where: string, problems: string[]): void {
  const need = (ok: boolean, message: string): void => {
    if (!ok) problems.push(`${where}: ${message}`);
  };
  const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
  need(isText(config.state_topic), 'state_topic is required');
  need(isText(config.unique_id), 'unique_id is required (the device block works only with it)');
  need(config.name === undefined || config.name === null || typeof config.name === 'string', 'name must be text or null');
  need(!(config.availability !== undefined && config.availability_topic !== undefined), 'availability and availability_topic must not be used together');
  if (config.availability !== undefined) {
    const list = config.availability;
    need(Array.isArray(list) && list.length > 0, 'availability must be a non-empty list');
    if (Array.isArray(list)) {
      list.forEach((entry, i) => {
        if (entry === null || typeof entry !== 'object') return need(false, `availability[${i}] must be an object`);
        const item = expand(entry as Record<string, unknown>, ABBREVIATIONS, AVAILABILITY_ENTRY_KEYS, `${where} availability[${i}]`, problems);
        need(isText(item.topic), `availability[${i}].topic is required`);
      });
    }
  }
  if (config.availability_mode !== undefined)
    need((AVAILABILITY_MODES as readonly unknown[]).includes(config.availability_mode), `availability_mode must be one of ${AVAILABILITY_MODES.join(', ')}`);
  if (config.entity_category !== undefined) {
    need((ENTITY_CATEGORIES as readonly unknown[]).includes(config.entity_category), `entity_category must be one of ${ENTITY_CATEGORIES.join(', ')}`);
    if (component === 'sensor') need(config.entity_category === 'diagnostic', 'entity_category must be diagnostic for sensors');
  }
  if (config.qos !== undefined) need(config.qos === 0 || config.qos === 1 || config.qos === 2, 'qos must be 0, 1 or 2');
  checkDevice(config.device, where, problems);
  checkOrigin(config.origin, where, problems);
  if (component === 'sensor') checkSensor(config, need);
  else {
    if (config.device_class !== undefined)
      need(
        (BINARY_SENSOR_CLASSES as readonly unknown[]).includes(config.device_class),
        `binary_sensor device_class ${String(config.device_class)} is not one this checker knows`,
      );
    for (const key of ['payload_on', 'payload_off'] as const) if (config[key] !== undefined) need(isText(config[key]), `${key} must be text`);
  }
}

function checkSensor(config: Record<string, unknown>, need: (ok: boolean, message: string) => void): void {
  const deviceClass = config.device_class;
  if (deviceClass === undefined) return;
  need(typeof deviceClass === 'string' && deviceClass in SENSOR_UNITS, `sensor device_class ${String(deviceClass)} is not one this checker knows`);
  const units = SENSOR_UNITS[String(deviceClass)];
  if (units === null) {
    const options = config.options;
    need(
      Array.isArray(options) && options.length > 0 && options.every((o) => typeof o === 'string'),
      'an enum sensor needs options (a non-empty list of text)',
    );
    need(config.state_class === undefined && config.unit_of_measurement === undefined, 'options cannot be used with state_class or unit_of_measurement');
  } else if (units !== undefined && units.length === 0) {
    need(config.options === undefined, 'options needs device_class enum');
    need(config.unit_of_measurement === undefined, `a ${String(deviceClass)} sensor has no unit_of_measurement`);
    need(config.state_class === undefined, `a ${String(deviceClass)} sensor has no state_class`);
  } else if (units !== undefined) {
    need(config.options === undefined, 'options needs device_class enum');
    need(
      units.includes(config.unit_of_measurement as string),
      `unit_of_measurement ${String(config.unit_of_measurement)} is not one of ${units.join(', ')} for ${String(deviceClass)}`,
    );
  }
  if (config.state_class !== undefined)
    need((STATE_CLASSES as readonly unknown[]).includes(config.state_class), `state_class must be one of ${STATE_CLASSES.join(', ')}`);
}

function checkDevice(device: unknown, where: string, problems: string[]): void {
  if (device === undefined) return;
  if (device === null || typeof device !== 'object' || Array.isArray(device)) {
    problems.push(`${where}: device must be an object`);
    return;
  }
  const block = expand(device as Record<string, unknown>, DEVICE_ABBREVIATIONS, DEVICE_KEYS, `${where} device`, problems);
  const ids = block.identifiers;
  const idsOk = typeof ids === 'string' ? ids !== '' : Array.isArray(ids) && ids.length > 0 && ids.every((i) => typeof i === 'string' && i !== '');
  const connections = block.connections;
  const connectionsOk = Array.isArray(connections) && connections.length > 0 && connections.every((c) => Array.isArray(c) && c.length === 2);
  if (!idsOk && !connectionsOk) problems.push(`${where}: device needs identifiers or connections`);
  for (const key of ['name', 'model', 'manufacturer', 'sw_version', 'hw_version', 'serial_number'] as const) {
    if (block[key] !== undefined && typeof block[key] !== 'string') problems.push(`${where}: device.${key} must be text`);
  }
}

function checkOrigin(origin: unknown, where: string, problems: string[]): void {
  if (origin === undefined) return;
  if (origin === null || typeof origin !== 'object' || Array.isArray(origin)) {
    problems.push(`${where}: origin must be an object`);
    return;
  }
  const block = expand(origin as Record<string, unknown>, ORIGIN_ABBREVIATIONS, ORIGIN_KEYS, `${where} origin`, problems);
  if (typeof block.name !== 'string' || block.name === '') problems.push(`${where}: origin.name is required`);
}
