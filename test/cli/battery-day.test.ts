import assert from 'node:assert/strict';
import { ArtemisCameraService } from '../../src/artemis';
import { main } from '../../src/cli/main';
import { createWakeCommand } from '../../src/cli/wake';
import type { FakeBleTransport } from '../../src/ble';
import { createSimulation, type Simulation } from '../../src/sim';
import { createNmcliStandIn, type NmcliStandIn } from '../ble/nmcli-stand-in';
import { capture } from '../helpers/cli';
import { settledHandles } from '../helpers/udp';
import { ManualTimers } from '../helpers/manual-timers';
import { eventually } from '../runtime/fixtures';

const signal = new AbortController().signal;
const PASSWORD = '85087127';

/** The battery day in the CLI, in-process: `trailcam wake --join` (fake BLE, stand-in nmcli), then `trailcam info`. */
describe("cli: a battery camera's day against the sleeping simulated camera", function () {
  this.timeout(20_000);
  let sim: Simulation;
  let nmcli: NmcliStandIn;
  /** The sleeping camera's own idle time runs on this clock: it cannot fall asleep during the stand-in join. */
  let sleepClock: ManualTimers;
  beforeEach(async () => {
    nmcli = createNmcliStandIn();
    sim = await createSimulation({
      cameras: [{ services: { 0: () => new ArtemisCameraService({ seed: 1, mediaCount: 5 }) } }],
      servers: 1,
      relays: 0,
      fast: true,
      sleeping: { answerDelayMs: 0, connectDelayMs: 0, notificationGapMs: 0, sleepAfterMs: 1000, timers: (sleepClock = new ManualTimers()) },
    });
  });
  afterEach(async () => {
    await sim.close();
    nmcli.remove();
  });

  const infoFlags = (): string[] => {
    const camera = sim.cameras[0];
    return [
      '--host',
      '127.0.0.1',
      '--did',
      camera.did,
      '--ports',
      String(camera.sessionPort),
      '--modes',
      'lan',
      '--bind',
      '127.0.0.1',
      '--max-time',
      '300',
      '--attempt-timeout',
      '100',
    ];
  };

  it('info fails while it sleeps (exit 1); wake --join (exit 0, JSON with the credentials), info (exit 0); then the camera sleeps again, nothing left open', async () => {
    const quiet = await settledHandles();
    const sleeper = sim.sleepers[0];
    const before = capture();
    assert.equal(await main(['info', ...infoFlags()], before.io, signal), 1, 'asleep: unreachable');
    assert.match(before.err(), /unreachable/);

    const transports: FakeBleTransport[] = [];
    const wake = createWakeCommand({ transport: () => (transports.push(sim.bleTransport()), transports[transports.length - 1]), env: nmcli.env() });
    const woke = capture();
    assert.equal(await wake.run(['--address', sleeper.ble.address, '--join', '--json'], woke.io, signal), 0, woke.err());
    const result = JSON.parse(woke.out().trim()) as Record<string, unknown>;
    assert.deepEqual([result.woken, result.ssid, result.password, result.joined], [true, 'KJK_E0FF', PASSWORD, 'joined']);
    assert.equal(woke.err(), '');
    assert.deepEqual(nmcli.calls().at(-1)?.slice(0, 4), ['device', 'wifi', 'connect', 'KJK_E0FF']);
    assert.deepEqual(transports[0].handles(), { scans: 0, connections: 0, subscriptions: 0, timers: 0 });
    await sleeper.settled();
    assert.equal(sleeper.awake, true);

    const cameraSleeps = new Promise<void>((resolve) => sleeper.onChange((awake) => !awake && resolve()));
    const info = capture();
    assert.equal(await main(['info', ...infoFlags()], info.io, signal), 0, info.err());
    assert.match(info.out(), /model\s+KJK230/);
    assert.ok(!(info.out() + info.err() + woke.err()).includes(PASSWORD));
    // The CLI closes its session after the command (CLOSE): the camera's own idle time then sends it to sleep.
    await eventually(() => sim.sleepers[0].sleepScheduled, 'the camera saw its last session end');
    await sleepClock.advance(1000);
    await cameraSleeps;
    assert.equal(sim.liveSessions(), 0);
    assert.deepEqual(await settledHandles(), quiet, 'no socket or timer left by the CLI or the camera');
  });
});
