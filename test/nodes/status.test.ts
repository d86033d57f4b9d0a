import assert from 'node:assert/strict';
import type { Simulation } from '../../src/sim';
import { cameraNode, collect, helper, nextMessage, nextStatus, placed, simulatedFlows, trailcamNodes, type FlowNode, type TestNode } from './support';

function statusFlow(sim: Simulation, startAtDeploy: boolean | undefined, cameraPatch: Record<string, unknown> = {}): FlowNode[] {
  return placed([
    { id: 'f1', type: 'tab', label: 'test' },
    cameraNode(sim, { keepaliveSilenceMs: 1000, reconnectMinMs: 50, reconnectMaxMs: 200, maxConnectionTimeMs: 500, attemptTimeoutMs: 200, ...cameraPatch }),
    { id: 'status', type: 'trailcam-status', z: 'f1', camera: 'cam', startAtDeploy, deviceInfo: false, wires: [['out']] },
    { id: 'out', type: 'helper', z: 'f1' },
    { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
  ]);
}

/** Resolves when `out` has received a message with payload `state`. */
function until(out: TestNode, state: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (msg: { payload?: unknown }): void => {
      if (msg.payload !== state) return;
      out.removeListener('input', listener);
      resolve();
    };
    out.on('input', listener);
  });
}

describe('nodes: trailcam-status', function () {
  this.timeout(15_000);
  const env = simulatedFlows();

  it('a flow without startAtDeploy (hand-written, or deployed through the admin API) monitors from deploy, as the editor default does', async () => {
    const flow = statusFlow(env.sim, undefined).map((n) => {
      const { startAtDeploy: _omitted, ...rest } = n as FlowNode & { startAtDeploy?: boolean };
      return rest;
    });
    assert.ok(flow.every((n) => !('startAtDeploy' in n)));
    await helper.load(trailcamNodes(), flow);
    await until(helper.getNode('out') as TestNode, 'online');
  });

  it('emits online → offline → online as the simulated camera stops and restarts, with no duplicates; the dot follows', async () => {
    const flowLoaded = helper.load(trailcamNodes(), statusFlow(env.sim, true));
    await flowLoaded;
    const out = helper.getNode('out') as TestNode;
    const status = helper.getNode('status') as TestNode;
    const messages = collect(out);
    const green = nextStatus(status, (s) => s.fill === 'green');
    await until(out, 'online');
    assert.equal((await green).shape, 'dot');
    const online = messages.at(-1)!;
    assert.equal(online.mode, 'lan');
    assert.equal(online.camera, 'sim cam');
    assert.equal(typeof online.since, 'number');
    assert.equal(online.reason, null);

    const red = nextStatus(status, (s) => s.fill === 'red');
    const offline = until(out, 'offline');
    await env.sim.cameras[0].stop();
    await offline;
    assert.equal((await red).shape, 'ring');
    assert.match(String(messages.at(-1)!.reason), /lost|closed/);

    const back = until(out, 'online');
    await env.sim.cameras[0].start();
    await back;
    const states = messages.map((m) => m.payload);
    assert.deepEqual(states, ['connecting', 'online', 'offline', 'online']);
  });

  it('msg.action check answers with the availability; start/stop control the monitor; bad actions go to Catch', async () => {
    await helper.load(trailcamNodes(), statusFlow(env.sim, false));
    const status = helper.getNode('status') as TestNode;
    const out = helper.getNode('out') as TestNode;
    const messages = collect(out);
    const reply = new Promise<{ payload?: unknown; topic?: unknown; action?: unknown }>((resolve) => {
      out.on('input', (msg) => {
        if (msg.topic === 'ask') resolve(msg);
      });
    });
    status.receive({ action: 'check', topic: 'ask' });
    const both = new Promise<void>((resolve) => out.on('input', () => messages.length === 2 && resolve()));
    const answer = await reply;
    assert.equal(answer.payload, 'online');
    assert.equal(answer.action, undefined, 'the action is consumed');
    // The check itself changed the availability (unknown → online): that change is emitted too.
    await both;
    assert.deepEqual(messages.map((m) => [m.topic, m.payload]).sort(), [
      ['ask', 'online'],
      ['sim cam', 'online'],
    ]);

    const offline = until(out, 'offline');
    status.receive({ action: 'start' });
    await env.sim.cameras[0].stop();
    await offline;
    status.receive({ action: 'stop' });
    const caught = nextMessage(helper.getNode('caught') as TestNode);
    status.receive({ action: 'dance' });
    assert.match(((await caught).error as { message: string }).message, /invalid action "dance"/);
  });
});
