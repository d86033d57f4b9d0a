import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import sinon from 'sinon';
import { Attempt } from '../../src/engine/attempt';
import { race, RaceError, type RaceConfigInput } from '../../src/engine';
import { unusableTarget } from '../../src/engine/targets';
import { encode, parseDid, type Message } from '../../src/protocol';
import { scriptedPeer, type ScriptedPeer } from '../helpers/udp';

const DID = 'LBCS-000000-CCCJJ';
const did = parseDid(DID);
const base: RaceConfigInput = { did: DID, bindAddress: '127.0.0.1', maxConnectionTimeMs: 5_000 };

/** Records every Attempt.send target; sends only to 127.0.0.0/8 (tests never send elsewhere, whatever the code under test asks). */
function recordSends(): { to: { host: string; port: number; type: string }[] } {
  const record = { to: [] as { host: string; port: number; type: string }[] };
  const send = Attempt.prototype.send;
  sinon.replace(Attempt.prototype, 'send', function (this: Attempt, message, to) {
    record.to.push({ host: to.host, port: to.port, type: message.type });
    if (to.host.startsWith('127.')) send.call(this, message, to);
  });
  return record;
}

describe('engine: P2P and relay client fixes (issue 12) and early punches (issue 17)', function () {
  this.timeout(15_000);
  const peers: ScriptedPeer[] = [];
  const timers: NodeJS.Timeout[] = [];
  afterEach(async () => {
    sinon.restore();
    for (const t of timers.splice(0)) clearTimeout(t);
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });
  const peer = async (onMessage: Parameters<typeof scriptedPeer>[0]): Promise<ScriptedPeer> => {
    const p = await scriptedPeer(onMessage);
    peers.push(p);
    return p;
  };
  /** A camera that answers any PUNCH_PKT with P2P_RDY (it was told about the client already). */
  const answeringCamera = (): Promise<ScriptedPeer> =>
    peer((message, from, self) => message.type === 'PUNCH_PKT' && self.send({ type: 'P2P_RDY', did }, from.port));

  describe('addresses the client advertises', () => {
    it('P2P_REQ carries the address of the interface that routes to the server, not 0.0.0.0 (default bind address)', async () => {
      const requests: Message[] = [];
      const ports: number[] = [];
      const server = await peer((message, from) => {
        if (message.type === 'P2P_REQ') {
          requests.push(message);
          ports.push(from.port);
        }
      });
      await assert.rejects(race({ did: DID, servers: [`127.0.0.1:${server.port}`], modes: ['p2p'], maxConnectionTimeMs: 400 }), RaceError);
      assert.ok(requests.length > 0);
      for (const [i, request] of requests.entries()) {
        assert.ok(request.type === 'P2P_REQ');
        assert.deepEqual(request.address, { host: '127.0.0.1', port: ports[i] });
      }
    });

    it('REPORT_SESSION_READY carries that local address and, as WAN, the public address HELLO_ACK told the client', async () => {
      const camera = await peer((message, from, self) => {
        if (message.type === 'PUNCH_PKT') self.send({ type: 'PUNCH_PKT', did }, from.port);
        if (message.type === 'PUNCH_PKT') self.send({ type: 'P2P_RDY', did }, from.port);
      });
      const publicAddress = { host: '203.0.113.7', port: 40_000 }; // only a payload: never a target
      let reported: (m: Message) => void = () => undefined;
      const report = new Promise<Message>((resolve) => (reported = resolve));
      const server = await peer((message, from, self) => {
        if (message.type === 'HELLO') self.send({ type: 'HELLO_ACK', address: publicAddress }, from.port);
        if (message.type === 'P2P_REQ') {
          self.send({ type: 'P2P_REQ_ACK', result: 0 }, from.port);
          self.send({ type: 'PUNCH_TO', address: { host: '127.0.0.1', port: camera.port } }, from.port);
        }
        if (message.type === 'REPORT_SESSION_READY') reported(message);
      });
      const result = await race({ did: DID, servers: [`127.0.0.1:${server.port}`], modes: ['p2p'], reportSessionReady: true });
      await result.link.close();
      const message = await report;
      assert.ok(message.type === 'REPORT_SESSION_READY');
      assert.deepEqual(message.report.localAddress, { host: '127.0.0.1', port: result.localPort });
      assert.deepEqual(message.report.wanAddress, publicAddress);
      assert.deepEqual(message.report.peerAddress, { host: '127.0.0.1', port: camera.port });
    });
  });

  it('a PUNCH_TO naming 0.0.0.0, port 0, multicast, broadcast or our own socket is ignored and counted, never punched', async () => {
    const sends = recordSends();
    const camera = await answeringCamera();
    const server = await peer((message, from, self) => {
      if (message.type !== 'P2P_REQ') return;
      self.send({ type: 'P2P_REQ_ACK', result: 0 }, from.port);
      for (const address of [
        { host: '0.0.0.0', port: camera.port },
        { host: '127.0.0.1', port: 0 },
        { host: '224.0.0.251', port: 5353 },
        { host: '255.255.255.255', port: camera.port },
        { host: '127.0.0.1', port: from.port }, // the client's own socket
      ]) {
        self.send({ type: 'PUNCH_TO', address }, from.port);
      }
      // The good one last, after the bad ones have surely been handled (same socket, in order).
      self.send({ type: 'PUNCH_TO', address: { host: '127.0.0.1', port: camera.port } }, from.port);
    });
    const result = await race({ ...base, servers: [`127.0.0.1:${server.port}`], modes: ['p2p'] });
    await result.link.close();
    assert.equal(result.remote.port, camera.port);
    const punched = sends.to.filter((s) => s.type === 'PUNCH_PKT');
    assert.ok(punched.length > 0);
    assert.deepEqual(
      punched.filter((s) => s.host !== '127.0.0.1' || s.port !== camera.port),
      [],
      'only the usable target was punched',
    );
    assert.ok(result.racers[0].ignored >= 5, `${result.racers[0].ignored} ignored`);
    assert.equal(unusableTarget({ host: '127.0.0.1', port: camera.port }), undefined);
  });

  it('unusableTarget names why a target cannot be used, and lets loopback and ordinary addresses through', () => {
    const own = { host: '127.0.0.1', port: 40_000 };
    const cases: [{ host: string; port: number }, RegExp | undefined][] = [
      [{ host: '0.0.0.0', port: 32100 }, /this host/],
      [{ host: '0.1.2.3', port: 32100 }, /this host/],
      [{ host: '203.0.113.5', port: 0 }, /port 0/],
      [{ host: '239.255.255.250', port: 1900 }, /multicast/],
      [{ host: '255.255.255.255', port: 32108 }, /broadcast/],
      [{ host: '250.1.1.1', port: 32108 }, /reserved/],
      [{ host: 'camera.local', port: 32108 }, /IPv4/],
      [{ host: '127.0.0.1', port: 40_000 }, /own socket/],
      [{ host: '127.0.0.1', port: 40_001 }, undefined],
      [{ host: '203.0.113.5', port: 40_000 }, undefined],
    ];
    for (const [target, reason] of cases) {
      const why = unusableTarget(target, own);
      if (reason === undefined) assert.equal(why, undefined, `${target.host}:${target.port}`);
      else assert.match(why ?? '', reason, `${target.host}:${target.port}`);
    }
    // A subnet broadcast of one of this host's interfaces (when it has one with a netmask < /32).
    for (const nic of Object.values(networkInterfaces()).flat()) {
      if (!nic || nic.family !== 'IPv4' || nic.netmask === '255.255.255.255') continue;
      const toInt = (a: string): number => a.split('.').reduce((n, p) => (n << 8) + Number(p), 0) >>> 0;
      const b = (toInt(nic.address) | ~toInt(nic.netmask)) >>> 0;
      const host = [b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255].join('.');
      assert.match(unusableTarget({ host, port: 32108 }) ?? '', /broadcast/, host);
    }
  });

  describe('"device not registered / offline" (-1/-2) is asked again within the race deadline', () => {
    it('P2P: a camera that registers after two refusals still connects', async () => {
      const camera = await answeringCamera();
      let refused = 0;
      const server = await peer((message, from, self) => {
        if (message.type !== 'P2P_REQ') return;
        if (refused < 2) {
          refused += 1;
          self.send({ type: 'P2P_REQ_ACK', result: refused === 1 ? -1 : -2 }, from.port);
          return;
        }
        self.send({ type: 'P2P_REQ_ACK', result: 0 }, from.port);
        self.send({ type: 'PUNCH_TO', address: { host: '127.0.0.1', port: camera.port } }, from.port);
      });
      const result = await race({ ...base, servers: [`127.0.0.1:${server.port}`], modes: ['p2p'] });
      await result.link.close();
      assert.equal(refused, 2);
      assert.equal(result.mode, 'p2p');
      assert.equal(result.remote.port, camera.port);
    });

    it('relay: a camera that registers after two RLY_REQ refusals still connects', async () => {
      const world = await relayWorld(peer, { refuseFirst: 2 });
      const result = await race({ ...base, servers: [`127.0.0.1:${world.server.port}`], modes: ['relay'] });
      await result.link.close();
      assert.equal(world.refused(), 2);
      assert.equal(result.mode, 'relay');
      assert.equal(result.remote.port, world.session.port);
    });
  });

  it('relay: one step whose replies are lost is retried on its own; the attempt is not restarted', async () => {
    // The relay ignores the first three RLY_PORT: at the old fixed 500 ms resend that was 1.5 s,
    // the whole attempt, and everything started over on a new socket.
    const world = await relayWorld(peer, { ignorePortRequests: 3 });
    const result = await race({ ...base, servers: [`127.0.0.1:${world.server.port}`], modes: ['relay'], attemptTimeoutMs: 1_500 });
    await result.link.close();
    assert.equal(world.portRequests(), 4);
    assert.equal(result.racers[0].attempts, 1);
  });

  describe('early punches (issue 17)', () => {
    it('the camera’s punch arrives before the PUNCH_TO that names it: connects at once, before the camera’s second punch', async () => {
      let secondPunchSent = false;
      const camera = await answeringCamera();
      const server = await peer((message, from, self) => {
        if (message.type !== 'P2P_REQ') return;
        // Realistic order: the server tells the camera first; its punch reaches the client before
        // the PUNCH_TO does. The camera punches again only after a long interval.
        camera.socket.send(encode({ type: 'PUNCH_PKT', did }), from.port, '127.0.0.1', () => {
          self.send({ type: 'P2P_REQ_ACK', result: 0 }, from.port);
          self.send({ type: 'PUNCH_TO', address: { host: '127.0.0.1', port: camera.port } }, from.port);
        });
        timers.push(
          setTimeout(() => {
            secondPunchSent = true;
            camera.send({ type: 'PUNCH_PKT', did }, from.port);
          }, 1_000),
        );
      });
      const result = await race({ ...base, servers: [`127.0.0.1:${server.port}`], modes: ['p2p'], serverRetryMs: 5_000 });
      await result.link.close();
      assert.equal(result.remote.port, camera.port);
      assert.equal(secondPunchSent, false, 'connected only after the camera’s second punch');
    });

    it('an early P2P_RDY is kept too: a camera that sent PUNCH_PKT and P2P_RDY before being named, then nothing, connects', async () => {
      const camera = await peer(() => undefined); // silent after its first two datagrams
      let told = false;
      const server = await peer((message, from, self) => {
        if (message.type !== 'P2P_REQ') return;
        if (told) {
          self.send({ type: 'P2P_REQ_ACK', result: 0 }, from.port);
          self.send({ type: 'PUNCH_TO', address: { host: '127.0.0.1', port: camera.port } }, from.port);
          return;
        }
        told = true; // the camera's PUNCH_PKT and P2P_RDY are sent once, before the first PUNCH_TO
        camera.send({ type: 'PUNCH_PKT', did }, from.port);
        camera.socket.send(encode({ type: 'P2P_RDY', did }), from.port, '127.0.0.1', () => {
          self.send({ type: 'P2P_REQ_ACK', result: 0 }, from.port);
          self.send({ type: 'PUNCH_TO', address: { host: '127.0.0.1', port: camera.port } }, from.port);
        });
      });
      const result = await race({ ...base, servers: [`127.0.0.1:${server.port}`], modes: ['p2p'], maxConnectionTimeMs: 1_000 });
      await result.link.close();
      assert.equal(result.remote.port, camera.port);
    });

    it('a stranger with the right DID that punches first and is never named never wins', async () => {
      const target = await peer(() => undefined); // the camera PUNCH_TO names: silent
      const stranger = await peer(() => undefined);
      const server = await peer((message, from, self) => {
        if (message.type !== 'P2P_REQ') return;
        stranger.send({ type: 'PUNCH_PKT', did }, from.port);
        stranger.socket.send(encode({ type: 'P2P_RDY', did }), from.port, '127.0.0.1', () => {
          self.send({ type: 'P2P_REQ_ACK', result: 0 }, from.port);
          self.send({ type: 'PUNCH_TO', address: { host: '127.0.0.1', port: target.port } }, from.port);
          stranger.send({ type: 'PUNCH_PKT', did }, from.port); // and keeps punching after it
          stranger.send({ type: 'P2P_RDY', did }, from.port);
        });
      });
      await assert.rejects(race({ ...base, servers: [`127.0.0.1:${server.port}`], modes: ['p2p'], maxConnectionTimeMs: 700 }), (err: unknown) => {
        assert.ok(err instanceof RaceError);
        assert.equal(err.racers[0].state, 'failed');
        assert.match(err.racers[0].error ?? '', /timeout/);
        assert.ok(err.racers[0].ignored > 0, 'the stranger’s packets were counted');
        return true;
      });
    });
  });
});

