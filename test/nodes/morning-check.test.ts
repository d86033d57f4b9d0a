import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArtemisCameraService } from '../../src/artemis';
import { IDLE_CLOSED } from '../../src/runtime';
import { createSimulation, type Simulation } from '../../src/sim';
import type { NodeMessage } from '../../nodes/lib/red';
import { createNmcliStandIn, type NmcliStandIn } from '../ble/nmcli-stand-in';
import { ManualTimers } from '../helpers/manual-timers';
import { nodesDir } from './editor-definitions';
import { coreNodes, helper, nextMessage, simulatedFlows, trailcamNodes, type FlowNode, type TestNode } from './support';
import { eventually } from '../runtime/fixtures';

const TAB = 'trailcam.example.flow';
const node = (id: string): TestNode => helper.getNode(id) as TestNode;

function readMorningCheck(): FlowNode[] {
  return JSON.parse(readFileSync(join(nodesDir(), '..', 'examples', 'Morning check.json'), 'utf8')) as FlowNode[];
}

/** The example against the sleeping simulator: loopback camera (1 s idle close), the sleeper's BLE address; debug and mqtt out become helpers. */
function againstSleepingSimulator(flow: FlowNode[], sim: Simulation): FlowNode[] {
  const out: FlowNode[] = [{ id: TAB, type: 'tab', label: 'example' }];
  for (const n of flow) {
    if (n.type === 'mqtt-broker') continue;
    if (n.type === 'trailcam-camera') {
      assert.equal(n.host, '192.168.43.1');
      assert.equal(n.powerMode, 'battery', 'the example camera is a battery camera');
      out.push({
        ...n,
        host: '127.0.0.1',
        did: sim.cameras[0].did,
        ports: String(sim.cameras[0].sessionPort),
        bindAddress: '127.0.0.1',
        maxConnectionTimeMs: 1000,
        attemptTimeoutMs: 250,
        idleCloseMs: 1000,
      });
    } else if (n.type === 'trailcam-wake') {
      out.push({ ...n, address: sim.sleepers[0].ble.address, timeoutMs: 2000 });
    } else if (n.type === 'debug' || n.type === 'mqtt out') {
      out.push({ id: n.id, type: 'helper', z: n.z, x: n.x, y: n.y, wires: [] });
    } else out.push(n);
  }
  return out;
}

/** The first message node `id` receives that `match`es. */
const until = (id: string, match: (msg: NodeMessage) => boolean): Promise<NodeMessage> => nextMessage(node(id), match);

describe('example: Morning check, against the sleeping simulated camera', function () {
  this.timeout(20_000);
  let nmcli: NmcliStandIn;
  /** The sleeping camera's own idle time runs on this clock: it cannot fall asleep during the stand-in join. */
  let sleepClock: ManualTimers;
  const env = simulatedFlows({
    start: () =>
      createSimulation({
        cameras: [{ services: { 0: () => new ArtemisCameraService({ seed: 2, mediaCount: 30 }) } }],
        servers: 0,
        relays: 0,
        fast: true,
        sleeping: { answerDelayMs: 0, connectDelayMs: 0, notificationGapMs: 0, sleepAfterMs: 1000, timers: (sleepClock = new ManualTimers()) },
      }),
    afterUnload: () => {
      helper.settings({});
      nmcli.remove();
    },
  });

  it('wakes, joins (stand-in nmcli), publishes battery and picture count (no password), then the camera is asleep', async () => {
    nmcli = createNmcliStandIn();
    helper.settings({ trailcamWake: { transport: () => env.sim.bleTransport(), nmcliEnv: nmcli.env() } });
    await helper.load([...trailcamNodes(), require('../../nodes/trailcam-wake'), ...coreNodes()], againstSleepingSimulator(readMorningCheck(), env.sim));
    const published = nextMessage(node('ex8.mqtt'));
    const asleep = until('ex8.availability', (m) => m.payload === 'asleep' && m.reason === IDLE_CLOSED);
    const cameraSleeps = new Promise<void>((resolve) => env.sim.sleepers[0].onChange((awake) => !awake && resolve()));
    node('ex8.morning').receive({ payload: Date.now() });
    const msg = await published;
    assert.equal(msg.topic, 'trailcam/kjk230/morning');
    const body = msg.payload as Record<string, unknown>;
    assert.equal(typeof body.battery, 'number');
    assert.equal(typeof body.sdFreeMB, 'number');
    assert.equal(body.pictures, 30, 'the newest page: 30 pictures on a camera with 30');
    assert.equal(typeof body.newestPicture, 'number');
    assert.ok(!JSON.stringify(msg).includes('85087127'), 'the hotspot password is not published');
    assert.ok(
      nmcli.calls().some((c) => c.includes('connect')),
      'joined the hotspot',
    );
    await asleep;
    await eventually(() => env.sim.sleepers[0].sleepScheduled, 'the camera saw its last session end');
    await sleepClock.advance(1000);
    await cameraSleeps;
    assert.equal(env.sim.liveSessions(), 0);
  });
});
