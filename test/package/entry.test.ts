import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers/fixtures';

const root = repoRoot();
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd, env: options.env ?? process.env, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException).code === 'number' ? Number((error as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The README's "Using it as a library" example, exactly as printed. */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = /<!-- library-example:start -->\s*```js\n([\s\S]*?)```\s*<!-- library-example:end -->/.exec(readme);
  assert.ok(block, 'README has the library example between its markers');
  return block[1];
}

/** Runs in a child process from the unpacked copy: every export named in the brief exists and works. */
const CHECK = `
const assert = require('node:assert/strict');
const path = require('node:path');
const resolved = require.resolve('node-red-contrib-trailcam');
assert.ok(resolved.startsWith(path.join(__dirname, 'node_modules', 'node-red-contrib-trailcam') + path.sep), 'resolved the packed copy: ' + resolved);
const t = require('node-red-contrib-trailcam');
for (const name of ['CameraRuntime', 'validateCameraSettings', 'race', 'validateRaceConfig', 'RaceError', 'Link', 'Session',
  'ArtemisClient', 'FrameReassembler', 'encodeRequest', 'decodeFrame', 'decode', 'encode', 'TrailcamError', 'ConfigError', 'AbortError']) {
  assert.equal(typeof t[name], 'function', name);
}
for (const ns of ['engine', 'session', 'artemis', 'protocol', 'runtime', 'telemetry', 'sim', 'errors', 'ble', 'ha']) assert.equal(typeof t[ns], 'object', ns);
assert.equal(t.engine.race, t.race);
// The PPPP codec: the PUNCH_PKT of the README's demo.
const punch = t.decode(Buffer.from('f14100144c42435300000000000000004343434a4a000000', 'hex'));
assert.equal(punch.type, 'PUNCH_PKT');
assert.deepEqual(punch.did, { prefix: 'LBCS', serial: 0, check: 'CCCJJ' });
assert.equal(t.encode(punch).toString('hex'), 'f14100144c42435300000000000000004343434a4a000000');
// The ARTEMIS codec: a request through the reassembler, in two pieces.
const frame = t.encodeRequest(2, { cmdId: 512, token: 7 });
const reassembler = new t.FrameReassembler();
assert.deepEqual(reassembler.push(frame.subarray(0, 9)), []);
const [item] = reassembler.push(frame.subarray(9));
assert.equal(item.kind, 'frame');
assert.deepEqual(t.decodeFrame(frame).body, { cmdId: 512, token: 7 });
// Config validation names the field with a typed error.
assert.throws(() => t.validateRaceConfig({ did: 'LBCS-000000-CCCJJ', host: '192.168.43.1', maxConnectionTimeMs: 'soon' }),
  (e) => e instanceof t.ConfigError && e instanceof t.TrailcamError && e.field === 'maxConnectionTimeMs');
// A runtime can be built and closed without touching the network.
const runtime = new t.CameraRuntime(t.validateCameraSettings({ host: '192.168.43.1', did: 'LBCS-000000-CCCJJ' }));
assert.equal(runtime.availability.state, 'unknown');
assert.equal(runtime.availability.commandFailures, 0);
runtime.close().then(() => { assert.equal(runtime.state.phase, 'closed'); console.log('entry ok'); });
`;

/** Type-checks against the packed declarations (package.json "types"). */
const CONSUMER = `
import { CameraRuntime, validateCameraSettings, decode, type Availability, type RaceConfig, artemis } from 'node-red-contrib-trailcam';
const runtime: CameraRuntime = new CameraRuntime(validateCameraSettings({ host: '192.168.43.1', did: 'LBCS-000000-CCCJJ' }));
const availability: Availability = runtime.availability;
const failures: number = availability.commandFailures;
const type: string = decode(Buffer.alloc(4)).type;
const reassembler: artemis.FrameReassembler = new artemis.FrameReassembler();
export const used: [number, string, number, RaceConfig | null] = [failures, type, reassembler.bufferedBytes, null];
`;

describe('package: the packed tarball is a library (`require("node-red-contrib-trailcam")`)', function () {
  this.timeout(180_000);
  let dir: string;
  let installed: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trailcam-pack-'));
    // The suite runs on a fresh build; pack that build (no prepack script, nothing downloaded).
    const packed = await run('npm', ['pack', '--offline', '--json', '--pack-destination', dir], { cwd: root });
    assert.equal(packed.code, 0, packed.stderr);
    const [{ filename }] = JSON.parse(packed.stdout) as { filename: string }[];
    installed = path.join(dir, 'node_modules', 'node-red-contrib-trailcam');
    fs.mkdirSync(installed, { recursive: true });
    const untar = await run('tar', ['-xzf', path.join(dir, filename), '-C', installed, '--strip-components=1'], { cwd: dir });
    assert.equal(untar.code, 0, untar.stderr);
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('"main" and "types" point at files inside the tarball; it needs no dependency to load', () => {
    assert.equal(pkg.main, 'dist/src/index.js');
    assert.equal(pkg.types, 'dist/src/index.d.ts');
    assert.ok(fs.existsSync(path.join(installed, pkg.main)), `${pkg.main} is packed`);
    assert.ok(fs.existsSync(path.join(installed, pkg.types)), `${pkg.types} is packed`);
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}), [], 'no runtime dependencies to resolve');
    assert.ok(!fs.existsSync(path.join(installed, 'dist', 'test')), 'the tests are not packed');
    // The editor loads the shared field rules from resources/ (Node-RED serves it at resources/<module>/...).
    assert.ok(fs.existsSync(path.join(installed, 'resources', 'trailcam-validation.js')), 'resources/trailcam-validation.js is packed');
  });

  it('a child process requires the packed copy: the engine, session, runtime, ARTEMIS client and codecs are exported and work', async () => {
    fs.writeFileSync(path.join(dir, 'check.js'), CHECK);
    const env = { ...process.env, NODE_PATH: path.join(dir, 'node_modules') };
    const result = await run(process.execPath, ['check.js'], { cwd: dir, env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'entry ok');
  });

  it('the README library example runs against the packed copy (the simulator on 127.0.0.1)', async () => {
    fs.writeFileSync(path.join(dir, 'example.js'), readmeExample());
    const env = { ...process.env, NODE_PATH: path.join(dir, 'node_modules') };
    const result = await run(process.execPath, ['example.js'], { cwd: dir, env });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0], /^connected over lan in \d+ ms$/);
    assert.equal(lines[1], 'KJK230: battery 20 %, 30034 MB free');
    assert.equal(lines[2], 'availability: online');
    assert.equal(lines[3], 'bad config: did');
  });

  it('its declarations type-check a TypeScript consumer (strict)', async () => {
    fs.writeFileSync(path.join(dir, 'consumer.ts'), CONSUMER);
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [
      '--noEmit',
      '--strict',
      '--module',
      'commonjs',
      '--moduleResolution',
      'node',
      '--target',
      'ES2022',
      '--skipLibCheck',
      'false',
      '--typeRoots',
      path.join(root, 'node_modules', '@types'),
      '--types',
      'node',
      'consumer.ts',
    ];
    const result = await run(process.execPath, [tsc, ...args], { cwd: dir });
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });
});
