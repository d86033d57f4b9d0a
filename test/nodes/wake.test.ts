import assert from 'node:assert/strict';
import { ArtemisCameraService } from '../../src/artemis';
import { FakeBleTransport, type BleTransport } from '../../src/ble';
import { IDLE_CLOSED, NOT_NEEDED_YET, type CameraRuntime } from '../../src/runtime';
import { createSimulation, type Simulation } from '../../src/sim';
import type { NodeMessage, NodeStatus } from '../../nodes/lib/red';
import { createNmcliStandIn, type NmcliStandIn } from '../ble/nmcli-stand-in';
import { settledHandles } from '../helpers/udp';
import { ManualTimers } from '../helpers/manual-timers';
import { loadDefinition } from './editor-definitions';
import { cameraNode, collect, helper, nextMessage, nextStatus, placed, simulatedFlows, trailcamNodes, type FlowNode, type TestNode } from './support';
import { eventually } from '../runtime/fixtures';

const PASSWORD = '85087127';
const CLOSED = { scans: 0, connections: 0, subscriptions: 0, timers: 0 };
const wakeNodes = (): unknown[] => [...trailcamNodes(), require('../../nodes/trailcam-wake')];
const node = (id: string): TestNode => helper.getNode(id) as TestNode;

/** The clock of the sleeping camera's own idle time (reset per test): it sleeps only when a test advances it. */
let sleepClock = new ManualTimers();

/** A sleeping simulated camera with ARTEMIS; BLE answers at once, the camera sleeps 1 s (on sleepClock) after its last session. */
function sleepingSimulation(): Promise<Simulation> {
  let session = 0;
  sleepClock = new ManualTimers();
  return createSimulation({
    cameras: [{ services: { 0: () => new ArtemisCameraService({ seed: (session += 1), mediaCount: 12 }) } }],
    servers: 1,
    relays: 1,
    seed: 3,
    fast: true,
    sleeping: { answerDelayMs: 0, connectDelayMs: 0, notificationGapMs: 0, sleepAfterMs: 1000, timers: sleepClock },
  });
}

/**
 * The morning flow in miniature: wake (join with the stand-in nmcli) → deviceInfo on a battery
 * camera (idle close after 1 s) → out; a status node monitoring from deploy; a catch node.
 */
