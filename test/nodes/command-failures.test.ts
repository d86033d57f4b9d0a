import assert from 'node:assert/strict';
import { startSimulation } from '../runtime/fixtures';
import { SwitchableCamera } from '../runtime/switchable-camera';
import { cameraNode, collect, helper, nextStatus, placed, simulatedFlows, trailcamNodes, type TestNode } from './support';

describe('nodes: consecutive command failures on the camera status and in trailcam-status messages', function () {
  this.timeout(20_000);
  // The test runtime's RED._ returns the key (the editor test checks the catalogues).
  // A camera that answers the login, then (muted) no command.
  let camera: SwitchableCamera;
  const env = simulatedFlows({
    start: () =>
      startSimulation({
        cameras: [
          {
            services: {
              0: () => {
                camera = new SwitchableCamera();
                camera.muted = true;
                return camera;
              },
            },
          },
        ],
      }),
  });

  it('the dot turns yellow, then red at 3 failures ("unresponsive"), and trailcam-status sends payload "unresponsive" with commandFailures', async () => {
    await helper.load(
      trailcamNodes(),
      placed([
        { id: 'f1', type: 'tab', label: 'test' },
        cameraNode(env.sim),
        { id: 'status', type: 'trailcam-status', z: 'f1', camera: 'cam', startAtDeploy: true, deviceInfo: false, wires: [['out']] },
        { id: 'command', type: 'trailcam-command', z: 'f1', camera: 'cam', command: 'deviceInfo', timeoutMs: 200, wires: [['done']] },
        { id: 'out', type: 'helper', z: 'f1' },
        { id: 'done', type: 'helper', z: 'f1' },
        { id: 'catcher', type: 'catch', z: 'f1', scope: ['command'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'f1' },
      ]),
    );
    const out = helper.getNode('out') as TestNode;
    const status = helper.getNode('status') as TestNode;
    const command = helper.getNode('command') as TestNode;
    const caught = helper.getNode('caught') as TestNode;
    const messages = collect(out);
    await nextStatus(status, (s) => s.fill === 'green');

    const failures = collect(caught);
    const oneFailure = new Promise<void>((resolve) => caught.on('input', () => failures.length === 1 && resolve()));
    const yellow = nextStatus(status, (s) => s.fill === 'yellow' && s.shape === 'dot');
    command.receive({ payload: null });
    await oneFailure;
    assert.match(String((await yellow).text), /^lan \d+ ms, 1 trailcam-camera\.status\.command-failures$/);

    const red = nextStatus(status, (s) => s.fill === 'red' && s.shape === 'dot');
    const threeFailures = new Promise<void>((resolve) => caught.on('input', () => failures.length === 3 && resolve()));
    command.receive({ payload: null });
    await new Promise<void>((resolve) => caught.on('input', () => failures.length === 2 && resolve()));
    command.receive({ payload: null });
    await threeFailures;
    assert.match(String((await red).text), /^lan \d+ ms, 3 trailcam-camera\.status\.command-failures$/);

    const unresponsive = messages.find((m) => m.payload === 'unresponsive');
    assert.ok(unresponsive, `trailcam-status sent ${JSON.stringify(messages.map((m) => m.payload))}`);
    assert.equal(unresponsive.commandFailures, 3);
    assert.equal(unresponsive.mode, 'lan');
    assert.match(String(unresponsive.reason), /no response within 200 ms/);
    assert.equal(messages.find((m) => m.payload === 'online')?.commandFailures, 0);
  });
});
