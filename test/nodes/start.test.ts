import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { DemoProcess } from '../helpers/demo-process';
import { EditorComms } from '../helpers/editor-comms';

describe('npm start (scripts/start.js)', function () {
  this.timeout(30_000);
  let demo: DemoProcess | undefined;
  let comms: EditorComms | undefined;

  afterEach(async () => {
    comms?.close();
    comms = undefined;
    await demo?.stop();
    demo = undefined;
  });

  it('reaches "Server now running", deploys the demo flow that connects to the simulated camera, and stops on Ctrl-C', async () => {
    // The compiled output this test runs from (dist/ under npm test).
    demo = DemoProcess.spawn(resolve(__dirname, '..', '..'));
    const { child, output } = demo;

    const url = await demo.editorUrl();
    assert.match(output.join(''), /simulated camera LBCS-000000-CCCJJ on 127\.0\.0\.1:\d+/);
    // A race won over LAN, as the debug sidebar and the connect node's status show it.
    comms = await EditorComms.open(url);
    const lanWon = await comms.next('a "LAN won" debug message', (m) => m.topic === 'debug' && m.data.name === 'LAN won');
    assert.match(String(lanWon.data.msg), /^\d+(\.\d+)?$/, 'elapsedMs');
    await comms.next('the connect node showing the LAN win', (m) => m.topic === 'status/demo.connect' && /^lan \d+ ms$/.test(String(m.data.text)));

    const nodes = (await (await fetch(`${url}nodes`, { headers: { Accept: 'application/json' } })).json()) as { module: string; types: string[] }[];
    const ours = nodes.filter((n) => n.module === 'node-red-contrib-trailcam').flatMap((n) => n.types);
    assert.deepEqual(ours.sort(), [
      'trailcam-camera',
      'trailcam-command',
      'trailcam-connect',
      'trailcam-ha',
      'trailcam-status',
      'trailcam-telemetry',
      'trailcam-wake',
    ]);
    const flows = (await (await fetch(`${url}flows`)).json()) as { type: string; host?: string }[];
    const camera = flows.find((n) => n.type === 'trailcam-camera');
    assert.equal(camera?.host, '127.0.0.1', 'the demo camera is the simulator on loopback');
    assert.ok(flows.some((n) => n.type === 'trailcam-connect'));
    assert.ok(!JSON.stringify(flows).includes('@DID@'), 'the flow template was filled in');
    // The availability debug node's status (retained, so it is there even if the message came before the socket).
    await comms.next('the availability debug node showing online', (m) => m.topic === 'status/demo.availability' && m.data.text === 'online');
    // The battery camera (issue 15): asleep at first, then woken over the simulated BLE by the
    // wake node, raced and asked for its device info; the status says so on the editor.
    assert.match(
      output.join(''),
      /simulated battery camera LBCS-000001-CCCJJ on 127\.0\.0\.1:\d+, asleep until the wake node wakes it \(the Bluetooth side is simulated\)/,
    );
    await comms.next('the battery camera reported asleep before any wake', (m) => m.topic === 'status/demo.battery.availability' && m.data.text === 'asleep');
    const info = await comms.next('the woken battery camera’s device info', (m) => m.topic === 'debug' && m.data.name === 'battery camera');
    assert.match(String(info.data.msg), /batteryPercent/, 'device info of the woken camera');
    await comms.next('the battery camera online after its wake', (m) => m.topic === 'status/demo.battery.availability' && m.data.text === 'online');
    const examples = (await (await fetch(`${url}library/examples/flows/node-red-contrib-trailcam`)).json()) as { fn: string }[];
    assert.ok(
      examples.some((e) => e.fn === 'Branch on winning mode'),
      'Import → Examples lists the package examples',
    );
    assert.ok(examples.length >= 7);
    // Nothing prompts: no telemetry consent question, no tour, no credential-secret warning.
    const settings = (await (await fetch(`${url}settings`)).json()) as { version?: string; telemetryEnabled?: boolean; editorTheme?: { tours?: boolean } };
    assert.match(String(settings.version), /^4\.1\./, 'Node-RED 4.1.x from the dev dependencies');
    assert.ok(output.join('').includes(`trailcam demo: open the editor at ${url}`), 'the start script prints the editor URL');
    assert.equal(settings.telemetryEnabled, false, 'telemetry consent is answered');
    assert.equal(settings.editorTheme?.tours, false, 'no welcome tour');
    assert.doesNotMatch(output.join(''), /system-generated key|credentialSecret/, 'no credential-secret warning');
    // The debug nodes write to the sidebar only: the terminal has Node-RED's log and the demo's own lines.
    assert.doesNotMatch(output.join(''), /\[debug:/, 'no debug output in the terminal');
    // The editor gets each node's catalogue and help in English and German.
    for (const [lang, racing] of [
      ['en-US', 'racing…'],
      ['de', 'verbinde parallel…'],
    ]) {
      const catalog = (await (await fetch(`${url}locales/node-red-contrib-trailcam/trailcam-camera?lng=${lang}`)).json()) as {
        'trailcam-camera'?: { status?: { racing?: string } };
      };
      assert.equal(catalog['trailcam-camera']?.status?.racing, racing, `${lang} catalogue served`);
    }
    const editorHtml = await (await fetch(`${url}nodes`, { headers: { Accept: 'text/html', 'Accept-Language': 'de' } })).text();
    for (const type of ours) assert.ok(editorHtml.includes(`data-help-name="${type}"`), `help for ${type} served`);
    assert.ok(editorHtml.includes('registerType("trailcam-camera"'), 'the editor definition is served');

    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.match(output.join(''), /Stopped flows/);
  });
});
