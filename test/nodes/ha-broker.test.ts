import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ArtemisCameraService } from '../../src/artemis';
import { checkDiscovery, ENTITY_KEYS } from '../../src/ha';
import type { Simulation } from '../../src/sim';
import { mosquittoBinary, Recorder, retained, startMosquitto, type Mosquitto, type Received } from '../helpers/mosquitto';
import { startSimulation } from '../runtime/fixtures';
import { cameraNode, coreNodes, helper, trailcamNodes, type FlowNode, type TestNode } from './support';

/**
 * The Home Assistant example against real parts: Debian's mosquitto on 127.0.0.1 (started here),
 * Node-RED's own mqtt-broker / mqtt in / mqtt out nodes (core 10-mqtt.js), our nodes, and the
 * camera simulator on loopback. An MQTT client watches what reaches the broker.
 */

const EXAMPLE = 'Camera availability → Home Assistant via MQTT discovery';
const SITE = 'home';
/** The camera's silence limit in this test (the runtime's minimum): offline must follow a stop within it plus slack. */
const SILENCE_MS = 1_000;

function readExample(): FlowNode[] {
  for (const up of ['../..', '../../..']) {
    try {
      return JSON.parse(readFileSync(join(resolve(__dirname, up, 'examples'), `${EXAMPLE}.json`), 'utf8')) as FlowNode[];
    } catch {
      /* try the next level */
    }
  }
  throw new Error(`examples/${EXAMPLE}.json not found`);
}

/** The example as shipped, with only the camera aimed at the simulator, the broker at the test's mosquitto and debug nodes as helper nodes. */
function againstTestParts(flow: FlowNode[], sim: Simulation, broker: Mosquitto): FlowNode[] {
  const tab = flow.find((n) => n.z !== undefined)?.z as string;
  return [
    // The example brings its own tab (Import → Examples names it); add one only if it has none.
    ...(flow.some((n) => n.type === 'tab') ? [] : [{ id: tab, type: 'tab', label: 'example' }]),
    ...flow.map((node): FlowNode => {
      if (node.type === 'trailcam-camera') {
        return { ...cameraNode(sim, { keepaliveSilenceMs: SILENCE_MS, reconnectMinMs: 50, reconnectMaxMs: 200 }), id: node.id, name: node.name };
      }
      if (node.type === 'mqtt-broker') return { ...node, broker: '127.0.0.1', port: String(broker.port) };
      // The sidebar's debug node needs the editor; the test helper's own node stands in for it.
      if (node.type === 'debug') return { id: node.id, type: 'helper', z: node.z, wires: [] };
      return node;
    }),
  ];
}

const skipReason = mosquittoBinary() === null ? 'mosquitto is not installed (apt-get install mosquitto; .ci/run installs it)' : null;

