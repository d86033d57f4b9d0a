import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadDefinition, nodesDir } from './editor-definitions';

const TYPES = ['trailcam-camera', 'trailcam-connect', 'trailcam-status', 'trailcam-telemetry', 'trailcam-command'];
const LANGUAGES = readdirSync(join(nodesDir(), 'locales'));

type Catalog = Record<string, unknown>;
const catalog = (lang: string, type: string): Catalog =>
  (JSON.parse(readFileSync(join(nodesDir(), 'locales', lang, `${type}.json`), 'utf8')) as Record<string, Catalog>)[type];
const lookup = (cat: Catalog, key: string): unknown => key.split('.').reduce<unknown>((o, k) => (o as Catalog | undefined)?.[k], cat);

/** Every key path of a catalogue (`label.host`, `errors.no-camera`, ...). */
function keys(cat: unknown, prefix = ''): string[] {
  if (typeof cat !== 'object' || cat === null) return [prefix];
  return Object.entries(cat).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

/** Placeholders that are example values a user types literally (the same in every language). */
const EXAMPLE_PLACEHOLDERS = new Set(['host', 'did', 'ports', 'user', 'password']);

describe('editor languages and names', () => {
  it(`every catalogue has the same keys in every language (${LANGUAGES.join(', ')}), and every node has its help in each`, () => {
    assert.ok(LANGUAGES.includes('en-US') && LANGUAGES.includes('de'));
    for (const type of TYPES) {
      const reference = keys(catalog('en-US', type)).sort();
      for (const lang of LANGUAGES) {
        assert.deepEqual(keys(catalog(lang, type)).sort(), reference, `${lang}/${type}.json has the keys of en-US`);
        for (const key of reference) assert.notEqual(String(lookup(catalog(lang, type), key)).trim(), '', `${lang}/${type}.json ${key} is not empty`);
        assert.ok(readFileSync(join(nodesDir(), 'locales', lang, `${type}.html`), 'utf8').includes(`data-help-name="${type}"`), `${lang} help for ${type}`);
      }
    }
  });

  it('every key the html uses (data-i18n with any [attribute], NS + "...") exists in every language', () => {
    for (const type of TYPES) {
      const html = readFileSync(join(nodesDir(), `${type}.html`), 'utf8');
      const used = [
        ...[...html.matchAll(/data-i18n="([^"]+)"/g)].flatMap((m) => m[1].split(';')).map((k) => k.replace(/^\[\w+\]/, '')),
        ...[...html.matchAll(/NS \+ "([\w.-]+)"/g)].map((m) => `${type}.${m[1]}`),
      ].filter((key) => !key.endsWith('.'));
      assert.ok(used.length > 0, type);
      for (const key of used) {
        assert.ok(key.startsWith(`${type}.`), `${type}: ${key} is in the node's own catalogue`);
        for (const lang of LANGUAGES) assert.equal(typeof lookup(catalog(lang, type), key.slice(type.length + 1)), 'string', `${lang}/${type}.json has ${key}`);
      }
    }
  });

  it('no hard-coded English placeholder: every placeholder comes from the catalogue and is translated unless it is an example value', () => {
    for (const type of TYPES) {
      const html = readFileSync(join(nodesDir(), `${type}.html`), 'utf8');
      assert.doesNotMatch(html, /\splaceholder=/, `${type}: no placeholder attribute in the html`);
      for (const m of html.matchAll(/data-i18n="\[placeholder\]([\w.-]+)"/g)) {
        const key = m[1].slice(type.length + 1);
        const texts = LANGUAGES.map((lang) => lookup(catalog(lang, type), key));
        if (EXAMPLE_PLACEHOLDERS.has(key.replace(/^placeholder\./, ''))) continue;
        assert.equal(new Set(texts).size, LANGUAGES.length, `${type} ${key} is translated: ${texts.join(' | ')}`);
      }
    }
    // The placeholders of the server fields show the accepted form (IPv4:port; host names are not resolved).
    assert.equal(lookup(catalog('en-US', 'trailcam-camera'), 'placeholder.relays'), 'IPv4:port (optional)');
    assert.equal(lookup(catalog('de', 'trailcam-camera'), 'placeholder.relays'), 'IPv4:Port (optional)');
  });

  it('no palette label is the name of a core Node-RED node (the status node was "status", as core\'s)', () => {
    const core = join(dirname(require.resolve('@node-red/nodes/package.json')), 'core');
    const coreNames = new Set<string>();
    for (const dir of readdirSync(core)) {
      for (const file of readdirSync(join(core, dir)).filter((f) => f.endsWith('.html'))) {
        const html = readFileSync(join(core, dir, file), 'utf8');
        for (const m of html.matchAll(/registerType\(\s*['"]([^'"]+)['"]/g)) coreNames.add(m[1]);
        for (const m of html.matchAll(/paletteLabel:\s*['"]([^'"]+)['"]/g)) coreNames.add(m[1]);
      }
    }
    assert.ok(coreNames.has('status') && coreNames.has('inject'), 'read the core node names');
    for (const type of TYPES.filter((t) => t !== 'trailcam-camera')) {
      const def = loadDefinition(type) as unknown as { paletteLabel: () => string };
      assert.equal(typeof def.paletteLabel, 'function', `${type}: a translated palette label`);
      assert.equal(def.paletteLabel(), `node-red-contrib-trailcam/${type}:${type}.paletteLabel`, `${type}: from its catalogue`);
      for (const lang of LANGUAGES) {
        const label = String(lookup(catalog(lang, type), 'paletteLabel'));
        assert.ok(!coreNames.has(label.toLowerCase()), `${lang} ${type}: "${label}" is not a core node`);
      }
    }
    assert.equal(lookup(catalog('en-US', 'trailcam-status'), 'paletteLabel'), 'camera status');
  });
});
