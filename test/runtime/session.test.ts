import assert from 'node:assert/strict';
import { ArtemisCameraService, ArtemisClosedError, ArtemisLoginError } from '../../src/artemis';
import { CameraRuntime, SESSION_LAYER_AVAILABLE, type Availability, type RuntimeState } from '../../src/runtime';
import { SessionEndedError } from '../../src/session';
import { quietHandles } from '../helpers/udp';
import { nextEvent, runtimeAgainstSimulator, simCameraSettings, startSimulation } from './fixtures';

describe('runtime: the live session is the session layer (ARTEMIS end to end against the simulator)', function () {
  this.timeout(30_000);
  let services: ArtemisCameraService[];
  const env = runtimeAgainstSimulator({
    start: () => {
      services = [];
      return startSimulation({
        cameras: [
          {
            services: {
              0: () => {
                const service = new ArtemisCameraService({ user: 'admin', password: 'secret', seed: services.length + 1, mediaCount: 60 });
                services.push(service);
                return service;
              },
            },
          },
        ],
      });
    },
    settings: { password: 'secret' },
  });
  const { open } = env;

  it('SESSION_LAYER_AVAILABLE is true and every live session has DRW channels', async () => {
    assert.equal(SESSION_LAYER_AVAILABLE, true);
    const rt = open();
    await rt.connect();
    const info = await rt.deviceInfo({ timeoutMs: 5_000 });
    assert.equal(info.model, 'KJK230');
  });

  it('deviceInfo, mediaList and raw commands share one session and one login', async () => {
    const rt = open();
    const info = await rt.deviceInfo({ timeoutMs: 5_000 });
    assert.equal(info.batteryPercent, 20);
    assert.equal(info.sdFreeMB, 30034);
    const page = await rt.mediaList({ page: 0, perPage: 45 }, { timeoutMs: 5_000 });
    assert.equal(page.items.length, 45, 'a media list spanning several DRW packets');
    const raw = await rt.command(512, {}, { timeoutMs: 5_000 });
    assert.equal(raw.modelName, 'KJK230');
    const used = services.filter((s) => s.stats.requests > 0);
    assert.equal(used.length, 1, 'one camera session carried every command');
    assert.equal(used[0].stats.logins, 1, 'one login');
    assert.equal(used[0].stats.requests, 4);
  });

  it('commands work with 20 % loss and duplicates on the path', async () => {
    const rt = open();
    await rt.connect();
    env.sim.setPath('lan', { loss: 0.2, duplicate: 0.3 });
    for (let page = 0; page < 3; page += 1) {
      const list = await rt.mediaList({ page, perPage: 20 }, { timeoutMs: 10_000 });
      assert.equal(list.items.length, 20);
    }
  });

  it('a wrong password is an ArtemisLoginError', async () => {
    const rt = open({ password: 'wrong' });
    await assert.rejects(rt.deviceInfo({ timeoutMs: 5_000 }), ArtemisLoginError);
  });

  it('camera stopped during a command: the command rejects with a typed error, the runtime goes offline', async () => {
    const rt = open({ keepaliveSilenceMs: 1_000 });
    await rt.deviceInfo({ timeoutMs: 5_000 });
    const offline = nextEvent<[Availability]>(rt, 'availability', (a) => a.state === 'offline');
    await env.sim.cameras[0].stop();
    await assert.rejects(rt.deviceInfo({ timeoutMs: 20_000 }), (err: unknown) => err instanceof ArtemisClosedError || err instanceof SessionEndedError);
    const [availability] = await offline;
    assert.equal(availability.reason, 'lost: camera silent');
    assert.equal(rt.session, null);
  });

  it('close() during a command rejects it and leaves no socket or timer', async () => {
    const rt = open();
    await rt.deviceInfo({ timeoutMs: 5_000 });
    env.sim.setPath('lan', { down: true });
    const pending = rt.deviceInfo({ timeoutMs: 20_000 });
    const settled = assert.rejects(pending);
    await rt.close();
    await settled;
    assert.deepEqual(await quietHandles(env.sim), env.quiet);
  });

  it('a camera CLOSE ends the live session: reason "closed by the camera", offline', async () => {
    await env.sim.close();
    env.sim = await startSimulation({ cameras: [{ deadAfterMs: 300 }] });
    const rt = new CameraRuntime(simCameraSettings(env.sim, { keepaliveSilenceMs: 5_000 }));
    env.runtime = rt;
    // The runtime's keepalive interval is 1 s; the camera declares us dead after 300 ms of silence.
    const idle = nextEvent<[RuntimeState]>(rt, 'state', (s) => s.phase === 'idle');
    await rt.connect();
    const [state] = await idle;
    assert.equal(state.phase === 'idle' && state.reason, 'closed by the camera');
    assert.equal(rt.availability.state, 'offline');
  });
});
