import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDefinition, nodesDir, type NodeDefinition } from './editor-definitions';

/** Runs `field`'s validator for `node` (the other properties come from the defaults). */
function validate(def: NodeDefinition, field: string, value: unknown, node: Record<string, unknown> = {}): true | string | false {
  const self = { ...Object.fromEntries(Object.entries(def.defaults).map(([k, v]) => [k, v.value])), ...node, [field]: value };
  const check = def.defaults[field].validate;
  if (!check) return true;
  const result = check.call(self, value, {});
  // As Node-RED 4.1's editor reads it (validateNodeProperty in @node-red/editor-client red.js): a
  // returned string marks the field invalid, with that message, only if the validator takes two
  // arguments (v, opt); from any other validator a non-empty string is truthy, i.e. valid.
  if (typeof result === 'string' && check.length !== 2) return result !== '';
  return result;
}

describe('editor definitions', () => {
  it('trailcam-camera: KJK230 defaults, credentials, validators that explain the problem', () => {
    const def = loadDefinition('trailcam-camera');
    assert.equal(def.category, 'config');
    assert.equal(def.defaults.host.value, '192.168.43.1');
    assert.equal(String(def.defaults.ports.value).split(',')[0], '40611');
    assert.deepEqual(Object.keys(def.credentials ?? {}), ['user', 'password']);
    assert.equal(def.credentials?.password.type, 'password');
    for (const [field, value] of Object.entries(def.defaults)) {
      if (field === 'did') continue;
      assert.equal(validate(def, field, value.value, { did: 'LBCS-000000-CCCJJ' }), true, `default of ${field} is valid`);
    }
    assert.equal(validate(def, 'did', def.defaults.did.value), 'camera id is required, e.g. LBCS-000000-CCCJJ', 'the DID has no default: it must be entered');
    assert.equal(validate(def, 'host', '192.168.43.1'), true);
    assert.equal(validate(def, 'host', '192.168.43'), 'host 192.168.43 is not an IPv4 address such as 192.168.43.1');
    assert.match(String(validate(def, 'host', '')), /^host is required for LAN mode/);
    assert.equal(validate(def, 'host', '', { modeLan: false }), true, 'no host needed without LAN');
    assert.equal(validate(def, 'did', 'LBCS-000000-CCCJJ'), true);
    assert.match(String(validate(def, 'did', 'LBCS000000')), /^camera id LBCS000000 is not PREFIX-SERIAL-CHECK/);
    assert.equal(validate(def, 'ports', '40611,70000,0'), 'port 70000 is not 1–65535; port 0 is not 1–65535', 'every bad port');
    assert.equal(validate(def, 'ports', ''), true, 'empty: the default ports');
    assert.equal(validate(def, 'servers', '10.0.0.5:32100, 10.0.0.6:32100'), true);
    assert.equal(validate(def, 'servers', 'example.com:32100'), 'server example.com:32100: example.com is not an IPv4 address');
    assert.equal(validate(def, 'servers', 'rendezvous.example'), 'server rendezvous.example is not IPv4:port such as 10.0.0.5:32100');
    assert.equal(validate(def, 'relays', '10.0.0.7:70000'), 'relay 10.0.0.7:70000: port 70000 is not 1–65535');
    assert.equal(validate(def, 'maxConnectionTimeMs', 0), 'max. connection time 0 is not 1–600000 ms');
    assert.equal(validate(def, 'startupDelayMs', '-5'), 'start-up delay -5 is not 0–300000 ms');
    assert.equal(validate(def, 'attemptTimeoutMs', 'soon'), 'attempt timeout soon is not a number');
    assert.equal(validate(def, 'maxConnectionTimeMs', ''), true, 'empty: the default');
    for (const mode of ['modeLan', 'modeP2p', 'modeRelay']) {
      assert.equal(validate(def, mode, false, { modeLan: false, modeP2p: false, modeRelay: false }), 'modes: enable at least one of LAN, P2P, relay', mode);
    }
    assert.equal(validate(def, 'reconnectMaxMs', 500, { reconnectMinMs: 1000 }), 'longest reconnect wait 500 is below first reconnect wait (1000)');
    assert.equal(validate(def, 'reconnectFactor', 0.5), 'backoff factor 0.5 is not 1–10');
    assert.equal(validate(def, 'reconnectJitter', 1.5), 'jitter 1.5 is not 0–1');
    assert.equal(validate(def, 'reconnectJitter', '0'), true);
    assert.equal(def.label.call({ name: '', did: 'LBCS-000000-CCCJJ' }), 'LBCS-000000-CCCJJ');
  });

  it('the flow nodes: palette category, icons, a camera reference and labels with the camera name', () => {
    const cameras = { cam: { name: 'Garden', did: 'LBCS-000000-CCCJJ' } };
    const expected: Record<string, { outputs: number; label: string }> = {
      'trailcam-connect': { outputs: 4, label: 'Garden connect' },
      'trailcam-status': { outputs: 1, label: 'Garden status' },
      'trailcam-telemetry': { outputs: 1, label: 'Garden telemetry' },
      'trailcam-command': { outputs: 1, label: 'Garden deviceInfo' },
    };
    for (const [type, want] of Object.entries(expected)) {
      const def = loadDefinition(type, cameras);
      assert.equal(def.category, 'trailcam', type);
      assert.equal(def.inputs, 1, type);
      assert.equal(def.outputs, want.outputs, type);
      assert.equal(def.icon, `${type}.svg`);
      const icon = join(nodesDir(), '..', 'icons', `${type}.svg`);
      assert.ok(existsSync(icon), `icons/${type}.svg`);
      const svg = readFileSync(icon, 'utf8');
      assert.match(svg, /^\s*(<\?xml[^>]*>\s*)?<svg\b[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, `${type}.svg is an SVG document`);
      assert.match(svg, /<\/svg>\s*$/, `${type}.svg is complete`);
      assert.deepEqual([def.defaults.camera.type, def.defaults.camera.required], ['trailcam-camera', true], type);
      const self = { ...Object.fromEntries(Object.entries(def.defaults).map(([k, v]) => [k, v.value])), camera: 'cam' };
      assert.equal(def.label.call(self), want.label, type);
      assert.equal(def.label.call({ ...self, name: 'Mine' }), 'Mine', type);
    }
    const connect = loadDefinition('trailcam-connect');
    const labels = [0, 1, 2, 3].map((i) => (connect.outputLabels as (i: number) => string)(i));
    assert.deepEqual(
      labels.map((l) => l.split('.').pop()),
      ['lan', 'p2p', 'relay', 'failed'],
    );
    const command = loadDefinition('trailcam-command');
    assert.equal(validate(command, 'command', '512'), true);
    assert.match(String(validate(command, 'command', 'reboot')), /errors\.command/);
    const telemetry = loadDefinition('trailcam-telemetry');
    assert.equal(validate(telemetry, 'interval', -1), 'interval -1 is neither 0 (only on input) nor 1–604800 s');
    assert.equal(
      validate(telemetry, 'interval', 0.001),
      'interval 0.001 is neither 0 (only on input) nor 1–604800 s',
      'a report every millisecond would flood the flow',
    );
    assert.equal(validate(telemetry, 'interval', 0), true, '0: only on input');
    assert.equal(validate(command, 'timeoutMs', 0), 'timeout 0 is not 1–600000 ms');
  });

  it('trailcam-command and trailcam-wake accept exactly what their runtime accepts', () => {
    const command = loadDefinition('trailcam-command');
    assert.equal(validate(command, 'command', ' 4294967295 '), true, 'the largest cmdId, spaces around it as parseCommand allows');
    assert.match(String(validate(command, 'command', '4294967296')), /errors\.command/, 'parseCommand rejects cmdIds above 0xFFFFFFFF');
    const wake = loadDefinition('trailcam-wake');
    const by = (address: string, bleName: string): Record<string, unknown> => ({ address, bleName });
    for (const address of ['C6:1E:0D:E0:32:E8', 'c6-1e-0d-e0-32-e8', 'C61E0DE032E8', ' C6:1E:0D:E0:32:E8 ']) {
      assert.equal(validate(wake, 'address', address, by(address, '')), true, `${address} (normalizeAddress takes it)`);
    }
    for (const address of ['C6:1E:0D:E0:32', 'C6:1E:0D:E0:32:E8:00', 'C61E0D-E032E8', 'G61E0DE032E8']) {
      assert.match(String(validate(wake, 'address', address, by(address, ''))), /errors\.address/, address);
    }
    assert.equal(validate(wake, 'bleName', 'TC100_32E8', by('', 'TC100_32E8')), true);
    for (const name of ['TC100_32E8 ', ' TC100_32E8', 'x'.repeat(249)]) {
      assert.match(String(validate(wake, 'bleName', name, by('', name))), /errors\.name/, JSON.stringify(name).slice(0, 30));
    }
    for (const ms of ['30000', 1, 600000]) assert.equal(validate(wake, 'timeoutMs', ms), true, String(ms));
    for (const ms of ['1e4', '0x7530', 0, 600001, '']) assert.match(String(validate(wake, 'timeoutMs', ms)), /errors\.timeout/, String(ms));
  });

  it('every property and credential has an input in the edit dialog with a translated label; help documents every camera field', () => {
    const dir = nodesDir();
    for (const type of ['trailcam-camera', 'trailcam-connect', 'trailcam-status', 'trailcam-telemetry', 'trailcam-command', 'trailcam-ha', 'trailcam-wake']) {
      const def = loadDefinition(type);
      const html = readFileSync(join(dir, `${type}.html`), 'utf8');
      const prefix = def.category === 'config' ? 'node-config-input-' : 'node-input-';
      for (const field of [...Object.keys(def.defaults), ...Object.keys(def.credentials ?? {})]) {
        assert.ok(html.includes(`id="${prefix}${field}"`), `${type}: an input for ${field}`);
      }
      // Each labelled row names its text through the catalogue, not in English in the HTML.
      for (const label of html.matchAll(/<label for="[^"]+"[^>]*>([^]*?)<\/label>/g)) {
        const text = label[1]
          .replace(/<[^>]*>/g, '')
          .replace(/&nbsp;/g, '')
          .trim();
        assert.equal(text, '', `${type}: label text comes from the catalogue: ${label[0]}`);
      }
    }
    // Keys the shared helpers in nodes/lib translate (e.g. the status texts every node shows).
    const libKeys = readdirSync(join(dir, 'lib'))
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(join(dir, 'lib', f), 'utf8').matchAll(/'(trailcam-[a-z]+)\.([\w.-]+)'/g)].map((m) => [m[1], m[2]] as const));
    assert.ok(
      libKeys.some(([, key]) => key === 'status.racing'),
      'the racing status is translated',
    );
    for (const lang of ['en-US', 'de']) {
      for (const [type, key] of libKeys) {
        const catalog = JSON.parse(readFileSync(join(dir, 'locales', lang, `${type}.json`), 'utf8')) as Record<string, unknown>;
        const text = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], catalog[type]);
        assert.equal(typeof text, 'string', `${lang}/${type}.json has ${key}`);
      }
    }
    const camera = loadDefinition('trailcam-camera');
    for (const lang of ['en-US', 'de']) {
      const help = readFileSync(join(dir, 'locales', lang, 'trailcam-camera.html'), 'utf8');
      const catalog = JSON.parse(readFileSync(join(dir, 'locales', lang, 'trailcam-camera.json'), 'utf8')) as {
        'trailcam-camera': { label: Record<string, string> };
      };
      for (const field of [...Object.keys(camera.defaults), ...Object.keys(camera.credentials ?? {})]) {
        const key = field.startsWith('mode') ? 'modes' : field;
        const label = catalog['trailcam-camera'].label[key];
        assert.equal(typeof label, 'string', `${lang}: label.${key}`);
        assert.ok(help.includes(label), `${lang} help explains ${field} (${label})`);
      }
    }
  });

  it('every catalogue key the editor and runtime use exists in en-US and de; help exists for every node', () => {
    const dir = nodesDir();
    for (const type of ['trailcam-camera', 'trailcam-connect', 'trailcam-status', 'trailcam-telemetry', 'trailcam-command', 'trailcam-ha', 'trailcam-wake']) {
      const sources = [readFileSync(join(dir, `${type}.html`), 'utf8'), readFileSync(join(dir, `${type}.ts`), 'utf8')].join('\n');
      const full = [...sources.matchAll(new RegExp(`(?:data-i18n="(?:\\[\\w+\\])?|RED\\._\\(')${type}\\.([\\w.-]+)`, 'g'))].map((m) => m[1]);
      const relative = [...sources.matchAll(/(?:NS \+ |\bt\()"([\w.-]+)"/g)].map((m) => m[1]);
      // In the editor the default catalogue is Node-RED's own ("editor"): a key without the
      // package's namespace shows as the raw key, so every RED._ of the dialog goes through NS.
      const editor = readFileSync(join(dir, `${type}.html`), 'utf8');
      assert.deepEqual(
        [...editor.matchAll(/RED\._\("(?!node-red-contrib-trailcam\/)[^"]*"/g)].map((m) => m[0]),
        [],
        `${type}.html: RED._ without the namespace`,
      );
      assert.doesNotMatch(editor, /(paletteLabel|outputLabels): ["[]/, `${type}.html: palette and output labels come from the catalogue`);
      // A key ending in "." is completed at run time (e.g. "outputs." + name): checked by its prefix only.
      const used = new Set([...full, ...relative].filter((key) => !key.endsWith('.')));
      assert.ok(used.size > 0, `${type} uses its catalogue`);
      for (const lang of ['en-US', 'de']) {
        const catalog = JSON.parse(readFileSync(join(dir, 'locales', lang, `${type}.json`), 'utf8')) as Record<string, unknown>;
        const lookup = (key: string): unknown => key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], catalog[type]);
        for (const key of used) assert.equal(typeof lookup(key), 'string', `${lang}/${type}.json has ${key}`);
        const help = readFileSync(join(dir, 'locales', lang, `${type}.html`), 'utf8');
        assert.ok(help.includes(`data-help-name="${type}"`), `${lang} help for ${type}`);
      }
    }
  });
});
