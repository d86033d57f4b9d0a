import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/fixtures';

const root = repoRoot();
const read = (file: string): string => fs.readFileSync(path.join(root, file), 'utf8');

describe('package: an installable Node-RED package with the `trailcam` CLI', () => {
  const pkg = JSON.parse(read('package.json'));

  it('has the npm metadata the Node-RED catalogue needs', () => {
    assert.equal(pkg.name, 'node-red-contrib-trailcam');
    assert.ok(['MIT', 'Apache-2.0'].includes(pkg.license), pkg.license);
    assert.ok(fs.existsSync(path.join(root, 'LICENSE')));
    assert.ok(pkg.repository?.url || pkg.bugs?.url, 'repository or bugs');
    assert.ok(pkg.keywords.includes('node-red'));
    assert.match(pkg.engines.node, /^>=\s*20/);
  });

  it('declares its nodes in the node-red section, each compiled with its editor HTML beside it', () => {
    assert.ok(pkg['node-red'].version);
    const nodes = Object.entries(pkg['node-red'].nodes ?? {}) as [string, string][];
    assert.ok(nodes.length > 0);
    for (const [type, file] of nodes) {
      assert.ok(type.startsWith('trailcam-'), type);
      assert.ok(fs.existsSync(path.join(root, file)), `${file} (run npm run build)`);
      assert.ok(fs.existsSync(path.join(root, file.replace(/\.js$/, '.html'))), `${type} editor HTML`);
    }
  });

  it('installs `trailcam` from the build, with a node shebang', () => {
    const bin = path.join(root, pkg.bin.trailcam);
    assert.ok(fs.existsSync(bin), pkg.bin.trailcam);
    assert.match(fs.readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });

  it('has the design card layout and compiles strict TypeScript to CommonJS', () => {
    for (const entry of ['nodes', 'src', 'icons', 'examples', 'test', 'package.json', 'tsconfig.json', '.ci/run']) {
      assert.ok(fs.existsSync(path.join(root, entry)), entry);
    }
    const tsconfig = JSON.parse(read('tsconfig.json'));
    assert.equal(tsconfig.compilerOptions.strict, true);
    assert.equal(tsconfig.compilerOptions.module.toLowerCase(), 'commonjs');
    assert.equal(pkg.scripts.pretest, 'npm run build', 'npm test builds first');
    assert.ok(pkg.scripts.test.startsWith('mocha'));
  });

  it('the README opens with the main-job command and `npm test`; .ci/run runs `npm ci` and exactly that test command', () => {
    const readme = read('README.md');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme);
    assert.ok(firstBlock, 'a sh block near the top');
    assert.ok(readme.indexOf(firstBlock[0]) < readme.indexOf('\n## '), 'before the first section');
    const commands = firstBlock[1]
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean);
    assert.equal(commands.length, 2, commands.join(' | '));
    const testCommand = commands.find((c) => /^npm (run )?test\b/.test(c));
    assert.ok(testCommand, 'npm test is one of them');
    const ci = read('.ci/run');
    assert.ok((fs.statSync(path.join(root, '.ci/run')).mode & 0o111) !== 0, '.ci/run is executable');
    const ciCommands = ci
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const npmCi = ciCommands.findIndex((l) => /^npm ci\b/.test(l));
    const runsTests = ciCommands.findIndex((l) => l === testCommand || l.endsWith(` ${testCommand}`));
    assert.ok(npmCi >= 0, 'npm ci');
    assert.ok(runsTests > npmCi, `.ci/run runs "${testCommand}" after npm ci`);
    // The main job is an npm script that exists.
    const main = commands.find((c) => c !== testCommand) ?? '';
    const scripts = [...main.matchAll(/npm (?:run )?(\S+)/g)].map((m) => m[1]).filter((name) => name !== 'ci');
    assert.ok(scripts.length > 0, main);
    for (const script of scripts) assert.ok(pkg.scripts[script], `npm script ${script}`);
  });

  it('`npm run demo` works: after its build step, its commands exit 0', async function () {
    this.timeout(60_000);
    assert.ok(pkg.scripts.demo, 'a demo script');
    const steps = String(pkg.scripts.demo)
      .split('&&')
      .map((s: string) => s.trim());
    const run = steps.filter((s: string) => s !== 'npm run build'); // the suite runs on a fresh build already
    assert.ok(run.length > 0);
    for (const step of run) {
      const [command, ...args] = step.split(/\s+/);
      assert.equal(command, 'node', `${step}: expected a node command`);
      const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(process.execPath, args, { cwd: root, timeout: 50_000 }, (error, _stdout, err) =>
          resolve({ code: error ? Number((error as NodeJS.ErrnoException).code ?? 1) : 0, stderr: err }),
        ),
      );
      assert.equal(code, 0, `${step}\n${stderr}`);
    }
  });
});
