import assert from 'node:assert/strict';
import type { ConfigError } from '../../src/errors';
import { CAMERA_FORM_FIELDS, LANGUAGES, messageTemplates, subjectWords } from '../../src/validation';
import { loadDefinition, type NodeDefinition } from './editor-definitions';
import { helper, placed, trailcamNodes, type FlowNode } from './support';

/** A valid camera as the editor stores it (text fields as text), aimed at loopback. */
const GOOD: Record<string, unknown> = {
  name: 'Garden',
  host: '127.0.0.1',
  did: 'LBCS-000000-CCCJJ',
  ports: '40611,32100',
  modeLan: true,
  modeP2p: true,
  modeRelay: true,
  servers: '127.0.0.1:32100',
  relays: '',
  maxConnectionTimeMs: '30000',
  attemptTimeoutMs: '1500',
  startupDelayMs: '0',
  adaptive: true,
  keepaliveSilenceMs: '7000',
  reconnectMinMs: '1000',
  reconnectMaxMs: '60000',
  reconnectFactor: '2',
  reconnectJitter: '0.2',
};

/** Bad values a user may type (those of issue 14 and more), one field each. */
const BAD: Record<string, unknown>[] = [
  { ports: '70000' },
  { ports: '0' },
  { ports: '40611, 70000, abc' },
  { ports: ',' },
  { host: '999.1.1.1' },
  { host: '' },
  { host: 'camera.local' },
  { did: '' },
  { did: 'LBCS-1' },
  { servers: 'rendezvous.example' },
  { servers: 'rendezvous.example:32100' },
  { servers: '10.0.0.5:70000, 10.0.0.6' },
  { relays: '999.1.1.1:32100' },
  { modeLan: false, modeP2p: false, modeRelay: false },
  { maxConnectionTimeMs: '-5' },
  { attemptTimeoutMs: '-5' },
  { startupDelayMs: '-5' },
  { keepaliveSilenceMs: '-5' },
  { reconnectMinMs: '-5' },
  { reconnectMaxMs: '-5' },
  { reconnectFactor: '-5' },
  { reconnectJitter: '-5' },
  { maxConnectionTimeMs: 'soon' },
  { maxConnectionTimeMs: '1e3' },
  { reconnectMinMs: '5000', reconnectMaxMs: '100' },
];

