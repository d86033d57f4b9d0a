import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors';
import { formatDid, parseDid } from '../../src/protocol';
import { invalidFieldsText } from '../../nodes/lib/status';
import { CAMERA_DEFAULTS, type CameraRuntime } from '../../src/runtime';
import { loadDefinition } from './editor-definitions';
import { cameraNode, helper, nextStatus, placed, simulatedFlows, trailcamNodes, type FlowNode, type TestNode } from './support';

/** A config node and one connect node that uses it. */
function flow(camera: FlowNode): FlowNode[] {
  return placed([
    { id: 'f1', type: 'tab', label: 'test' },
    camera,
    { id: 'connect', type: 'trailcam-connect', z: 'f1', camera: camera.id, wires: [[], [], [], []] },
  ]);
}

const runtimeOf = (id: string): CameraRuntime => {
  const node = helper.getNode(id) as unknown as { runtime: CameraRuntime | null };
  assert.ok(node.runtime, `${id} has a runtime`);
  return node.runtime;
};

/** Every log entry of the test runtime as text: each message, then every entry whole as JSON. */
function loggedText(): string {
  const whole = JSON.stringify(helper.log().args, (_key, value: unknown) => (value instanceof Error ? `${value.name}: ${value.message}` : value));
  return helper
    .log()
    .args.flat()
    .map((entry) => {
      if (entry instanceof Error) return `${entry.name}: ${entry.message}`;
      if (typeof entry === 'object' && entry !== null && 'msg' in entry) return String((entry as { msg: unknown }).msg);
      return typeof entry === 'string' ? entry : JSON.stringify(entry);
    })
    .concat(whole)
    .join('\n');
}

