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
 * Runs a node's editor script (after the resources/ scripts it loads) with a small stand-in for the editor's RED and jQuery (no field
 * is being edited, so validators read the node's own properties; `lang` is the editor language)
 * and returns what it registered.
 */
export function loadDefinition(type: string, nodes: Record<string, Record<string, unknown>> = {}, lang = 'en-US'): NodeDefinition {
  const html = readFileSync(join(nodesDir(), `${type}.html`), 'utf8');
  const scripts = [...html.matchAll(/<script type="text\/javascript">([^]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 1, `${type}: one inline script`);
  assert.ok(html.includes(`data-template-name="${type}"`), `${type}: edit template`);
  const registered: Record<string, NodeDefinition> = {};
  const RED = {
    _: (key: string, subs?: Record<string, unknown>) => (subs ? `${key} ${JSON.stringify(subs)}` : key),
    i18n: { lang: () => lang },
    nodes: { registerType: (name: string, def: NodeDefinition) => (registered[name] = def), node: (id: string) => nodes[id] ?? null },
  };
  const $ = (): { length: number } => ({ length: 0 });
  const context: Record<string, unknown> = { RED, $ };
  context.window = context;
  // Scripts the editor loads from the package's resources/ (served at resources/<module>/<file>), as built.
  for (const [, file] of html.matchAll(/<script type="text\/javascript" src="resources\/node-red-contrib-trailcam\/([\w.-]+)"><\/script>/g)) {
    runInNewContext(readFileSync(join(nodesDir(), '..', 'resources', file), 'utf8'), context);
  }
  runInNewContext(scripts[0], context);
  assert.ok(registered[type], `${type} registered under its literal type`);
  return registered[type];
}
