import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ArtemisCameraService } from '../../src/artemis';
import type { Simulation } from '../../src/sim';
import type { NodeMessage } from '../../nodes/lib/red';
import { startSimulation } from '../runtime/fixtures';
import { coreNodes, helper, nextMessage, nextStatus, simulatedFlows, trailcamNodes, type FlowNode, type TestNode } from './support';

/** examples/ at the project root (from src or from the compiled test directory). */
function examplesDir(): string {
  for (const up of ['../..', '../../..']) {
    const dir = resolve(__dirname, up, 'examples');
    try {
      if (readdirSync(dir).length > 0) return dir;
    } catch {
      /* try the next level */
    }
  }
  throw new Error('examples/ not found');
}

const TAB = 'trailcam.example.flow';

function readExample(name: string): FlowNode[] {
  return JSON.parse(readFileSync(join(examplesDir(), `${name}.json`), 'utf8')) as FlowNode[];
}

/**
 * Makes an example runnable against the simulator and nothing else: every camera points at
 * 127.0.0.1 (the simulated camera's DID, port and rendezvous server, short limits), debug and
 * mqtt in/out nodes become helper nodes, the MQTT broker config is dropped (the real broker:
 * test/nodes/ha-broker.test.ts).
 */
function againstSimulator(flow: FlowNode[], sim: Simulation): FlowNode[] {
  const camera = sim.cameras[0];
  // An example brings its own tab; one without gets a stand-in, as an import into the current flow would.
  const out: FlowNode[] = flow.some((n) => n.type === 'tab') ? [] : [{ id: TAB, type: 'tab', label: 'example' }];
  for (const node of flow) {
    if (node.type === 'mqtt-broker') continue;
    if (node.type === 'trailcam-camera') {
      assert.equal(node.host, '192.168.43.1', 'examples use the KJK230 access point address');
      out.push({
        ...node,
        host: '127.0.0.1',
        did: camera.did,
        ports: String(camera.sessionPort),
        servers: sim.servers.map((s) => `${s.host}:${s.port}`).join(','),
        maxConnectionTimeMs: 1000,
        attemptTimeoutMs: 250,
        keepaliveSilenceMs: 1000,
        reconnectMinMs: 50,
        reconnectMaxMs: 200,
      });
    } else if (node.type === 'debug' || node.type === 'mqtt out' || node.type === 'mqtt in') {
      out.push({ id: node.id, type: 'helper', z: node.z, x: node.x, y: node.y, wires: [] });
    } else {
      out.push(node);
    }
  }
  for (const node of out.filter((n) => n.type !== 'comment')) {
    for (const value of Object.values(node)) {
      // Only loopback: not the camera's access point, not the vendor's rendezvous servers.
      const outside = typeof value === 'string' ? (value.match(/\b\d{1,3}(\.\d{1,3}){3}\b/g) ?? []).filter((a) => !a.startsWith('127.')) : [];
      assert.deepEqual(outside, [], `${node.id} still points at the real network`);
    }
  }
  return out;
}

const node = (id: string): TestNode => helper.getNode(id) as TestNode;

function until(id: string, match: (msg: NodeMessage) => boolean): Promise<NodeMessage> {
  return new Promise((resolvePromise) => {
    const target = node(id);
    const listener = (msg: NodeMessage): void => {
      if (!match(msg)) return;
      target.removeListener('input', listener);
      resolvePromise(msg);
    };
    target.on('input', listener);
  });
}

