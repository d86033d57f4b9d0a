import type { Simulation } from '../../src/sim';
import type { NodeMessage, NodeStatus } from '../../nodes/lib/red';
import { startSimulation } from '../runtime/fixtures';

/** The parts of node-red-node-test-helper 0.3.6 these tests use (it ships no types). */
export interface TestHelper {
  init(runtimePath?: string, settings?: object): void;
  settings(settings: object): object;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  load(nodes: unknown[], flow: FlowNode[], credentials?: Record<string, object>): Promise<void>;
  unload(): Promise<void>;
  setFlows(flow: FlowNode[], type?: string, credentials?: Record<string, object>): Promise<void>;
  getNode(id: string): TestNode | null;
  log(): { args: unknown[][] };
  _redNodes: {
    loadContextsPlugin(): Promise<void>;
    closeContextsPlugin(): Promise<void>;
    getNode(id: string): TestNode | null;
    setFlows(flow: FlowNode[], credentials: Record<string, object>, type: string): Promise<unknown>;
    stopFlows(): Promise<void>;
    startFlows(): Promise<void>;
  };
  _events: { once(event: string, listener: () => void): void };
  /** Node-RED's context module: init() drops every configured store (memory only again). */
  _context: { init(settings: object): void };
}

/** A node as the helper gives it back: the runtime node plus the helper's `call:*` events. */
export interface TestNode {
  id: string;
  receive(msg: NodeMessage): void;
  on(event: 'input', listener: (msg: NodeMessage) => void): void;
  on(event: `call:${string}`, listener: (call: { args: unknown[] }) => void): void;
  removeListener(event: string, listener: (...args: never[]) => void): void;
  context(): { get(key: string, store?: string): unknown };
}

export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  wires?: string[][];
  [key: string]: unknown;
}

export const helper = require('node-red-node-test-helper') as TestHelper;
helper.init(require.resolve('node-red'));

/** The node modules under test, as Node-RED loads them (module.exports = (RED) => ...). */
export const trailcamNodes = (): unknown[] => [
  require('../../nodes/trailcam-camera'),
  require('../../nodes/trailcam-connect'),
  require('../../nodes/trailcam-status'),
  require('../../nodes/trailcam-telemetry'),
  require('../../nodes/trailcam-command'),
  require('../../nodes/trailcam-ha'),
];

/** Core nodes the examples use (debug and mqtt out are replaced by helper nodes in tests). */
export const coreNodes = (): unknown[] => [
  require('@node-red/nodes/core/common/20-inject.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
  require('@node-red/nodes/core/function/10-switch.js'),
  require('@node-red/nodes/core/function/15-change.js'),
];

/** What `simulatedFlows` hands a suite: the simulation of the test that is running. */
export interface SimulatedFlows {
  readonly sim: Simulation;
}

/**
 * The hooks every flow suite shares: the test runtime's server for the whole suite, a fresh
 * simulation for each test (from `start`, else `startSimulation()`), and after each test the flow
 * unloaded, then the simulation closed. `beforeUnload` and `afterUnload` run around the unload.
 */
export function simulatedFlows(options: { start?: () => Promise<Simulation>; beforeUnload?: () => unknown; afterUnload?: () => unknown } = {}): SimulatedFlows {
  const { start = () => startSimulation(), beforeUnload, afterUnload } = options;
  let sim: Simulation | undefined;
  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(async () => {
    sim = await start();
  });
  afterEach(async () => {
    await beforeUnload?.();
    await helper.unload();
    await afterUnload?.();
    await sim?.close();
  });
  return {
    get sim(): Simulation {
      if (sim === undefined) throw new Error('no simulation outside a test');
      return sim;
    },
  };
}

/** A trailcam-camera config node aimed at the simulator (loopback only) with short limits. */
export function cameraNode(sim: Simulation, patch: Record<string, unknown> = {}): FlowNode {
  const camera = sim.cameras[0];
  return {
    id: 'cam',
    type: 'trailcam-camera',
    name: 'sim cam',
    host: '127.0.0.1',
    did: camera.did,
    ports: String(camera.sessionPort),
    modeLan: true,
    modeP2p: true,
    modeRelay: true,
    servers: sim.servers.map((s) => `${s.host}:${s.port}`).join(','),
    relays: '',
    maxConnectionTimeMs: 1500,
    attemptTimeoutMs: 300,
    startupDelayMs: 0,
    adaptive: false,
    keepaliveSilenceMs: 7000,
    reconnectMinMs: 50,
    reconnectMaxMs: 500,
    ...patch,
  };
}

/**
 * Gives every flow node (one with a `z`) an x/y position: Node-RED treats nodes without one as
 * config nodes.
 */
export function placed(flow: FlowNode[]): FlowNode[] {
  return flow.map((n, i) => (n.z !== undefined && n.x === undefined ? { ...n, x: 100 + 150 * (i % 5), y: 60 + 40 * i } : n));
}

/**
 * Deploys `flow` (like the editor's Deploy button) and resolves once the new flows have
 * started. Unlike helper.setFlows it listens for `flows:started` before deploying, so it cannot
 * miss the event.
 */
export async function deploy(flow: FlowNode[], type: 'full' | 'nodes' | 'flows' = 'full', credentials: Record<string, object> = {}): Promise<void> {
  const started = new Promise<void>((resolve) => helper._events.once('flows:started', resolve));
  await helper._redNodes.setFlows(flow, credentials, type);
  await started;
}

/** Resolves with the next message a helper node receives (the next that `match`es, if given). */
export function nextMessage(node: TestNode, match: (msg: NodeMessage) => boolean = () => true): Promise<NodeMessage> {
  return new Promise((resolve) => {
    const listener = (msg: NodeMessage): void => {
      if (!match(msg)) return;
      node.removeListener('input', listener);
      resolve(msg);
    };
    node.on('input', listener);
  });
}

/** Collects every message a helper node receives. */
export function collect(node: TestNode): NodeMessage[] {
  const messages: NodeMessage[] = [];
  node.on('input', (msg) => messages.push(msg));
  return messages;
}

/** Resolves with the first status set on `node` that satisfies `match`. */
export function nextStatus(node: TestNode, match: (status: NodeStatus) => boolean): Promise<NodeStatus> {
  return new Promise((resolve) => {
    const listener = (call: { args: unknown[] }): void => {
      const status = call.args[0] as NodeStatus;
      if (!match(status)) return;
      node.removeListener('call:status', listener);
      resolve(status);
    };
    node.on('call:status', listener);
  });
}

/** Resolves with the first message of whichever of `nodes` receives one first, with its id. */
export function firstOf(nodes: Record<string, TestNode>): Promise<{ id: string; msg: NodeMessage }> {
  return new Promise((resolve) => {
    const listeners: [TestNode, (msg: NodeMessage) => void][] = [];
    for (const [id, node] of Object.entries(nodes)) {
      const listener = (msg: NodeMessage): void => {
        for (const [n, l] of listeners) n.removeListener('input', l);
        resolve({ id, msg });
      };
      listeners.push([node, listener]);
      node.on('input', listener);
    }
  });
}
