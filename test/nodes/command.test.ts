import assert from 'node:assert/strict';
import { ArtemisCameraService } from '../../src/artemis';
import { MAX_DRW_DATA } from '../../src/protocol';
import type { Simulation } from '../../src/sim';
import type { NodeMessage, NodeStatus } from '../../nodes/lib/red';
import { startSimulation } from '../runtime/fixtures';
import { cameraNode, helper, nextMessage, placed, simulatedFlows, trailcamNodes, type FlowNode, type TestNode } from './support';

/** The simulated camera's password: distinctive, so a test can look for it in the logs. */
const PASSWORD = 'S1m-Cam-secret!';

/** ARTEMIS services of the simulated camera's sessions, in order (reset per test). */
let services: ArtemisCameraService[] = [];
/** Called after the camera's ARTEMIS service has handled data (tests wait on it, no sleeps). */
let onServiceData: () => void = () => undefined;

/** A simulated camera that answers ARTEMIS on channel 0 (login admin/PASSWORD). */
function artemisSimulation(): Promise<Simulation> {
  services = [];
  return startSimulation({
    cameras: [
      {
        services: {
          0: () => {
            const service = new ArtemisCameraService({ user: 'admin', password: PASSWORD, seed: services.length + 1, mediaCount: 30 });
            services.push(service);
            return {
              onData: (data: Buffer, reply: (data: Buffer) => void) => {
                service.onData(data, reply);
                onServiceData();
              },
              close: () => service.close(),
            };
          },
        },
      },
    ],
  });
}

/** Resolves once `condition()` holds after some data reached the camera's ARTEMIS service. */
function serviceReaches(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (condition()) return resolve();
    onServiceData = () => {
      if (!condition()) return;
      onServiceData = () => undefined;
      resolve();
    };
  });
}

/** Every argument any log call of the test runtime received, as text. */
function loggedText(): string {
  return JSON.stringify(helper.log().args, (_key, value: unknown) => (value instanceof Error ? `${value.name}: ${value.message}` : value));
}

