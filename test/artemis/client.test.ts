import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import * as sinon from 'sinon';
import {
  ArtemisClient,
  ArtemisClosedError,
  ArtemisCommandError,
  ArtemisFrameError,
  ArtemisLoginError,
  ArtemisResponseError,
  ArtemisStateError,
  ArtemisTimeoutError,
  encodeFrame,
  encodeResponse,
  type ArtemisMessage,
  type ArtemisNotification,
  type JsonObject,
} from '../../src/artemis';
import { AbortError, ConfigError } from '../../src/errors';
import { answeringPeer, FAKED, FakeTransport, flush, loadRealResponse } from './fake-transport';

const NOW = 1766533338_000; // the app log's login time, in ms
const TOKEN = 118181966;

/** The real camera, as far as the captures show it. */
function realCamera(request: ArtemisMessage): JsonObject | undefined {
  switch (request.body.cmdId) {
    case 0:
      return { cmdId: 0, result: 0, token: TOKEN, bat_percent: 80, errorMsg: 'Success' };
    case 512:
      return loadRealResponse('device-info-512');
    case 768:
      return loadRealResponse('media-list-768');
    case 525:
      return undefined;
    default:
      return { errorMsg: 'Success', result: 0, cmdId: request.body.cmdId as number };
  }
}