/** A scripted rendezvous server, relay and relay session port; the camera is "in" once the server accepted an RLY_REQ. */
async function relayWorld(
  peer: (onMessage: Parameters<typeof scriptedPeer>[0]) => Promise<ScriptedPeer>,
  options: { refuseFirst?: number; ignorePortRequests?: number },
): Promise<{ server: ScriptedPeer; session: ScriptedPeer; refused(): number; portRequests(): number }> {
  const mark = 0x5151_a0a0;
  let refused = 0;
  let accepted = false;
  let portRequests = 0;
  const session = await peer((message, from, self) => {
    if (message.type === 'RLY_PKT' && message.mark === mark && accepted) self.send({ type: 'RLY_RDY', did }, from.port);
  });
  const relay = await peer((message, from, self) => {
    if (message.type === 'RLY_HELLO') self.send({ type: 'RLY_HELLO_ACK' }, from.port);
    if (message.type === 'RLY_PORT') {
      portRequests += 1;
      if (portRequests > (options.ignorePortRequests ?? 0)) self.send({ type: 'RLY_PORT_ACK', mark, port: session.port }, from.port);
    }
  });
  const server = await peer((message, from, self) => {
    if (message.type === 'LIST_REQ1') self.send({ type: 'LIST_REQ_ACK', relays: [{ host: '127.0.0.1', port: relay.port }] }, from.port);
    if (message.type === 'RLY_REQ') {
      if (refused < (options.refuseFirst ?? 0)) {
        refused += 1;
        self.send({ type: 'RLY_REQ_ACK', result: -2 }, from.port);
        return;
      }
      accepted = true;
      self.send({ type: 'RLY_REQ_ACK', result: 0 }, from.port);
    }
  });
  return { server, session, refused: () => refused, portRequests: () => portRequests };
}
