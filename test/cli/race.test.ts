import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { createSimulation, type Simulation } from '../../src/sim';
import { repoRoot } from '../helpers/fixtures';
import { quietHandles, scriptedPeer, settledHandles } from '../helpers/udp';
import { capture } from '../helpers/cli';

const BIN = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as NodeJS.ErrnoException).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const signal = new AbortController().signal;

/** `args` with `patch` applied: `[--flag, value]` replaces that flag's value if present, anything else is appended. */
function withFlag(args: string[], patch: string[]): string[] {
  const at = patch.length === 2 ? args.indexOf(patch[0]) : -1;
  if (at < 0) return [...args, ...patch];
  const out = [...args];
  out[at + 1] = patch[1];
  return out;
}

describe('cli: trailcam race', function () {
  this.timeout(30_000);
  let sim: Simulation;
  let quiet: { udp: number; timers: number };
  let flags: string[];

  beforeEach(async () => {
    sim = await createSimulation({ cameras: 1, servers: 1, relays: 1, seed: 11, fast: true });
    quiet = await quietHandles(sim);
    await sim.cameras[0].start();
    const camera = sim.cameras[0];
    flags = [
      '--host',
      '127.0.0.1',
      '--did',
      camera.did,
      '--ports',
      String(camera.sessionPort),
      '--server',
      `${sim.servers[0].host}:${sim.servers[0].port}`,
      '--bind',
      '127.0.0.1',
    ];
  });
  afterEach(async () => {
    await sim.close();
  });

  it('exit 0 and, with --json, the result: mode, winner, elapsedMs, localPort, remote, destinationPort, racers[...]', async () => {
    // Relay is a black hole here, so the simulated relay never opens a session port that would
    // count as an open socket below (the relay racer still runs and is cancelled).
    sim.setPath('relay', { down: true });
    const c = capture();
    assert.equal(await main(['race', ...flags, '--json'], c.io, signal), 0, c.err());
    const lines = c.out().trim().split('\n');
    assert.equal(lines.length, 1, 'one JSON object');
    const result = JSON.parse(lines[0]);
    assert.equal(result.connected, true);
    assert.equal(result.mode, 'lan');
    assert.equal(result.winner, 'lanConnectThread');
    assert.equal(typeof result.elapsedMs, 'number');
    assert.ok(result.localPort > 0);
    assert.deepEqual(result.remote, { host: '127.0.0.1', port: sim.cameras[0].sessionPort });
    assert.equal(result.destinationPort, sim.cameras[0].sessionPort);
    assert.equal(result.link, undefined, 'the live link is not printed');
    assert.deepEqual(
      result.racers.map((r: { name: string; state: string }) => [r.name, r.state]),
      [
        ['lanConnectThread', 'success'],
        ['p2pConnectThread', 'cancelled'],
        ['relayConnectThread', 'cancelled'],
      ],
    );
    for (const racer of result.racers) {
      for (const key of ['name', 'mode', 'state', 'attempts', 'localPort', 'destinationPort', 'elapsedMs', 'error']) assert.ok(key in racer, key);
    }
    assert.deepEqual(await quietHandles(sim), quiet, 'the CLI closed the link');
  });

  it('exit 0 with a readable summary without --json', async () => {
    const c = capture();
    assert.equal(await main(['race', ...flags], c.io, signal), 0);
    const [headline, ports, ...racers] = c.out().trim().split('\n');
    assert.match(headline, /^connected via lan \(lanConnectThread\) in [\d.]+ ms$/);
    assert.match(ports, new RegExp(`local port \\d+ -> 127\\.0\\.0\\.1:${sim.cameras[0].sessionPort} \\(destination port ${sim.cameras[0].sessionPort}\\)`));
    assert.equal(racers.length, 3);
    assert.match(racers[1], /p2pConnectThread\s+cancelled .*\(another racer won\)/);
  });

  it('exit 1 when unreachable; the message says which racer failed how', async () => {
    const c = capture();
    // A DID the servers do not know: P2P and relay are refused at once; LAN never hears its DID and times out.
    const args = ['race', ...flags.map((f) => (f === sim.cameras[0].did ? 'LBCS-424242-NOONE' : f)), '--max-time', '1200', '--attempt-timeout', '400'];
    assert.equal(await main(args, c.io, signal), 1);
    assert.equal(c.out(), '');
    const message = c.err();
    assert.match(message, /^trailcam race: camera unreachable: no racer connected within 1200 ms/);
    assert.match(message, /lanConnectThread: timeout: no racer connected within 1200 ms \(\d+ attempts\)/);
    assert.match(message, /p2pConnectThread: .*refused the request \(P2P_REQ_ACK result -1\)/);
    assert.match(message, /relayConnectThread: .*refused the relay request \(RLY_REQ_ACK result -1\)/);
    // (No handle count here: the simulated relay keeps the negotiated session port open until it idles out.)
  });

  it('exit 1 with --json prints {connected: false, error, racers} as well', async () => {
    for (const name of ['lan', 'p2p', 'relay'] as const) sim.setPath(name, { down: true });
    const c = capture();
    assert.equal(await main(['race', ...flags, '--max-time', '600', '--attempt-timeout', '300', '--json'], c.io, signal), 1);
    const result = JSON.parse(c.out());
    assert.equal(result.connected, false);
    assert.match(result.error, /camera unreachable/);
    assert.deepEqual(
      result.racers.map((r: { state: string }) => r.state),
      ['failed', 'failed', 'failed'],
    );
    assert.match(c.err(), /lanConnectThread: timeout/);
    assert.equal(result.code, 'ERR_TRAILCAM_UNREACHABLE');
  });

  it('interrupted (Ctrl-C), --json still prints its one object: {connected: false, error, code}', async () => {
    for (const name of ['lan', 'p2p', 'relay'] as const) sim.setPath(name, { down: true });
    const c = capture();
    const controller = new AbortController();
    const running = main(['race', ...flags, '--max-time', '60000', '--json'], c.io, controller.signal);
    controller.abort(new Error('interrupted'));
    assert.equal(await running, 1);
    const result = JSON.parse(c.out());
    assert.equal(result.connected, false);
    assert.match(result.error, /interrupted/);
    assert.equal(result.code, 'ABORT_ERR');
  });

  const bad: [string[], RegExp][] = [
    [['--ports', '0'], /--ports: port 0 is not 1–65535$/m],
    [['--ports', '70000'], /--ports: port 70000 is not 1–65535$/m],
    [['--ports', '40611,abc'], /--ports: port abc is not 1–65535$/m],
    [['--ports', ','], /--ports: ports ",": name at least one$/m],
    [['--modes', 'lan,tcp'], /--modes: mode tcp is not lan, p2p or relay/],
    [['--modes', ','], /--modes: .*enable at least one of LAN, P2P, relay/],
    [['--host', 'camera.local'], /--host: host camera\.local is not an IPv4 address/],
    [['--did', 'LBCS-XYZ'], /--did: camera id LBCS-XYZ is not PREFIX-SERIAL-CHECK/],
    [['--max-time=-5'], /--max-time: max\. connection time -5 is not 1–600000 ms/],
    [['--max-time', '99999999999'], /--max-time: max\. connection time 99999999999 is not 1–600000 ms/],
    [['--attempt-timeout', '0'], /--attempt-timeout: attempt timeout 0 is not 1–300000 ms/],
    [['--startup-delay', 'later'], /--startup-delay: start-up delay later is not a number/],
    [['--server', '127.0.0.1'], /--server: server 127\.0\.0\.1 is not IPv4:port/],
    [
      ['--ports', '0,70000', '--max-time=-5'],
      /--ports: port 0 is not 1–65535; --ports: port 70000 is not 1–65535; --max-time: max\. connection time -5 is not/,
    ],
    [['--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [patch, message] of bad) {
    it(`exit 2 before any socket, naming the flag: ${patch.join(' ')}`, async () => {
      const args = withFlag(flags, patch);
      const before = await settledHandles();
      const c = capture();
      assert.equal(await main(['race', ...args], c.io, signal), 2);
      assert.match(c.err(), message);
      assert.equal(c.out(), '');
      assert.deepEqual(await settledHandles(), before);
    });
  }

  it('exit 2 when the DID or, for LAN, the host is missing', async () => {
    const noDid = capture();
    assert.equal(await main(['race', '--host', '127.0.0.1'], noDid.io, signal), 2);
    assert.match(noDid.err(), /--did: camera id is required/);
    const noHost = capture();
    assert.equal(await main(['race', '--did', 'LBCS-000000-CCCJJ'], noHost.io, signal), 2);
    assert.match(noHost.err(), /--host: .*required for LAN mode/);
  });

  it('has --help describing every option and the exit codes', async () => {
    const c = capture();
    assert.equal(await main(['race', '--help'], c.io, signal), 0);
    for (const flag of ['--host', '--did', '--ports', '--server', '--modes', '--max-time', '--attempt-timeout', '--json', '--report'])
      assert.ok(c.out().includes(flag), flag);
    assert.match(c.out(), /0 connected, 1 unreachable.*2 bad input/);
  });

  it('the built binary exits 1 (unreachable) and 2 (bad input)', async () => {
    const silent = await scriptedPeer();
    try {
      const unreachable = await runCli([
        'race',
        '--host',
        '127.0.0.1',
        '--did',
        'LBCS-000000-CCCJJ',
        '--ports',
        String(silent.port),
        '--modes',
        'lan',
        '--bind',
        '127.0.0.1',
        '--max-time',
        '400',
      ]);
      assert.equal(unreachable.code, 1, unreachable.stderr);
      assert.match(unreachable.stderr, /lanConnectThread: timeout/);
    } finally {
      await silent.close();
    }
    const badInput = await runCli(['race', '--host', '127.0.0.1', '--did', 'LBCS-000000-CCCJJ', '--ports', '0']);
    assert.equal(badInput.code, 2);
    assert.match(badInput.stderr, /--ports: port 0 is not 1–65535/);
  });
});
