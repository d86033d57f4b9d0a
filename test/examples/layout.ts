/**
 * Where Node-RED 4.1's editor draws a flow's nodes, estimated from the flow file alone, so a test
 * can say that no node, comment or status text covers another without a browser (the browser
 * test measures the real boxes).
 *
 * The sizes follow @node-red/editor-client's view.js: a node is max(100, 20·⌈(label + 50 + 7 if
 * it has an input) / 20⌉) px wide and max(30, 15·outputs) px high, centred on (x, y); its status
 * (dot + text in 9pt) starts 3 px right of its left edge and 3 px below it; a button (inject,
 * debug) sticks out 25 px on its side. Text widths are
 * upper estimates (8 px per character at 14 px, 7 px at 9pt), so the estimate errs on the wide side.
 */

export interface Box {
  id: string;
  what: 'node' | 'status';
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface DrawnNode {
  id: string;
  type: string;
  label: string;
  x: number;
  y: number;
  inputs: number;
  outputs: number;
  /** The longest status text the node is expected to show; undefined: it shows none. */
  status?: string;
  /** A button on the node's left (inject) or right (debug). */
  button?: 'left' | 'right';
}

const BUTTON_PX = 25;

const LABEL_PX_PER_CHAR = 8;
const STATUS_PX_PER_CHAR = 7;
const STATUS_HEIGHT = 14;

export function nodeBox(node: DrawnNode): Box {
  const labelWidth = node.label.length * LABEL_PX_PER_CHAR;
  const w = Math.max(100, 20 * Math.ceil((labelWidth + 50 + (node.inputs > 0 ? 7 : 0)) / 20));
  const h = Math.max(30, node.outputs * 15);
  const left = node.x - w / 2 - (node.button === 'left' ? BUTTON_PX : 0);
  const right = node.x + w / 2 + (node.button === 'right' ? BUTTON_PX : 0);
  return { id: node.id, what: 'node', left, top: node.y - h / 2, right, bottom: node.y + h / 2 };
}

/** The node's own box, without its button: where its status text starts. */
function bodyLeft(node: DrawnNode): number {
  return nodeBox(node).left + (node.button === 'left' ? BUTTON_PX : 0);
}

export function statusBox(node: DrawnNode): Box | undefined {
  if (node.status === undefined) return undefined;
  const box = nodeBox(node);
  const left = bodyLeft(node) + 3;
  return {
    id: node.id,
    what: 'status',
    left,
    top: box.bottom + 3,
    right: left + 20 + node.status.length * STATUS_PX_PER_CHAR,
    bottom: box.bottom + 3 + STATUS_HEIGHT,
  };
}

/** Every pair of boxes of different nodes that are closer than `gap` px (or overlap). */
export function crowded(boxes: Box[], gap: number): [Box, Box][] {
  const pairs: [Box, Box][] = [];
  for (let i = 0; i < boxes.length; i += 1) {
    for (let j = i + 1; j < boxes.length; j += 1) {
      const a = boxes[i];
      const b = boxes[j];
      if (a.id === b.id) continue;
      const apart = a.right + gap <= b.left || b.right + gap <= a.left || a.bottom + gap <= b.top || b.bottom + gap <= a.top;
      if (!apart) pairs.push([a, b]);
    }
  }
  return pairs;
}

export function describeBox(b: Box): string {
  return `${b.id} ${b.what} [${Math.round(b.left)},${Math.round(b.top)}–${Math.round(b.right)},${Math.round(b.bottom)}]`;
}