/** The editor's field that shows a runtime problem of `field` (`ports[2]` → ports, `modes` → the checkboxes). */
function editorField(field: string): string {
  const root = field.split(/[.[]/)[0];
  return root === 'modes' ? 'modeLan' : root;
}

/** What the editor shows for `field` of `node` (as Node-RED 4.1 reads a two-argument validator). */
function editorMessage(def: NodeDefinition, node: Record<string, unknown>, field: string): true | string {
  const check = def.defaults[field].validate;
  assert.ok(check, `${field} has a validator`);
  assert.equal(check.length, 2, `${field}: a (v, opt) validator`);
  const result = check.call(node, node[field], {});
  assert.ok(result === true || typeof result === 'string', `${field}: true or a message`);
  return result;
}

/** The config error the camera node deploys with (null when the runtime accepts the camera). */
async function runtimeError(fields: Record<string, unknown>): Promise<ConfigError | null> {
  const camera: FlowNode = { id: 'cam', type: 'trailcam-camera', ...fields };
  await helper.load(trailcamNodes(), placed([{ id: 'f1', type: 'tab', label: 'test' }, camera]));
  try {
    return (helper.getNode('cam') as unknown as { configError: ConfigError | null }).configError;
  } finally {
    await helper.unload();
  }
}

describe('editor and runtime: one set of rules and messages (src/validation)', function () {
  this.timeout(20_000);
  before(() => helper.startServer());
  after(() => helper.stopServer());
  const def = loadDefinition('trailcam-camera');
  const fields = Object.keys(def.defaults).filter((f) => def.defaults[f].validate);

  it('the editor validates exactly the fields the shared module knows (a new field needs a rule there)', () => {
    assert.deepEqual([...fields].sort(), [...CAMERA_FORM_FIELDS].sort());
  });

  it('a valid camera: no field marked, the runtime accepts it', async () => {
    for (const field of fields) assert.equal(editorMessage(def, GOOD, field), true, field);
    assert.equal(await runtimeError(GOOD), null);
  });

  for (const patch of BAD) {
    it(`${JSON.stringify(patch)}: the editor marks exactly the fields the runtime rejects, with the runtime's message`, async () => {
      const node = { ...GOOD, ...patch };
      const err = await runtimeError(node);
      assert.ok(err, 'the runtime rejects it');
      assert.ok(err.problems.length > 0);
      for (const field of fields) {
        const runtime: string[] = err.problems
          .filter((p) => editorField(p.field) === field || (editorField(p.field) === 'modeLan' && field.startsWith('mode')))
          .map((p) => p.message);
        const shown = editorMessage(def, node, field);
        if (runtime.length === 0) assert.equal(shown, true, `${field} is not marked`);
        else assert.deepEqual(typeof shown === 'string' ? shown.split('; ') : shown, runtime, `${field}: the runtime's message`);
      }
      // Each message names the value as typed (except for an empty field).
      for (const p of err.problems)
        if (typeof p.value === 'string' && p.value.trim() !== '') assert.ok(p.message.includes(p.value.trim()), `${p.message} shows ${p.value}`);
    });
  }

  it('every bad field at once: one error that names each, in words a user reads', async () => {
    const all = {
      ...GOOD,
      ports: '70000',
      host: '999.1.1.1',
      servers: 'rendezvous.example',
      maxConnectionTimeMs: '-5',
      attemptTimeoutMs: '-5',
      startupDelayMs: '-5',
      keepaliveSilenceMs: '-5',
      reconnectMinMs: '-5',
      reconnectMaxMs: '-5',
      reconnectFactor: '-5',
      reconnectJitter: '-5',
    };
    const err = await runtimeError(all);
    assert.ok(err);
    assert.deepEqual(
      err.problems.map((p) => p.field),
      [
        'host',
        'ports[0]',
        'servers[0]',
        'maxConnectionTimeMs',
        'attemptTimeoutMs',
        'startupDelayMs',
        'keepaliveSilenceMs',
        'reconnectMinMs',
        'reconnectMaxMs',
        'reconnectFactor',
        'reconnectJitter',
      ],
    );
    assert.equal(err.field, 'host');
    assert.match(
      err.message,
      /^invalid host: host 999\.1\.1\.1 is not an IPv4 address such as 192\.168\.43\.1; invalid ports\[0\]: port 70000 is not 1–65535; invalid servers\[0\]: server rendezvous\.example is not IPv4:port/,
    );
    assert.match(
      err.message,
      /invalid maxConnectionTimeMs: max\. connection time -5 is not 1–600000 ms; invalid attemptTimeoutMs: attempt timeout -5 is not 1–300000 ms; invalid startupDelayMs: start-up delay -5 is not 0–300000 ms/,
    );
    assert.match(err.message, /invalid reconnectFactor: backoff factor -5 is not 1–10; invalid reconnectJitter: jitter -5 is not 0–1$/);
  });

  it('the telemetry interval and the command timeout: the editor shows what the node logs', async () => {
    const telemetry = loadDefinition('trailcam-telemetry');
    const command = loadDefinition('trailcam-command');
    assert.equal(editorMessage(telemetry, { interval: '-5' }, 'interval'), 'interval -5 is neither 0 (only on input) nor 1–604800 s');
    assert.equal(editorMessage(telemetry, { interval: '' }, 'interval'), true);
    assert.equal(editorMessage(command, { timeoutMs: '-5' }, 'timeoutMs'), 'timeout -5 is not 1–600000 ms');
    const flow = placed([
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 'cam', type: 'trailcam-camera', ...GOOD },
      { id: 'tel', type: 'trailcam-telemetry', z: 'f1', camera: 'cam', interval: '-5', wires: [[]] },
      { id: 'cmd', type: 'trailcam-command', z: 'f1', camera: 'cam', timeoutMs: '-5', wires: [[]] },
    ]);
    await helper.load(trailcamNodes(), flow);
    try {
      const logged = helper
        .log()
        .args.flat()
        .map((e) => (typeof e === 'object' && e !== null && 'msg' in e ? String((e as { msg: unknown }).msg) : String(e)));
      assert.ok(logged.includes('invalid interval: interval -5 is neither 0 (only on input) nor 1–604800 s'), logged.join('\n'));
      assert.ok(logged.includes('invalid timeoutMs: timeout -5 is not 1–600000 ms'), logged.join('\n'));
    } finally {
      await helper.unload();
    }
  });

  it('German: every message and field word, with the same placeholders; the editor shows it in the editor language', () => {
    const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const en = messageTemplates('en-US');
    for (const lang of LANGUAGES) {
      const templates = messageTemplates(lang);
      assert.deepEqual(Object.keys(templates).sort(), Object.keys(en).sort(), lang);
      for (const code of Object.keys(en) as (keyof typeof en)[]) assert.deepEqual(placeholders(templates[code]), placeholders(en[code]), `${lang} ${code}`);
      assert.deepEqual(Object.keys(subjectWords(lang)).sort(), Object.keys(subjectWords('en-US')).sort(), `${lang} field words`);
    }
    const german = loadDefinition('trailcam-camera', {}, 'de');
    assert.equal(editorMessage(german, { ...GOOD, ports: '70000' }, 'ports'), 'Port 70000 liegt nicht in 1–65535');
    assert.equal(editorMessage(german, { ...GOOD, startupDelayMs: '-5' }, 'startupDelayMs'), 'Startverzögerung -5 liegt nicht in 0–300000 ms');
  });
});
