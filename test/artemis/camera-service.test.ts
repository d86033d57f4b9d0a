import assert from 'node:assert/strict';
import * as sinon from 'sinon';
import {
  ArtemisCameraService,
  ArtemisClient,
  ArtemisCommandError,
  ArtemisLoginError,
  decodeFrame,
  DEFAULT_CAMERA_DEVICE_STATE,
  encodeRequest,
  encodeResponse,
  SIMULATED_ERRORS,
  type ArtemisMessage,
  type JsonObject,
} from '../../src/artemis';
import { completeFrames, rebuildWireFrame } from './captured-frames';
import { FAKED, FakeTransport, flush, loadRealResponse } from './fake-transport';

const NOW = 1766533338_000;

/** A client wired to `camera` through a fresh fake transport (channel 0 only). */
function connect(camera: ArtemisCameraService): { client: ArtemisClient; transport: FakeTransport; answers: Buffer[] } {
  const answers: Buffer[] = [];
  const transport = new FakeTransport((channel, data) => {
    if (channel !== 0) return [];
    const out = camera.handle(data);
    answers.push(...out);
    return out;
  });
  return { client: new ArtemisClient(transport), transport, answers };
}

/** Drives the camera directly with request frames and decodes its answers. */
function ask(camera: ArtemisCameraService, seq: number, body: JsonObject): ArtemisMessage[] {
  return camera.handle(encodeRequest(seq, body)).map(decodeFrame);
}

