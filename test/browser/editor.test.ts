import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { validateCameraSettings } from '../../src/runtime';
import { crowded, describeBox, type Box } from '../examples/layout';
import { DemoProcess, projectRoot } from '../helpers/demo-process';

/**
 * The editor as a user meets it: Debian's chromium (headless, through playwright-core) on the
 * Node-RED of `npm start` (the demo flow against the simulator, all on 127.0.0.1). Every step
 * saves a screenshot to test-artefacts/browser/. Without chromium the test skips with one line;
 * under CI=true it fails instead.
 *
 * The steps share one page and run in order; each step collects what it found wrong and fails
 * with the whole list, so one run names every problem.
 */

const CHROMIUM = process.env.TRAILCAM_CHROMIUM ?? '/usr/bin/chromium';
const ARTEFACTS = join(projectRoot(), 'test-artefacts', 'browser');
/** The labels the palette must show (issue 14: not "status", which is core Node-RED's status node). */
const PALETTE_LABELS: Record<string, string> = {
  'trailcam-connect': 'connect',
  'trailcam-status': 'camera status',
  'trailcam-telemetry': 'telemetry',
  'trailcam-command': 'command',
};
/** Examples imported through the menu and the Import dialog (the rest as its Import button does, to keep the run short). */
const UI_IMPORTS = 2;
/** Closest two drawn things may come in the real editor, in px (the file test uses 10 px on upper estimates). */
const GAP = 2;

/**
 * The little of the browser the page-side probes use (the project compiles without the DOM
 * library, so these describe it for page.evaluate/waitForFunction callbacks).
 */
interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
}
interface El {
  id: string;
  textContent: string | null;
  scrollWidth: number;
  clientWidth: number;
  offsetParent: El | null;
  parentElement: El | null;
  tagName: string;
  getBoundingClientRect(): Rect;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
}
interface EditorNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  label?: string;
  valid?: boolean;
  validationErrors?: string[];
  [key: string]: unknown;
}
/** Page-side code reads the page through `(globalThis as unknown as PageGlobals)`: it runs in the browser, where only its own source exists. */
interface PageGlobals {
  document: El;
  RED: {
    nodes: {
      filterNodes(filter: { type?: string; z?: string }): EditorNode[];
      node(id: string): EditorNode | null;
      eachWorkspace(cb: (ws: EditorNode) => void): void;
      eachConfig(cb: (n: EditorNode) => void): void;
      getType(type: string): { defaults: Record<string, { value: unknown }> } | null;
    };
    workspaces: { active(): string; show(id: string): void };
    view: { importNodes(nodes: unknown): void };
    _(key: string): string;
  };
}

/** A node's box, its button's and its status text's, as drawn on the active tab. */
function drawnBoxes(): { id: string; what: 'node' | 'status'; left: number; top: number; right: number; bottom: number }[] {
  const { document } = globalThis as unknown as PageGlobals;
  const out: { id: string; what: 'node' | 'status'; left: number; top: number; right: number; bottom: number }[] = [];
  const groups = document.querySelectorAll('#red-ui-workspace-chart g.red-ui-flow-node-group');
  for (let i = 0; i < groups.length; i += 1) {
    const g = groups[i];
    const parts = [g.querySelector(':scope > rect.red-ui-flow-node'), g.querySelector(':scope > .red-ui-flow-node-button')].filter((e): e is El => e !== null);
    const rects = parts.map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0);
    if (rects.length > 0) {
      out.push({
        id: g.id,
        what: 'node',
        left: Math.min(...rects.map((r) => r.left)),
        top: Math.min(...rects.map((r) => r.top)),
        right: Math.max(...rects.map((r) => r.right)),
        bottom: Math.max(...rects.map((r) => r.bottom)),
      });
    }
    const status = g.querySelector('.red-ui-flow-node-status-group');
    const label = g.querySelector('.red-ui-flow-node-status-label');
    if (status && label && (label.textContent ?? '') !== '' && status.getAttribute('style') !== 'display: none;') {
      const r = status.getBoundingClientRect();
      if (r.width > 0) out.push({ id: g.id, what: 'status', left: r.left, top: r.top, right: r.right, bottom: r.bottom });
    }
  }
  return out;
}

