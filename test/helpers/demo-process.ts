import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The project root: TRAILCAM_PROJECT_ROOT, or the nearest directory up with this package's package.json. */
export function projectRoot(): string {
  if (process.env.TRAILCAM_PROJECT_ROOT) return resolve(process.env.TRAILCAM_PROJECT_ROOT);
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'node-red-contrib-trailcam') return dir;
  }
  throw new Error('project root not found');
}

/** Resolves with the first match of `pattern` in everything the child wrote so far or writes later. */
export function waitForLine(child: ChildProcess, pattern: RegExp, output: string[]): Promise<RegExpExecArray> {
  return new Promise((resolvePromise, reject) => {
    const check = (): boolean => {
      const match = pattern.exec(output.join(''));
      if (match) {
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        resolvePromise(match);
      }
      return match !== null;
    };
    const onData = (): void => void check();
    const onExit = (code: number | null): void => reject(new Error(`npm start exited (${code}) before ${pattern}:\n${output.join('')}`));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
    check();
  });
}

/**
 * `npm start` (scripts/start.js) as a child process: the simulator and Node-RED with the demo
 * flow, the editor on a free 127.0.0.1 port, a scratch user directory, the network kept up
 * (`--scenario-ms 0`). `stop()` kills it (SIGKILL) and removes the directory; call it on every path.
 */
export class DemoProcess {
  readonly output: string[] = [];
  /** Kills the group if the test process exits without stop() (its own group does not get the terminal's Ctrl-C). */
  private readonly onExit = (): void => this.killGroup();

  private constructor(
    readonly child: ChildProcess,
    readonly userDir: string,
  ) {
    process.once('exit', this.onExit);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => this.output.push(chunk));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => this.output.push(chunk));
  }

  /** Starts it; `build` is the compiled output the tests run from (dist/ under npm test). */
  static spawn(build: string, extraArgs: string[] = []): DemoProcess {
    const root = projectRoot();
    const userDir = mkdtempSync(join(tmpdir(), 'trailcam-demo-'));
    const child = spawn(process.execPath, [join(root, 'scripts', 'start.js'), '--port', '0', '--user-dir', userDir, '--scenario-ms', '0', ...extraArgs], {
      cwd: root,
      env: { ...process.env, TRAILCAM_BUILD_DIR: build },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return new DemoProcess(child, userDir);
  }

  /** The editor URL, once Node-RED says it is running. */
  async editorUrl(): Promise<string> {
    const [, url] = await waitForLine(this.child, /Server now running at (http:\/\/127\.0\.0\.1:\d+\/)/, this.output);
    return url;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    process.off('exit', this.onExit);
    const exited = this.running ? new Promise((r) => this.child.once('exit', r)) : Promise.resolve();
    // Also when the start script is gone: the Node-RED it started may not be.
    this.killGroup();
    await exited;
    rmSync(this.userDir, { recursive: true, force: true });
  }

  private killGroup(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      /* the group is empty */
    }
  }
}
