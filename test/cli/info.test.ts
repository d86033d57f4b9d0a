import assert from 'node:assert/strict';
import { ArtemisCameraService, type CameraDeviceState, type MediaFile } from '../../src/artemis';
import { main } from '../../src/cli/main';
import type { Simulation } from '../../src/sim';
import { startSimulation } from '../runtime/fixtures';
import { capture } from '../helpers/cli';

const signal = new AbortController().signal;

/** The simulated camera's ARTEMIS login and values: chosen here, so every expectation below comes from them. */
const PASSWORD = 'Sup3r-Secret-pw';
const DEVICE: Partial<CameraDeviceState> = { batteryPercent: 57, charging: true, temperature: 23, sdTotalMB: 15_000, sdFreeMB: 1_234, firmware: '9.8.7.6' };
const MEDIA_COUNT = 23;

interface Started {
  sim: Simulation;
  /** The ARTEMIS service of every session the camera had, in order. */
  services: ArtemisCameraService[];
}

async function artemisSimulation(): Promise<Started> {
  const services: ArtemisCameraService[] = [];
  const sim = await startSimulation({
    cameras: [
      {
        services: {
          0: () => {
            const service = new ArtemisCameraService({ user: 'admin', password: PASSWORD, seed: services.length + 1, device: DEVICE, mediaCount: MEDIA_COUNT });
            services.push(service);
            return service;
          },
        },
      },
    ],
  });
  return { sim, services };
}

/** Race flags aimed at the simulator (loopback only). */
function raceFlags(sim: Simulation): string[] {
  const camera = sim.cameras[0];
  return [
    '--host',
    '127.0.0.1',
    '--did',
    camera.did,
    '--ports',
    String(camera.sessionPort),
    ...sim.servers.flatMap((s) => ['--server', `${s.host}:${s.port}`]),
    '--bind',
    '127.0.0.1',
    '--max-time',
    '3000',
    '--attempt-timeout',
    '500',
  ];
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  const code = await main(args, c.io, signal);
  return { code, out: c.out(), err: c.err() };
}

