import assert from 'node:assert/strict';
import sinon from 'sinon';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Simulation } from '../../src/sim';
import type { NodeMessage } from '../../nodes/lib/red';
import { cameraNode, firstOf, helper, nextMessage, placed, simulatedFlows, trailcamNodes, type FlowNode, type TestNode } from './support';

const OUTPUTS = ['lan', 'p2p', 'relay', 'failed'] as const;

/** connect (4 outputs) + telemetry wired into connect's input (and to a helper). */
function feedbackFlow(sim: Simulation): FlowNode[] {
  return placed([
    { id: 'f1', type: 'tab', label: 'test' },
    cameraNode(sim, { attemptTimeoutMs: 300, maxConnectionTimeMs: 2000 }),
    { id: 'connect', type: 'trailcam-connect', z: 'f1', camera: 'cam', wires: OUTPUTS.map((o) => [o]) },
    ...OUTPUTS.map((o) => ({ id: o, type: 'helper', z: 'f1' })),
    { id: 'telemetry', type: 'trailcam-telemetry', z: 'f1', camera: 'cam', interval: 0, autoApply: false, store: '', wires: [['connect', 'report']] },
    { id: 'report', type: 'helper', z: 'f1' },
    { id: 'catcher', type: 'catch', z: 'f1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
  ]);
}

const node = (id: string): TestNode => helper.getNode(id) as TestNode;
const outputs = (): Record<string, TestNode> => Object.fromEntries([...OUTPUTS, 'caught'].map((id) => [id, node(id)]));

async function race(msg: NodeMessage = {}): Promise<{ id: string; msg: NodeMessage }> {
  const next = firstOf(outputs());
  node('connect').receive(msg);
  return next;
}

interface Report {
  races: number;
  modes: Record<string, { wins: number; failures: number; srttMs: number | null }>;
}

describe('nodes: trailcam-telemetry', function () {
  this.timeout(20_000);
  let contextDir: string | undefined;
  const env = simulatedFlows({
    beforeUnload: async () => {
      if (contextDir === undefined) return;
      // Stop the nodes and close the file store before the helper cleans contexts (it does not
      // wait for that clean-up, so it must not meet a file store still being written).
      await helper._redNodes.stopFlows();
      await helper._redNodes.closeContextsPlugin();
      helper._context.init(helper.settings({ contextStorage: undefined }));
    },
    afterUnload: async () => {
      if (contextDir === undefined) return;
      await rm(contextDir, { recursive: true, force: true });
      contextDir = undefined;
    },
  });

  it('its output fed into trailcam-connect changes the next race’s order and timeouts', async () => {
    await helper.load(trailcamNodes(), feedbackFlow(env.sim));
    env.sim.setPath('lan', { down: true });
    for (let i = 0; i < 4; i += 1) {
      const { id, msg } = await race({ action: i === 0 ? 'connect' : 'reconnect' });
      assert.equal(id, 'p2p');
      assert.equal((msg.payload as { tuning: { source: string } }).tuning.source, 'none', 'adaptive is off: config values');
      assert.deepEqual((msg.payload as { tuning: { modes: string[] } }).tuning.modes, ['lan', 'p2p', 'relay']);
    }
    env.sim.setPath('lan', { down: false });
    node('connect').receive({ action: 'close' });

    const report = nextMessage(node('report'));
    const next = firstOf(outputs());
    node('telemetry').receive({});
    const fed = await report;
    const stats = fed.payload as Report;
    assert.equal(stats.modes.p2p.wins, 4);
    assert.ok(stats.modes.lan.failures + (stats.modes.lan as unknown as { cancellations: number }).cancellations >= 4);
    const tuning = fed.tuning as { order: string[]; attemptTimeoutMs: Record<string, number> };
    assert.equal(tuning.order[0], 'p2p');

    const { msg } = await next;
    const used = (msg.payload as { tuning: { source: string; modes: string[]; attemptTimeoutMs: Record<string, number> } }).tuning;
    assert.equal(used.source, 'applied');
    assert.equal(used.modes[0], 'p2p', 'p2p now starts first');
    assert.deepEqual(used.attemptTimeoutMs, tuning.attemptTimeoutMs);
    assert.notDeepEqual(used.attemptTimeoutMs, { lan: 300, p2p: 300, relay: 300 }, 'timeouts changed from the configured 300 ms');
  });

  it('reports on its interval and, with auto-apply, the camera races with the reported tuning', async () => {
    const flow = feedbackFlow(env.sim).map((n) => (n.id === 'telemetry' ? { ...n, interval: 1, autoApply: true, wires: [['report']] } : n));
    // The node's interval on a fake clock (1 s is the shortest one); everything else runs on real time.
    const clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const reports: NodeMessage[] = [];
    try {
      await helper.load(trailcamNodes(), flow);
      await race();
      const two = new Promise<void>((resolve) => {
        node('report').on('input', (msg) => {
          reports.push(msg);
          if (reports.length === 2) resolve();
        });
      });
      clock.tick(1000);
      await nextMessage(node('report'));
      clock.tick(1000);
      await two;
    } finally {
      clock.restore();
    }
    const second = reports[1].payload as { applied: unknown; modes: { lan: { wins: number } } };
    assert.equal(second.modes.lan.wins, 1);
    assert.deepEqual(second.applied, reports[0].tuning, 'the tuning of the first report was applied');
    const { msg } = await race({ action: 'reconnect' });
    assert.equal((msg.payload as { tuning: { source: string } }).tuning.source, 'applied');
  });

  it('msg.action "reset" clears the statistics; an unknown action goes to Catch', async () => {
    await helper.load(trailcamNodes(), feedbackFlow(env.sim));
    await race();
    const before = nextMessage(node('report'));
    node('telemetry').receive({ action: 'report' });
    assert.equal(((await before).payload as Report).modes.lan.wins, 1);
    node('connect').receive({ action: 'close' });
    const after = nextMessage(node('report'));
    node('telemetry').receive({ action: 'reset' });
    const reset = await after;
    assert.equal((reset.payload as Report).races, 0);
    assert.equal(reset.action, undefined);
    const caught = nextMessage(node('caught'));
    node('telemetry').receive({ action: 'wipe' });
    assert.match(((await caught).error as { message: string }).message, /invalid action "wipe"/);
    // A message that comes on from trailcam-connect (or trailcam-ha) keeps its action: it reports.
    for (const action of ['reconnect', 'check', 'announce']) {
      const passed = nextMessage(node('report'));
      node('telemetry').receive({ action });
      assert.equal(typeof ((await passed).payload as Report).races, 'number', action);
    }
  });

  /**
   * Restart: stop the flows (nodes close, pending context writes finish), run `whileStopped`,
   * close and reopen the file store so nothing survives in memory, start the flows again.
   */
  async function restartWithFileStore(whileStopped: () => Promise<void> = async () => undefined): Promise<void> {
    await helper._redNodes.stopFlows();
    await whileStopped();
    await helper._redNodes.closeContextsPlugin();
    await helper._redNodes.loadContextsPlugin();
    const started = new Promise<void>((resolve) => helper._events.once('flows:started', resolve));
    await helper._redNodes.startFlows();
    await started;
  }

  it('statistics survive a flow restart with a file context store', async () => {
    contextDir = await mkdtemp(join(tmpdir(), 'trailcam-context-'));
    helper.settings({ contextStorage: { default: { module: 'localfilesystem', config: { dir: contextDir, cache: false } } } });
    // Open the file store after the helper has set up the runtime and before the flow starts.
    const openStore = (): Promise<void> => helper._redNodes.loadContextsPlugin();
    await helper.load([...trailcamNodes(), openStore], feedbackFlow(env.sim));
    await race();
    await race({ action: 'reconnect' });
    const first = nextMessage(node('report'));
    node('telemetry').receive({ action: 'report' });
    assert.equal(((await first).payload as Report).modes.lan.wins, 2);

    await restartWithFileStore();
    const restored = nextMessage(node('report'));
    node('telemetry').receive({ action: 'report' });
    const stats = (await restored).payload as Report;
    assert.equal(stats.modes.lan.wins, 2, 'the fresh camera runtime got its statistics back from the file store');
    assert.ok((stats.modes.lan.srttMs ?? 0) > 0);
  });

  it('stored statistics it cannot read (a newer format) are kept under another key, not overwritten', async () => {
    contextDir = await mkdtemp(join(tmpdir(), 'trailcam-context-'));
    helper.settings({ contextStorage: { default: { module: 'localfilesystem', config: { dir: contextDir, cache: false } } } });
    await helper.load([...trailcamNodes(), () => helper._redNodes.loadContextsPlugin()], feedbackFlow(env.sim));
    await race();
    const newer = { version: 2, modes: { lan: { wins: 500 } } };
    type Context = { get(key: string, cb: (err: unknown, value: unknown) => void): void; set(key: string, value: unknown, cb: (err: unknown) => void): void };
    // The node's context as Node-RED's context module holds it (also while the flows are stopped).
    const context = (): Context => (helper as unknown as { _context: { get(node: string, flow: string): Context } })._context.get('telemetry', 'f1');
    await restartWithFileStore(() => new Promise<void>((resolve) => context().set('trailcam-telemetry', newer, () => resolve())));
    const report = nextMessage(node('report'));
    node('telemetry').receive({ action: 'report' });
    assert.equal(((await report).payload as Report).races, 0, 'this release starts afresh');
    await helper._redNodes.stopFlows(); // the node's close waits for its pending context writes
    const kept = await new Promise<unknown>((resolve) => context().get('trailcam-telemetry-unreadable', (_err, value) => resolve(value)));
    assert.deepEqual(kept, newer, 'the unreadable statistics are kept');
    const warned = JSON.stringify(helper.log().args);
    assert.match(warned, /trailcam-telemetry-unreadable|errors\.stored/);
  });
});