/**
 * What does not fit in the open (top-most) edit dialog: a label whose text is wider than its box
 * (it runs into the field next to it), and anything in a form row or tip that reaches past the
 * dialog's visible right edge (the tray's edge, or the sidebar drawn over it).
 */
function overflowingText(): string[] {
  const { document } = globalThis as unknown as PageGlobals;
  const trays = document.querySelectorAll('#red-ui-editor-stack .red-ui-tray');
  const tray = trays[trays.length - 1];
  if (!tray) return ['no edit dialog is open'];
  const sidebar = document.querySelector('#red-ui-sidebar');
  const sidebarLeft = sidebar && sidebar.offsetParent !== null ? sidebar.getBoundingClientRect().left : Infinity;
  const edge = Math.min(tray.getBoundingClientRect().right, sidebarLeft);
  const out: string[] = [];
  const labels = tray.querySelectorAll('.form-row label');
  for (let i = 0; i < labels.length; i += 1) {
    const label = labels[i];
    if (label.offsetParent === null) continue; // on a hidden tab
    const text = (label.textContent ?? '').trim();
    if (text !== '' && label.scrollWidth > label.clientWidth + 1) out.push(`"${text}" needs ${label.scrollWidth} px, has ${label.clientWidth} px`);
  }
  const parts = tray.querySelectorAll('.form-row > *, .form-row label, .form-tips');
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i];
    if (part.offsetParent === null) continue;
    const right = part.getBoundingClientRect().right;
    if (right > edge + 1)
      out.push(
        `${part.tagName.toLowerCase()}${part.id ? `#${part.id}` : ''} "${(part.textContent ?? '').trim().slice(0, 40)}" reaches ${Math.round(right - edge)} px past the dialog's visible edge`,
      );
  }
  return out;
}

/** Resolves when the top-most edit dialog has slid in (Node-RED moves it in with a 0.25 s transition of `right`). */
async function trayOpen(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const g = globalThis as unknown as PageGlobals & { getComputedStyle(e: El): { right: string } };
    const trays = g.document.querySelectorAll('#red-ui-editor-stack .red-ui-tray');
    const tray = trays[trays.length - 1];
    return tray !== undefined && g.getComputedStyle(tray).right === '0px';
  });
}

/** Drags a node type from the palette to (x, y) of the workspace as a user does; resolves with the new node's id. */
async function dragFromPalette(page: Page, type: string, x: number, y: number): Promise<string> {
  const ofType = (t: string): string[] => (globalThis as unknown as PageGlobals).RED.nodes.filterNodes({ type: t }).map((n) => n.id);
  const before = await page.evaluate(ofType, type);
  const entry = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
  await entry.scrollIntoViewIfNeeded();
  const from = await entry.boundingBox();
  const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
  assert.ok(from && chart, `${type} in the palette and the workspace are drawn`);
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(chart.x + x, chart.y + y, { steps: 12 });
  await page.mouse.up();
  await page.waitForFunction(([t, n]) => (globalThis as unknown as PageGlobals).RED.nodes.filterNodes({ type: t }).length === n + 1, [
    type,
    before.length,
  ] as const);
  const added = (await page.evaluate(ofType, type)).find((id) => !before.includes(id)) ?? '';
  assert.notEqual(added, '', `a new ${type}`);
  return added;
}

type CameraTab = 'connection' | 'timing' | 'login';

/** Shows a tab of the camera dialog. */
async function showCameraTab(page: Page, tab: CameraTab): Promise<void> {
  const li = page.locator(`#red-ui-tab-trailcam-camera-tab-${tab}`);
  const content = page.locator(`#trailcam-camera-tab-${tab}`);
  if (!((await li.getAttribute('class')) ?? '').split(/\s+/).includes('active')) {
    await li.locator('a.red-ui-tab-label').click();
    // Node-RED's tabs take a second click on any tab within 400 ms for a double click and
    // ignore it; the click after that counts again.
    if (!(await content.isVisible())) await li.locator('a.red-ui-tab-label').click();
  }
  await content.waitFor();
}

