import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runInNewContext } from 'node:vm';

/** nodes/ of the project (the .html files are not compiled, so look for the sources). */
export function nodesDir(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'nodes', 'trailcam-camera.html');
    if (existsSync(candidate) && existsSync(join(dir, 'nodes', 'trailcam-camera.ts'))) return join(dir, 'nodes');
  }
  throw new Error('nodes/ not found');
}

export type Validate = (this: Record<string, unknown>, value: unknown, opt?: Record<string, unknown>) => true | string | false;
export interface NodeDefinition {
  category: string;
  defaults: Record<string, { value: unknown; type?: string; required?: boolean; validate?: Validate }>;
  credentials?: Record<string, { type: string }>;
  inputs?: number;
  outputs?: number;
  icon?: string;
  label: (this: Record<string, unknown>) => string;
  outputLabels?: string[] | ((i: number) => string);
}

/**
 * Runs a node's editor script with a small stand-in for the editor's RED and jQuery (no field
 * is being edited, so validators read the node's own properties) and returns what it registered.
 */
export function loadDefinition(type: string, nodes: Record<string, Record<string, unknown>> = {}): NodeDefinition {
  const html = readFileSync(join(nodesDir(), `${type}.html`), 'utf8');
  const scripts = [...html.matchAll(/<script type="text\/javascript">([^]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 1, `${type}: one inline script`);
  assert.ok(html.includes(`data-template-name="${type}"`), `${type}: edit template`);
  const registered: Record<string, NodeDefinition> = {};
  const RED = {
    _: (key: string, subs?: Record<string, unknown>) => (subs ? `${key} ${JSON.stringify(subs)}` : key),
    nodes: { registerType: (name: string, def: NodeDefinition) => (registered[name] = def), node: (id: string) => nodes[id] ?? null },
  };
  const $ = (): { length: number } => ({ length: 0 });
  runInNewContext(scripts[0], { RED, $ });
  assert.ok(registered[type], `${type} registered under its literal type`);
  return registered[type];
}

