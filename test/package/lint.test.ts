import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/fixtures';

const root = repoRoot();
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

function run(file: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: root, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

const bin = (name: string): string => path.join(root, 'node_modules', '.bin', name);

// `npm run lint` as part of `npm test`, so CI fails on a finding (issue 14): ESLint with
// typescript-eslint over src, nodes (TypeScript and the editor scripts in the HTML), test and
// bench; prettier's check over the TypeScript. `npm run format` fixes what can be fixed.
describe('package: the tree is lint-clean and formatted (npm run lint)', function () {
  this.timeout(240_000);

  it('npm run lint is ESLint, then prettier --check over src, nodes, test and bench', () => {
    assert.match(pkg.scripts.lint, /^eslint \. && prettier --check /);
    for (const dir of ['src', 'nodes', 'test', 'bench']) assert.ok(pkg.scripts.lint.includes(`"${dir}/**/*.ts"`), dir);
  });

  it('ESLint reports no finding', async () => {
    const { code, output } = await run(bin('eslint'), ['.']);
    assert.equal(code, 0, output);
  });

  it('prettier finds every TypeScript file formatted', async () => {
    const globs = [...pkg.scripts.lint.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    const { code, output } = await run(bin('prettier'), ['--check', ...globs]);
    assert.equal(code, 0, output);
  });
});