function dayFlow(sim: Simulation, wake: Record<string, unknown> = {}): FlowNode[] {
  return placed([
    { id: 'f1', type: 'tab', label: 'test' },
    cameraNode(sim, { powerMode: 'battery', idleCloseMs: 1000, modeP2p: false, modeRelay: false }),
    {
      id: 'wake',
      type: 'trailcam-wake',
      z: 'f1',
      address: sim.sleepers[0].ble.address,
      bleName: '',
      join: true,
      ifname: 'wlan0',
      timeoutMs: 2000,
      wires: [['woken', 'command']],
      ...wake,
    },
    { id: 'woken', type: 'helper', z: 'f1' },
    { id: 'command', type: 'trailcam-command', z: 'f1', camera: 'cam', command: 'deviceInfo', timeoutMs: 3000, wires: [['out']] },
    { id: 'out', type: 'helper', z: 'f1' },
    { id: 'status', type: 'trailcam-status', z: 'f1', camera: 'cam', startAtDeploy: true, deviceInfo: false, wires: [['availability']] },
    { id: 'availability', type: 'helper', z: 'f1' },
    { id: 'catcher', type: 'catch', z: 'f1', scope: ['wake'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
  ]);
}

function statusTexts(target: TestNode): string[] {
  const texts: string[] = [];
  target.on('call:status', (call) => texts.push(String((call.args[0] as NodeStatus).text ?? '')));
  return texts;
}

/** The first message node `id` receives that `match`es. */
const until = (id: string, match: (msg: NodeMessage) => boolean): Promise<NodeMessage> => nextMessage(node(id), match);

describe('nodes: trailcam-wake and a battery camera, end to end against the sleeping simulated camera', function () {
  this.timeout(20_000);
  let nmcli: NmcliStandIn;
  let transports: FakeBleTransport[];
  /** The BLE central the next wake gets (default: the simulation's sleeping cameras). */
  let nextTransport: (() => FakeBleTransport) | undefined;
  const env = simulatedFlows({
    start: sleepingSimulation,
    afterUnload: () => {
      helper.settings({});
      nmcli.remove();
    },
  });
  beforeEach(() => {
    nmcli = createNmcliStandIn();
    transports = [];
    nextTransport = undefined;
  });
  const settings = (extra: Record<string, string> = {}): void => {
    helper.settings({
      trailcamWake: {
        transport: (): BleTransport => {
          const t = nextTransport?.() ?? env.sim.bleTransport();
          transports.push(t);
          return t;
        },
        nmcliEnv: nmcli.env(extra),
      },
    });
  };

  it('wake → join (stand-in nmcli) → race → command → idle close → asleep; the password only in msg.payload; everything released', async () => {
    settings();
    const sleeper = env.sim.sleepers[0];
    const quiet = await settledHandles();
    await helper.load(wakeNodes(), dayFlow(env.sim));
    const availability = collect(node('availability'));
    const runtime = (helper.getNode('cam') as unknown as { runtime: CameraRuntime }).runtime;
    assert.deepEqual(
      [runtime.availability.state, runtime.availability.lastSeen, runtime.monitoring],
      ['asleep', null, true],
      'battery camera at deploy: asleep, never seen, watched',
    );
    const wakeStatuses = statusTexts(node('wake'));
    const cameraStatuses: NodeStatus[] = [];
    node('command').on('call:status', (call) => cameraStatuses.push(call.args[0] as NodeStatus));
    const logged = helper.log();

    const woken = nextMessage(node('woken'));
    const answered = nextMessage(node('out'));
    const asleep = until('availability', (m) => m.payload === 'asleep' && m.reason === IDLE_CLOSED);
    const cameraSleeps = new Promise<void>((resolve) => sleeper.onChange((awake) => !awake && resolve()));
    node('wake').receive({ topic: 'morning' });

    const payload = (await woken).payload as Record<string, unknown>;
    assert.deepEqual(
      { ...payload, elapsedMs: typeof payload.elapsedMs },
      {
        woken: true,
        address: 'C6:1E:0D:E0:32:E8',
        name: 'TC100_32E8',
        ssid: 'KJK_E0FF',
        bssid: '1C:4E:A2:92:E0:FF',
        password: PASSWORD,
        acknowledged: true,
        elapsedMs: 'number',
        joined: 'joined',
      },
    );
    const calls = nmcli.calls();
    assert.deepEqual(calls.at(-1), ['device', 'wifi', 'connect', 'KJK_E0FF', 'password', PASSWORD, 'bssid', '1C:4E:A2:92:E0:FF', 'ifname', 'wlan0']);
    const info = (await answered).payload as { model: string };
    assert.equal(info.model, 'KJK230');

    const sleeping = await asleep;
    assert.deepEqual(
      cameraStatuses.at(-1),
      { fill: 'blue', shape: 'ring', text: 'trailcam-camera.status.asleep' },
      'the camera\'s nodes show a blue ring "asleep"',
    );
    assert.equal(sleeping.reason, IDLE_CLOSED);
    assert.equal(typeof sleeping.lastSeen, 'number');
    assert.equal(sleeping.powerMode, 'battery');
    assert.equal(sleeper.awake, true, 'awake until its own idle time has passed');
    await eventually(() => sleeper.sleepScheduled, 'the camera saw its last session end');
    await sleepClock.advance(1000);
    await cameraSleeps;
    assert.equal(env.sim.liveSessions(), 0, 'the camera holds no session');
    assert.deepEqual(
      availability.filter((m) => m.reason !== NOT_NEEDED_YET).map((m) => m.payload),
      ['online', 'asleep'],
    );

    // Statuses for each step, and never the password in a status or the log.
    // (the test runtime returns catalogue keys untranslated: "trailcam-wake.status.step-scan")
    const steps = wakeStatuses.map((s) => s.replace(/trailcam-wake\.status\./g, ''));
    assert.deepEqual(steps, [
      'waking: step-adapter',
      'waking: step-scan',
      'waking: step-connect',
      'waking: step-discover',
      'waking: step-subscribe',
      'waking: step-write',
      'waking: step-answer',
      'joining KJK_E0FF…',
      'joined KJK_E0FF',
    ]);
    assert.ok(!wakeStatuses.join('\n').includes(PASSWORD));
    assert.ok(!JSON.stringify(logged.args).includes(PASSWORD), 'the password is not logged');

    await helper.unload();
    for (const t of transports) assert.deepEqual(t.handles(), CLOSED, 'every BLE handle released');
    assert.deepEqual(await settledHandles(), quiet, 'every socket and timer released (the camera sleeps again)');
  });

  it('a second wake while the camera is awake is answered again; "already" on its hotspot skips the join', async () => {
    settings({ STANDIN_ACTIVE_SSID: 'KJK_E0FF' });
    await helper.load(wakeNodes(), dayFlow(env.sim));
    const first = nextMessage(node('woken'));
    node('wake').receive({});
    assert.equal(((await first).payload as { joined: string }).joined, 'already');
    assert.ok(!nmcli.calls().some((c) => c.includes('connect')), 'no connect when already on it');
    const second = nextMessage(node('woken'));
    node('wake').receive({ bleName: 'TC100_32E8' });
    assert.equal(((await second).payload as { name: string }).name, 'TC100_32E8');
    assert.equal(env.sim.sleepers[0].counters.wakes, 2);
  });

  it('failures go to done(err) with a red status: not found, join refused (msg.payload keeps the credentials), bad msg.address, busy', async () => {
    settings({ STANDIN_REFUSE_CONNECT: '1' });
    const quiet = await settledHandles();
    await helper.load(wakeNodes(), dayFlow(env.sim, { timeoutMs: 300 }));
    const failed = async (msg: NodeMessage): Promise<NodeMessage> => {
      const caught = nextMessage(node('caught'));
      node('wake').receive(msg);
      return caught;
    };
    const red = nextStatus(node('wake'), (s) => s.fill === 'red');
    const notFound = await failed({ address: 'AA:BB:CC:DD:EE:FF' });
    assert.match(String((notFound.error as { message: string }).message), /AA:BB:CC:DD:EE:FF/);
    assert.equal((await red).text, 'ERR_BLE_NOT_FOUND');

    const refused = await failed({});
    const error = (refused.error as { message: string }).message;
    assert.match(error, /nmcli device wifi connect KJK_E0FF password \*\*\* .*failed \(exit 4\)/);
    assert.ok(!error.includes(PASSWORD), 'the error masks the password');
    assert.equal((refused.payload as { password: string }).password, PASSWORD, 'the credentials, to join by hand');

    const bad = await failed({ address: 'garden' });
    assert.match(String((bad.error as { message: string }).message), /invalid msg\.address "garden"/);

    // A wake that waits for its answer (the node's timeout long enough to never end it here).
    await helper.unload();
    await helper.load(wakeNodes(), dayFlow(env.sim, { timeoutMs: 600_000 }));
    nextTransport = () => new FakeBleTransport([{ address: 'C6:1E:0D:E0:32:E8', answerDelayMs: 600_000 }]);
    const waiting = nextStatus(node('wake'), (s) => /step-answer/.test(s.text ?? ''));
    node('wake').receive({});
    await waiting;
    const busy = await failed({});
    assert.match(String((busy.error as { message: string }).message), /already running/);
    await helper.unload();
    for (const t of transports) assert.deepEqual(t.handles(), CLOSED, 'released after every failure');
    await env.sim.sleepers[0].sleep(); // the camera woke for the refused join: switch it off to compare
    assert.deepEqual(await settledHandles(), quiet, 'no socket, timer or nmcli process left by the failures');
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap').length, 0, 'no nmcli child left');
  });

  it('a redeploy during a wake or a join aborts it and releases every BLE handle, socket, timer and nmcli; no BLE library: ERR_BLE_UNAVAILABLE with the install hint', async () => {
    settings();
    nextTransport = () => new FakeBleTransport([{ address: 'C6:1E:0D:E0:32:E8', answerDelayMs: 600_000 }]);
    const quiet = await settledHandles();
    await helper.load(wakeNodes(), dayFlow(env.sim));
    const waiting = nextStatus(node('wake'), (s) => /step-answer/.test(s.text ?? ''));
    node('wake').receive({});
    await waiting;
    const held = transports[0].handles();
    assert.deepEqual([held.connections, held.subscriptions, held.timers > 0], [1, 2, true], 'connected, subscribed, the answer pending');
    await helper.unload();
    assert.deepEqual(transports[0].handles(), CLOSED);
    assert.deepEqual(await settledHandles(), quiet, 'no socket or timer left by the aborted wake');

    // A redeploy during the join: nmcli (the stand-in hangs in "connect") is killed, nothing is left.
    settings({ STANDIN_HANG: '1' });
    nextTransport = undefined;
    await helper.load(wakeNodes(), dayFlow(env.sim));
    const joining = nextStatus(node('wake'), (s) => /joining/.test(s.text ?? ''));
    node('wake').receive({});
    await joining;
    await nmcli.waitForCalls((calls) => calls.some((c) => c.includes('connect')));
    await helper.unload();
    await env.sim.sleepers[0].sleep();
    assert.deepEqual(await settledHandles(), quiet, 'no socket, timer or nmcli process left by the aborted join');
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap').length, 0, 'the nmcli child was killed');

    helper.settings({}); // the default transport: @abandonware/noble, not installed here
    await helper.load(wakeNodes(), dayFlow(env.sim));
    const caught = nextMessage(node('caught'));
    node('wake').receive({});
    const error = (await caught).error as { message: string };
    assert.match(error.message, /npm install @abandonware\/noble/);
  });
});

describe('editor: trailcam-wake', () => {
  it('palette, icon, one output; address or name, not both; the ifname and timeout are checked', () => {
    const def = loadDefinition('trailcam-wake');
    assert.equal(def.category, 'trailcam');
    assert.equal(def.icon, 'trailcam-wake.svg');
    assert.deepEqual([def.inputs, def.outputs], [1, 1]);
    const validate = (field: string, value: unknown, self: Record<string, unknown> = {}) => def.defaults[field].validate?.call(self, value, {});
    assert.equal(validate('address', 'C6:1E:0D:E0:32:E8'), true);
    assert.equal(validate('address', '', { bleName: 'TC100_32E8' }), true);
    assert.match(String(validate('address', '')), /errors\.target/);
    assert.match(String(validate('address', 'C6:1E:0D:E0:32:E8', { bleName: 'TC100_32E8' })), /errors\.both/);
    assert.match(String(validate('address', 'garden')), /errors\.address/);
    assert.match(String(validate('ifname', 'wlan 0')), /errors\.ifname/);
    assert.match(String(validate('timeoutMs', 0)), /errors\.timeout/);
    assert.equal(def.defaults.join.value, false, 'the join is opt-in');
    assert.equal(def.label.call({ address: 'C6:1E:0D:E0:32:E8' }), 'wake C6:1E:0D:E0:32:E8');
  });

  it('trailcam-camera: power mode mains by default, battery accepted, anything else named; idle time 1000-3600000 ms', () => {
    const def = loadDefinition('trailcam-camera');
    const validate = (field: string, value: unknown) => def.defaults[field].validate?.call({}, value, {});
    assert.deepEqual([def.defaults.powerMode.value, def.defaults.idleCloseMs.value], ['mains', 30000]);
    assert.equal(validate('powerMode', 'battery'), true);
    assert.equal(validate('powerMode', 'solar'), 'power mode solar is not one of mains, battery', 'the runtime’s message (src/validation)');
    assert.equal(validate('idleCloseMs', 1000), true);
    assert.equal(validate('idleCloseMs', 999), 'idle close time 999 is not 1000–3600000 ms');
  });
});
