import assert from 'node:assert/strict';
import { ArtemisCameraService } from '../../src/artemis';
import type { Simulation } from '../../src/sim';
import { quietHandles, settledHandles } from '../helpers/udp';
import { startSimulation } from '../runtime/fixtures';
import { cameraNode, deploy, helper, nextMessage, nextStatus, placed, simulatedFlows, trailcamNodes, type FlowNode, type TestNode } from './support';

/** Every node type on one camera: connect (racing), status (monitoring), telemetry (on an interval), command (ARTEMIS). */
function busyFlow(sim: Simulation, generation: number): FlowNode[] {
  return placed([
    { id: 'f1', type: 'tab', label: 'test' },
    // A different name each time: the config node changes, so everything that uses it restarts.
    cameraNode(sim, { name: `cam ${generation}`, maxConnectionTimeMs: 5000, attemptTimeoutMs: 200, reconnectMinMs: 20, reconnectMaxMs: 100 }),
    { id: 'connect', type: 'trailcam-connect', z: 'f1', camera: 'cam', wires: [['sink'], ['sink'], ['sink'], ['sink']] },
    { id: 'status', type: 'trailcam-status', z: 'f1', camera: 'cam', startAtDeploy: true, deviceInfo: false, wires: [['sink']] },
    { id: 'telemetry', type: 'trailcam-telemetry', z: 'f1', camera: 'cam', interval: 1, autoApply: true, store: '', wires: [['sink']] },
    { id: 'command', type: 'trailcam-command', z: 'f1', camera: 'cam', command: 'deviceInfo', timeoutMs: 5000, wires: [['answers']] },
    { id: 'sink', type: 'helper', z: 'f1' },
    { id: 'answers', type: 'helper', z: 'f1' },
  ]);
}

describe('nodes: redeploying during races', function () {
  this.timeout(60_000);
  const env = simulatedFlows({
    start: () => {
      let session = 0;
      return startSimulation({ cameras: [{ services: { 0: () => new ArtemisCameraService({ seed: (session += 1) }) } }] });
    },
  });

  it('50 redeploys while races, sessions and ARTEMIS commands run leave no socket or timer behind; no stop waits for a race or a command', async () => {
    const quiet = await quietHandles(env.sim);
    await env.sim.cameras[0].start();
    await helper.load(trailcamNodes(), busyFlow(env.sim, 0));
    const slowest: number[] = [];
    let answers = 0;
    for (let i = 1; i <= 50; i += 1) {
      // Alternate between a camera that answers (sessions up) and one that does not (races in flight).
      const reachable = i % 2 === 0;
      for (const path of ['lan', 'p2p', 'relay'] as const) env.sim.setPath(path, { down: !reachable });
      const connect = helper.getNode('connect') as TestNode;
      const busy = nextStatus(connect, (s) => (reachable ? s.fill === 'green' : s.fill === 'yellow'));
      connect.receive({ payload: i });
      await busy;
      if (reachable) {
        // A logged-in ARTEMIS client (heartbeat timer running) every fourth time, a command in flight otherwise.
        const command = helper.getNode('command') as TestNode;
        const answered = nextMessage(helper.getNode('answers') as TestNode);
        command.receive({});
        if (i % 4 === 0) {
          assert.equal(typeof ((await answered).payload as { batteryPercent: unknown }).batteryPercent, 'number');
          answers += 1;
        }
      }
      const started = Date.now();
      await deploy(busyFlow(env.sim, i));
      slowest.push(Date.now() - started);
    }
    const handlesWhileRunning = await settledHandles();
    await deploy([]);
    // A stop that waited for a race (maxConnectionTimeMs) or a command (timeoutMs) to end by itself
    // would take 5 s; anything shorter, however loaded the machine, did not wait.
    assert.ok(Math.max(...slowest) < 5000, `a redeploy took ${Math.max(...slowest)} ms`);
    assert.deepEqual(await quietHandles(env.sim), quiet, 'every socket and timer of the nodes is gone');
    assert.ok(handlesWhileRunning.udp >= quiet.udp, 'sanity: the handle count was taken');
    assert.equal(answers, 12, 'commands were answered between redeploys');
  });
});
