import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadDefinition, nodesDir, type NodeDefinition } from '../nodes/editor-definitions';
import type { FlowNode } from '../nodes/support';
import { crowded, describeBox, nodeBox, statusBox, type Box, type DrawnNode } from './layout';

/**
 * What a user sees after Import → Examples (every example, one after another) and after `npm
 * start`: every field filled, one tab per example with its own name, distinct cameras, nothing
 * raced at deploy, no unwired output, nothing written to the terminal, nothing drawn over
 * anything else. Read from the files; the examples test runs them against the simulator and the
 * browser test looks at them in the editor.
 */

const projectRoot = dirname(nodesDir());
const examplesDir = join(projectRoot, 'examples');
/** Every node type of this package (package.json "node-red".nodes), so a new one is checked too. */
const TRAILCAM_TYPES = Object.keys(
  (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes,
);
/** Nodes that contact the camera when a message arrives. */
const RACING_TYPES = new Set(['trailcam-connect', 'trailcam-status', 'trailcam-command']);
/** Node types without an input port (their box is 7 px narrower). */
const NO_INPUT = new Set(['inject', 'comment', 'catch', 'status', 'complete', 'link in', 'mqtt in']);
/** Closest two drawn things (nodes, comments, status texts) may come, in px. */
const GAP = 10;

interface FlowFile {
  /** How a test names it: the example's title, or "npm start demo". */
  name: string;
  nodes: FlowNode[];
  demo: boolean;
}

function readFlows(): FlowFile[] {
  const files: FlowFile[] = readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), nodes: JSON.parse(readFileSync(join(examplesDir, f), 'utf8')) as FlowNode[], demo: false }));
  // The demo template as scripts/start.js fills it in.
  const demo = readFileSync(join(projectRoot, 'scripts', 'demo-flow.json'), 'utf8')
    .replace('@DID@', 'LBCS-000000-CCCJJ')
    .replace('@PORTS@', '40611')
    .replace('@SERVERS@', '127.0.0.1:32100')
    .replace('@BATTERY_DID@', 'LBCS-000001-CCCJJ')
    .replace('@BATTERY_PORTS@', '40612');
  files.push({ name: 'npm start demo', nodes: JSON.parse(demo) as FlowNode[], demo: true });
  return files;
}

const flows = readFlows();
const examples = flows.filter((f) => !f.demo);

