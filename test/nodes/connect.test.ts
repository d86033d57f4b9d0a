import assert from 'node:assert/strict';
import type { Simulation } from '../../src/sim';
import type { NodeMessage, NodeStatus } from '../../nodes/lib/red';
import { cameraNode, collect, firstOf, helper, nextMessage, nextStatus, placed, simulatedFlows, trailcamNodes, type FlowNode, type TestNode } from './support';

const OUTPUTS = ['lan', 'p2p', 'relay', 'failed'] as const;

/** camera + connect (four outputs to helper nodes) + one Catch node. */
function connectFlow(sim: Simulation, cameraPatch: Record<string, unknown> = {}): FlowNode[] {
  return placed([
    { id: 'f1', type: 'tab', label: 'test' },
    cameraNode(sim, cameraPatch),
    { id: 'connect', type: 'trailcam-connect', z: 'f1', camera: 'cam', wires: OUTPUTS.map((o) => [o]) },
    ...OUTPUTS.map((o) => ({ id: o, type: 'helper', z: 'f1' })),
    { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
  ]);
}

describe('nodes: trailcam-connect', function () {
  this.timeout(15_000);
  const env = simulatedFlows();

  const outputs = (): Record<string, TestNode> => Object.fromEntries([...OUTPUTS, 'caught'].map((id) => [id, helper.getNode(id) as TestNode]));

  async function raceOnce(msg: NodeMessage = {}): Promise<{ id: string; msg: NodeMessage }> {
    const next = firstOf(outputs());
    (helper.getNode('connect') as TestNode).receive(msg);
    return next;
  }

  it('LAN up → output 1 (LAN) with the race result; status yellow "racing…", then green with mode and time', async () => {
    await helper.load(trailcamNodes(), connectFlow(env.sim), { cam: { user: 'admin', password: 'admin' } });
    const connect = helper.getNode('connect') as TestNode;
    const racing = nextStatus(connect, (s) => s.fill === 'yellow');
    const green = nextStatus(connect, (s) => s.fill === 'green');
    const { id, msg } = await raceOnce({ payload: 'go', topic: 'keep me' });
    // The test runtime's RED._ returns the key; the editor test checks it is "racing…" in en-US (and German in de).
    assert.deepEqual(await racing, { fill: 'yellow', shape: 'ring', text: 'trailcam-camera.status.racing' });
    assert.equal(id, 'lan');
    const payload = msg.payload as Record<string, unknown>;
    assert.equal(payload.mode, 'lan');
    assert.equal(payload.winner, 'lanConnectThread');
    assert.equal(payload.reused, false);
    assert.equal(payload.destinationPort, env.sim.cameras[0].sessionPort);
    assert.equal(payload.camera, 'sim cam');
    assert.equal((payload.racers as unknown[]).length, 3);
    assert.equal(msg.topic, 'keep me', 'other msg properties pass through');
    const status = await green;
    assert.equal(status.shape, 'dot');
    assert.match(status.text ?? '', /^lan \d+ ms$/);
  });

  it('LAN down → output 2 (P2P)', async () => {
    env.sim.setPath('lan', { down: true });
    await helper.load(trailcamNodes(), connectFlow(env.sim));
    const { id, msg } = await raceOnce();
    assert.equal(id, 'p2p');
    assert.equal((msg.payload as { mode: string }).mode, 'p2p');
  });

  it('LAN and P2P down → output 3 (Relay)', async () => {
    env.sim.setPath('lan', { down: true });
    env.sim.setPath('p2p', { down: true });
    await helper.load(trailcamNodes(), connectFlow(env.sim));
    const { id, msg } = await raceOnce();
    assert.equal(id, 'relay');
    assert.equal((msg.payload as { winner: string }).winner, 'relayConnectThread');
  });

  it('all down → output 4 (Failed) with every racer’s reason; red ring status; no error to Catch', async () => {
    for (const path of ['lan', 'p2p', 'relay'] as const) env.sim.setPath(path, { down: true });
    await helper.load(trailcamNodes(), connectFlow(env.sim, { maxConnectionTimeMs: 600, attemptTimeoutMs: 200 }));
    const connect = helper.getNode('connect') as TestNode;
    const red = nextStatus(connect, (s) => s.fill === 'red');
    const caught = collect(helper.getNode('caught') as TestNode);
    const { id, msg } = await raceOnce();
    assert.equal(id, 'failed');
    const payload = msg.payload as { mode: null; error: string; code: string; racers: { name: string; state: string }[] };
    assert.equal(payload.mode, null);
    assert.equal(payload.code, 'ERR_TRAILCAM_UNREACHABLE');
    assert.deepEqual(
      payload.racers.map((r) => r.state),
      ['failed', 'failed', 'failed'],
    );
    assert.match(payload.error, /lanConnectThread: timeout/);
    const status = await red;
    assert.deepEqual([status.shape, status.text], ['ring', 'unreachable']);
    assert.equal(caught.length, 0);
  });

  it('a second message reuses the live session (reused: true); msg.action "close" closes it', async () => {
    await helper.load(trailcamNodes(), connectFlow(env.sim));
    const first = await raceOnce();
    const second = await raceOnce();
    assert.equal((first.msg.payload as { reused: boolean }).reused, false);
    assert.equal((second.msg.payload as { reused: boolean; since: number }).reused, true);
    assert.equal(env.sim.cameras[0].counters.sessions, 1);
    const connect = helper.getNode('connect') as TestNode;
    const grey = nextStatus(connect, (s) => s.fill === 'grey');
    connect.receive({ action: 'close' });
    await grey;
    const third = await raceOnce();
    assert.equal((third.msg.payload as { reused: boolean }).reused, false);
  });

  it('msg.camera overrides apply to one race only', async () => {
    await helper.load(trailcamNodes(), connectFlow(env.sim));
    const relay = await raceOnce({ camera: { modes: ['relay'] } });
    assert.equal(relay.id, 'relay');
    assert.deepEqual(
      (relay.msg.payload as { racers: { mode: string }[] }).racers.map((r) => r.mode),
      ['relay'],
    );
    const reconnect = await raceOnce({ action: 'reconnect' });
    assert.equal(reconnect.id, 'lan', 'the next race uses the configured modes again');
    assert.deepEqual(
      (reconnect.msg.payload as { racers: { mode: string }[] }).racers.map((r) => r.mode),
      ['lan', 'p2p', 'relay'],
    );
  });

  it('a string msg.camera (the label trailcam-status sends) is not an override: status wired into connect races', async () => {
    await helper.load(trailcamNodes(), connectFlow(env.sim));
    const result = await raceOnce({ topic: 'Garden trail camera', payload: 'online', camera: 'Garden trail camera' });
    assert.equal(result.id, 'lan');
    assert.deepEqual(
      (result.msg.payload as { racers: { mode: string }[] }).racers.map((r) => r.mode),
      ['lan', 'p2p', 'relay'],
    );
  });

  it('invalid overrides → done(err) caught by a Catch node naming the field, red status, no output, no crash', async () => {
    await helper.load(trailcamNodes(), connectFlow(env.sim));
    const connect = helper.getNode('connect') as TestNode;
    const red = nextStatus(connect, (s) => s.fill === 'red');
    const outs = OUTPUTS.map((o) => collect(helper.getNode(o) as TestNode));
    const caught = nextMessage(helper.getNode('caught') as TestNode);
    connect.receive({ payload: 1, camera: { maxConnectionTimeMs: 'soon' } });
    const msg = await caught;
    const error = msg.error as { message: string; source: { id: string } };
    assert.match(error.message, /invalid camera\.maxConnectionTimeMs: max\. connection time soon is not a number/);
    assert.equal(error.source.id, 'connect');
    assert.deepEqual(await red, { fill: 'red', shape: 'ring', text: 'invalid camera.maxConnectionTimeMs' });
    assert.deepEqual(
      outs.map((o) => o.length),
      [0, 0, 0, 0],
    );
    const caughtAction = nextMessage(helper.getNode('caught') as TestNode);
    connect.receive({ action: 'explode' });
    assert.match(((await caughtAction).error as { message: string }).message, /invalid action "explode"/);
    const ok = await raceOnce();
    assert.equal(ok.id, 'lan', 'the node still works');
    const redAgain = nextStatus(connect, (s) => s.fill === 'red');
    const caughtAgain = nextMessage(helper.getNode('caught') as TestNode);
    connect.receive({ camera: { maxConnectionTimeMs: 'soon' } });
    await Promise.all([redAgain, caughtAgain]);
    const statuses: NodeStatus[] = [];
    connect.on('call:status', (call: { args: unknown[] }) => {
      statuses.push(call.args[0] as NodeStatus);
    });
    const reused = await raceOnce();
    assert.equal((reused.msg.payload as { reused: boolean }).reused, true);
    assert.equal(statuses.at(-1)?.fill, 'green', 'a reused session after a failed message shows the camera again, not the red ring');
    assert.match(statuses.at(-1)?.text ?? '', /lan/);
  });

  it('"reconnect" with an invalid msg.camera or msg.tuning changes nothing: the live session stays up, the tuning stays', async () => {
    await helper.load(trailcamNodes(), connectFlow(env.sim));
    const first = await raceOnce();
    assert.equal(first.id, 'lan');
    const connect = helper.getNode('connect') as TestNode;
    const goodTuning = {
      version: 1,
      order: ['relay', 'p2p', 'lan'],
      skip: [],
      staggerMs: { lan: 0, p2p: 0, relay: 0 },
      attemptTimeoutMs: { lan: 1500, p2p: 1500, relay: 1500 },
    };
    for (const bad of [
      { action: 'reconnect', camera: { host: '999.1.1.1' }, tuning: goodTuning },
      { action: 'reconnect', tuning: { ...goodTuning, staggerMs: {} } },
    ]) {
      const caught = nextMessage(helper.getNode('caught') as TestNode);
      connect.receive(bad);
      assert.match(((await caught).error as { message: string }).message, /invalid (camera\.host|tuning\.staggerMs)/);
    }
    assert.equal(env.sim.cameras[0].counters.closedByPeer, 0, 'no CLOSE was sent');
    const again = await raceOnce();
    assert.equal((again.msg.payload as { reused: boolean }).reused, true, 'the session is still the first one');
    const fresh = await raceOnce({ action: 'reconnect' });
    assert.equal((fresh.msg.payload as { tuning: { source: string } }).tuning.source, 'none', 'the valid msg.tuning beside the bad msg.camera was not applied');
  });

  it('an invalid msg.tuning is rejected through done(err) naming the field', async () => {
    await helper.load(trailcamNodes(), connectFlow(env.sim));
    const caught = nextMessage(helper.getNode('caught') as TestNode);
    (helper.getNode('connect') as TestNode).receive({ tuning: { version: 1, order: ['lan'], skip: [], staggerMs: {}, attemptTimeoutMs: {} } });
    assert.match(((await caught).error as { message: string }).message, /tuning\.staggerMs\.lan/);
  });

  it('an invalid camera config: every input fails through done(err); the status names the field', async () => {
    await helper.load(trailcamNodes(), connectFlow(env.sim, { did: 'not a did' }));
    const connect = helper.getNode('connect') as TestNode;
    const red = nextStatus(connect, (s) => s.fill === 'red');
    const caught = nextMessage(helper.getNode('caught') as TestNode);
    connect.receive({});
    assert.match(((await caught).error as { message: string }).message, /invalid did: camera id "not a did" is not PREFIX-SERIAL-CHECK/);
    assert.equal((await red).text, 'invalid did');
  });

  it('two connect nodes on one camera share one session and both show its status', async () => {
    const flow = connectFlow(env.sim);
    flow.push({ id: 'connect2', type: 'trailcam-connect', z: 'f1', camera: 'cam', wires: [['lan2'], [], [], []] }, { id: 'lan2', type: 'helper', z: 'f1' });
    await helper.load(trailcamNodes(), placed(flow));
    const second = helper.getNode('connect2') as TestNode;
    const green2 = nextStatus(second, (s) => s.fill === 'green');
    const first = await raceOnce();
    assert.equal(first.id, 'lan');
    await green2;
    const next = nextMessage(helper.getNode('lan2') as TestNode);
    second.receive({});
    assert.equal(((await next).payload as { reused: boolean }).reused, true);
    assert.equal(env.sim.cameras[0].counters.sessions, 1);
  });
});
