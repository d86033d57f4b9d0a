import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { simConfigFromFlags } from '../../src/cli/sim';
import { formatDid } from '../../src/protocol';
import { race } from '../../src/engine';
import { repoRoot } from '../helpers/fixtures';
import { settledHandles } from '../helpers/udp';

const BIN = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
/** Every fixed production port off: tests never depend on 32108/40611/32100 being free. */
const FREE_PORTS = ['--search-port', '0', '--session-port', '0', '--server-port', '0'];

interface Ready {
  ready: true;
  host: string;
  seed: number;
  servers: { host: string; port: number }[];
  relays: { host: string; port: number }[];
  cameras: { did: string; host: string; searchHost: string; searchPort: number; sessionPort: number; wanPort: number }[];
  paths: Record<'lan' | 'p2p' | 'relay', { down: boolean; loss: number }>;
}

/** A spawned `trailcam` process: stdout split into lines, stderr collected, the exit awaited. */
class Cli {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #partial = '';
  #waiters: (() => void)[] = [];
  #done = false;

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      this.#partial += chunk;
      const parts = this.#partial.split('\n');
      this.#partial = parts.pop() ?? '';
      this.lines.push(...parts);
      this.#waiters.splice(0).forEach((w) => w());
    });
    child.stderr?.on('data', (chunk: string) => void (this.stderr += chunk));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.#done = true;
        this.#waiters.splice(0).forEach((w) => w());
        resolve({ code, signal });
      }),
    );
  }

  static spawn(args: string[]): Cli {
    return new Cli(spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** Line `n` of stdout (0-based), once it has been written; rejects if the process ends first. */
  async line(n: number): Promise<string> {
    while (this.lines.length <= n) {
      if (this.#done) throw new Error(`trailcam exited before stdout line ${n + 1}; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.lines[n];
  }

  /** Sends `signal` and waits for the exit (bounded: a process that does not exit fails the test). */
  async stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const tooSlow = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`trailcam sim did not exit within 10 s of ${signal}; stderr: ${this.stderr}`)), 10_000);
    });
    try {
      return await Promise.race([this.exited, tooSlow]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as NodeJS.ErrnoException).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function capture() {
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  return {
    io: {
      stdout: {
        write: (t: string) => {
          out += t;
          waiters.splice(0).forEach((w) => w());
        },
      },
      stderr: { write: (t: string) => void (err += t) },
    },
    out: () => out,
    err: () => err,
    /** Resolves once stdout holds at least `n` complete lines. */
    async lines(n: number): Promise<string[]> {
      while (out.split('\n').length <= n) await new Promise<void>((resolve) => waiters.push(resolve));
      return out.split('\n').slice(0, n);
    },
  };
}

describe('cli: trailcam sim', function () {
  this.timeout(60_000);
  const children: Cli[] = [];
  afterEach(async () => {
    // A test that failed half-way must not leave its simulator running.
    for (const cli of children.splice(0)) if (cli.child.exitCode === null && cli.child.signalCode === null) await cli.stop('SIGKILL');
  });

  it('prints one JSON ready line with every address; `trailcam race` connects; SIGINT → exit 0 with counters', async () => {
    const sim = Cli.spawn(['sim', '--json', '--fast', '--seed', '5', ...FREE_PORTS]);
    children.push(sim);
    const ready = JSON.parse(await sim.line(0)) as Ready;
    assert.equal(ready.ready, true);
    assert.equal(ready.seed, 5);
    assert.equal(ready.cameras.length, 1);
    const camera = ready.cameras[0];
    assert.equal(camera.did, 'LBCS-000000-CCCJJ');
    const addresses = [
      ...ready.servers,
      ...ready.relays,
      ...[camera.searchPort, camera.sessionPort, camera.wanPort].map((port) => ({ host: camera.host, port })),
    ];
    assert.equal(addresses.length, 5);
    assert.equal(camera.searchHost, '127.0.0.1', 'on loopback the search socket binds the camera host');
    for (const a of addresses) {
      assert.equal(a.host, '127.0.0.1');
      assert.ok(Number.isInteger(a.port) && a.port > 0, `port ${a.port}`);
    }
    assert.equal(new Set(addresses.map((a) => a.port)).size, 5, 'every socket has its own port');

    const server = `${ready.servers[0].host}:${ready.servers[0].port}`;
    const raced = await runCli([
      'race',
      '--host',
      '127.0.0.1',
      '--did',
      camera.did,
      '--ports',
      String(camera.sessionPort),
      '--server',
      server,
      '--bind',
      '127.0.0.1',
      '--json',
    ]);
    assert.equal(raced.code, 0, raced.stderr);
    const result = JSON.parse(raced.stdout);
    assert.equal(result.connected, true);
    assert.ok(['lan', 'p2p', 'relay'].includes(result.mode));
    if (result.mode === 'lan') assert.deepEqual(result.remote, { host: '127.0.0.1', port: camera.sessionPort });

    const exit = await sim.stop('SIGINT');
    assert.deepEqual(exit, { code: 0, signal: null }, sim.stderr);
    const stopped = JSON.parse(await sim.line(1));
    assert.equal(stopped.stopped, true);
    assert.ok(stopped.cameras.sessions >= 1, 'the camera held the race winner’s session');
    assert.ok(stopped.counters.lan.seen + stopped.counters.p2p.seen > 0, 'path counters counted the race');
    assert.equal(sim.stderr, '');
  });

  it('impairment flags shape the race: --lan-down --p2p-down → relay wins; several cameras and servers; SIGTERM → exit 0', async () => {
    const sim = Cli.spawn([
      'sim',
      '--json',
      '--fast',
      '--cameras',
      '3',
      '--servers',
      '3',
      '--did',
      'LBCS-000100-CCCJJ',
      '--lan-down',
      '--p2p-down',
      ...FREE_PORTS,
    ]);
    children.push(sim);
    const ready = JSON.parse(await sim.line(0)) as Ready;
    assert.deepEqual(
      ready.cameras.map((c) => c.did),
      ['LBCS-000100-CCCJJ', 'LBCS-000101-CCCJJ', 'LBCS-000102-CCCJJ'],
    );
    assert.equal(ready.servers.length, 3);
    assert.equal(ready.paths.lan.down, true);
    assert.equal(ready.paths.p2p.down, true);
    assert.equal(ready.paths.relay.down, false);
    const camera = ready.cameras[2];
    const result = await race({
      host: '127.0.0.1',
      did: camera.did,
      ports: [camera.sessionPort],
      servers: ready.servers.map((s) => `${s.host}:${s.port}`),
      bindAddress: '127.0.0.1',
      maxConnectionTimeMs: 10_000,
    });
    await result.link.close();
    assert.equal(result.mode, 'relay');
    assert.equal(result.remote.host, ready.relays[0].host);
    assert.deepEqual(await sim.stop('SIGTERM'), { code: 0, signal: null }, sim.stderr);
  });

  it('the simulated camera speaks ARTEMIS: `trailcam info` and `trailcam media` log in with --user/--password; a wrong password exits 1', async () => {
    const sim = Cli.spawn(['sim', '--json', '--fast', '--user', 'ranger', '--password', 'hunter-2', '--lan-loss', '0.1', ...FREE_PORTS]);
    children.push(sim);
    const ready = JSON.parse(await sim.line(0)) as Ready;
    const camera = ready.cameras[0];
    const target = ['--host', '127.0.0.1', '--did', camera.did, '--ports', String(camera.sessionPort), '--modes', 'lan', '--bind', '127.0.0.1', '--json'];
    const info = await runCli(['info', ...target, '--user', 'ranger', '--password', 'hunter-2']);
    assert.equal(info.code, 0, info.stderr);
    const answer = JSON.parse(info.stdout);
    assert.equal(answer.connected, true);
    assert.equal(answer.mode, 'lan');
    assert.equal(typeof answer.deviceInfo.batteryPercent, 'number');
    assert.equal(typeof answer.deviceInfo.sdFreeMB, 'number');
    assert.ok(!info.stdout.includes('hunter-2') && !info.stderr.includes('hunter-2'), 'the password is never printed');

    const media = await runCli(['media', ...target, '--user', 'ranger', '--password', 'hunter-2', '--per-page', '5']);
    assert.equal(media.code, 0, media.stderr);
    const page = JSON.parse(media.stdout);
    assert.equal(page.connected, true);
    assert.ok(Array.isArray(page.items) && page.items.length > 0 && page.items.length <= 5, media.stdout);

    const refused = await runCli(['info', ...target, '--user', 'ranger', '--password', 'admin']);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /login|password/i);
    assert.deepEqual(await sim.stop('SIGINT'), { code: 0, signal: null }, sim.stderr);
  });

  it('a readable ready line without --json', async () => {
    const sim = Cli.spawn(['sim', '--lan-loss', '0.25', '--relay-delay', '30', ...FREE_PORTS]);
    children.push(sim);
    const line = await sim.line(0);
    assert.match(
      line,
      /^trailcam sim ready: camera LBCS-000000-CCCJJ on 127\.0\.0\.1 \(LAN search port \d+, session port \d+, internet port \d+\); rendezvous 127\.0\.0\.1:\d+; relay 127\.0\.0\.1:\d+;/,
    );
    assert.match(line, /lan loss 0\.25, p2p healthy, relay delay 30 ms/);
    assert.equal((await sim.stop('SIGINT')).code, 0);
    assert.match(await sim.line(1), /^trailcam sim stopped: 0 camera session\(s\); lan 0 seen/);
  });

  it('the built CLI exits 2 on a bad flag, naming the flag and the value', async () => {
    const result = await runCli(['sim', '--lan-loss', '1.5']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--lan-loss "1\.5": must be a probability 0\.\.1/);
    assert.equal(result.stdout, '', 'no ready line');
  });

  describe('one part per process, each on its own "host" (127.0.0.2-4; Linux routes all of 127/8 locally)', () => {
    // With zero round trips the paths finish within a few ms of each other (network-testbed.md), and
    // three processes add scheduling noise: a slower P2P path and a slower relay make the winner
    // meaningful, in both deployments alike.
    const RELAY_DELAY = ['--relay-delay', '80'];
    interface Deployment {
      camera: Ready['cameras'][number];
      servers: string[];
      relayHost: string;
      processes: Cli[];
    }

    async function ready(
      args: string[],
    ): Promise<{ cli: Cli; ready: Ready & { part: string; remote: { servers: Ready['servers']; relays: Ready['relays'] } } }> {
      const cli = Cli.spawn(['sim', '--json', '--fast', ...args]);
      children.push(cli);
      return { cli, ready: JSON.parse(await cli.line(0)) };
    }

    /** Relay on 127.0.0.2, rendezvous server on 127.0.0.3 listing it, camera on 127.0.0.4 registering there. */
    async function separate(cameraFlags: string[]): Promise<Deployment> {
      const relay = await ready(['--part', 'relay', '--bind', '127.0.0.2', ...RELAY_DELAY]);
      assert.equal(relay.ready.part, 'relay');
      assert.deepEqual([relay.ready.cameras.length, relay.ready.servers.length, relay.ready.relays.length], [0, 0, 1]);
      const relayAddress = `127.0.0.2:${relay.ready.relays[0].port}`;
      const server = await ready(['--part', 'server', '--bind', '127.0.0.3', '--server-port', '0', '--relay', relayAddress]);
      assert.deepEqual(server.ready.remote.relays, [relay.ready.relays[0]]);
      const serverAddress = `127.0.0.3:${server.ready.servers[0].port}`;
      const camera = await ready([
        '--part',
        'camera',
        '--bind',
        '127.0.0.4',
        '--search-port',
        '0',
        '--session-port',
        '0',
        '--server',
        serverAddress,
        ...cameraFlags,
      ]);
      assert.deepEqual([camera.ready.cameras.length, camera.ready.servers.length, camera.ready.relays.length], [1, 0, 0]);
      assert.deepEqual(camera.ready.remote.servers, [{ host: '127.0.0.3', port: server.ready.servers[0].port }]);
      assert.equal((camera.ready.cameras[0] as { registered?: boolean }).registered, true, 'registered before the ready line');
      return { camera: camera.ready.cameras[0], servers: [serverAddress], relayHost: '127.0.0.2', processes: [relay.cli, server.cli, camera.cli] };
    }

    async function allInOne(flags: string[]): Promise<Deployment> {
      const sim = await ready(['--bind', '127.0.0.5', ...FREE_PORTS, ...RELAY_DELAY, ...flags]);
      assert.equal(sim.ready.part, 'all');
      return { camera: sim.ready.cameras[0], servers: sim.ready.servers.map((s) => `${s.host}:${s.port}`), relayHost: '127.0.0.5', processes: [sim.cli] };
    }

    /** What a client sees: the winning mode and whom it talks to (camera session port, camera internet port or the relay). */
    async function raceIt(d: Deployment): Promise<{ mode: string; peer: string }> {
      const result = await race({
        host: d.camera.host,
        did: d.camera.did,
        ports: [d.camera.sessionPort],
        servers: d.servers,
        bindAddress: '127.0.0.1',
        maxConnectionTimeMs: 10_000,
      });
      await result.link.close();
      const { host, port } = result.remote;
      const peer =
        host === d.camera.host && port === d.camera.sessionPort
          ? 'camera session socket'
          : host === d.camera.host && port === d.camera.wanPort
            ? 'camera internet socket'
            : host === d.relayHost
              ? 'relay'
              : `${host}:${port}`;
      for (const cli of d.processes) assert.deepEqual(await cli.stop('SIGTERM'), { code: 0, signal: null }, cli.stderr);
      return { mode: result.mode, peer };
    }

    const cases: [string, string[], { mode: string; peer: string }][] = [
      ['healthy', ['--p2p-delay', '40'], { mode: 'lan', peer: 'camera session socket' }],
      ['LAN down', ['--lan-down'], { mode: 'p2p', peer: 'camera internet socket' }],
      ['LAN and P2P down', ['--lan-down', '--p2p-down'], { mode: 'relay', peer: 'relay' }],
    ];
    for (const [name, flags, expected] of cases) {
      it(`${name}: separate camera, server and relay processes give the client what the all-in-one simulator gives (${expected.mode} via the ${expected.peer})`, async () => {
        assert.deepEqual(await raceIt(await allInOne(flags)), expected, 'all in one');
        assert.deepEqual(await raceIt(await separate(flags)), expected, 'one part per host');
      });
    }

    it('the readable ready line names the part and the remote addresses', async () => {
      const server = Cli.spawn(['sim', '--part', 'server', '--bind', '127.0.0.3', '--server-port', '0', '--relay', '127.0.0.2:4000']);
      children.push(server);
      assert.match(await server.line(0), /^trailcam sim ready \(server part\): rendezvous 127\.0\.0\.3:\d+, listing relay 127\.0\.0\.2:4000;/);
      const camera = Cli.spawn(['sim', '--part', 'camera', '--bind', '127.0.0.4', '--search-port', '0', '--session-port', '0', '--server', '127.0.0.3:4001']);
      children.push(camera);
      assert.match(
        await camera.line(0),
        /^trailcam sim ready \(camera part\): camera LBCS-000000-CCCJJ on 127\.0\.0\.4 .*registers with rendezvous 127\.0\.0\.3:4001;/,
      );
      for (const cli of [server, camera]) assert.equal((await cli.stop('SIGINT')).code, 0);
    });
  });

  describe('in process', () => {
    const bad: [string[], RegExp][] = [
      [['--cameras', '0'], /invalid --cameras "0": must be a whole number 1-1000/],
      [['--cameras', 'many'], /invalid --cameras "many"/],
      [['--servers', '9'], /invalid --servers "9"/],
      [['--seed', '-1'], /--seed/],
      [['--seed=-1'], /invalid --seed "-1"/],
      [['--search-port', '65536'], /invalid --search-port "65536": must be a whole number 0-65535/],
      [['--p2p-delay', 'soon'], /invalid --p2p-delay "soon": must be a non-negative number/],
      [['--relay-jitter', '70000'], /invalid --relay-jitter "70000": must be 0\.\.60000 ms/],
      [['--lan-duplicate', '2'], /invalid --lan-duplicate "2"/],
      [['--lan-down=yes'], /--lan-down/],
      [['--host', '0.0.0.0'], /invalid --host "0\.0\.0\.0": must be a unicast host address/],
      [['--bind', '255.255.255.255'], /invalid --bind "255\.255\.255\.255": must be a unicast host address/],
      [['--bind', '224.0.0.1'], /invalid --bind "224\.0\.0\.1"/],
      [['--bind', 'localhost'], /invalid --bind "localhost": must be an IPv4 address/],
      [['--bind', '127.0.0.2', '--host', '127.0.0.3'], /invalid --bind "127\.0\.0\.2": differs from --host/],
      [['--part', 'router'], /invalid --part "router": must be one of all, camera, server, relay/],
      [['--server', '127.0.0.1:32100'], /invalid --server "127\.0\.0\.1:32100": only with --part camera/],
      [['--part', 'camera', '--relay', '127.0.0.1:5'], /invalid --relay "127\.0\.0\.1:5": only with --part server/],
      [['--part', 'camera', '--server', 'example.org:32100'], /invalid --server "example\.org:32100": the host must be an IPv4 address/],
      [['--part', 'camera', '--server', '127.0.0.1'], /invalid --server "127\.0\.0\.1": must be HOST:PORT/],
      [['--part', 'server', '--relay', '127.0.0.1:0'], /invalid --relay "127\.0\.0\.1:0": the port must be 1-65535/],
      [['--part', 'relay', '--race'], /invalid --race true: needs --part all/],
      // A flag for a piece the part does not run is an error, not ignored (the ready line would look as if it acted).
      [['--part', 'server', '--relays', '3'], /invalid --relays "3": only with --part relay or all \(--part server does not run a relay\)/],
      [['--part', 'relay', '--cameras', '5'], /invalid --cameras "5": only with --part camera or all/],
      [['--part', 'relay', '--password', 's3cret'], /invalid --password "\(hidden\)": only with --part camera/],
      [['--part', 'camera', '--server-port', '32100'], /invalid --server-port "32100": only with --part server or all/],
      [['--fast', '--real-timing'], /invalid --real-timing true: cannot be combined with --fast/],
      [['--wan-port', '70000'], /invalid --wan-port "70000"/],
      [['--did', 'LBCS-1'], /invalid --did "LBCS-1": expected PREFIX-SERIAL-CHECK/],
      [['--did', 'LBCS-4294967295-CCCJJ', '--cameras', '2'], /invalid --cameras "2": camera serials would pass/],
      [['--bogus'], /Unknown option '--bogus'/],
      [['extra'], /Unexpected argument 'extra'/],
    ];
    for (const [args, message] of bad) {
      it(`exits 2 before binding anything: sim ${args.join(' ')}`, async () => {
        const before = await settledHandles();
        const c = capture();
        assert.equal(await main(['sim', ...args], c.io, new AbortController().signal), 2);
        assert.match(c.err(), message);
        assert.equal(c.out(), '');
        assert.deepEqual(await settledHandles(), before);
      });
    }

    it('runs until the signal aborts, then releases every socket and timer and returns 0', async () => {
      const before = await settledHandles();
      const c = capture();
      const controller = new AbortController();
      const running = main(['sim', '--json', '--cameras', '2', '--relays', '2', ...FREE_PORTS], c.io, controller.signal);
      const [line] = await c.lines(1);
      const ready = JSON.parse(line) as Ready;
      assert.equal(ready.relays.length, 2);
      assert.ok((await settledHandles()).udp >= before.udp + 2 * 3 + 1 + 2, 'cameras, server and relays are bound');
      controller.abort(new Error('interrupted'));
      assert.equal(await running, 0);
      assert.equal(JSON.parse((await c.lines(2))[1]).stopped, true);
      assert.deepEqual(await settledHandles(), before);
    });

    it('--race: the demo races the first camera once, prints the result like `trailcam race` and stops', async () => {
      const before = await settledHandles();
      const c = capture();
      assert.equal(await main(['sim', '--race', '--fast', '--json', '--lan-down'], c.io, new AbortController().signal), 0, c.err());
      const [ready, result, stopped] = c
        .out()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.equal(ready.ready, true);
      assert.ok(ready.cameras[0].searchPort !== 32108 && ready.cameras[0].sessionPort !== 40611, 'free ports by default');
      assert.equal(result.connected, true);
      assert.equal(result.mode, 'p2p', 'LAN is down');
      assert.equal(result.racers.length, 3);
      assert.equal(stopped.stopped, true);
      assert.ok(stopped.counters.lan.dropped > 0);
      assert.deepEqual(await settledHandles(), before);
    });

    it('a port in use is a start failure (exit 1) that names it; nothing is left open', async () => {
      const taken = createSocket('udp4');
      await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', resolve));
      try {
        const before = await settledHandles();
        const c = capture();
        const port = taken.address().port;
        assert.equal(await main(['sim', '--search-port', '0', '--session-port', '0', '--server-port', String(port)], c.io, new AbortController().signal), 1);
        assert.match(c.err(), new RegExp(`could not start: 127\\.0\\.0\\.1:${port} is in use`));
        assert.deepEqual(await settledHandles(), before);
      } finally {
        await new Promise<void>((resolve) => taken.close(() => resolve()));
      }
    });

    it('binds the production ports by default (search 32108, session 40611, server 32100) and 127.0.0.1', () => {
      const config = simConfigFromFlags({});
      assert.deepEqual(
        [
          config.host,
          config.searchPort,
          config.sessionPort,
          config.serverPort,
          config.relayPort,
          config.cameras,
          config.servers,
          config.relays,
          formatDid(config.did),
        ],
        ['127.0.0.1', 32108, 40611, 32100, 0, 1, 1, 1, 'LBCS-000000-CCCJJ'],
      );
      assert.deepEqual(config.paths.lan, { delayMs: 0, jitterMs: 0, loss: 0, duplicate: 0, down: false, refuse: false });
      const impaired = simConfigFromFlags({
        'p2p-delay': '40',
        'p2p-jitter': '5.5',
        'p2p-loss': '0.1',
        'p2p-duplicate': '0.2',
        'relay-refuse': true,
        'lan-down': true,
      });
      assert.deepEqual(impaired.paths.p2p, { delayMs: 40, jitterMs: 5.5, loss: 0.1, duplicate: 0.2, down: false, refuse: false });
      assert.equal(impaired.paths.relay.refuse, true);
      assert.equal(impaired.paths.lan.down, true);
    });

    it('--real-timing: the real camera timing (LAN 1.5 +/- 1 ms each way, the 330 ms burst) in the ready line', async () => {
      const c = capture();
      const controller = new AbortController();
      const running = main(['sim', '--json', '--real-timing', ...FREE_PORTS], c.io, controller.signal);
      const ready = JSON.parse((await c.lines(1))[0]) as { fast: boolean; paths: Record<string, { delayMs: number; jitterMs: number }> };
      assert.deepEqual([ready.paths.lan.delayMs, ready.paths.lan.jitterMs, ready.fast], [1.5, 1, false]);
      controller.abort();
      assert.equal(await running, 0);
    });

    it('--bind an address this host does not have: exit 1 naming it (nothing is sent)', async () => {
      const before = await settledHandles();
      const c = capture();
      assert.equal(await main(['sim', '--part', 'relay', '--bind', '203.0.113.250'], c.io, new AbortController().signal), 1);
      assert.match(c.err(), /could not start: 203\.0\.113\.250:\d* is not an address of this host \(--bind\)/);
      assert.deepEqual(await settledHandles(), before);
    });

    it('has --help, and `trailcam --help` lists it', async () => {
      const c = capture();
      assert.equal(await main(['sim', '--help'], c.io, new AbortController().signal), 0);
      for (const flag of [
        '--did',
        '--cameras',
        '--servers',
        '--relays',
        '--seed',
        '--json',
        '--race',
        '--fast',
        '--PATH-delay',
        '--PATH-loss',
        '--PATH-down',
        '--PATH-refuse',
        '--search-port',
        '--part',
        '--bind',
        '--server HOST:PORT',
        '--relay HOST:PORT',
        '--wan-port',
        '--real-timing',
      ]) {
        assert.ok(c.out().includes(flag), flag);
      }
      const top = capture();
      assert.equal(await main(['--help'], top.io, new AbortController().signal), 0);
      assert.match(top.out(), /^\s+sim\s+run simulated camera/m);
    });
  });
});
