import assert from 'node:assert/strict';
import sinon from 'sinon';
import { AbortError } from '../../src/errors';
import { Attempt } from '../../src/engine/attempt';
import { race, validateRaceConfig, type RacerInfo } from '../../src/engine';
import type { RacerContext } from '../../src/engine/racers/racer';
import { echoPunchUntilReady, retryAttempts } from '../../src/engine/racers/handshake';
import { parseDid, type Message } from '../../src/protocol';
import { scriptedPeer, settledHandles, type ScriptedPeer } from '../helpers/udp';

const DID = 'LBCS-000000-CCCJJ';
const did = parseDid(DID);

/** Resolves with the first datagram of `type` the peer gets (the test's mocha timeout bounds the wait). */
function waitFor(events: { on(fn: (m: Message, port: number) => void): void }, type: Message['type']): Promise<number> {
  return new Promise((resolve) => events.on((m, port) => m.type === type && resolve(port)));
}

/** A camera played by the test that answers a PUNCH_PKT with P2P_RDY and records what it gets. */
async function readyCamera(): Promise<{ peer: ScriptedPeer; got: Message['type'][]; on(fn: (m: Message, port: number) => void): void }> {
  const listeners: ((m: Message, port: number) => void)[] = [];
  const got: Message['type'][] = [];
  const peer = await scriptedPeer((message, from, self) => {
    got.push(message.type);
    if (message.type === 'PUNCH_PKT') self.send({ type: 'P2P_RDY', did }, from.port);
    for (const fn of listeners) fn(message, from.port);
  });
  return { peer, got, on: (fn) => listeners.push(fn) };
}

function contextFor(signal: AbortSignal): RacerContext {
  const config = validateRaceConfig({ host: '127.0.0.1', did: DID, modes: ['lan'], bindAddress: '127.0.0.1' });
  const info: RacerInfo = {
    name: 'lanConnectThread',
    mode: 'lan',
    state: 'running',
    attempts: 0,
    localPort: null,
    destinationPort: null,
    elapsedMs: null,
    error: null,
    ignored: 0,
    sent: 0,
  };
  return {
    config,
    signal,
    info,
    openAttempt: async (destinationPort, attemptSignal) => {
      info.attempts += 1;
      info.destinationPort = destinationPort;
      return Attempt.open('127.0.0.1', attemptSignal);
    },
  };
}

describe('engine: a contender that reached ready but lost sends CLOSE to its peer', function () {
  this.timeout(10_000);
  const peers: ScriptedPeer[] = [];
  afterEach(async () => {
    sinon.restore();
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  it('an attempt closed after P2P_RDY (handshake done, not handed over) sends CLOSE before its socket closes', async () => {
    const camera = await readyCamera();
    peers.push(camera.peer);
    const controller = new AbortController();
    const attempt = await Attempt.open('127.0.0.1', controller.signal);
    const closeArrived = waitFor(camera, 'CLOSE');
    const peer = await echoPunchUntilReady(attempt, contextFor(controller.signal), { host: '127.0.0.1', port: camera.peer.port });
    assert.deepEqual(attempt.readyPeers, [peer]);
    await attempt.close(); // lost: closed instead of handed over
    assert.equal(await closeArrived, attempt.localPort, 'CLOSE came from the attempt’s own socket');
    assert.equal(camera.got.filter((t) => t === 'CLOSE').length, 1);
  });

  it('retryAttempts: a handshake that completes at the moment another contender wins sends CLOSE, and rejects with the abort', async () => {
    const before = await settledHandles();
    const camera = await readyCamera();
    peers.push(camera.peer);
    const controller = new AbortController();
    const context = contextFor(controller.signal);
    const closeArrived = waitFor(camera, 'CLOSE');
    await assert.rejects(
      retryAttempts(context, controller.signal, camera.peer.port, 5_000, async (attempt) => {
        const peer = await echoPunchUntilReady(attempt, context, { host: '127.0.0.1', port: camera.peer.port });
        controller.abort(new Error('another contender won')); // during the handover
        return peer;
      }),
      AbortError,
    );
    await closeArrived;
    assert.equal(camera.got.filter((t) => t === 'CLOSE').length, 1);
    assert.ok(context.info.sent >= 2, 'the PUNCH_PKT echo and the CLOSE were counted');
    await camera.peer.close();
    peers.splice(0);
    assert.deepEqual(await settledHandles(), before, 'every socket and timer released');
  });

  it('an attempt that never heard P2P_RDY closes without CLOSE (nothing to end on the peer)', async () => {
    const silent: Message['type'][] = [];
    const peer = await scriptedPeer((message) => silent.push(message.type));
    peers.push(peer);
    const controller = new AbortController();
    const attempt = await Attempt.open('127.0.0.1', controller.signal);
    const context = contextFor(controller.signal);
    const pending = echoPunchUntilReady(attempt, context, { host: '127.0.0.1', port: peer.port });
    // The echo reached the peer, so a CLOSE sent now would too: send one more datagram after it to know.
    await new Promise<void>((resolve) => {
      const check = (): void => (silent.includes('PUNCH_PKT') ? resolve() : void setImmediate(check));
      check();
    });
    controller.abort(new Error('lost'));
    await assert.rejects(pending, AbortError);
    await attempt.close();
    const marker = await scriptedPeer();
    peers.push(marker);
    marker.send({ type: 'ALIVE' }, peer.port);
    await new Promise<void>((resolve) => {
      const check = (): void => (silent.includes('ALIVE') ? resolve() : void setImmediate(check));
      check();
    });
    assert.deepEqual(
      silent.filter((t) => t === 'CLOSE'),
      [],
    );
    assert.deepEqual(attempt.readyPeers, []);
  });

  it('relay: RLY_RDY received at the moment the race is aborted sends CLOSE to the relay session port', async () => {
    const mark = 0x0bad_cafe;
    const sessionGot: Message['type'][] = [];
    let closeSeen: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (closeSeen = resolve));
    const session = await scriptedPeer((message, from, self) => {
      sessionGot.push(message.type);
      if (message.type === 'RLY_PKT' && message.mark === mark) self.send({ type: 'RLY_RDY', did }, from.port);
      if (message.type === 'CLOSE') closeSeen();
    });
    const relay = await scriptedPeer((message, from, self) => {
      if (message.type === 'RLY_HELLO') self.send({ type: 'RLY_HELLO_ACK' }, from.port);
      if (message.type === 'RLY_PORT') self.send({ type: 'RLY_PORT_ACK', mark, port: session.port }, from.port);
    });
    const server = await scriptedPeer((message, from, self) => {
      if (message.type === 'LIST_REQ1') self.send({ type: 'LIST_REQ_ACK', relays: [{ host: '127.0.0.1', port: relay.port }] }, from.port);
      if (message.type === 'RLY_REQ') self.send({ type: 'RLY_REQ_ACK', result: 0 }, from.port);
    });
    peers.push(session, relay, server);
    const controller = new AbortController();
    const markReady = Attempt.prototype.markReady;
    sinon.replace(Attempt.prototype, 'markReady', function (this: Attempt, peer) {
      markReady.call(this, peer);
      controller.abort(new Error('user pressed stop')); // at the very moment the handshake completes
    });
    await assert.rejects(
      race(
        { did: DID, servers: [`127.0.0.1:${server.port}`], modes: ['relay'], bindAddress: '127.0.0.1', maxConnectionTimeMs: 5_000 },
        { signal: controller.signal },
      ),
      AbortError,
    );
    await closed;
    assert.equal(sessionGot.filter((t) => t === 'CLOSE').length, 1);
  });
});