describe('Home Assistant example against a real broker (mosquitto)', function () {
  if (skipReason !== null) {
    if (process.env.CI === 'true') {
      it('runs under CI=true', () => {
        throw new Error(`broker test cannot run: ${skipReason}; under CI=true it must`);
      });
    } else {
      it(`broker test skipped: ${skipReason}`, function () {
        this.skip();
      });
    }
    return;
  }

  this.timeout(60_000);
  let broker: Mosquitto | undefined;
  let sim: Simulation | undefined;

  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    // Node-RED first (its mqtt-broker node sends its close message), then the broker, then the camera.
    await helper.unload();
    await broker?.stop();
    await sim?.close();
    broker = undefined;
    sim = undefined;
  });

  it('announces on the broker connection, follows the camera, re-announces on a Home Assistant birth, clears on remove', async () => {
    broker = await startMosquitto(mosquittoBinary() as string);
    let session = 0;
    sim = await startSimulation({ cameras: [{ services: { 0: () => new ArtemisCameraService({ seed: (session += 1) }) } }] });
    const watcher = await broker.client();
    const seen = new Recorder(watcher);
    await watcher.subscribeAsync(['homeassistant/#', `trailcam/${SITE}/#`], { qos: 1 });
    const isConfig = (m: Received): boolean => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config');
    const camTopic = `trailcam/${SITE}/${sim.cameras[0].did.toLowerCase()}`;
    const state = (entity: string, payload?: string) => (m: Received) =>
      m.topic === `${camTopic}/${entity}` && (payload === undefined || m.payload === payload);

    // 1. Deploy. Nothing is injected: the broker node's birth on the bridge topic triggers discovery.
    const announced = seen.collect(ENTITY_KEYS.length, (m) => isConfig(m) && m.payload !== '');
    const bridgeOnline = seen.next((m) => m.topic === `trailcam/${SITE}/bridge/status` && m.payload === 'online');
    await helper.load([...trailcamNodes(), ...coreNodes(), require('@node-red/nodes/core/network/10-mqtt.js')], againstTestParts(readExample(), sim, broker));
    await bridgeOnline;
    await announced;
    const configs = (await retained(broker, ['homeassistant/#'])).filter((m) => m.retain && isConfig(m));
    assert.equal(configs.length, ENTITY_KEYS.length, 'every discovery config is retained at the broker');
    for (const m of configs) assert.deepEqual(checkDiscovery(m.topic, JSON.parse(m.payload)), [], m.topic);
    assert.equal(sim.cameras[0].sessionCount, 0, 'no race at deploy');

    // 2. Start monitoring: online, then the device info and the race's mode and time.
    const online = seen.next(state('availability', 'online'));
    const battery = seen.next(state('battery'));
    const time = seen.next(state('connect_time'));
    (helper.getNode('ex4.start') as TestNode).receive({});
    await online;
    assert.match((await battery).payload, /^\d+$/);
    assert.match((await time).payload, /^\d+$/);
    const kept = await retained(broker, [`${camTopic}/#`]);
    const retainedState = (entity: string): string | undefined => kept.find((m) => m.retain && m.topic === `${camTopic}/${entity}`)?.payload;
    assert.deepEqual([retainedState('available'), retainedState('connectivity'), retainedState('availability')], ['online', 'ON', 'online']);

    // 3. The camera stops: offline within the silence limit (plus 2 s for the loss to propagate
    // through session end, monitor, flow and broker on a busy 2-core machine), then back online.
    const offline = seen.next(state('availability', 'offline'));
    const unavailable = seen.next(state('available', 'offline'));
    const stoppedAt = Date.now();
    await sim.cameras[0].stop();
    await offline;
    const tookMs = Date.now() - stoppedAt;
    assert.ok(tookMs < SILENCE_MS + 2_000, `offline ${tookMs} ms after the camera stopped (silence limit ${SILENCE_MS} ms)`);
    await unavailable;
    const back = seen.next(state('availability', 'online'));
    await sim.cameras[0].start();
    await back;

    // 4. Home Assistant restarts: its birth re-publishes every config and the states.
    const again = seen.collect(ENTITY_KEYS.length, (m) => isConfig(m) && m.payload !== '');
    const stateAgain = seen.next(state('availability', 'online'));
    await watcher.publishAsync('homeassistant/status', 'online', { qos: 1 });
    const republished = await again;
    await stateAgain;
    assert.deepEqual(republished.map((m) => m.topic).sort(), configs.map((m) => m.topic).sort());

    // 5. Remove the camera: every config is cleared, and nothing of the camera stays retained.
    const cleared = seen.collect(ENTITY_KEYS.length, (m) => isConfig(m) && m.payload === '');
    (helper.getNode('ex4.remove') as TestNode).receive({});
    await cleared;
    const left = (await retained(broker, ['homeassistant/#', `${camTopic}/#`])).filter((m) => m.retain);
    assert.deepEqual(left, [], 'no retained config or state of the removed camera');
  });
});