describe('artemis: ArtemisClient', () => {
  let clock: sinon.SinonFakeTimers;
  let transport: FakeTransport;
  let client: ArtemisClient;

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: NOW, toFake: FAKED });
    transport = new FakeTransport(answeringPeer(realCamera));
    client = new ArtemisClient(transport);
  });

  afterEach(() => {
    client.close();
    assert.equal(clock.countTimers(), 0, 'every timer is released');
    clock.restore();
  });

  it('logs in with exactly the app request as seq 1 and keeps the token for later commands', async () => {
    const result = await client.login();
    assert.deepEqual(result, { batteryPercent: 80, errorMsg: 'Success' });
    assert.equal(client.state, 'logged-in');
    await client.command(258);
    await client.command(768, { itemCntPerPage: 45, pageNo: 0 });
    assert.deepEqual(transport.requestTexts(), [
      '{"cmdId":0,"usrName":"admin","password":"admin","needVideo":0,"needAudio":0,"utcTime":1766533338,"supportHeartBeat":true}',
      `{"cmdId":258,"token":${TOKEN}}`,
      `{"cmdId":768,"itemCntPerPage":45,"pageNo":0,"token":${TOKEN}}`,
    ]);
    assert.deepEqual(
      transport.requests().map((r) => [r.msgType, r.seq]),
      [
        [2, 1],
        [2, 2],
        [2, 3],
      ],
    );
    assert.ok(transport.sent.every((s) => s.channel === 0));
  });

  it('sends given credentials and the injected clock', async () => {
    const own = new ArtemisClient(transport, { now: () => 1_700_000_000_999 });
    try {
      await own.login({ user: 'root', password: 'pw' });
      assert.deepEqual(transport.requests()[0].body, {
        cmdId: 0,
        usrName: 'root',
        password: 'pw',
        needVideo: 0,
        needAudio: 0,
        utcTime: 1_700_000_000,
        supportHeartBeat: true,
      });
    } finally {
      own.close();
    }
  });

  it('matches responses by seq even when they arrive out of order', async () => {
    const held: ArtemisMessage[] = [];
    transport.peer = answeringPeer((request) => {
      if (request.body.cmdId === 0) return realCamera(request);
      held.push(request);
      return undefined;
    });
    await client.login();
    const first = client.command(258);
    const second = client.command(259);
    await flush();
    assert.deepEqual(
      held.map((r) => r.seq),
      [2, 3],
    );
    transport.deliver(0, encodeResponse(3, { errorMsg: 'Success', result: 0, cmdId: 259 }));
    transport.deliver(0, encodeResponse(2, { errorMsg: 'Success', result: 0, cmdId: 258 }));
    assert.equal((await first).cmdId, 258);
    assert.equal((await second).cmdId, 259);
  });

  it('deviceInfo() normalises the real 512 response of the app log', async () => {
    await client.login();
    const info = await client.deviceInfo();
    assert.deepEqual(
      { ...info, raw: undefined },
      {
        batteryPercent: 20,
        charging: false,
        solarCharging: false,
        temperature: 19,
        sdTotalMB: 30196,
        sdFreeMB: 30034,
        firmware: '2.3.0.4',
        model: 'KJK230',
        deviceId: 'C6:1E:0D:E0:32:E8',
        cameraTime: 1766533338,
        raw: undefined,
      },
    );
    assert.deepEqual(info.raw, loadRealResponse('device-info-512'));
    assert.equal(transport.requestTexts()[1], `{"cmdId":512,"token":${TOKEN}}`);
  });

  it('mediaList() sends the app fields and returns the real page', async () => {
    await client.login();
    const page = await client.mediaList();
    assert.equal(transport.requestTexts()[1], `{"cmdId":768,"itemCntPerPage":45,"pageNo":0,"token":${TOKEN}}`);
    assert.equal(page.page, 0);
    assert.equal(page.perPage, 45);
    assert.equal(page.count, 45);
    assert.equal(page.listResult, 0);
    assert.equal(page.items.length, 45);
    assert.deepEqual(page.items[0], {
      fileType: 0,
      mediaDirNum: 100,
      mediaNum: 318,
      durationMs: 0,
      mediaId: 3361310203,
      mediaTime: 1766527938,
    });
    await client.mediaList({ page: 2, perPage: 10 });
    assert.equal(transport.requestTexts()[2], `{"cmdId":768,"itemCntPerPage":10,"pageNo":2,"token":${TOKEN}}`);
  });

  it('mediaList() refuses bad paging before sending anything', async () => {
    await client.login();
    await assert.rejects(client.mediaList({ perPage: 0 }), ConfigError);
    await assert.rejects(client.mediaList({ perPage: 1001 }), ConfigError);
    await assert.rejects(client.mediaList({ page: -1 }), ConfigError);
    await assert.rejects(client.mediaList({ page: 1.5 }), ConfigError);
    assert.equal(transport.requests().length, 1);
  });

  it('a malformed media list is an ArtemisResponseError', async () => {
    transport.peer = answeringPeer((request) => (request.body.cmdId === 0 ? realCamera(request) : { mediaFiles: [{ fileType: 0 }], result: 0, cmdId: 768 }));
    await client.login();
    await assert.rejects(client.mediaList(), (e: unknown) => e instanceof ArtemisResponseError && /mediaFiles\[0\]\.mediaDirNum/.test(e.message));
  });

  it('a result other than 0 rejects with ArtemisCommandError carrying result and errorMsg', async () => {
    transport.peer = answeringPeer((request) =>
      request.body.cmdId === 0 ? realCamera(request) : { errorMsg: 'Busy', result: -7, cmdId: request.body.cmdId as number },
    );
    await client.login();
    await assert.rejects(client.command(259), (e: unknown) => {
      assert.ok(e instanceof ArtemisCommandError);
      assert.equal(e.code, 'ERR_ARTEMIS_COMMAND');
      assert.equal(e.result, -7);
      assert.equal(e.errorMsg, 'Busy');
      assert.equal(e.cmdId, 259);
      assert.equal(e.seq, 2);
      assert.ok(!e.message.includes(String(TOKEN)));
      return true;
    });
    assert.equal(client.state, 'logged-in', 'a failed command does not end the login');
  });

  it('a refused login rejects with ArtemisLoginError, never shows the password, and may be retried as seq 2', async () => {
    const password = 'Sup3r-Secret-Pw';
    transport.peer = answeringPeer((request) =>
      request.body.password === 'admin' ? realCamera(request) : { cmdId: 0, result: -1, errorMsg: 'Invalid password' },
    );
    const events: unknown[] = [];
    client.on('protocol-error', (e) => events.push(e));
    await assert.rejects(client.login({ password }), (e: unknown) => {
      assert.ok(e instanceof ArtemisLoginError && e instanceof ArtemisCommandError);
      assert.equal(e.code, 'ERR_ARTEMIS_LOGIN');
      assert.equal(e.result, -1);
      assert.equal(e.errorMsg, 'Invalid password');
      assert.ok(!e.message.includes(password) && !JSON.stringify(e).includes(password));
      return true;
    });
    assert.equal(client.state, 'idle');
    assert.equal(client.pendingCommands, 0);
    await client.login();
    assert.equal(transport.requests()[1].seq, 2);
    assert.deepEqual(events, []);
  });

  it('a login response without an integer token is an ArtemisResponseError', async () => {
    transport.peer = answeringPeer(() => ({ cmdId: 0, result: 0, errorMsg: 'Success' }));
    await assert.rejects(client.login(), ArtemisResponseError);
    assert.equal(client.state, 'idle');
  });

  it('commands before login, a second login and reserved fields are refused', async () => {
    await assert.rejects(client.command(512), ArtemisStateError);
    await client.login();
    await assert.rejects(client.login(), ArtemisStateError);
    await assert.rejects(client.command(512, { token: 1 }), ConfigError);
    await assert.rejects(client.command(512, { cmdId: 1 }), ConfigError);
    await assert.rejects(client.command(-1), ConfigError);
    await assert.rejects(client.command(258, {}, { timeoutMs: 0 }), ConfigError);
    assert.equal(transport.requests().length, 1);
    await client.command(258);
    assert.equal(transport.requests()[1].seq, 2, 'refused calls take no seq');
  });

  it('times out with ArtemisTimeoutError; a late answer is a late-response, not a notification', async () => {
    const held: ArtemisMessage[] = [];
    transport.peer = answeringPeer((request) => {
      if (request.body.cmdId === 0) return realCamera(request);
      held.push(request);
      return undefined;
    });
    await client.login();
    const late: ArtemisNotification[] = [];
    const notes: ArtemisNotification[] = [];
    client.on('late-response', (n) => late.push(n));
    client.on('notification', (n) => notes.push(n));
    const pending = client.command(512, {}, { timeoutMs: 2000 });
    const rejected = assert.rejects(pending, (e: unknown) => {
      assert.ok(e instanceof ArtemisTimeoutError);
      assert.equal(e.code, 'ERR_ARTEMIS_TIMEOUT');
      assert.equal(e.seq, 2);
      assert.equal(e.timeoutMs, 2000);
      return true;
    });
    await clock.tickAsync(1999);
    assert.equal(client.pendingCommands, 1);
    await clock.tickAsync(1);
    await rejected;
    assert.equal(client.pendingCommands, 0);
    transport.deliver(0, encodeResponse(2, loadRealResponse('device-info-512')));
    assert.equal(late.length, 1);
    assert.equal(late[0].seq, 2);
    assert.equal(notes.length, 0);
  });

  it('uses the client-wide commandTimeoutMs by default', async () => {
    const quiet = new FakeTransport(answeringPeer((r) => (r.body.cmdId === 0 ? realCamera(r) : undefined)));
    const own = new ArtemisClient(quiet, { commandTimeoutMs: 500, heartbeatIntervalMs: 0 });
    try {
      await own.login();
      const pending = assert.rejects(own.command(512), ArtemisTimeoutError);
      await clock.tickAsync(500);
      await pending;
    } finally {
      own.close();
    }
  });

  it('unsolicited frames are notifications and never answer a pending command', async () => {
    const held: ArtemisMessage[] = [];
    transport.peer = answeringPeer((request) => {
      if (request.body.cmdId === 0) return realCamera(request);
      held.push(request);
      return undefined;
    });
    await client.login();
    const notes: ArtemisNotification[] = [];
    client.on('notification', (n) => notes.push(n));
    let settled = false;
    const pending = client.command(512).finally(() => {
      settled = true;
    });
    await flush();
    transport.deliver(0, encodeResponse(77, { evtId: 4 }));
    transport.deliver(0, encodeResponse(1, { cmdId: 0, result: 0 })); // the login's seq, already answered
    await flush();
    assert.equal(settled, false);
    assert.deepEqual(
      notes.map((n) => [n.seq, n.body]),
      [
        [77, { evtId: 4 }],
        [1, { cmdId: 0, result: 0 }],
      ],
    );
    transport.deliver(0, encodeResponse(2, { result: 0, cmdId: 512 }));
    assert.deepEqual(await pending, { result: 0, cmdId: 512 });
  });

  it('frames of other msgTypes are emitted as frame events; bad frames as protocol-error', async () => {
    await client.login();
    const frames: number[] = [];
    const errors: ArtemisFrameError[] = [];
    client.on('frame', (f) => frames.push(f.msgType));
    client.on('protocol-error', (e) => errors.push(e));
    transport.deliver(0, encodeFrame(9, 5, Buffer.from('{"evtId":4}')));
    transport.deliver(0, encodeFrame(3, 99, Buffer.from('not base64\0')));
    transport.deliver(3, encodeResponse(100, { other: 'channel' }));
    const huge = encodeFrame(3, 8, Buffer.alloc(0));
    huge.writeUInt32LE(10 * 1024 * 1024, 16);
    transport.deliver(0, huge);
    assert.deepEqual(frames, [9]);
    assert.deepEqual(
      errors.map((e) => [e.stage, e.seq]),
      [
        ['base64', 99],
        ['length', 8],
      ],
    );
    assert.equal((await client.command(258)).cmdId, 258, 'still in sync after the bad frames');
  });

  it('an undecodable response to a pending command rejects it with ArtemisFrameError', async () => {
    transport.peer = answeringPeer((request) => (request.body.cmdId === 0 ? realCamera(request) : undefined));
    await client.login();
    const pending = client.command(512);
    await flush();
    transport.deliver(0, encodeFrame(3, 2, Buffer.from('!!!!\0')));
    await assert.rejects(pending, (e: unknown) => e instanceof ArtemisFrameError && e.seq === 2);
  });

  it('a response for another cmdId is an ArtemisResponseError', async () => {
    transport.peer = answeringPeer((request) => (request.body.cmdId === 0 ? realCamera(request) : { errorMsg: 'Success', result: 0, cmdId: 999 }));
    await client.login();
    await assert.rejects(client.command(258), ArtemisResponseError);
  });

  it('aborting a command rejects it with AbortError and releases its timer and listener', async () => {
    transport.peer = answeringPeer((request) => (request.body.cmdId === 0 ? realCamera(request) : undefined));
    await client.login();
    const controller = new AbortController();
    const pending = client.command(512, {}, { signal: controller.signal });
    await flush();
    controller.abort(new Error('user gave up'));
    await assert.rejects(pending, (e: unknown) => e instanceof AbortError && /user gave up/.test(e.message));
    assert.equal(client.pendingCommands, 0);
    assert.equal(clock.countTimers(), 1, 'only the heartbeat timer is left');
  });

  it("leaves no listener on the caller's signal, whether the command succeeds or fails", async () => {
    await client.login();
    const controller = new AbortController();
    await client.command(258, {}, { signal: controller.signal });
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    transport.peer = undefined;
    const pending = assert.rejects(client.command(258, {}, { signal: controller.signal, timeoutMs: 10 }), ArtemisTimeoutError);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    await clock.tickAsync(10);
    await pending;
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  it('a timed-out or closed command aborts its hanging send', async () => {
    transport.peer = answeringPeer((request) => (request.body.cmdId === 0 ? realCamera(request) : undefined));
    await client.login();
    transport.sendMode = 'hang';
    const timedOut = assert.rejects(client.command(512, {}, { timeoutMs: 50 }), ArtemisTimeoutError);
    const closed = assert.rejects(client.command(512), ArtemisClosedError);
    await flush();
    assert.equal(transport.hangingSends, 2);
    await clock.tickAsync(50);
    await timedOut;
    assert.equal(transport.hangingSends, 1);
    client.close();
    await closed;
    await flush();
    assert.equal(transport.hangingSends, 0);
  });

  it('an already aborted signal rejects without sending', async () => {
    await client.login();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(client.command(512, {}, { signal: controller.signal }), AbortError);
    await assert.rejects(new ArtemisClient(new FakeTransport()).login({}, { signal: controller.signal }), AbortError);
    assert.equal(transport.requests().length, 1);
  });

  it('a failing send rejects the command with the transport error', async () => {
    await client.login();
    const failure = new Error('DRW window full');
    transport.sendMode = { fail: failure };
    transport.peer = undefined;
    await assert.rejects(client.command(258), (e: unknown) => e === failure);
    assert.equal(client.pendingCommands, 0);
  });

  describe('heartbeat', () => {
    it('sends {"cmdId":525} without token every 3 s from seq 65537 while logged in', async () => {
      await clock.tickAsync(10_000);
      assert.equal(transport.sent.length, 0, 'no heartbeat before login');
      await client.login();
      await clock.tickAsync(2999);
      assert.equal(transport.requests().length, 1);
      await clock.tickAsync(1);
      await clock.tickAsync(6000);
      const beats = transport.requests().slice(1);
      assert.deepEqual(
        beats.map((b) => [b.msgType, b.seq, b.body]),
        [
          [2, 65537, { cmdId: 525 }],
          [2, 65538, { cmdId: 525 }],
          [2, 65539, { cmdId: 525 }],
        ],
      );
      // The wire frame is the captured 45-byte heartbeat but for the (stale-byte) last block.
      const frame = transport.sent[1].data;
      assert.equal(frame.length, 45);
      assert.equal(frame.subarray(0, 20).toString('hex'), '415254454d495300020000000100010019000000');
      assert.equal(client.heartbeatsSent, 3);
    });

    it('commands keep their own seq between heartbeats', async () => {
      await client.login();
      await clock.tickAsync(3000);
      await client.command(258);
      await clock.tickAsync(3000);
      await client.command(259);
      assert.deepEqual(
        transport.requests().map((r) => [r.seq, r.body.cmdId]),
        [
          [1, 0],
          [65537, 525],
          [2, 258],
          [65538, 525],
          [3, 259],
        ],
      );
    });

    it('the period is configurable and 0 disables it', async () => {
      const fast = new ArtemisClient(transport, { heartbeatIntervalMs: 1000 });
      await fast.login();
      await clock.tickAsync(3000);
      assert.equal(fast.heartbeatsSent, 3);
      fast.close();
      const none = new ArtemisClient(new FakeTransport(answeringPeer(realCamera)), { heartbeatIntervalMs: 0 });
      await none.login();
      await clock.tickAsync(30_000);
      assert.equal(none.heartbeatsSent, 0);
      none.close();
    });

    it('skips a beat while the previous heartbeat is unacknowledged', async () => {
      await client.login();
      transport.sendMode = 'hang';
      await clock.tickAsync(3000 * 5);
      assert.equal(client.heartbeatsSent, 1);
      assert.equal(transport.hangingSends, 1);
      client.close();
      await flush();
      assert.equal(transport.hangingSends, 0, 'closing aborts the hanging send');
    });

    it('a failing heartbeat is reported as heartbeat-error and the loop goes on', async () => {
      await client.login();
      const errors: Error[] = [];
      client.on('heartbeat-error', (e) => errors.push(e));
      transport.sendMode = { fail: new Error('no route') };
      await clock.tickAsync(6000);
      assert.deepEqual(
        errors.map((e) => e.message),
        ['no route', 'no route'],
      );
      assert.equal(client.heartbeatsSent, 2);
    });

    it('stops at close()', async () => {
      await client.login();
      await clock.tickAsync(3000);
      client.close();
      await clock.tickAsync(30_000);
      assert.equal(client.heartbeatsSent, 1);
    });
  });

  describe('close and session end', () => {
    it('close() rejects pending commands with ArtemisClosedError and detaches from the transport', async () => {
      transport.peer = answeringPeer((request) => (request.body.cmdId === 0 ? realCamera(request) : undefined));
      await client.login();
      const closes: ArtemisClosedError[] = [];
      client.on('close', (e) => closes.push(e));
      const first = client.command(512);
      const second = client.command(768, { pageNo: 0 });
      await flush();
      client.close();
      client.close();
      await assert.rejects(first, (e: unknown) => e instanceof ArtemisClosedError && e.code === 'ERR_ARTEMIS_CLOSED');
      await assert.rejects(second, ArtemisClosedError);
      assert.equal(closes.length, 1);
      assert.equal(client.state, 'closed');
      assert.equal(transport.listenerCount('data'), 0);
      assert.equal(transport.listenerCount('end'), 0);
      await assert.rejects(client.command(258), ArtemisClosedError);
      await assert.rejects(client.login(), ArtemisClosedError);
    });

    it('the transport ending does the same and names the reason', async () => {
      transport.peer = answeringPeer((request) => (request.body.cmdId === 0 ? realCamera(request) : undefined));
      await client.login();
      const pending = client.command(512);
      await flush();
      transport.end({ kind: 'lost', reason: 'timeout' });
      await assert.rejects(pending, (e: unknown) => e instanceof ArtemisClosedError && /session lost: timeout/.test(e.message));
      assert.equal(client.state, 'closed');
      await clock.tickAsync(10_000);
      assert.equal(client.heartbeatsSent, 0);
    });

    it('closing during login rejects the login', async () => {
      transport.peer = undefined;
      const login = client.login();
      await flush();
      client.close();
      await assert.rejects(login, ArtemisClosedError);
      assert.equal(client.state, 'closed');
    });

    it('a client on an already ended transport is closed from the start', async () => {
      const ended = new FakeTransport();
      ended.open = false;
      const own = new ArtemisClient(ended);
      assert.equal(own.state, 'closed');
      await assert.rejects(own.login(), ArtemisClosedError);
    });
  });

  it('no error or event of a whole session shows the password or the token', async () => {
    const password = 'pa55-W0rd-xyz';
    const token = 987654321;
    transport.peer = answeringPeer((request): JsonObject | undefined => {
      if (request.body.cmdId === 0) {
        return request.body.password === password
          ? { cmdId: 0, result: 0, token, bat_percent: 50, errorMsg: 'Success' }
          : { cmdId: 0, result: -1, errorMsg: 'Invalid password' };
      }
      if (request.body.cmdId === 512) return undefined;
      return { errorMsg: 'Failed', result: 1, cmdId: request.body.cmdId as number };
    });
    const seen: unknown[] = [];
    for (const event of ['notification', 'late-response', 'frame', 'protocol-error', 'heartbeat-error', 'close'] as const) {
      client.on(event, (value: unknown) => seen.push(value));
    }
    const capture = (p: Promise<unknown>): Promise<void> =>
      p.then(
        (v) => void seen.push(v),
        (e) => void seen.push(e),
      );
    await capture(client.login({ password: 'wrong-one' }));
    await capture(client.login({ password }));
    await capture(client.command(259));
    const timedOut = capture(client.command(512, {}, { timeoutMs: 100 }));
    await clock.tickAsync(100);
    await timedOut;
    transport.deliver(0, encodeResponse(4, { x: 1 }));
    const pending = capture(client.command(258));
    client.close();
    await pending;
    const text = seen.map((v) => (v instanceof Error ? `${v.name} ${v.message} ${String(v.cause)} ${JSON.stringify(v)}` : JSON.stringify(v))).join('\n');
    assert.ok(seen.length >= 6, text);
    assert.ok(!text.includes(password), 'password leaked');
    assert.ok(!text.includes('wrong-one'), 'password leaked');
    assert.ok(!text.includes(String(token)), 'token leaked');
  });

  it('rejects bad options', () => {
    assert.throws(() => new ArtemisClient(transport, { channel: 8 }), ConfigError);
    assert.throws(() => new ArtemisClient(transport, { heartbeatIntervalMs: -1 }), ConfigError);
    assert.throws(() => new ArtemisClient(transport, { commandTimeoutMs: 0 }), ConfigError);
    assert.throws(() => new ArtemisClient(transport, { commandTimeoutMs: 2 ** 31 }), ConfigError);
  });
});
