import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors';
import { DEFAULT_CAMERA_DEVICE_STATE } from '../../src/artemis/camera-documents';
import {
  checkDiscovery,
  classifyHaInput,
  DEVICE_KEYS,
  DISCOVERY_KEYS,
  discoveryMessages,
  ENTITY_KEYS,
  HA_AVAILABILITY,
  haTopics,
  HaPublisher,
  NO_FACTS,
  ORIGIN_KEYS,
  removalMessages,
  validateHaSettings,
  type HaMqttMessage,
} from '../../src/ha';

const origin = { name: 'node-red-contrib-trailcam', sw_version: '0.1.0', support_url: 'https://example.invalid/issues' };
const settings = validateHaSettings({ site: 'garden', origin });
const camera = { did: 'LBCS-000000-CCCJJ', name: 'Garden camera' };
const topics = haTopics(settings, camera.did);
const BASE = 'trailcam/garden/lbcs-000000-cccjj';
const BRIDGE = 'trailcam/garden/bridge/status';
// The real camera's device info from the app log (as the simulated camera answers it).
const DEVICE_INFO = { ...DEFAULT_CAMERA_DEVICE_STATE, cameraTime: 1, raw: {} };
const CONNECT = { camera: 'Garden camera', reused: true, mode: 'p2p', winner: 'p2pConnectThread', elapsedMs: 47.6, racers: [] };

const pairs = (messages: HaMqttMessage[]): [string, unknown][] => messages.map((m) => [m.topic, m.payload]);
const states = (messages: HaMqttMessage[]): [string, unknown][] => pairs(messages.filter((m) => typeof m.payload === 'string'));
const configTopic = (component: string, entity: string): string => `homeassistant/${component}/trailcam_garden_lbcs_000000_cccjj_${entity}/config`;