describe('nodes: trailcam-camera (config node)', function () {
  this.timeout(15_000);
  const env = simulatedFlows();

  it('every editor field and both credentials reach the camera runtime', async () => {
    const camera = env.sim.cameras[0];
    const [server] = env.sim.servers;
    // Values unlike every default (and strings, as the editor stores text inputs), all on loopback.
    const fields = {
      name: 'Garden',
      host: '127.0.0.1',
      did: camera.did,
      ports: `${camera.sessionPort}, 32100`,
      modeLan: true,
      modeP2p: false,
      modeRelay: true,
      servers: `${server.host}:${server.port}`,
      relays: '127.0.0.1:40001',
      maxConnectionTimeMs: '4321',
      attemptTimeoutMs: '321',
      startupDelayMs: '12',
      adaptive: false,
      keepaliveSilenceMs: '4567',
      reconnectMinMs: '77',
      reconnectMaxMs: '7777',
      reconnectFactor: '1.5',
      reconnectJitter: '0.05',
    };
    await helper.load(trailcamNodes(), flow({ id: 'cam', type: 'trailcam-camera', ...fields }), { cam: { user: 'operator', password: 'pw-Garden-42' } });
    const settings = runtimeOf('cam').settings;
    assert.equal(settings.name, fields.name);
    assert.equal(settings.race.host, fields.host);
    assert.equal(formatDid(settings.race.did), formatDid(parseDid(fields.did)));
    assert.deepEqual(settings.race.ports, [camera.sessionPort, 32100]);
    assert.deepEqual(settings.race.modes, ['lan', 'relay'], 'P2P unticked');
    assert.deepEqual(settings.race.servers, [{ host: server.host, port: server.port }]);
    assert.deepEqual(settings.race.relays, [{ host: '127.0.0.1', port: 40001 }]);
    assert.equal(settings.race.maxConnectionTimeMs, 4321);
    assert.deepEqual(settings.race.attemptTimeoutMs, { lan: 321, p2p: 321, relay: 321 });
    assert.equal(settings.race.startupDelayMs, 12);
    assert.equal(settings.adaptive, false);
    assert.equal(settings.keepaliveSilenceMs, 4567);
    assert.deepEqual([settings.reconnectMinMs, settings.reconnectMaxMs, settings.reconnectFactor, settings.reconnectJitter], [77, 7777, 1.5, 0.05]);
    assert.deepEqual(settings.credentials, { user: 'operator', password: 'pw-Garden-42' });
    assert.ok(!loggedText().includes('pw-Garden-42'), 'the password is never logged');
  });

  it('a camera added in the editor (its defaults and a DID) gets the KJK230 settings: 192.168.43.1, port 40611 first, admin login; nothing is sent', async () => {
    const did = env.sim.cameras[0].did;
    const editorDefaults = Object.fromEntries(Object.entries(loadDefinition('trailcam-camera').defaults).map(([key, d]) => [key, d.value]));
    await helper.load(trailcamNodes(), flow({ id: 'cam', type: 'trailcam-camera', ...editorDefaults, did }));
    const settings = runtimeOf('cam').settings;
    assert.equal(settings.race.host, CAMERA_DEFAULTS.host);
    assert.equal(settings.race.ports.join(','), CAMERA_DEFAULTS.ports);
    assert.equal(settings.race.ports[0], 40611);
    assert.deepEqual(settings.race.modes, ['lan', 'p2p', 'relay']);
    assert.equal(settings.name, did, 'no name: the DID labels the camera');
    assert.deepEqual(
      [
        settings.race.maxConnectionTimeMs,
        settings.race.attemptTimeoutMs.lan,
        settings.race.startupDelayMs,
        settings.adaptive,
        settings.keepaliveSilenceMs,
        settings.reconnectMinMs,
        settings.reconnectMaxMs,
        settings.reconnectFactor,
        settings.reconnectJitter,
      ],
      [
        CAMERA_DEFAULTS.maxConnectionTimeMs,
        CAMERA_DEFAULTS.attemptTimeoutMs,
        CAMERA_DEFAULTS.startupDelayMs,
        CAMERA_DEFAULTS.adaptive,
        CAMERA_DEFAULTS.keepaliveSilenceMs,
        CAMERA_DEFAULTS.reconnectMinMs,
        CAMERA_DEFAULTS.reconnectMaxMs,
        CAMERA_DEFAULTS.reconnectFactor,
        CAMERA_DEFAULTS.reconnectJitter,
      ],
    );
    assert.deepEqual(settings.credentials, { user: CAMERA_DEFAULTS.user, password: CAMERA_DEFAULTS.password });
    assert.deepEqual(runtimeOf('cam').state, { phase: 'idle', reason: null }, 'nothing is sent until a node asks');
  });

  it('a backoff factor or jitter out of range is named like every other field', async () => {
    for (const [patch, message] of [
      [{ reconnectFactor: '0.5' }, /invalid reconnectFactor: backoff factor 0\.5 is not 1–10/],
      [{ reconnectJitter: 2 }, /invalid reconnectJitter: jitter 2 is not 0–1/],
    ] as const) {
      await helper.load(trailcamNodes(), flow(cameraNode(env.sim, patch)));
      const connect = helper.getNode('connect') as TestNode;
      const red = nextStatus(connect, (s) => s.fill === 'red');
      connect.receive({});
      assert.equal((await red).text, `invalid ${Object.keys(patch)[0]}`);
      assert.match(loggedText(), message);
      await helper.unload();
    }
  });

  it('several invalid fields: the red status names each of them (at most three, then how many more)', async () => {
    await helper.load(trailcamNodes(), flow(cameraNode(env.sim, { reconnectFactor: '0.5', reconnectJitter: 2 })));
    const connect = helper.getNode('connect') as TestNode;
    const red = nextStatus(connect, (s) => s.fill === 'red');
    connect.receive({});
    assert.equal((await red).text, 'invalid reconnectFactor, reconnectJitter');
    await helper.unload();
    const err = ConfigError.of(['a', 'b', 'c', 'd', 'e'].map((field) => ({ field, value: 1, message: 'bad' })));
    assert.equal(invalidFieldsText(err), 'invalid a, b, c (+2)');
    assert.equal(invalidFieldsText(new ConfigError('host', 'x', 'bad')), 'invalid host');
  });

  it('an invalid field is logged naming field and value, every user shows it in red; the password never appears', async () => {
    const camera = cameraNode(env.sim, { reconnectMinMs: 5000, reconnectMaxMs: 100 });
    const loaded = helper.load(trailcamNodes(), flow(camera), { cam: { user: 'admin', password: 'pw-Never-Shown' } });
    await loaded;
    const connect = helper.getNode('connect') as TestNode;
    const red = nextStatus(connect, (s) => s.fill === 'red');
    connect.receive({});
    assert.deepEqual(await red, { fill: 'red', shape: 'ring', text: 'invalid reconnectMaxMs' });
    const text = loggedText();
    assert.match(text, /invalid reconnectMaxMs: longest reconnect wait 100 is below first reconnect wait \(5000\)/);
    assert.ok(!text.includes('pw-Never-Shown'), 'the password is never logged');
    assert.equal((helper.getNode('cam') as unknown as { runtime: unknown }).runtime, null);
  });
});
