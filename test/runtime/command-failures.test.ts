import assert from 'node:assert/strict';
import { ArtemisCmd, ArtemisCommandError, ArtemisTimeoutError, encodeFrame } from '../../src/artemis';
import { AbortError } from '../../src/errors';
import { UNRESPONSIVE_AFTER_FAILURES, type Availability, type CommandHealth } from '../../src/runtime';
import { runtimeAgainstSimulator, startSimulation } from './fixtures';
import { SwitchableCamera } from './switchable-camera';

/** A lone ARTEMIS response header whose length field claims 200,000 bytes (under the 256 KiB limit). */
function strayHeader(): Buffer {
  const header = encodeFrame(3, 4242, Buffer.alloc(0));
  header.writeUInt32LE(200_000, 16);
  return header;
}

describe('runtime: consecutive command failures', function () {
  this.timeout(30_000);
  let cameras: SwitchableCamera[];
  /** Switches the next session's camera starts with (before it answers the login). */
  let nextCamera: Partial<Pick<SwitchableCamera, 'muted' | 'silent' | 'loginDelayMs'>> = {};
  afterEach(() => (nextCamera = {}));
  const env = runtimeAgainstSimulator({
    start: () => {
      cameras = [];
      return startSimulation({
        cameras: [
          {
            services: {
              0: () => {
                const camera = Object.assign(new SwitchableCamera(), nextCamera);
                cameras.push(camera);
                return camera;
              },
            },
          },
        ],
      });
    },
  });
  const { open } = env;
  const current = (): SwitchableCamera => cameras[cameras.length - 1];

  it(`are counted; from ${UNRESPONSIVE_AFTER_FAILURES} on the camera is "unresponsive", not "online"; an answer makes it online again`, async () => {
    const rt = open();
    await rt.deviceInfo({ timeoutMs: 5_000 });
    assert.equal(rt.availability.state, 'online');
    const health: CommandHealth[] = [];
    const changes: Availability[] = [];
    rt.on('commands', (h) => health.push(h));
    rt.on('availability', (a) => changes.push(a));
    current().muted = true;
    for (let i = 1; i <= UNRESPONSIVE_AFTER_FAILURES + 1; i += 1) {
      await assert.rejects(rt.deviceInfo({ timeoutMs: 200 }), ArtemisTimeoutError);
      assert.equal(rt.availability.commandFailures, i);
      assert.equal(rt.availability.state, i >= UNRESPONSIVE_AFTER_FAILURES ? 'unresponsive' : 'online', `after ${i} failures`);
    }
    assert.deepEqual(
      health.map((h) => h.consecutiveFailures),
      [1, 2, 3, 4],
    );
    assert.match(String(health.at(-1)!.lastError), /no response within 200 ms/);
    assert.deepEqual(
      changes.map((a) => [a.state, a.commandFailures]),
      [['unresponsive', UNRESPONSIVE_AFTER_FAILURES]],
      'one availability change, when the threshold is reached',
    );
    assert.match(String(changes[0].reason), /no response/);
    assert.equal(changes[0].mode, 'lan');

    current().muted = false;
    assert.equal((await rt.deviceInfo({ timeoutMs: 5_000 })).model, 'KJK230');
    assert.deepEqual(rt.commandHealth, { consecutiveFailures: 0, lastError: null });
    assert.equal(rt.availability.state, 'online');
    assert.equal(rt.availability.commandFailures, 0);
    assert.equal(rt.availability.reason, null);
    assert.deepEqual(
      changes.map((a) => a.state),
      ['unresponsive', 'online'],
    );
  });

  it("a refusal by the camera is an answer (resets the count); a caller's abort does not count", async () => {
    const rt = open();
    await rt.deviceInfo({ timeoutMs: 5_000 });
    current().muted = true;
    await assert.rejects(rt.deviceInfo({ timeoutMs: 200 }), ArtemisTimeoutError);
    const controller = new AbortController();
    const aborted = assert.rejects(rt.deviceInfo({ timeoutMs: 5_000, signal: controller.signal }), AbortError);
    setImmediate(() => controller.abort());
    await aborted;
    assert.equal(rt.commandHealth.consecutiveFailures, 1, 'the abort is not a failure');
    current().muted = false;
    await assert.rejects(rt.command(4321, {}, { timeoutMs: 5_000 }), ArtemisCommandError);
    assert.equal(rt.commandHealth.consecutiveFailures, 0, 'the camera answered');
  });

  it("a caller's timeout covers the login it starts: a camera that never answers it fails the call at that timeout", async () => {
    nextCamera = { silent: true };
    const rt = open();
    const err = await rt.deviceInfo({ timeoutMs: 200 }).then(
      () => assert.fail('a silent camera answered'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ArtemisTimeoutError, String(err));
    assert.equal(err.cmdId, ArtemisCmd.login, 'the login timed out');
    assert.equal(err.timeoutMs, 200, "with the caller's timeout, not the client's 10 s");
  });

  it('the command after a login gets what is left of the timeout', async () => {
    nextCamera = { loginDelayMs: 60, muted: true }; // the login is answered 60 ms late, the command never
    const rt = open();
    const err = await rt.deviceInfo({ timeoutMs: 1_000 }).then(
      () => assert.fail('a muted camera answered'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ArtemisTimeoutError, String(err));
    assert.equal(err.cmdId, ArtemisCmd.deviceInfo);
    // The login's answer waited a 60 ms timer (which fires at most ~1 ms early), so at most ~941 ms were left.
    assert.ok(err.timeoutMs >= 1 && err.timeoutMs <= 945, `command timeout ${err.timeoutMs} ms`);
  });

  it('a new session starts from 0', async () => {
    const rt = open();
    await rt.deviceInfo({ timeoutMs: 5_000 });
    current().muted = true;
    for (let i = 0; i < UNRESPONSIVE_AFTER_FAILURES; i += 1) await assert.rejects(rt.deviceInfo({ timeoutMs: 200 }), ArtemisTimeoutError);
    assert.equal(rt.availability.state, 'unresponsive');
    await rt.closeSession();
    assert.equal(rt.availability.commandFailures, UNRESPONSIVE_AFTER_FAILURES, 'the count stays until a new session');
    await rt.connect();
    assert.equal(rt.availability.state, 'online');
    assert.equal(rt.availability.commandFailures, 0);
    assert.deepEqual(rt.commandHealth, { consecutiveFailures: 0, lastError: null });
  });

  it('one stray 200,000-byte ARTEMIS header does not stall the camera: every later deviceInfo succeeds', async () => {
    const rt = open();
    await rt.deviceInfo({ timeoutMs: 5_000 });
    current().inject = strayHeader();
    for (let i = 0; i < 4; i += 1) {
      const info = await rt.deviceInfo({ timeoutMs: 2_000 });
      assert.equal(info.model, 'KJK230');
    }
    assert.equal(rt.availability.state, 'online');
    assert.equal(rt.availability.commandFailures, 0);
  });
});