describe('the editor in a real browser (Debian chromium, Node-RED 4.1, the npm start demo)', function () {
  this.timeout(60_000);
  let demo: DemoProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let url: string;
  let shot = 0;
  /** The connect node dragged in from the palette. */
  let added = '';

  const screenshot = async (name: string, target: Page = page): Promise<void> => {
    shot += 1;
    await target.screenshot({ path: join(ARTEFACTS, `${String(shot).padStart(2, '0')}-${name}.png`) });
  };
  const fail = (problems: string[], what: string): void => assert.deepEqual(problems, [], what);

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: the browser test needs Debian's chromium (apt-get install chromium)`);
      console.log(`      skipped: no ${CHROMIUM} (apt-get install chromium, or set TRAILCAM_CHROMIUM)`);
      this.skip();
    }
    rmSync(ARTEFACTS, { recursive: true, force: true });
    mkdirSync(ARTEFACTS, { recursive: true });
    demo = DemoProcess.spawn(resolve(__dirname, '..', '..'));
    url = await demo.editorUrl();
    // launch() runs chromium on a fresh temporary profile (user data dir) that close() deletes.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
    // Waits end on what the editor shows; 15 s is a bound for a step that went wrong, not a pace.
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    await page.goto(url);
    await page.locator('.red-ui-palette-node[data-palette-type="trailcam-connect"]').waitFor();
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('the palette shows every trailcam node with its label and icon', async () => {
    const problems: string[] = [];
    // Every node type of this package but the config node (package.json "node-red".nodes).
    const types = Object.keys(
      (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes,
    ).filter((t) => t !== 'trailcam-camera');
    for (const type of types) {
      const label = PALETTE_LABELS[type];
      const entry = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
      if ((await entry.count()) !== 1) {
        problems.push(`${type}: not in the palette`);
        continue;
      }
      // The palette wraps a long label onto two lines; what it says is the words.
      const shown = (await entry.locator('.red-ui-palette-label').innerText()).replace(/\s+/g, ' ').trim();
      if (label === undefined ? shown === '' : shown !== label)
        problems.push(`${type}: label "${shown}", expected ${label === undefined ? 'one' : `"${label}"`}`);
      const background = await entry
        .locator('.red-ui-palette-icon')
        .evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundImage: string } }).getComputedStyle(e).backgroundImage);
      const icon = /url\("?([^")]+)"?\)/.exec(background)?.[1] ?? '';
      if (!icon.endsWith(`/${type}.svg`)) problems.push(`${type}: icon ${background}`);
      else {
        const response = await page.request.get(icon);
        if (!response.ok() || !/svg/.test(response.headers()['content-type'] ?? ''))
          problems.push(`${type}: icon ${icon} answers ${response.status()} ${response.headers()['content-type']}`);
      }
    }
    await screenshot('palette');
    fail(problems, 'palette');
  });

  it('the demo tab: statuses come up, and no node, comment or status text covers another', async () => {
    await page.waitForFunction(() =>
      /^lan \d+ ms$/.test(
        (globalThis as unknown as PageGlobals).document.querySelector('[id="demo.connect"] .red-ui-flow-node-status-label')?.textContent ?? '',
      ),
    );
    await page.waitForFunction(() =>
      /\d/.test((globalThis as unknown as PageGlobals).document.querySelector('[id="demo.lan"] .red-ui-flow-node-status-label')?.textContent ?? ''),
    );
    await page.waitForFunction(
      () =>
        ((globalThis as unknown as PageGlobals).document.querySelector('[id="demo.availability"] .red-ui-flow-node-status-label')?.textContent ?? '') ===
        'online',
    );
    await screenshot('demo');
    const boxes = (await page.evaluate(drawnBoxes)) as Box[];
    assert.ok(boxes.filter((b) => b.what === 'node').length >= 11, `the demo's nodes are drawn: ${boxes.map(describeBox).join(', ')}`);
    fail(
      crowded(boxes, GAP).map(([a, b]) => `${describeBox(a)} touches ${describeBox(b)}`),
      'demo layout',
    );
  });

  it('a connect node dragged from the palette lands in the workspace', async () => {
    added = await dragFromPalette(page, 'trailcam-connect', 400, 560);
    await page.locator(`[id="${added}"]`).waitFor();
    await screenshot('connect-dragged-in');
  });

  it("its dialog and the camera's dialog open (#node-input-btn-camera-edit)", async () => {
    await page.locator(`[id="${added}"] rect.red-ui-flow-node`).dblclick();
    await page.locator('#node-input-camera').waitFor();
    await trayOpen(page);
    await page.locator('#node-input-camera').selectOption('demo.camera');
    await screenshot('connect-dialog');
    await page.locator('#node-input-btn-camera-edit').click();
    await page.locator('#node-config-input-host').waitFor();
    await trayOpen(page);
    await screenshot('camera-dialog');
    fail(await page.evaluate(overflowingText), 'English camera dialog labels fit');
  });

  /** Field, bad value, tab it is on. */
  const BAD: [string, string, 'connection' | 'timing'][] = [
    ['host', '999.1.1.1', 'connection'],
    ['ports', '70000', 'connection'],
    ['servers', 'rendezvous.example', 'connection'],
    ...(
      [
        'maxConnectionTimeMs',
        'attemptTimeoutMs',
        'startupDelayMs',
        'keepaliveSilenceMs',
        'reconnectMinMs',
        'reconnectMaxMs',
        'reconnectFactor',
        'reconnectJitter',
      ] as const
    ).map((field): [string, string, 'timing'] => [field, '-5', 'timing']),
  ];
  const original: Record<string, string> = {};
  const showTab = (tab: CameraTab, target: Page = page): Promise<void> => showCameraTab(target, tab);

  /** What the runtime says about the camera dialog's values, or '' when it takes them. */
  const runtimeMessage = (values: Record<string, string>): string => {
    try {
      validateCameraSettings({ ...values, modes: ['lan', 'p2p', 'relay'] });
      return '';
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  };

  it('every bad value is marked invalid, with the message the runtime gives, naming the value', async () => {
    const problems: string[] = [];
    for (const field of ['did', 'relays', ...BAD.map(([f]) => f)]) original[field] = await page.locator(`#node-config-input-${field}`).inputValue();
    assert.equal(runtimeMessage(original), '', 'the runtime takes the demo camera as it is');
    // No tooltip left over (the pointer last rested on the camera's edit button).
    const noTooltip = async (): Promise<void> => {
      await page.mouse.move(5, 5);
      await page.waitForFunction(() => {
        const list = (globalThis as unknown as PageGlobals).document.querySelectorAll('.red-ui-popover');
        return Array.from({ length: list.length }, (_, i) => list[i]).every((e) => e.offsetParent === null);
      });
    };
    await noTooltip();
    for (const [field, bad, tab] of BAD) {
      await showTab(tab);
      const input = page.locator(`#node-config-input-${field}`);
      await input.fill(bad);
      await input.press('Tab');
      if (!(await input.evaluate((e) => e.getAttribute('class') ?? '')).split(/\s+/).includes('input-error')) {
        problems.push(`${field} = ${bad}: not marked invalid (no input-error)`);
        continue;
      }
      // Node-RED 4.1 shows the validator's message as a tooltip when the pointer rests on the field.
      await input.hover();
      const tooltip = page.locator('.red-ui-popover-content').filter({ visible: true }).last();
      await tooltip.waitFor();
      const message = (await tooltip.innerText()).trim();
      // One picture per dialog tab (the last bad field of it, with its message).
      if (BAD.filter(([, , t]) => t === tab).at(-1)?.[0] === field) await screenshot(`invalid-${tab}`);
      if (!message.includes(bad)) problems.push(`${field} = ${bad}: the message "${message}" does not name the value`);
      const runtime = runtimeMessage({ ...original, [field]: bad });
      if (runtime === '') problems.push(`${field} = ${bad}: the runtime takes it, the editor says "${message}"`);
      else if (!runtime.includes(message)) problems.push(`${field} = ${bad}: the editor says "${message}", the runtime "${runtime}"`);
      await noTooltip();
    }
    fail(problems, 'bad values');
  });

  it('fixed again, no field is marked, and Update / Done / Deploy go through', async () => {
    for (const [field, , tab] of BAD) {
      await showTab(tab);
      const input = page.locator(`#node-config-input-${field}`);
      await input.fill(original[field]);
      await input.press('Tab');
    }
    const marked = await page.evaluate(() => {
      const list = (globalThis as unknown as PageGlobals).document.querySelectorAll('.red-ui-editor .input-error');
      return Array.from({ length: list.length }, (_, i) => list[i].id || list[i].tagName);
    });
    await screenshot('fixed');
    assert.deepEqual(marked, [], 'fields still marked invalid');
    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#node-config-input-host').waitFor({ state: 'detached' });
    await page.locator('#node-dialog-ok').click();
    await page.locator('#node-input-camera').waitFor({ state: 'detached' });
    await page.locator('#red-ui-header-button-deploy').click();
    await page
      .locator('.red-ui-notification', { hasText: await page.evaluate(() => (globalThis as unknown as PageGlobals).RED._('deploy.successfulDeploy')) })
      .waitFor();
  });

  it('after the deploy the new connect node shows the green status with the winning mode', async () => {
    await page.waitForFunction((id) => {
      const { document } = globalThis as unknown as PageGlobals;
      const label = document.querySelector(`[id="${id}"] .red-ui-flow-node-status-label`)?.textContent ?? '';
      const dot = document.querySelector(`[id="${id}"] .red-ui-flow-node-status`)?.getAttribute('class') ?? '';
      return /^lan \d+ ms$/.test(label) && dot.includes('red-ui-flow-node-status-dot-green');
    }, added);
    await screenshot('deployed-green');
  });

  it('Import → Examples brings in every example: its own tab, a distinct camera, every field, nothing drawn over anything', async () => {
    const names = readdirSync(join(projectRoot(), 'examples'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''))
      .sort();
    const problems: string[] = [];
    for (const name of names) {
      const before = await page.evaluate(() => {
        const ids: string[] = [];
        const { RED } = globalThis as unknown as PageGlobals;
        RED.nodes.eachWorkspace((ws) => ids.push(ws.id));
        return { tabs: ids, nodes: RED.nodes.filterNodes({}).length };
      });
      if (names.indexOf(name) < UI_IMPORTS) {
        // The user's path: menu → Import → Examples → node-red-contrib-trailcam → the example → Import.
        await page.locator('#red-ui-header-button-sidemenu').click();
        await page.locator('#menu-item-import').click();
        await page.locator('#red-ui-clipboard-dialog-import-tabs a[href="#red-ui-clipboard-dialog-import-tab-examples"]').click();
        const library = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
        await library.locator('.red-ui-treeList-label', { hasText: 'node-red-contrib-trailcam' }).first().click();
        await library
          .locator('.red-ui-treeList-label')
          .filter({ hasText: new RegExp(`^\\s*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) })
          .click();
        if (names.indexOf(name) === 0) await screenshot('import-dialog');
        await page.locator('#red-ui-clipboard-dialog-ok').click();
        await page.locator('#red-ui-clipboard-dialog-ok').waitFor({ state: 'hidden' });
      } else {
        // What that dialog's Import button does: fetch the example from the library, import it.
        await page.evaluate(
          async (path) => {
            const g = globalThis as unknown as PageGlobals & { fetch(url: string): Promise<{ json(): Promise<unknown> }> };
            g.RED.view.importNodes(await (await g.fetch(path)).json());
          },
          `library/examples/flows/node-red-contrib-trailcam/${encodeURIComponent(name)}`,
        );
      }
      await page.waitForFunction((n) => (globalThis as unknown as PageGlobals).RED.nodes.filterNodes({}).length > n, before.nodes);
      const tabId = await page.evaluate((old) => {
        let found = '';
        (globalThis as unknown as PageGlobals).RED.nodes.eachWorkspace((ws) => {
          if (!old.includes(ws.id)) found = ws.id;
        });
        return found;
      }, before.tabs);
      if (tabId === '') {
        problems.push(`${name}: no tab of its own (imported into the current tab)`);
        await screenshot(`import-${names.indexOf(name) + 1}-no-tab`);
        continue;
      }
      await page.evaluate((id) => (globalThis as unknown as PageGlobals).RED.workspaces.show(id), tabId);
      await page.waitForFunction((id) => (globalThis as unknown as PageGlobals).RED.workspaces.active() === id, tabId);
      await page.locator('#red-ui-workspace-chart g.red-ui-flow-node-group').first().waitFor();
      await screenshot(`import-${names.indexOf(name) + 1}-tab`);
      const report = await page.evaluate((id) => {
        const { RED } = globalThis as unknown as PageGlobals;
        let label = '';
        RED.nodes.eachWorkspace((ws) => {
          if (ws.id === id) label = String(ws.label);
        });
        const nodes = RED.nodes.filterNodes({ z: id });
        const invalid = nodes.filter((n) => n.valid === false).map((n) => `${n.id} (${n.type}): ${(n.validationErrors ?? []).join(', ')}`);
        const cameraIds = new Set(nodes.map((n) => n.camera).filter((c): c is string => typeof c === 'string'));
        const cameras = [...cameraIds].map((c) => RED.nodes.node(c)).filter((c): c is EditorNode => c !== null);
        const defaults = RED.nodes.getType('trailcam-camera')?.defaults ?? {};
        const missing = cameras.flatMap((c) =>
          Object.keys(defaults)
            .filter((k) => c[k] === undefined || c[k] === null)
            .map((k) => `${c.id}.${k}`),
        );
        const invalidCameras = cameras.filter((c) => c.valid === false).map((c) => `${c.id}: ${(c.validationErrors ?? []).join(', ')}`);
        return { label, invalid: [...invalid, ...invalidCameras], missing, cameraNames: cameras.map((c) => String(c.name)) };
      }, tabId);
      if (report.label !== name) problems.push(`${name}: imported into tab "${report.label}"`);
      for (const p of report.invalid) problems.push(`${name}: invalid ${p}`);
      for (const p of report.missing) problems.push(`${name}: empty field ${p}`);
      const boxes = (await page.evaluate(drawnBoxes)) as Box[];
      for (const [a, b] of crowded(boxes, GAP)) problems.push(`${name}: ${describeBox(a)} touches ${describeBox(b)}`);
    }
    const all = await page.evaluate(() => {
      const { RED } = globalThis as unknown as PageGlobals;
      const tabs: string[] = [];
      RED.nodes.eachWorkspace((ws) => tabs.push(String(ws.label)));
      const cameras: string[] = [];
      RED.nodes.eachConfig((n) => {
        if (n.type === 'trailcam-camera') cameras.push(String(n.name));
      });
      return { tabs, cameras };
    });
    const twice = (list: string[]): string[] => list.filter((x, i) => list.indexOf(x) !== i);
    if (twice(all.tabs).length > 0) problems.push(`tabs twice: ${twice(all.tabs).join(', ')} (all: ${all.tabs.join(', ')})`);
    if (twice(all.cameras).length > 0) problems.push(`camera names twice: ${twice(all.cameras).join(', ')}`);
    for (const t of all.tabs) if (/^Flow \d+$/.test(t)) problems.push(`an example came in as "${t}"`);
    // Not deployed: the examples point at the camera's access point and the vendor's servers.
    fail(problems, 'imported examples');
  });

  it('in German every dialog renders without a label running into its field', async () => {
    assert.ok(browser);
    const de = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'de-DE' });
    de.setDefaultTimeout(15_000);
    try {
      const dePage = await de.newPage();
      await dePage.goto(url);
      await dePage.locator('.red-ui-palette-node[data-palette-type="trailcam-connect"]').waitFor();
      await dePage.locator('[id="demo.connect"] rect.red-ui-flow-node').waitFor();
      const problems: string[] = [];
      const check = async (what: string): Promise<void> => {
        await screenshot(`de-${what}`, dePage);
        for (const p of (await dePage.evaluate(overflowingText)) as string[]) problems.push(`${what}: ${p}`);
      };
      // The demo has no command node: one from the palette (not deployed).
      const command = await dragFromPalette(dePage, 'trailcam-command', 400, 600);
      for (const id of ['demo.status', 'demo.telemetry', command, 'demo.connect']) {
        await dePage.locator(`[id="${id}"] rect.red-ui-flow-node`).dblclick();
        await dePage.locator('#node-input-camera').waitFor();
        await trayOpen(dePage);
        await check(id === command ? 'command' : id.replace('demo.', ''));
        if (id !== 'demo.connect') {
          await dePage.locator('#node-dialog-cancel').click();
          await dePage.locator('#node-input-camera').waitFor({ state: 'detached' });
        }
      }
      await dePage.locator('#node-input-btn-camera-edit').click();
      await dePage.locator('#node-config-input-host').waitFor();
      await trayOpen(dePage);
      for (const tab of ['connection', 'timing', 'login'] as const) {
        await showTab(tab, dePage);
        await check(`camera-${tab}`);
      }
      const lang = await dePage.evaluate(() =>
        (globalThis as unknown as PageGlobals).RED._('node-red-contrib-trailcam/trailcam-camera:trailcam-camera.label.startupDelayMs'),
      );
      assert.equal(lang, 'Startverzögerung', 'the German catalogue is loaded');
      fail(problems, 'German labels fit');
    } finally {
      await de.close();
    }
  });
});
