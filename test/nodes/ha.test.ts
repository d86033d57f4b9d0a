import assert from 'node:assert/strict';
import type { NodeMessage } from '../../nodes/lib/red';
import { ENTITY_KEYS } from '../../src/ha';
import { loadDefinition, type NodeDefinition } from './editor-definitions';
import { cameraNode, collect, helper, nextMessage, nextStatus, placed, simulatedFlows, trailcamNodes, type FlowNode, type TestNode } from './support';

function haFlow(cameraPatch: Record<string, unknown>, ha: Record<string, unknown>, sim: Parameters<typeof cameraNode>[0]): FlowNode[] {
  return placed([
    { id: 'f1', type: 'tab', label: 'test' },
    cameraNode(sim, cameraPatch),
    { id: 'ha', type: 'trailcam-ha', z: 'f1', camera: 'cam', site: 'garden', discoveryPrefix: 'homeassistant', ...ha, wires: [['out']] },
    { id: 'out', type: 'helper', z: 'f1' },
    { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
  ]);
}

const node = (id: string): TestNode => helper.getNode(id) as TestNode;

describe('nodes: trailcam-ha', function () {
  this.timeout(15_000);
  const env = simulatedFlows();

  it('turns a status message into retained mqtt out messages for the camera of its config node', async () => {
    await helper.load(trailcamNodes(), haFlow({ name: 'Garden camera' }, {}, env.sim));
    const out = collect(node('out'));
    const configs = ENTITY_KEYS.length;
    const allOut = new Promise<void>((resolve) => node('out').on('input', () => out.length === configs + 4 && resolve()));
    const green = nextStatus(node('ha'), (s) => s.fill === 'green');
    const caught = collect(node('caught'));
    node('ha').receive({ topic: 'Garden camera', payload: 'online', mode: 'lan' });
    assert.equal((await green).text, 'online');
    await allOut;
    const did = env.sim.cameras[0].did.toLowerCase();
    assert.equal(out.length, configs + 4);
    assert.ok(out.every((m) => m.retain === true && m.qos === 1 && typeof m.topic === 'string'));
    const device = (out[0].payload as { device: { name: string; identifiers: string[] } }).device;
    assert.equal(device.name, 'Garden camera');
    assert.deepEqual(device.identifiers, [`trailcam_${env.sim.cameras[0].did}`]);
    assert.deepEqual(
      out.slice(configs).map((m) => [m.topic, m.payload]),
      [
        [`trailcam/garden/${did}/available`, 'online'],
        [`trailcam/garden/${did}/connectivity`, 'ON'],
        [`trailcam/garden/${did}/availability`, 'online'],
        [`trailcam/garden/${did}/mode`, 'lan'],
      ],
    );
    const removed = nextStatus(node('ha'), (s) => s.fill === 'grey' && s.shape === 'dot');
    node('ha').receive({ action: 'remove' });
    await removed;
    assert.equal(caught.length, 0);
  });

  it('a message it cannot read, or a bad action, goes to Catch naming what is wrong', async () => {
    await helper.load(trailcamNodes(), haFlow({}, {}, env.sim));
    const first = nextMessage(node('caught'));
    node('ha').receive({ payload: 42 });
    assert.match(String(((await first).error as { message: string }).message), /invalid payload 42: not a message this node reads/);
    const second = nextMessage(node('caught'));
    node('ha').receive({ action: 'delete' });
    assert.match(String(((await second).error as { message: string }).message), /invalid action "delete": must be one of announce, remove/);
  });

  it('an invalid site id shows on the status and fails every input', async () => {
    // The node reports the error while it is created, before a test could listen: read it from the log.
    await helper.load(trailcamNodes(), haFlow({}, { site: 'my site' }, env.sim));
    const error = helper
      .log()
      .args.map((a) => a[0] as { msg?: unknown })
      .find((e) => /invalid site/.test(String(e.msg)));
    assert.match(String(error?.msg), /invalid site "my site": must be 1-64 letters, digits, _ or -/);
    const caught = nextMessage(node('caught'));
    node('ha').receive({ payload: 'online' } as NodeMessage);
    assert.match(String(((await caught).error as { message: string }).message), /invalid site "my site"/);
  });

  it('the editor marks a bad site id and discovery prefix with a message, as the runtime does', () => {
    const def: NodeDefinition = loadDefinition('trailcam-ha');
    const check = (field: string, value: string): unknown => def.defaults[field].validate?.call({}, value, {});
    assert.equal(def.defaults.site.validate?.length, 2, 'two-argument validator (Node-RED 4.1 shows its message)');
    assert.equal(check('site', 'home'), true);
    assert.equal(check('site', ''), true);
    assert.equal(typeof check('site', 'my site'), 'string');
    assert.equal(typeof check('site', 'a/b'), 'string');
    assert.equal(check('discoveryPrefix', 'homeassistant'), true);
    assert.equal(typeof check('discoveryPrefix', 'home/#'), 'string');
  });
});