describe('cli: trailcam info and trailcam media', function () {
  this.timeout(30_000);
  let started: Started;

  beforeEach(async () => {
    started = await artemisSimulation();
  });
  afterEach(async () => {
    await started.sim.close();
  });

  describe('help, bad input, an unreachable camera', () => {
    it('both commands are listed in the tool help and have their own --help with the shared race flags', async () => {
      const top = await run(['--help']);
      assert.equal(top.code, 0);
      assert.match(top.out, /^ {2}info +connect, log in/m);
      assert.match(top.out, /^ {2}media +connect, log in/m);
      for (const command of ['info', 'media']) {
        const help = await run([command, '--help']);
        assert.equal(help.code, 0, command);
        assert.match(help.out, new RegExp(`^Usage: trailcam ${command} --host H --did DID`), command);
        const race = await run(['race', '--help']);
        for (const flag of [
          '--host H',
          '--did DID',
          '--ports LIST',
          '--server HOST:PORT',
          '--modes LIST',
          '--max-time MS',
          '--attempt-timeout MS',
          '--startup-delay MS',
          '--bind ADDR',
        ]) {
          const line = race.out.split('\n').find((l) => l.trimStart().startsWith(flag));
          assert.ok(line && help.out.includes(line), `${command} --help has race's line for ${flag}`);
        }
        for (const flag of ['--user NAME', '--password PASSWORD', '--timeout MS', '--json']) assert.ok(help.out.includes(flag), `${command}: ${flag}`);
      }
      assert.match((await run(['media', '--help'])).out, /--page N[^]*--per-page N/);
    });

    it('bad input exits 2 naming the flag and value, before anything is sent', async () => {
      const flags = raceFlags(started.sim);
      const cases: [string[], RegExp][] = [
        [['info', '--host', '127.0.0.1'], /--did: camera id is required/],
        [['info', ...flags, '--timeout', 'soon'], /--timeout: timeout soon is not a number/],
        [['info', ...flags, '--max-time', 'later'], /--max-time: max\. connection time later is not a number/],
        [['media', ...flags, '--per-page', '0'], /--per-page: invalid perPage "0": must be an integer from 1 to 1000/],
        [['media', ...flags, '--page', 'last'], /--page: invalid page "last"/],
        [['info', ...flags, '--bogus'], /bogus/],
        // `--password "$PW"` with PW unset: not admin/admin, not TRAILCAM_PASSWORD, an error.
        [['info', ...flags, '--password', ''], /--password is empty: give a value or leave the flag out/],
        [['info', ...flags, '--user', ' '], /--user is empty/],
        [['media', ...flags, '--max-time', ''], /--max-time is empty/],
        [['race', ...flags, '--server', '127.0.0.1:1', '--server', ''], /--server is empty/],
      ];
      for (const [args, message] of cases) {
        const result = await run(args);
        assert.equal(result.code, 2, args.join(' '));
        assert.match(result.err, message, args.join(' '));
        assert.equal(result.out, '', args.join(' '));
      }
      assert.equal(started.sim.cameras[0].counters.sessions, 0, 'no race was started');
    });

    it('an unreachable camera exits 1; --json says connected false with every racer', async () => {
      for (const path of ['lan', 'p2p', 'relay'] as const) started.sim.setPath(path, { down: true });
      const result = await run(['info', ...raceFlags(started.sim), '--max-time', '600', '--attempt-timeout', '200', '--json']);
      assert.equal(result.code, 1);
      const line = JSON.parse(result.out) as { connected: boolean; code: string; racers: { state: string }[] };
      assert.equal(line.connected, false);
      assert.equal(line.code, 'ERR_TRAILCAM_UNREACHABLE');
      assert.deepEqual(
        line.racers.map((r) => r.state),
        ['failed', 'failed', 'failed'],
      );
      assert.match(result.err, /^trailcam info: /);
    });
  });

  describe('against the simulated ARTEMIS camera', () => {
    it('info --json races, logs in and prints the camera’s device info', async function () {
      const result = await run(['info', ...raceFlags(started.sim), '--user', 'admin', '--password', PASSWORD, '--json']);
      assert.equal(result.err, '');
      assert.equal(result.code, 0);
      const lines = result.out.trim().split('\n');
      assert.equal(lines.length, 1, 'one JSON object');
      const info = JSON.parse(lines[0]) as { connected: boolean; mode: string; camera: string; deviceInfo: Record<string, unknown> };
      assert.equal(info.connected, true);
      assert.equal(info.mode, 'lan');
      assert.equal(info.camera, started.sim.cameras[0].did);
      const device = started.services[0].device;
      assert.deepEqual(
        [
          info.deviceInfo.batteryPercent,
          info.deviceInfo.charging,
          info.deviceInfo.temperature,
          info.deviceInfo.sdTotalMB,
          info.deviceInfo.sdFreeMB,
          info.deviceInfo.firmware,
          info.deviceInfo.model,
        ],
        [device.batteryPercent, device.charging, device.temperature, device.sdTotalMB, device.sdFreeMB, device.firmware, device.model],
      );
      assert.equal(started.services[0].stats.logins, 1);
      assert.ok(!result.out.includes(PASSWORD), 'the password is never printed');
      assert.ok(!result.out.includes(String(started.services[0].token)), 'nor the session token');
    });

    it('info prints readable lines; the password may come from TRAILCAM_PASSWORD', async function () {
      const saved = process.env.TRAILCAM_PASSWORD;
      process.env.TRAILCAM_PASSWORD = PASSWORD;
      let result;
      try {
        result = await run(['info', ...raceFlags(started.sim)]);
      } finally {
        if (saved === undefined) delete process.env.TRAILCAM_PASSWORD;
        else process.env.TRAILCAM_PASSWORD = saved;
      }
      assert.equal(result.code, 0, result.err);
      const device = started.services[0].device;
      assert.match(result.out, /^connected to \S+ via lan \(lanConnectThread\) in \d+(\.\d+)? ms\n/);
      assert.match(result.out, new RegExp(`^ {2}model +${device.model}$`, 'm'));
      assert.match(result.out, new RegExp(`^ {2}firmware +${device.firmware.replace(/\./g, '\\.')}$`, 'm'));
      assert.match(result.out, new RegExp(`^ {2}battery +${device.batteryPercent} %, charging$`, 'm'));
      assert.match(result.out, new RegExp(`^ {2}SD card +${device.sdFreeMB} MB free of ${device.sdTotalMB} MB$`, 'm'));
      assert.ok(!result.out.includes(PASSWORD));
    });

    it('a wrong password exits 1 with the camera’s login error; no password appears anywhere', async function () {
      const wrong = 'wrong-Passw0rd-xyz';
      const result = await run(['info', ...raceFlags(started.sim), '--password', wrong, '--json']);
      assert.equal(result.code, 1);
      assert.match(result.err, /^trailcam info: ARTEMIS command 0 \(seq 1\) failed: camera result -?\d+/);
      const line = JSON.parse(result.out) as { connected: boolean; code: string };
      assert.deepEqual([line.connected, line.code], [true, 'ERR_ARTEMIS_LOGIN']);
      for (const secret of [wrong, PASSWORD]) assert.ok(!`${result.out}${result.err}`.includes(secret), 'no password in the output');
      assert.equal(started.services[0].stats.failedLogins, 1);
    });

    it('media --page --per-page --json prints that page of the camera’s list', async function () {
      const perPage = 5;
      const pageNo = 2;
      const result = await run(['media', ...raceFlags(started.sim), '--password', PASSWORD, '--page', String(pageNo), '--per-page', String(perPage), '--json']);
      assert.equal(result.code, 0, result.err);
      const page = JSON.parse(result.out) as { connected: boolean; page: number; perPage: number; count: number; items: MediaFile[]; raw?: unknown };
      const expected = started.services[0].media.slice(pageNo * perPage, (pageNo + 1) * perPage);
      assert.equal(page.connected, true);
      assert.deepEqual([page.page, page.perPage, page.count], [pageNo, perPage, expected.length]);
      assert.deepEqual(page.items, expected);
      assert.equal(page.raw, undefined, 'items only once');
    });

    it('media prints one line per picture (default page 0 of 45); the last page may be short', async function () {
      const result = await run(['media', ...raceFlags(started.sim), '--password', PASSWORD]);
      assert.equal(result.code, 0, result.err);
      const media = started.services[0].media;
      const lines = result.out.trim().split('\n');
      assert.match(lines[0], /^connected to /);
      assert.equal(lines[1], `page 0: ${Math.min(45, media.length)} item(s), 45 per page`);
      const items = lines.slice(2);
      assert.equal(items.length, Math.min(45, media.length));
      items.forEach((line, i) => {
        assert.ok(line.includes(new Date(media[i].mediaTime * 1000).toISOString()), line);
        assert.ok(line.endsWith(`dir ${media[i].mediaDirNum} #${media[i].mediaNum}  id ${media[i].mediaId}`), line);
      });
    });
  });
});