describe('Home Assistant discovery formatter', () => {
  it('the battery sensor config, exactly: device from the DID, then model, firmware and device id once known', () => {
    const [, , battery] = discoveryMessages(settings, camera, NO_FACTS);
    assert.equal(battery.topic, configTopic('sensor', 'battery'));
    assert.deepEqual(battery.payload, {
      name: 'Battery',
      unique_id: 'trailcam_garden_lbcs_000000_cccjj_battery',
      state_topic: `${BASE}/battery`,
      device_class: 'battery',
      unit_of_measurement: '%',
      state_class: 'measurement',
      availability: [{ topic: BRIDGE }, { topic: `${BASE}/available` }],
      availability_mode: 'all',
      device: { identifiers: ['trailcam_LBCS-000000-CCCJJ'], name: 'Garden camera', serial_number: 'LBCS-000000-CCCJJ' },
      origin,
    });
    assert.equal(battery.retain, true);
    assert.equal(battery.qos, 1);
    const [, , known] = discoveryMessages(settings, camera, { model: 'KJK230', firmware: '2.3.0.4', deviceId: 'C6:1E:0D:E0:32:E8' });
    assert.deepEqual((known.payload as { device: unknown }).device, {
      identifiers: ['trailcam_LBCS-000000-CCCJJ', 'trailcam_C6:1E:0D:E0:32:E8'],
      name: 'Garden camera',
      serial_number: 'LBCS-000000-CCCJJ',
      model: 'KJK230',
      sw_version: '2.3.0.4',
    });
  });

  it('the connectivity binary_sensor and the availability sensor depend only on the bridge being up', () => {
    const [connectivity, availability] = discoveryMessages(settings, camera, NO_FACTS);
    assert.equal(connectivity.topic, configTopic('binary_sensor', 'connectivity'));
    assert.deepEqual(connectivity.payload, {
      name: 'Connectivity',
      unique_id: 'trailcam_garden_lbcs_000000_cccjj_connectivity',
      state_topic: `${BASE}/connectivity`,
      device_class: 'connectivity',
      availability: [{ topic: BRIDGE }],
      availability_mode: 'all',
      device: { identifiers: ['trailcam_LBCS-000000-CCCJJ'], name: 'Garden camera', serial_number: 'LBCS-000000-CCCJJ' },
      origin,
    });
    const body = availability.payload as Record<string, unknown>;
    assert.deepEqual([body.device_class, body.options, body.availability], ['enum', ['online', 'unresponsive', 'asleep', 'offline'], [{ topic: BRIDGE }]]);
  });

  // The key lists (DISCOVERY_KEYS, DEVICE_KEYS, ORIGIN_KEYS) and rules come from Home Assistant's docs:
  // https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery (topic format, origin, abbreviations, availability),
  // https://www.home-assistant.io/integrations/sensor.mqtt/ and https://www.home-assistant.io/integrations/binary_sensor.mqtt/
  // (configuration variables), https://www.home-assistant.io/integrations/sensor/#device-class (units); see src/ha/schema.ts.
  it('one config per entity, every one valid per the documented schema, unique ids distinct', () => {
    const messages = discoveryMessages(settings, camera, { model: 'KJK230', firmware: '2.3.0.4', deviceId: 'C6:1E:0D:E0:32:E8' });
    assert.deepEqual(
      messages.map((m) => m.topic),
      [
        configTopic('binary_sensor', 'connectivity'),
        configTopic('sensor', 'availability'),
        configTopic('sensor', 'battery'),
        configTopic('sensor', 'sd_free'),
        configTopic('sensor', 'temperature'),
        configTopic('sensor', 'mode'),
        configTopic('sensor', 'connect_time'),
        configTopic('sensor', 'last_seen'),
      ],
    );
    for (const m of messages) {
      assert.deepEqual(checkDiscovery(m.topic, m.payload), [], m.topic);
      const body = m.payload as Record<string, unknown>;
      const component = m.topic.split('/')[1] as keyof typeof DISCOVERY_KEYS;
      for (const key of Object.keys(body)) assert.ok((DISCOVERY_KEYS[component] as readonly string[]).includes(key), `${m.topic}: ${key}`);
      for (const key of Object.keys(body.device as object)) assert.ok((DEVICE_KEYS as readonly string[]).includes(key), `device.${key}`);
      for (const key of Object.keys(body.origin as object)) assert.ok((ORIGIN_KEYS as readonly string[]).includes(key), `origin.${key}`);
      assert.equal(m.topic.split('/')[2], body.unique_id, 'object id = unique_id (the documented best practice)');
    }
    assert.equal(new Set(messages.map((m) => (m.payload as { unique_id: string }).unique_id)).size, ENTITY_KEYS.length);
  });

  it('the schema checker finds what Home Assistant documents as wrong', () => {
    const [, , battery] = discoveryMessages(settings, camera, NO_FACTS);
    const good = battery.payload as Record<string, unknown>;
    const problems = (patch: Record<string, unknown>, topic = battery.topic): string[] => checkDiscovery(topic, { ...good, ...patch });
    assert.match(problems({ stat_t: 'x' }).join(), /"state_topic" given twice/);
    assert.match(problems({ state_topc: 'x' }).join(), /unknown key "state_topc"/);
    assert.match(problems({ unique_id: undefined }).join(), /unique_id is required/);
    assert.match(problems({ unit_of_measurement: 'mAh' }).join(), /unit_of_measurement mAh is not one of %/);
    assert.match(problems({ device_class: 'enum', options: ['a'] }).join(), /options cannot be used with state_class or unit_of_measurement/);
    assert.match(problems({ device_class: 'timestamp' }).join(), /a timestamp sensor has no unit_of_measurement.*a timestamp sensor has no state_class/);
    assert.match(problems({ entity_category: 'config' }).join(), /must be diagnostic for sensors/);
    assert.match(problems({ availability_topic: BRIDGE }).join(), /must not be used together/);
    assert.match(problems({ availability_mode: 'most' }).join(), /availability_mode must be one of all, any, latest/);
    assert.match(problems({ device: { name: 'x' } }).join(), /device needs identifiers or connections/);
    assert.match(problems({ origin: { sw: '1' } }).join(), /origin.name is required/);
    assert.match(problems({}, 'homeassistant/sensor/trailcam.garden/config').join(), /is not \[a-zA-Z0-9_-\]/);
    assert.match(problems({}, 'homeassistant/sensor/config').join(), /must be homeassistant\/<component>/);
    const { unique_id: uniqueId, state_topic: stateTopic, ...rest } = good;
    assert.deepEqual(checkDiscovery(battery.topic, { ...rest, uniq_id: uniqueId, stat_t: stateTopic }), [], 'abbreviations are understood');
  });

  it('availability: one mapping, asleep keeps the readings available with connectivity off', () => {
    assert.deepEqual(HA_AVAILABILITY, {
      online: { connectivity: 'ON', available: true },
      unresponsive: { connectivity: 'ON', available: true },
      asleep: { connectivity: 'OFF', available: true },
      offline: { connectivity: 'OFF', available: false },
    });
    const publisher = new HaPublisher(settings, camera);
    publisher.handle({ payload: DEVICE_INFO });
    assert.deepEqual(states(publisher.handle({ topic: 'Garden camera', payload: 'online', mode: 'lan' }).messages), [
      [`${BASE}/available`, 'online'],
      [`${BASE}/connectivity`, 'ON'],
      [`${BASE}/availability`, 'online'],
      [`${BASE}/mode`, 'lan'],
    ]);
    assert.deepEqual(states(publisher.handle({ payload: 'asleep', lastSeen: Date.UTC(2026, 11, 4, 5, 6, 7, 890) }).messages), [
      [`${BASE}/connectivity`, 'OFF'],
      [`${BASE}/availability`, 'asleep'],
      [`${BASE}/last_seen`, '2026-12-04T05:06:07+00:00'],
    ]);
    for (const lastSeen of [1e20, Infinity, '2026-12-04', null])
      assert.deepEqual(publisher.handle({ payload: 'online', lastSeen }).input.kind, 'update', `lastSeen ${String(lastSeen)} is ignored, not thrown`);
    assert.equal(publisher.readings.lastSeen, Date.UTC(2026, 11, 4, 5, 6, 7, 890), 'an unusable lastSeen keeps the last one');
    publisher.handle({ payload: 'asleep' });
    assert.deepEqual(states(publisher.handle({ payload: 'offline', reason: 'lost: camera silent' }).messages), [
      [`${BASE}/available`, 'offline'],
      [`${BASE}/availability`, 'offline'],
    ]);
    assert.deepEqual(states(publisher.handle({ payload: 'unresponsive' }).messages), [
      [`${BASE}/available`, 'online'],
      [`${BASE}/connectivity`, 'ON'],
      [`${BASE}/availability`, 'unresponsive'],
    ]);
    assert.deepEqual(publisher.handle({ payload: 'connecting' }).messages, [], 'connecting is not published');
    assert.equal(publisher.readings.batteryPercent, 20, 'readings are kept through every state');
  });

  it('updates publish only what changed; the first one also the configs; device info re-publishes them', () => {
    const publisher = new HaPublisher(settings, camera);
    const first = publisher.handle({ payload: 'online', mode: 'lan' }).messages;
    assert.equal(first.filter((m) => typeof m.payload === 'object').length, 8);
    assert.deepEqual(publisher.handle({ payload: 'online', mode: 'lan' }).messages, []);
    assert.deepEqual(pairs(publisher.handle({ topic: 'Garden camera', payload: CONNECT }).messages), [
      [`${BASE}/mode`, 'p2p'],
      [`${BASE}/connect_time`, '48'],
    ]);
    const info = publisher.handle({ payload: DEVICE_INFO, command: 'deviceInfo' }).messages;
    assert.equal(info.filter((m) => typeof m.payload === 'object').length, 8, 'the device block changed');
    assert.deepEqual(states(info), [
      [`${BASE}/battery`, '20'],
      [`${BASE}/sd_free`, '30034'],
      [`${BASE}/temperature`, '19'],
    ]);
    // The Failed output's payload, as trailcam-connect sends it.
    const failed = { camera: 'Garden camera', mode: null, error: 'camera unreachable', code: 'ERR_TRAILCAM_UNREACHABLE', elapsedMs: 1500, racers: [] };
    const ignored = publisher.handle({ payload: failed });
    assert.equal(ignored.input.kind, 'ignore');
    assert.deepEqual(ignored.messages, []);
  });

  it('a birth (Home Assistant or this bridge) re-publishes every config and state; other births are ignored', () => {
    const publisher = new HaPublisher(settings, camera);
    publisher.handle({ payload: 'online', mode: 'lan' });
    publisher.handle({ payload: CONNECT });
    const again = publisher.handle({ topic: 'homeassistant/status', payload: 'online' });
    assert.deepEqual(again.input, { kind: 'announce', by: 'home-assistant' });
    assert.equal(again.messages.length, 8 + 5);
    assert.deepEqual(
      states(again.messages).map(([t]) => t.split('/').pop()),
      ['available', 'connectivity', 'availability', 'mode', 'connect_time'],
    );
    assert.equal(publisher.handle({ topic: BRIDGE, payload: Buffer.from('online') }).messages.length, 13);
    assert.deepEqual(publisher.handle({ topic: BRIDGE, payload: 'offline' }).messages, []);
    assert.deepEqual(publisher.handle({ topic: 'homeassistant/status', payload: 'offline' }).messages, []);
    assert.equal(publisher.handle({ topic: 'trailcam/barn/bridge/status', payload: 'online' }).input.kind, 'ignore');
  });

  it("with another discovery prefix, Home Assistant's birth and will on homeassistant/status are still births, never the camera's status", () => {
    const custom = validateHaSettings({ site: 'garden', discoveryPrefix: 'ha', origin });
    const publisher = new HaPublisher(custom, camera);
    publisher.handle({ payload: 'online', mode: 'lan' });
    // As Node-RED's mqtt in node delivers them (topic, payload, qos, retain).
    const will = publisher.handle({ topic: 'homeassistant/status', payload: 'offline', qos: 0, retain: false });
    assert.equal(will.input.kind, 'ignore');
    assert.deepEqual(will.messages, [], 'the camera stays online');
    const birth = publisher.handle({ topic: 'homeassistant/status', payload: 'online', qos: 0, retain: false });
    assert.deepEqual(birth.input, { kind: 'announce', by: 'home-assistant' });
    assert.equal(birth.messages[0].topic, 'ha/binary_sensor/trailcam_garden_lbcs_000000_cccjj_connectivity/config');
    assert.deepEqual(publisher.handle({ topic: 'ha/status', payload: 'online', qos: 0, retain: false }).input, { kind: 'announce', by: 'home-assistant' });
  });

  it('an MQTT message on a topic it does not know is an error naming the topic, never the camera going offline or online', () => {
    const publisher = new HaPublisher(settings, camera);
    publisher.handle({ payload: 'online', mode: 'lan' });
    for (const payload of ['offline', 'online']) {
      assert.throws(
        () => publisher.handle({ topic: 'hass/status', payload, qos: 1, retain: true }),
        (err: unknown) => err instanceof ConfigError && err.field === 'topic' && /hass\/status/.test(err.message) && /homeassistant\/status/.test(err.message),
      );
    }
    assert.deepEqual(states(publisher.handle({ action: 'announce' }).messages).slice(0, 2), [
      [`${BASE}/available`, 'online'],
      [`${BASE}/connectivity`, 'ON'],
    ]);
    // trailcam-status's own output (its topic is the camera's name) is still the camera's status,
    // also when it answers a "check" that came over MQTT (the reply keeps that message's topic, qos and retain);
    assert.equal(publisher.handle({ topic: 'Garden/North', payload: 'offline', camera: 'Garden/North', powerMode: 'mains' }).input.kind, 'update');
    const checked = { topic: 'trailcam/garden/check', qos: 0, retain: false, payload: 'online', mode: 'lan', camera: 'Garden camera', powerMode: 'mains' };
    assert.equal(publisher.handle(checked).input.kind, 'update');
    // and a trailcam-connect result that an MQTT message triggered is still a result.
    assert.equal(publisher.handle({ topic: 'trailcam/garden/connect', qos: 0, retain: false, payload: CONNECT }).input.kind, 'update');
  });

  it('remove: empty retained payloads on every config, then availability and states; births stay ignored until announce', () => {
    const publisher = new HaPublisher(settings, camera);
    publisher.handle({ payload: 'online', mode: 'lan' });
    const removal = publisher.handle({ action: 'remove' }).messages;
    assert.deepEqual(removal, removalMessages(settings, camera.did));
    assert.deepEqual(
      removal.slice(0, ENTITY_KEYS.length).map((m) => [m.topic, m.payload, m.retain]),
      ENTITY_KEYS.map((e) => [topics.config(e), '', true]),
    );
    assert.deepEqual(
      removal.slice(ENTITY_KEYS.length).map((m) => m.topic),
      [`${BASE}/available`, ...ENTITY_KEYS.map((e) => `${BASE}/${e}`)],
    );
    assert.ok(removal.every((m) => m.payload === '' && m.retain));
    assert.deepEqual(publisher.handle({ topic: 'homeassistant/status', payload: 'online' }).messages, []);
    assert.deepEqual(publisher.handle({ payload: 'offline' }).messages, []);
    const back = publisher.handle({ action: 'announce' }).messages;
    assert.deepEqual(states(back), [
      [`${BASE}/available`, 'offline'],
      [`${BASE}/connectivity`, 'OFF'],
      [`${BASE}/availability`, 'offline'],
      [`${BASE}/mode`, 'lan'],
    ]);
  });

  it('bad settings and messages are ConfigErrors naming the field and value', () => {
    assert.throws(
      () => validateHaSettings({ site: 'my site', origin }),
      (err: unknown) => err instanceof ConfigError && err.field === 'site' && /"my site"/.test(err.message),
    );
    assert.throws(() => validateHaSettings({ site: 'a/b', origin }), /invalid site "a\/b"/);
    assert.throws(() => validateHaSettings({ discoveryPrefix: 'home/+', origin }), /invalid discoveryPrefix "home\/\+"/);
    assert.equal(validateHaSettings({ site: '', discoveryPrefix: '', origin }).site, 'home');
    assert.equal(validateHaSettings({ discoveryPrefix: 'ha/discovery', origin }).discoveryPrefix, 'ha/discovery');
    assert.throws(() => classifyHaInput({ action: 'delete' }, topics), /invalid action "delete": must be one of announce, remove/);
    assert.throws(
      () => classifyHaInput({ payload: 42 }, topics),
      (err: unknown) => err instanceof ConfigError && err.field === 'payload' && /not a message this node reads/.test(err.message),
    );
    assert.throws(() => classifyHaInput({ payload: 'sleeping' }, topics), /invalid payload "sleeping"/);
  });

  it('the site id keeps two Node-RED instances apart on one broker', () => {
    const barn = haTopics(validateHaSettings({ site: 'barn', origin }), camera.did);
    for (const entity of ENTITY_KEYS) {
      assert.notEqual(barn.config(entity), topics.config(entity));
      assert.notEqual(barn.state(entity), topics.state(entity));
      assert.notEqual(barn.uniqueId(entity), topics.uniqueId(entity));
    }
    assert.equal(barn.bridgeStatus, 'trailcam/barn/bridge/status');
  });
});
