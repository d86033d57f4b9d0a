import assert from 'node:assert/strict';
import { ArtemisCameraService } from '../../src/artemis';
import { SESSION_LAYER_AVAILABLE } from '../../src/runtime';
import type { Simulation } from '../../src/sim';
import type { NodeMessage } from '../../nodes/lib/red';
import { startSimulation } from '../runtime/fixtures';
import { cameraNode, helper, nextMessage, placed, trailcamNodes, type FlowNode, type TestNode } from './support';

/** A simulated camera that answers ARTEMIS on channel 0 (login admin/secret). */
function artemisSimulation(): Promise<Simulation> {
  let seed = 0;
  return startSimulation({
    cameras: [{ services: { 0: () => new ArtemisCameraService({ user: 'admin', password: 'secret', seed: (seed += 1), mediaCount: 30 }) } }],
  });
}

function commandFlow(sim: Simulation): FlowNode[] {
  return placed([
    { id: 'f1', type: 'tab', label: 'test' },
    cameraNode(sim),
    { id: 'command', type: 'trailcam-command', z: 'f1', camera: 'cam', command: 'deviceInfo', timeoutMs: 3000, wires: [['out']] },
    { id: 'out', type: 'helper', z: 'f1' },
    { id: 'status', type: 'trailcam-status', z: 'f1', camera: 'cam', startAtDeploy: false, deviceInfo: true, wires: [['availability']] },
    { id: 'availability', type: 'helper', z: 'f1' },
    { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
  ]);
}

const node = (id: string): TestNode => helper.getNode(id) as TestNode;

async function ask(msg: NodeMessage): Promise<NodeMessage> {
  const answer = nextMessage(node('out'));
  node('command').receive(msg);
  return answer;
}

async function fails(msg: NodeMessage): Promise<string> {
  const caught = nextMessage(node('caught'));
  node('command').receive(msg);
  return ((await caught).error as { message: string }).message;
}

describe('nodes: trailcam-command', function () {
  this.timeout(15_000);
  let sim: Simulation;

  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(async () => {
    sim = await artemisSimulation();
  });
  afterEach(async () => {
    await helper.unload();
    await sim.close();
  });

  const credentials = { cam: { user: 'admin', password: 'secret' } };

  /** Commands need DRW channels (src/session); until it is wired into the runtime these skip. */
  function needsSessionLayer(this: Mocha.Context): void {
    if (!SESSION_LAYER_AVAILABLE) this.skip();
  }

  it('names it does not know, startAV/stopAV and bad fields go to Catch without touching the camera', async () => {
    await helper.load(trailcamNodes(), commandFlow(sim), credentials);
    assert.match(await fails({ command: 'reboot' }), /unknown command "reboot"/);
    assert.match(await fails({ command: 'startAV' }), /never captured/);
    assert.match(await fails({ command: 512, payload: 'x' }), /invalid payload "x"/);
    assert.equal(sim.cameras[0].counters.sessions, 0);
  });

  it('deviceInfo (the default), mediaList and a raw cmdId over the shared session', async function () {
    needsSessionLayer.call(this);
    await helper.load(trailcamNodes(), commandFlow(sim), credentials);
    const info = await ask({});
    assert.equal(info.command, 'deviceInfo');
    const device = info.payload as { batteryPercent: number; sdFreeMB: number; model: string };
    assert.deepEqual([device.batteryPercent, device.sdFreeMB, device.model], [20, 30034, 'KJK230']);
    const media = await ask({ command: 'mediaList', payload: { page: 0, perPage: 10 } });
    assert.equal((media.payload as { items: unknown[] }).items.length, 10);
    const raw = await ask({ command: '512' });
    assert.equal(raw.command, 512);
    assert.equal((raw.payload as { modelName: string }).modelName, 'KJK230');
    assert.equal(sim.cameras[0].counters.sessions, 1, 'one session, one login for every command');
  });

  it('a wrong password goes to Catch as a login error', async function () {
    needsSessionLayer.call(this);
    await helper.load(trailcamNodes(), commandFlow(sim), { cam: { user: 'admin', password: 'wrong' } });
    assert.match(await fails({}), /login|password/i);
  });

  it('trailcam-status with device info adds battery and SD card free MB to "online"', async function () {
    needsSessionLayer.call(this);
    await helper.load(trailcamNodes(), commandFlow(sim), credentials);
    const online = nextMessage(node('availability'));
    node('status').receive({ action: 'check' });
    const msg = await online;
    assert.equal(msg.payload, 'online');
    assert.deepEqual([msg.battery, msg.sdFreeMB, msg.deviceInfoError], [20, 30034, undefined]);
  });
});
