import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EditorComms } from '../helpers/editor-comms';

/** The project root: TRAILCAM_PROJECT_ROOT, or the nearest directory up with this package's package.json. */
function projectRoot(): string {
  if (process.env.TRAILCAM_PROJECT_ROOT) return resolve(process.env.TRAILCAM_PROJECT_ROOT);
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'node-red-contrib-trailcam') return dir;
  }
  throw new Error('project root not found');
}

/** Resolves with the first match of `pattern` in the child's stdout. */
function waitForLine(child: ChildProcess, pattern: RegExp, output: string[]): Promise<RegExpExecArray> {
  return new Promise((resolvePromise, reject) => {
    const check = (): boolean => {
      const match = pattern.exec(output.join(''));
      if (match) {
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolvePromise(match);
      }
      return match !== null;
    };
    const onData = (): void => void check();
    const onExit = (code: number | null): void => reject(new Error(`npm start exited (${code}) before ${pattern}:\n${output.join('')}`));
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
    check();
  });
}

describe('npm start (scripts/start.js)', function () {
  this.timeout(30_000);
  let child: ChildProcess | undefined;
  let comms: EditorComms | undefined;
  let userDir: string;

  beforeEach(() => {
    userDir = mkdtempSync(join(tmpdir(), 'trailcam-demo-'));
  });
  afterEach(async () => {
    comms?.close();
    comms = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    child = undefined;
    rmSync(userDir, { recursive: true, force: true });
  });

  it('reaches "Server now running", deploys the demo flow that connects to the simulated camera, and stops on Ctrl-C', async () => {
    const root = projectRoot();
    // The compiled output this test runs from (dist/ under npm test).
    const build = resolve(__dirname, '..', '..');
    const output: string[] = [];
    child = spawn(process.execPath, [join(root, 'scripts', 'start.js'), '--port', '0', '--user-dir', userDir, '--scenario-ms', '0'], {
      cwd: root,
      env: { ...process.env, TRAILCAM_BUILD_DIR: build },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => output.push(chunk));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => output.push(chunk));

    const [, url] = await waitForLine(child, /Server now running at (http:\/\/127\.0\.0\.1:\d+\/)/, output);
    assert.match(output.join(''), /simulated camera LBCS-000000-CCCJJ on 127\.0\.0\.1:\d+/);
    // A race won over LAN, as the debug sidebar and the connect node's status show it.
    comms = await EditorComms.open(url);
    const lanWon = await comms.next('a "LAN won" debug message', (m) => m.topic === 'debug' && m.data.name === 'LAN won');
    assert.match(String(lanWon.data.msg), /^\d+(\.\d+)?$/, 'elapsedMs');
    await comms.next('the connect node showing the LAN win', (m) => m.topic === 'status/demo.connect' && /^lan \d+ ms$/.test(String(m.data.text)));

    const nodes = (await (await fetch(`${url}nodes`, { headers: { Accept: 'application/json' } })).json()) as { module: string; types: string[] }[];
    const ours = nodes.filter((n) => n.module === 'node-red-contrib-trailcam').flatMap((n) => n.types);
    assert.deepEqual(ours.sort(), ['trailcam-camera', 'trailcam-command', 'trailcam-connect', 'trailcam-status', 'trailcam-telemetry']);
    const flows = (await (await fetch(`${url}flows`)).json()) as { type: string; host?: string }[];
    const camera = flows.find((n) => n.type === 'trailcam-camera');
    assert.equal(camera?.host, '127.0.0.1', 'the demo camera is the simulator on loopback');
    assert.ok(flows.some((n) => n.type === 'trailcam-connect'));
    assert.ok(!JSON.stringify(flows).includes('@DID@'), 'the flow template was filled in');
    // The availability debug node's status (retained, so it is there even if the message came before the socket).
    await comms.next('the availability debug node showing online', (m) => m.topic === 'status/demo.availability' && m.data.text === 'online');
    const examples = (await (await fetch(`${url}library/examples/flows/node-red-contrib-trailcam`)).json()) as { fn: string }[];
    assert.ok(examples.some((e) => e.fn === 'Branch on winning mode'), 'Import → Examples lists the package examples');
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
      const catalog = (await (await fetch(`${url}locales/node-red-contrib-trailcam/trailcam-camera?lng=${lang}`)).json()) as { 'trailcam-camera'?: { status?: { racing?: string } } };
      assert.equal(catalog['trailcam-camera']?.status?.racing, racing, `${lang} catalogue served`);
    }
    const editorHtml = await (await fetch(`${url}nodes`, { headers: { Accept: 'text/html', 'Accept-Language': 'de' } })).text();
    for (const type of ours) assert.ok(editorHtml.includes(`data-help-name="${type}"`), `help for ${type} served`);
    assert.ok(editorHtml.includes('registerType("trailcam-camera"'), 'the editor definition is served');

    const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.match(output.join(''), /Stopped flows/);
  });
});