describe('artemis: ArtemisCameraService (simulated camera) with ArtemisClient', () => {
  let clock: sinon.SinonFakeTimers;
  const clients: ArtemisClient[] = [];

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: NOW, toFake: FAKED });
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    assert.equal(clock.countTimers(), 0);
    clock.restore();
  });

  function session(camera: ArtemisCameraService): ReturnType<typeof connect> {
    const wired = connect(camera);
    clients.push(wired.client);
    return wired;
  }

  it('accepts the default login and issues the token the client then uses', async () => {
    const camera = new ArtemisCameraService({ seed: 3, now: () => clock.now });
    const { client, transport, answers } = session(camera);
    const login = await client.login();
    assert.deepEqual(login, { batteryPercent: DEFAULT_CAMERA_DEVICE_STATE.batteryPercent, errorMsg: 'Success' });
    const token = camera.token;
    assert.ok(token !== undefined && token >= 10_000_000 && token < 150_000_000);
    // The answer is shaped like the real login response, key order included.
    assert.deepEqual(Object.keys(decodeFrame(answers[0]).body), ['cmdId', 'result', 'token', 'bat_percent', 'errorMsg']);
    await client.command(258);
    assert.equal(transport.requests()[1].body.token, token);
    assert.equal(camera.stats.logins, 1);
  });

  it('refuses a wrong password with result -1 "Invalid password" (our guess of the real answer)', async () => {
    const camera = new ArtemisCameraService({ password: 'letmein' });
    const { client } = session(camera);
    await assert.rejects(client.login(), (e: unknown) => {
      assert.ok(e instanceof ArtemisLoginError);
      assert.equal(e.result, SIMULATED_ERRORS.invalidPassword.result);
      assert.equal(e.errorMsg, 'Invalid password');
      return true;
    });
    assert.equal(camera.token, undefined);
    assert.equal(camera.stats.failedLogins, 1);
    await client.login({ password: 'letmein' });
    assert.ok(client.loggedIn);
  });

  it('refuses a wrong user name the same way', async () => {
    const camera = new ArtemisCameraService();
    const { client } = session(camera);
    await assert.rejects(client.login({ user: 'root' }), ArtemisLoginError);
  });

  it('a stale token (another login happened since) gets result -2 "Invalid token"', async () => {
    const camera = new ArtemisCameraService({ seed: 11 });
    const first = session(camera).client;
    await first.login();
    const firstToken = camera.token;
    await first.command(259);
    const second = session(camera).client;
    await second.login();
    assert.notEqual(camera.token, firstToken);
    await assert.rejects(first.command(259), (e: unknown) => {
      assert.ok(e instanceof ArtemisCommandError);
      assert.equal(e.result, SIMULATED_ERRORS.invalidToken.result);
      assert.equal(e.errorMsg, 'Invalid token');
      assert.ok(!e.message.includes(String(firstToken)));
      return true;
    });
    assert.equal((await second.command(259)).result, 0);
    assert.equal(camera.stats.rejectedTokens, 1);
  });

  it('a command without a token, or before any login, is refused', () => {
    const camera = new ArtemisCameraService();
    assert.deepEqual(ask(camera, 1, { cmdId: 512 })[0].body, { errorMsg: 'Invalid token', result: -2, cmdId: 512 });
    const token = ask(camera, 2, { cmdId: 0, usrName: 'admin', password: 'admin' })[0].body.token;
    assert.equal(typeof token, 'number');
    assert.equal(ask(camera, 3, { cmdId: 512 })[0].body.result, -2);
    assert.equal(ask(camera, 4, { cmdId: 512, token: String(token) })[0].body.result, -2, 'the token is a number');
    assert.equal(ask(camera, 5, { cmdId: 512, token })[0].body.result, 0);
  });

  it('answers 50 deviceInfo calls in a row, with seqs 2…51 and the current simulated values', async () => {
    const camera = new ArtemisCameraService({ device: { batteryPercent: 100, temperature: -5 }, now: () => clock.now });
    const { client, transport } = session(camera);
    await client.login();
    for (let i = 0; i < 50; i += 1) {
      camera.setDevice({ batteryPercent: 100 - i, charging: i % 2 === 1 });
      const info = await client.deviceInfo();
      assert.equal(info.batteryPercent, 100 - i);
      assert.equal(info.charging, i % 2 === 1);
      assert.equal(info.temperature, -5);
      assert.equal(info.sdTotalMB, 30196);
      assert.equal(info.firmware, '2.3.0.4');
      assert.equal(info.model, 'KJK230');
      assert.equal(info.cameraTime, Math.floor(clock.now / 1000));
    }
    assert.deepEqual(
      transport.requests().map((r) => r.seq),
      Array.from({ length: 51 }, (_, i) => i + 1),
    );
    assert.equal(camera.stats.requests, 51);
    assert.equal(client.pendingCommands, 0);
  });

  it('the 512 answer has the real document shape: same keys in the same order, same nested capability', () => {
    const camera = new ArtemisCameraService();
    const token = ask(camera, 1, { cmdId: 0, usrName: 'admin', password: 'admin' })[0].body.token;
    const answer = ask(camera, 2, { cmdId: 512, token })[0].body;
    const real = loadRealResponse('device-info-512');
    assert.deepEqual(Object.keys(answer), Object.keys(real));
    assert.deepEqual(answer.capability, real.capability);
    assert.equal(answer.result, 0);
    assert.equal(answer.cmdId, 512);
  });

  it('serves the media list in pages, newest first, shaped like the real one', async () => {
    const camera = new ArtemisCameraService({ seed: 5, mediaCount: 100, now: () => clock.now });
    const { client } = session(camera);
    await client.login();
    const first = await client.mediaList();
    assert.equal(first.items.length, 45);
    assert.equal(first.count, 45);
    assert.equal(first.listResult, 0);
    assert.deepEqual(first.items, camera.media.slice(0, 45));
    const real = loadRealResponse('media-list-768');
    assert.deepEqual(Object.keys(first.raw), Object.keys(real));
    assert.deepEqual(Object.keys(first.items[0]), Object.keys((real.mediaFiles as JsonObject[])[0]));
    for (let i = 1; i < first.items.length; i += 1) {
      assert.ok(first.items[i].mediaTime <= first.items[i - 1].mediaTime, 'newest first');
      assert.equal(first.items[i].mediaNum, first.items[i - 1].mediaNum - 1);
    }
    const third = await client.mediaList({ page: 2 });
    assert.equal(third.items.length, 10);
    assert.equal(third.page, 2);
    assert.deepEqual(third.items, camera.media.slice(90, 100));
    const beyond = await client.mediaList({ page: 3 });
    assert.deepEqual(beyond.items, []);
    assert.equal(beyond.count, 0);
    const small = await client.mediaList({ page: 4, perPage: 7 });
    assert.deepEqual(small.items, camera.media.slice(28, 35));
  });

  it('serves an explicit media list, and refuses bad paging with result -3', () => {
    const media = [{ fileType: 1, mediaDirNum: 101, mediaNum: 9, durationMs: 10_000, mediaId: 42, mediaTime: 1766000000 }];
    const camera = new ArtemisCameraService({ media });
    const token = ask(camera, 1, { cmdId: 0, usrName: 'admin', password: 'admin' })[0].body.token;
    assert.deepEqual(ask(camera, 2, { cmdId: 768, itemCntPerPage: 45, pageNo: 0, token })[0].body.mediaFiles, media);
    const bad: JsonObject[] = [{}, { itemCntPerPage: 0, pageNo: 0 }, { itemCntPerPage: 45, pageNo: -1 }, { itemCntPerPage: 'x', pageNo: 0 }];
    for (const fields of bad) {
      assert.deepEqual(ask(camera, 3, { cmdId: 768, ...fields, token })[0].body, { errorMsg: 'Invalid parameter', result: -3, cmdId: 768 });
    }
  });

  it('acks 258, 259 and 772 like the real camera and refuses unknown commands with -4', () => {
    const camera = new ArtemisCameraService();
    const token = ask(camera, 1, { cmdId: 0, usrName: 'admin', password: 'admin' })[0].body.token;
    assert.deepEqual(ask(camera, 2, { cmdId: 258, token })[0].body, { errorMsg: 'Success', result: 0, cmdId: 258 });
    assert.deepEqual(ask(camera, 3, { cmdId: 259, token })[0].body, { errorMsg: 'Success', result: 0, cmdId: 259 });
    assert.deepEqual(ask(camera, 4, { cmdId: 772, thumbnailReqs: [], token })[0].body, { cmdRet: 0, result: 0, cmdId: 772 });
    assert.deepEqual(ask(camera, 5, { cmdId: 4242, token })[0].body, { errorMsg: 'Unsupported command', result: -4, cmdId: 4242 });
  });

  it('its short acks are byte for byte the captured camera frames', () => {
    const acks = completeFrames.filter((f) => f.msgType === 3 && /"cmdId":(258|259)}$/.test(f.plaintext));
    assert.ok(acks.length >= 8);
    const camera = new ArtemisCameraService();
    const token = ask(camera, 1, { cmdId: 0, usrName: 'admin', password: 'admin' })[0].body.token;
    for (const captured of acks) {
      const cmdId = (JSON.parse(captured.plaintext) as { cmdId: number }).cmdId;
      assert.deepEqual(camera.handle(encodeRequest(captured.seq as number, { cmdId, token })), [rebuildWireFrame(captured)]);
    }
  });

  it('stays silent on heartbeats while the client idles (fake time), and still answers afterwards', async () => {
    const camera = new ArtemisCameraService();
    const { client, answers } = session(camera);
    await client.login();
    assert.equal(answers.length, 1);
    await clock.tickAsync(30_000);
    await flush();
    assert.equal(camera.stats.heartbeats, 10);
    assert.equal(client.heartbeatsSent, 10);
    assert.equal(answers.length, 1, 'no answer to 525');
    assert.equal((await client.command(258)).result, 0);
    assert.equal(answers.length, 2);
  });

  it('tolerates garbage, cut frames and frames in pieces on its channel', () => {
    const camera = new ArtemisCameraService();
    assert.deepEqual(camera.handle(Buffer.from('hello camera')), []);
    const login = encodeRequest(1, { cmdId: 0, usrName: 'admin', password: 'admin' });
    assert.deepEqual(camera.handle(login.subarray(0, 50)), []);
    assert.equal(camera.handle(login.subarray(50)).length, 1);
    assert.deepEqual(camera.handle(encodeResponse(2, { cmdId: 512 })), [], 'a response frame is not a request');
    const broken = Buffer.from(encodeRequest(3, { cmdId: 512 }));
    broken[30] = 0x21; // '!' inside the base64
    assert.deepEqual(camera.handle(broken), []);
    assert.deepEqual(ask(camera, 4, { noCmdId: true }), []);
    assert.equal(camera.stats.badFrames, 3);
  });

  it('onData(data, reply) fits the simulator ChannelService shape', () => {
    const camera = new ArtemisCameraService();
    const replies: Buffer[] = [];
    camera.onData(encodeRequest(1, { cmdId: 0, usrName: 'admin', password: 'admin' }), (data) => replies.push(data));
    assert.equal(replies.length, 1);
    assert.equal(decodeFrame(replies[0]).body.result, 0);
    camera.close();
    assert.equal(camera.token, undefined);
  });

  it('tokens are reproducible for a seed, differ between seeds and change at every login', () => {
    const tokens = (seed: number): number[] => {
      const camera = new ArtemisCameraService({ seed, mediaCount: 0 });
      return [1, 2, 3].map((seq) => ask(camera, seq, { cmdId: 0, usrName: 'admin', password: 'admin' })[0].body.token as number);
    };
    assert.deepEqual(tokens(1), tokens(1));
    assert.notDeepEqual(tokens(1), tokens(2));
    assert.equal(new Set(tokens(7)).size, 3);
  });
});