describe('examples, run against the simulator', function () {
  this.timeout(15_000);
  const env = simulatedFlows({
    start: () => {
      // The examples' camera has no credentials: the simulated camera takes the KJK230 default login.
      let session = 0;
      return startSimulation({ cameras: [{ services: { 0: () => new ArtemisCameraService({ seed: (session += 1), mediaCount: 30 }) } }] });
    },
  });

  const load = (name: string): Promise<void> => helper.load([...trailcamNodes(), ...coreNodes()], againstSimulator(readExample(name), env.sim));

  it('every example has positions, uses only known node types and a camera at 192.168.43.1', () => {
    const names = readdirSync(examplesDir()).filter((f) => f.endsWith('.json'));
    assert.ok(names.length >= 7, names.join(', '));
    for (const file of names) {
      const flow = readExample(file.replace(/\.json$/, ''));
      assert.ok(
        flow.some((n) => n.type === 'trailcam-camera'),
        `${file} has a camera`,
      );
      for (const n of flow) {
        if (n.type === 'trailcam-camera' || n.type === 'mqtt-broker' || n.type === 'tab') continue;
        assert.equal(typeof n.x, 'number', `${file}: ${n.id} has x`);
        assert.equal(typeof n.y, 'number', `${file}: ${n.id} has y`);
      }
    }
    const covered = new Set(names.flatMap((file) => readExample(file.replace(/\.json$/, '')).map((n) => n.type)));
    for (const type of ['trailcam-connect', 'trailcam-status', 'trailcam-telemetry', 'trailcam-command']) assert.ok(covered.has(type), type);
  });

  it('Connect to a camera: the LAN output fires', async () => {
    await load('Connect to a camera');
    const lan = nextMessage(node('ex1.lan'));
    node('ex1.go').receive({});
    assert.equal(((await lan).payload as { mode: string }).mode, 'lan');
  });

  it('Branch on winning mode: relay and failed branches', async () => {
    await load('Branch on winning mode');
    env.sim.setPath('lan', { down: true });
    env.sim.setPath('p2p', { down: true });
    const relay = nextMessage(node('ex2.out'));
    node('ex2.go').receive({});
    assert.equal((await relay).payload, 'camera reachable through a relay only');
    env.sim.setPath('relay', { down: true });
    node('ex2.connect').receive({ action: 'close' });
    const failed = nextMessage(node('ex2.out'));
    node('ex2.go').receive({});
    assert.match(String((await failed).payload), /camera unreachable/);
  });

  it('Camera availability: online after "start monitoring", offline when the camera stops', async () => {
    await load('Camera availability');
    const online = until('ex3.out', (m) => m.payload === 'online');
    node('ex3.start').receive({ action: 'start' });
    await online;
    const offline = until('ex3.out', (m) => m.payload === 'offline');
    await env.sim.cameras[0].stop();
    await offline;
  });

  it('Home Assistant via MQTT discovery: nothing before a birth or start; then discovery, states from the camera, removal', async () => {
    await load('Camera availability → Home Assistant via MQTT discovery');
    const published: NodeMessage[] = [];
    node('ex4.mqtt').on('input', (m) => published.push(m));
    const topic = (suffix: string) => (m: NodeMessage) => typeof m.topic === 'string' && m.topic.endsWith(suffix);
    // The broker's birth on the bridge topic (the mqtt in node is a helper here): every config, no state yet.
    const lastConfig = until('ex4.mqtt', topic('_connect_time/config'));
    node('ex4.ha').receive({ topic: 'trailcam/home/bridge/status', payload: 'online' });
    await lastConfig;
    assert.equal(published.length, 7, 'seven discovery configs and nothing else: no race ran at deploy');
    assert.ok(published.every((m) => m.retain === true && m.qos === 1));
    assert.equal(env.sim.cameras[0].sessionCount, 0);
    const online = until('ex4.mqtt', (m) => topic('/availability')(m) && m.payload === 'online');
    const battery = until('ex4.mqtt', topic('/battery'));
    const time = until('ex4.mqtt', topic('/connect_time'));
    node('ex4.start').receive({});
    await online;
    assert.match(String((await battery).payload), /^\d+$/);
    assert.match(String((await time).payload), /^\d+$/);
    const offline = until('ex4.mqtt', (m) => topic('/availability')(m) && m.payload === 'offline');
    await env.sim.cameras[0].stop();
    await offline;
    const cleared = until('ex4.mqtt', (m) => topic('/connect_time')(m) && m.payload === '');
    node('ex4.remove').receive({});
    await cleared;
    assert.deepEqual(
      published.slice(-15).map((m) => m.payload),
      new Array(15).fill(''),
    );
  });

  it('Connection statistics: reports wins per mode and the tuning', async () => {
    await load('Connection statistics');
    const raced = nextStatus(node('ex5.connect'), (s) => s.fill === 'green');
    node('ex5.reconnect').receive({});
    await raced;
    const stats = nextMessage(node('ex5.stats'));
    const tuning = nextMessage(node('ex5.tuning'));
    node('ex5.report').receive({});
    assert.equal(((await stats).payload as { modes: { lan: { wins: number } } }).modes.lan.wins, 1);
    assert.equal(((await tuning).tuning as { order: string[] }).order[0], 'lan');
  });

  it('Camera commands: device info, a media page and a raw cmdId reach the answer output', async function () {
    await load('Camera commands');
    const info = nextMessage(node('ex7.out'));
    node('ex7.info').receive({});
    const device = (await info).payload as { model: string; batteryPercent: number };
    assert.equal(typeof device.batteryPercent, 'number');
    assert.equal(typeof device.model, 'string');
    const media = nextMessage(node('ex7.out'));
    node('ex7.media').receive({});
    assert.equal(((await media).payload as { items: unknown[] }).items.length, 10);
    const raw = nextMessage(node('ex7.out'));
    node('ex7.raw').receive({});
    const answer = await raw;
    assert.equal(answer.command, 512);
    assert.equal((answer.payload as { modelName: string }).modelName, device.model);
  });

  it('Feed telemetry back into the camera: the next race uses the applied tuning', async () => {
    await load('Feed telemetry back into the camera');
    const first = nextMessage(node('ex6.result'));
    node('ex6.reconnect').receive({});
    assert.equal(((await first).payload as { tuning: { source: string } }).tuning.source, 'none');
    const fed = nextMessage(node('ex6.tuning'));
    const reused = nextMessage(node('ex6.result'));
    node('ex6.telemetry').receive({});
    await fed;
    assert.equal(((await reused).payload as { reused: boolean }).reused, true, 'the report reached trailcam-connect');
    const next = nextMessage(node('ex6.result'));
    node('ex6.reconnect').receive({});
    assert.equal(((await next).payload as { tuning: { source: string } }).tuning.source, 'applied');
  });
});