function definitions(nodes: FlowNode[]): Record<string, NodeDefinition> {
  const byId = Object.fromEntries(nodes.map((n) => [n.id, n as Record<string, unknown>]));
  return Object.fromEntries(TRAILCAM_TYPES.map((type) => [type, loadDefinition(type, byId)]));
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The label the editor draws for a node (trailcam nodes: their own label function). */
function labelOf(node: FlowNode, defs: Record<string, NodeDefinition>): string {
  const def = defs[node.type];
  if (def) return def.label.call(node);
  if (node.type === 'catch' && !node.name) return `catch: ${Array.isArray(node.scope) ? node.scope.length : 'all'}`;
  return str(node.name) || node.type;
}

/** The longest status text a node is expected to show, or undefined when it shows none. */
function statusOf(node: FlowNode): string | undefined {
  // The camera sets the same status on every node that uses it; the longest common one.
  if (node.type.startsWith('trailcam-')) return 'lan 12 ms, 2 commands failed in a row';
  // A number such as msg.payload.elapsedMs (2.7301240000000003) or an availability state.
  if (node.type === 'debug') return node.tostatus === true ? '2.7301240000000003' : undefined;
  if (node.type === 'mqtt out' || node.type === 'mqtt in') return 'disconnected';
  return undefined;
}

function drawn(file: FlowFile): DrawnNode[] {
  const defs = definitions(file.nodes);
  return file.nodes
    .filter((n) => n.z !== undefined && typeof n.x === 'number' && typeof n.y === 'number')
    .map((n) => ({
      id: n.id,
      type: n.type,
      label: labelOf(n, defs),
      x: n.x as number,
      y: n.y as number,
      inputs: NO_INPUT.has(n.type) ? 0 : 1,
      outputs: n.type === 'comment' ? 0 : (n.wires ?? []).length,
      status: statusOf(n),
      button: n.type === 'inject' ? ('left' as const) : n.type === 'debug' ? ('right' as const) : undefined,
    }));
}

describe('examples and the npm start demo, as the editor shows them', () => {
  it(`there are the seven examples and the demo`, () => {
    assert.ok(examples.length >= 7, examples.map((f) => f.name).join(', '));
  });

  for (const file of flows) {
    describe(file.name, () => {
      it("every trailcam node carries every property its editor defines, each valid by the editor's validators", () => {
        const defs = definitions(file.nodes);
        const problems: string[] = [];
        for (const node of file.nodes) {
          const def = defs[node.type];
          if (!def) continue;
          for (const [key, spec] of Object.entries(def.defaults)) {
            if (!(key in node) || node[key] === undefined || node[key] === null) {
              problems.push(`${node.id} (${node.type}) has no ${key} (the editor's default is ${JSON.stringify(spec.value)})`);
              continue;
            }
            const verdict = spec.validate ? spec.validate.call(node, node[key], {}) : true;
            if (verdict !== true) problems.push(`${node.id}.${key} = ${JSON.stringify(node[key])}: ${String(verdict)}`);
          }
          for (const key of Object.keys(node)) {
            if (!(key in def.defaults) && !['id', 'type', 'z', 'x', 'y', 'wires', 'g'].includes(key))
              problems.push(`${node.id} has ${key}, which its editor does not define`);
          }
        }
        assert.deepEqual(problems, []);
      });

      it('every output is wired to a node of the flow', () => {
        const ids = new Set(file.nodes.map((n) => n.id));
        const problems: string[] = [];
        for (const node of file.nodes) {
          (node.wires ?? []).forEach((targets, i) => {
            if (targets.length === 0) problems.push(`${node.id} (${node.type}) output ${i + 1} is not wired`);
            for (const t of targets) if (!ids.has(t)) problems.push(`${node.id} output ${i + 1} goes to a missing node ${t}`);
          });
        }
        assert.deepEqual(problems, []);
      });

      it('no debug node writes to the terminal', () => {
        const loud = file.nodes.filter((n) => n.type === 'debug' && n.console !== false).map((n) => `${n.id} (${str(n.name)}) console: ${String(n.console)}`);
        assert.deepEqual(loud, []);
      });

      it(`nothing is drawn over anything else: nodes, comments and status texts ${GAP} px apart`, () => {
        const boxes: Box[] = [];
        for (const node of drawn(file)) {
          boxes.push(nodeBox(node));
          const status = statusBox(node);
          if (status) boxes.push(status);
        }
        const offCanvas = boxes.filter((b) => b.left < 0 || b.top < 0).map(describeBox);
        assert.deepEqual(offCanvas, [], 'drawn left of or above the canvas');
        assert.deepEqual(
          crowded(boxes, GAP).map(([a, b]) => `${describeBox(a)} touches ${describeBox(b)}`),
          [],
        );
      });

      if (file.demo) return;

      it('has one tab of its own, labelled with its title, holding every flow node', () => {
        const tabs = file.nodes.filter((n) => n.type === 'tab');
        assert.deepEqual(
          tabs.map((t) => t.label),
          [file.name],
          'one tab labelled like the example (Import → Examples would otherwise make "Flow 1", "Flow 2", …)',
        );
        const stray = file.nodes.filter((n) => n.type !== 'tab' && n.z !== undefined && n.z !== tabs[0].id).map((n) => n.id);
        assert.deepEqual(stray, [], `nodes not on ${tabs[0].id}`);
      });

      it('races nothing at deploy: the camera is contacted only when the user asks', () => {
        const byId = new Map(file.nodes.map((n) => [n.id, n]));
        const problems: string[] = [];
        for (const node of file.nodes) {
          // A battery camera's monitor holds no session and contacts nothing until a flow asks (README, battery cameras).
          const onBattery = byId.get(str(node.camera))?.powerMode === 'battery';
          if (node.type === 'trailcam-status' && node.startAtDeploy !== false && !onBattery)
            problems.push(`${node.id}: startAtDeploy ${String(node.startAtDeploy)}`);
          if (node.type === 'inject' && (node.once === true || str(node.repeat) !== '' || str(node.crontab) !== '')) {
            const targets = (node.wires ?? []).flat().map((id) => byId.get(id));
            for (const t of targets)
              if (t && RACING_TYPES.has(t.type)) problems.push(`${node.id} fires on its own (once/repeat/crontab) into ${t.id} (${t.type})`);
          }
        }
        assert.deepEqual(problems, []);
      });

      it('its camera names the rendezvous servers P2P and Relay need (when either is on)', () => {
        const cameras = file.nodes.filter((n) => n.type === 'trailcam-camera');
        assert.ok(cameras.length > 0, 'has a camera');
        // A LAN-only camera (e.g. reached on its own hotspot, which has no internet) needs none.
        for (const camera of cameras.filter((c) => c.modeP2p !== false || c.modeRelay !== false))
          assert.notEqual(str(camera.servers).trim(), '', `${camera.id} has servers`);
      });

      it('a telemetry node whose tuning feeds trailcam-connect reports at least once a minute', () => {
        const byId = new Map(file.nodes.map((n) => [n.id, n]));
        for (const node of file.nodes.filter((n) => n.type === 'trailcam-telemetry')) {
          const feeds = (node.wires ?? []).flat().some((id) => byId.get(id)?.type === 'trailcam-connect');
          if (!feeds) continue;
          const interval = Number(node.interval);
          assert.ok(interval > 0 && interval <= 60, `${node.id} reports every ${String(node.interval)} s`);
        }
      });
    });
  }

  it('importing every example gives distinct tabs and distinct camera names, and no id twice', () => {
    const tabLabels = examples.flatMap((f) => f.nodes.filter((n) => n.type === 'tab').map((n) => str(n.label)));
    const cameraNames = examples.flatMap((f) => f.nodes.filter((n) => n.type === 'trailcam-camera').map((n) => `${str(n.name)} (${f.name})`));
    const duplicates = (names: string[], key: (s: string) => string): string[] => names.filter((n, i) => names.findIndex((m) => key(m) === key(n)) !== i);
    assert.deepEqual(
      duplicates(tabLabels, (s) => s),
      [],
      'tab labels',
    );
    assert.deepEqual(
      duplicates(cameraNames, (s) => s.replace(/ \(.*\)$/, '')),
      [],
      `camera names: ${cameraNames.join(', ')}`,
    );
    const ids = examples.flatMap((f) => f.nodes.map((n) => n.id));
    assert.deepEqual(
      duplicates(ids, (s) => s),
      [],
      'node ids',
    );
  });
});
