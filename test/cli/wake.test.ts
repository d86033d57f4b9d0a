import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sinon from 'sinon';
import { main } from '../../src/cli/main';
import { createWakeCommand } from '../../src/cli/wake';
import { FakeBleTransport, NOBLE_MODULE } from '../../src/ble';
import { capture } from '../helpers/cli';
import { repoRoot } from '../helpers/fixtures';
import { createNmcliStandIn, type NmcliStandIn } from '../ble/nmcli-stand-in';

const ADDRESS = 'C6:1E:0D:E0:32:E8';
const PASSWORD = '85087127';
const CLOSED = { scans: 0, connections: 0, subscriptions: 0, timers: 0 };

describe('cli: trailcam wake', () => {
  let fake: FakeBleTransport;
  let nmcli: NmcliStandIn;
  const signal = new AbortController().signal;
  beforeEach(() => {
    fake = new FakeBleTransport([{ address: ADDRESS, name: 'TC100_32E8', answerDelayMs: 0, notificationGapMs: 0 }]);
    nmcli = createNmcliStandIn();
  });
  afterEach(() => nmcli.remove());

  const command = (env: NodeJS.ProcessEnv = nmcli.env()) => createWakeCommand({ transport: () => fake, env });

  it('--json: exit 0 and one JSON object with the credentials (the only place the password appears)', async () => {
    const c = capture();
    assert.equal(await command().run(['--address', ADDRESS, '--json'], c.io, signal), 0, c.err());
    const lines = c.out().trim().split('\n');
    assert.equal(lines.length, 1);
    const result = JSON.parse(lines[0]);
    assert.deepEqual(
      { ...result, elapsedMs: typeof result.elapsedMs },
      {
        woken: true,
        address: ADDRESS,
        name: 'TC100_32E8',
        ssid: 'KJK_E0FF',
        bssid: '1C:4E:A2:92:E0:FF',
        password: PASSWORD,
        acknowledged: true,
        elapsedMs: 'number',
      },
    );
    assert.equal(c.err(), '');
    assert.deepEqual(fake.handles(), CLOSED);
    assert.deepEqual(nmcli.calls(), [], 'no --join: the network is not touched');
  });

  it('readable output by --name: SSID and BSSID, never the password', async () => {
    const c = capture();
    assert.equal(await command().run(['--name', 'TC100_32E8'], c.io, signal), 0, c.err());
    assert.match(
      c.out(),
      /^woke C6:1E:0D:E0:32:E8 TC100_32E8 in \d+ ms: hotspot "KJK_E0FF" \(bssid 1C:4E:A2:92:E0:FF\); the password is printed only with --json\n$/,
    );
    assert.doesNotMatch(c.out() + c.err(), new RegExp(PASSWORD));
  });

  it('--join: joins with the stand-in nmcli (password only in its argv), then says so; already joined skips', async () => {
    const c = capture();
    assert.equal(
      await command(nmcli.env({ STANDIN_ACTIVE_SSID: 'Home' })).run(['--address', ADDRESS, '--join', '--ifname', 'wlan0'], c.io, signal),
      0,
      c.err(),
    );
    assert.match(c.out(), /\njoined "KJK_E0FF"\n$/);
    assert.doesNotMatch(c.out() + c.err(), new RegExp(PASSWORD));
    assert.deepEqual(nmcli.calls().at(-1), ['device', 'wifi', 'connect', 'KJK_E0FF', 'password', PASSWORD, 'bssid', '1C:4E:A2:92:E0:FF', 'ifname', 'wlan0']);
    const again = capture();
    assert.equal(await command(nmcli.env({ STANDIN_ACTIVE_SSID: 'KJK_E0FF' })).run(['--address', ADDRESS, '--join', '--json'], again.io, signal), 0);
    assert.equal(JSON.parse(again.out()).joined, 'already');
  });

  it("--join refused: exit 1, nmcli's message on stderr without the password; the JSON keeps it for a manual join", async () => {
    const c = capture();
    assert.equal(await command(nmcli.env({ STANDIN_REFUSE_CONNECT: '1' })).run(['--address', ADDRESS, '--join'], c.io, signal), 1);
    assert.match(c.err(), /^trailcam wake: nmcli device wifi connect KJK_E0FF password \*\*\* .*Secrets were required/);
    assert.doesNotMatch(c.out() + c.err(), new RegExp(PASSWORD));
    const j = capture();
    assert.equal(await command(nmcli.env({ STANDIN_REFUSE_CONNECT: '1' })).run(['--address', ADDRESS, '--join', '--json'], j.io, signal), 1);
    const result = JSON.parse(j.out());
    assert.equal(result.woken, true);
    assert.equal(result.joined, false);
    assert.equal(result.code, 'ERR_HOTSPOT_JOIN');
    assert.doesNotMatch(j.err(), new RegExp(PASSWORD));
  });

  it('not found: exit 1 with the reason (fake clock drives the --timeout)', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const c = capture();
      const run = command().run(['--name', 'TC100_0000', '--timeout', '5000', '--json'], c.io, signal);
      await clock.tickAsync(5000);
      assert.equal(await run, 1);
      assert.deepEqual(JSON.parse(c.out()), { woken: false, error: JSON.parse(c.out()).error, code: 'ERR_BLE_NOT_FOUND' });
      assert.match(c.err(), /no camera with name "TC100_0000" found over Bluetooth LE within 5000 ms/);
      assert.deepEqual(fake.handles(), CLOSED);
    } finally {
      clock.restore();
    }
  });

  it('bad input: exit 2 naming the flag, nothing scanned', async () => {
    const factory = sinon.fake(() => fake);
    const cases: [string[], RegExp][] = [
      [[], /--address: .*give the camera's BLE address/],
      [['--address', ADDRESS, '--name', 'x'], /--address: .*not both/],
      [['--address', 'nope'], /--address: invalid address "nope"/],
      [['--address', ADDRESS, '--timeout', 'soon'], /--timeout: invalid timeoutMs: timeout soon is not a number/],
      [['--address', ADDRESS, '--ifname', 'wlan0'], /--ifname: only with --join/],
      [['--address', ADDRESS, '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [argv, message] of cases) {
      const c = capture();
      assert.equal(await createWakeCommand({ transport: factory }).run(argv, c.io, signal), 2, argv.join(' '));
      assert.match(c.err(), message);
    }
    assert.equal(factory.callCount, 0);
  });

  it('through main without @abandonware/noble (as on this machine): exit 1 and the install hint', async function () {
    try {
      require.resolve(NOBLE_MODULE);
      this.skip(); // noble is installed here: this test would use the real radio
    } catch {
      // not installed, as intended
    }
    const c = capture();
    assert.equal(await main(['wake', '--address', ADDRESS], c.io, signal), 1);
    assert.match(c.err(), /^trailcam wake: Bluetooth LE is not available: @abandonware\/noble is not installed; .*npm install @abandonware\/noble/);
    const j = capture();
    assert.equal(await main(['wake', '--address', ADDRESS, '--json'], j.io, signal), 1);
    assert.equal(JSON.parse(j.out()).code, 'ERR_BLE_UNAVAILABLE');
    const h = capture();
    assert.equal(await main(['--help'], h.io, signal), 0);
    assert.match(h.out(), /\n {2}wake {5}wake a sleeping camera over Bluetooth LE/);
  });
});

const BIN = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

/**
 * A stand-in `@abandonware/noble` module (found through NODE_PATH, the shared node_modules untouched)
 * that, like the real one, keeps the event loop alive after it is loaded (its HCI polling), and
 * simulates the camera: advertises, connects, answers the wake request with the captured answer.
 */
const STAND_IN = `
const { EventEmitter } = require('node:events');
const answer = Buffer.from('{"ret":0,"ssid":"KJK_E0FF","bssid":"1C:4E:A2:92:E0:FF","pwd":"85087127"}');
const header = Buffer.from([0x13, 0x57, 1, 0, answer.length, 0, 0, 0]);
const message = Buffer.concat([header, answer]);
const noble = new EventEmitter();
noble.state = 'poweredOn';
setInterval(() => {}, 1000); // the real noble's HCI polling holds the process open too
const chars = ['0002', '0003'].map((uuid) => Object.assign(new EventEmitter(), {
  uuid,
  subscribeAsync: async () => {},
  unsubscribeAsync: async () => {},
  writeAsync: async () => setTimeout(() => { for (let i = 0; i < message.length; i += 20) chars[1].emit('data', message.subarray(i, i + 20), true); }, 5),
}));
const peripheral = {
  id: 'x', address: 'c6:1e:0d:e0:32:e8', advertisement: { localName: 'TC100_32E8' },
  connectAsync: async () => {}, disconnectAsync: async () => {},
  discoverSomeServicesAndCharacteristicsAsync: async () => ({ characteristics: chars }),
};
noble.startScanningAsync = async () => setTimeout(() => noble.emit('discover', peripheral), 5);
noble.stopScanningAsync = async () => {};
module.exports = noble;
`;

describe('cli: trailcam wake as a process, with a stand-in noble', function () {
  this.timeout(20_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'trailcam-noble-'));
    mkdirSync(path.join(dir, '@abandonware', 'noble'), { recursive: true });
    writeFileSync(path.join(dir, '@abandonware', 'noble', 'index.js'), STAND_IN);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads noble, wakes, prints the JSON and exits 0 although noble holds the event loop open', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, 'wake', '--name', 'TC100_32E8', '--json'],
        { env: { ...process.env, NODE_PATH: dir }, timeout: 15_000 },
        (error, out, err) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout: out, stderr: err }),
      );
    });
    assert.equal(code, 0, `exit ${code} (null: killed at the 15 s bound, i.e. it hung): ${stderr}`);
    const result = JSON.parse(stdout);
    assert.equal(result.woken, true);
    assert.equal(result.ssid, 'KJK_E0FF');
    assert.equal(result.password, '85087127');
  });
});