function commandFlow(sim: Simulation, cameraPatch: Record<string, unknown> = {}): FlowNode[] {
  return placed([
    { id: 'f1', type: 'tab', label: 'test' },
    cameraNode(sim, cameraPatch),
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
  const env = simulatedFlows({
    start: artemisSimulation,
    beforeUnload: () => {
      onServiceData = () => undefined;
    },
  });

  const credentials = { cam: { user: 'admin', password: PASSWORD } };

  it('names it does not know, startAV/stopAV and bad fields go to Catch without touching the camera', async () => {
    await helper.load(trailcamNodes(), commandFlow(env.sim), credentials);
    assert.match(await fails({ command: 'reboot' }), /unknown command "reboot"/);
    assert.match(await fails({ command: 'startAV' }), /never captured/);
    assert.match(await fails({ command: 'stopAV' }), /never captured/);
    assert.match(await fails({ command: 512, payload: 'x' }), /invalid payload "x"/);
    assert.match(await fails({ command: 'mediaList', payload: 'x' }), /e\.g\. \{"page": 0, "perPage": 45\}/, 'the example is the fields mediaList reads');
    assert.equal(env.sim.cameras[0].counters.sessions, 0);
  });

  it('an answer after a failed message ends its red status', async () => {
    await helper.load(trailcamNodes(), commandFlow(env.sim), credentials);
    await ask({});
    const statuses: NodeStatus[] = [];
    node('command').on('call:status', (call: { args: unknown[] }) => {
      statuses.push(call.args[0] as NodeStatus);
    });
    assert.match(await fails({ command: 'reboot' }), /unknown command/);
    assert.equal(statuses.at(-1)?.fill, 'red');
    await ask({});
    assert.notEqual(statuses.at(-1)?.fill, 'red', 'the answer repainted the camera status');
  });

  it('deviceInfo (the default), mediaList and a raw cmdId over the shared session', async function () {
    await helper.load(trailcamNodes(), commandFlow(env.sim), credentials);
    const info = await ask({});
    assert.equal(info.command, 'deviceInfo');
    const device = info.payload as { batteryPercent: number; sdFreeMB: number; model: string };
    const simulated = services[0].device;
    assert.deepEqual([device.batteryPercent, device.sdFreeMB, device.model], [simulated.batteryPercent, simulated.sdFreeMB, simulated.model]);
    const media = await ask({ command: 'mediaList', payload: { page: 1, perPage: 10 } });
    assert.deepEqual((media.payload as { items: unknown[] }).items, services[0].media.slice(10, 20));
    const raw = await ask({ command: '512' });
    assert.equal(raw.command, 512);
    assert.equal((raw.payload as { modelName: string }).modelName, simulated.model);
    assert.ok(JSON.stringify(raw.payload).length > MAX_DRW_DATA, 'the 512 answer came in several DRW packets, as the real one does');
    const ack = await ask({ command: 258, payload: {} });
    assert.deepEqual(ack.payload, { errorMsg: 'Success', result: 0, cmdId: 258 });
    assert.equal(env.sim.cameras[0].counters.sessions, 1, 'one session for every command');
    assert.equal(services[0].stats.logins, 1, 'one login for every command');
    const logs = loggedText();
    assert.ok(!logs.includes(PASSWORD), 'the password is never logged');
    assert.ok(!logs.includes(String(services[0].token)), 'nor the token');
  });

  it('over a 20 %-loss path: login, 50 deviceInfo commands and a media list succeed; heartbeats go on while idle', async function () {
    this.timeout(60_000);
    for (const path of ['lan', 'p2p', 'relay'] as const) env.sim.setPath(path, { loss: 0.2 });
    await helper.load(trailcamNodes(), commandFlow(env.sim, { maxConnectionTimeMs: 20_000, attemptTimeoutMs: 1000, keepaliveSilenceMs: 15_000 }), credentials);
    const answers: NodeMessage[] = [];
    const all = new Promise<void>((resolve) => {
      node('out').on('input', (msg) => {
        answers.push(msg);
        if (answers.length === 50) resolve();
      });
    });
    for (let i = 0; i < 50; i += 1) node('command').receive({ topic: `info ${i}` });
    await all;
    const simulated = services[0].device;
    assert.deepEqual(new Set(answers.map((m) => m.topic)).size, 50, 'every message answered once');
    for (const answer of answers) assert.equal((answer.payload as { sdFreeMB: number }).sdFreeMB, simulated.sdFreeMB);
    const media = await ask({ command: 'mediaList', payload: { page: 0, perPage: 30 } });
    assert.deepEqual((media.payload as { items: unknown[] }).items, services[0].media.slice(0, 30));
    assert.equal(services.length, 1, 'the session survived the loss');
    const beats = services[0].stats.heartbeats;
    await serviceReaches(() => services[0].stats.heartbeats >= beats + 2);
    assert.equal(services[0].stats.logins, 1);
  });

  it('a wrong password goes to Catch as a login error', async function () {
    const wrong = 'Wr0ng-pass-word';
    await helper.load(trailcamNodes(), commandFlow(env.sim), { cam: { user: 'admin', password: wrong } });
    const message = await fails({});
    assert.match(message, /ARTEMIS command 0 \(seq 1\) failed: camera result/);
    assert.equal(services[0].stats.failedLogins, 1);
    for (const secret of [wrong, PASSWORD]) {
      assert.ok(!message.includes(secret), 'the error names no password');
      assert.ok(!loggedText().includes(secret), 'no password in the logs');
    }
  });

  it('trailcam-status with device info adds battery and SD card free MB to "online"', async function () {
    await helper.load(trailcamNodes(), commandFlow(env.sim), credentials);
    const online = nextMessage(node('availability'));
    node('status').receive({ action: 'check' });
    const msg = await online;
    assert.equal(msg.payload, 'online');
    const simulated = services[0].device;
    assert.deepEqual([msg.battery, msg.sdFreeMB, msg.deviceInfoError], [simulated.batteryPercent, simulated.sdFreeMB, undefined]);
  });
});
