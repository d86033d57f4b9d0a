import assert from 'node:assert/strict';
import { parseDid } from '../../src/protocol';
import { race, RaceError } from '../../src/engine';
import { scriptedPeer, type ScriptedPeer } from '../helpers/udp';

const did = parseDid('LBCS-000000-CCCJJ');
const otherDid = parseDid('LBCS-000001-ABCDE');

describe('engine: packets that must never win', () => {
  const peers: ScriptedPeer[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  it('a spoofed PUNCH_PKT / P2P_RDY with the wrong DID is ignored and counted', async () => {
    const impostor = await scriptedPeer((message, from, self) => {
      if (message.type === 'LAN_SEARCH' || message.type === 'PUNCH_PKT') {
        self.send({ type: 'PUNCH_PKT', did: otherDid }, from.port);
        self.send({ type: 'P2P_RDY', did: otherDid }, from.port);
      }
    });
    peers.push(impostor);
    await assert.rejects(
      race({ host: '127.0.0.1', did: 'LBCS-000000-CCCJJ', ports: [impostor.port], modes: ['lan'], maxConnectionTimeMs: 600, bindAddress: '127.0.0.1' }),
      (err: unknown) => {
        assert.ok(err instanceof RaceError);
        assert.equal(err.racers[0].state, 'failed');
        assert.match(err.racers[0].error ?? '', /timeout/);
        assert.ok(err.racers[0].ignored > 0, 'wrong-DID packets counted');
        return true;
      },
    );
  });

  it('a P2P_RDY from a port other than the locked peer never wins', async () => {
    const bystander = await scriptedPeer();
    peers.push(bystander);
    const camera = await scriptedPeer((message, from, self) => {
      if (message.type === 'LAN_SEARCH') self.send({ type: 'PUNCH_PKT', did }, from.port);
      if (message.type === 'PUNCH_PKT') bystander.send({ type: 'P2P_RDY', did }, from.port); // right DID, wrong source port
    });
    peers.push(camera);
    await assert.rejects(
      race({ host: '127.0.0.1', did: 'LBCS-000000-CCCJJ', ports: [camera.port], modes: ['lan'], maxConnectionTimeMs: 600, bindAddress: '127.0.0.1' }),
      (err: unknown) => err instanceof RaceError && err.racers[0].ignored > 0,
    );
  });
  it('P2P: a PUNCH_PKT / P2P_RDY with the right DID from an address no PUNCH_TO named never wins', async () => {
    const target = await scriptedPeer(); // where PUNCH_TO points: silent
    const impostor = await scriptedPeer();
    const server = await scriptedPeer((message, from, self) => {
      if (message.type !== 'P2P_REQ') return;
      self.send({ type: 'P2P_REQ_ACK', result: 0 }, from.port);
      self.send({ type: 'PUNCH_TO', address: { host: '127.0.0.1', port: target.port } }, from.port);
      impostor.send({ type: 'PUNCH_PKT', did }, from.port);
      impostor.send({ type: 'P2P_RDY', did }, from.port);
    });
    peers.push(target, impostor, server);
    await assert.rejects(
      race({ did: 'LBCS-000000-CCCJJ', servers: [`127.0.0.1:${server.port}`], modes: ['p2p'], maxConnectionTimeMs: 700, bindAddress: '127.0.0.1' }),
      (err: unknown) => {
        assert.ok(err instanceof RaceError);
        assert.equal(err.racers[0].state, 'failed');
        assert.match(err.racers[0].error ?? '', /timeout/);
        assert.ok(err.racers[0].ignored > 0, 'the impostor’s packets were counted');
        return true;
      },
    );
  });

  it('relay: RLY_RDY from the relay’s main port, or with another DID from the session port, never wins', async () => {
    const mark = 0x1234_5678;
    let relayMain: ScriptedPeer | undefined;
    const session = await scriptedPeer((message, from, self) => {
      if (message.type !== 'RLY_PKT') return;
      self.send({ type: 'RLY_RDY', did: otherDid }, from.port); // right port, wrong DID
      relayMain?.send({ type: 'RLY_RDY', did }, from.port); // right DID, wrong port
    });
    relayMain = await scriptedPeer((message, from, self) => {
      if (message.type === 'RLY_HELLO') self.send({ type: 'RLY_HELLO_ACK' }, from.port);
      if (message.type === 'RLY_PORT') self.send({ type: 'RLY_PORT_ACK', mark, port: session.port }, from.port);
    });
    const relay = relayMain;
    const server = await scriptedPeer((message, from, self) => {
      if (message.type === 'LIST_REQ1') self.send({ type: 'LIST_REQ_ACK', relays: [{ host: '127.0.0.1', port: relay.port }] }, from.port);
      if (message.type === 'RLY_REQ') self.send({ type: 'RLY_REQ_ACK', result: 0 }, from.port);
    });
    peers.push(session, relay, server);
    await assert.rejects(
      race({ did: 'LBCS-000000-CCCJJ', servers: [`127.0.0.1:${server.port}`], modes: ['relay'], maxConnectionTimeMs: 800, bindAddress: '127.0.0.1' }),
      (err: unknown) => {
        assert.ok(err instanceof RaceError);
        assert.match(err.racers[0].error ?? '', /timeout/);
        assert.ok(err.racers[0].ignored >= 2, `${err.racers[0].ignored} ignored`);
        return true;
      },
    );
  });
  it('server answers naming port 0 (PUNCH_TO, relay list, RLY_PORT_ACK) are survived, not thrown', async () => {
    const relay = await scriptedPeer((message, from, self) => {
      if (message.type === 'RLY_HELLO') self.send({ type: 'RLY_HELLO_ACK' }, from.port);
      if (message.type === 'RLY_PORT') self.send({ type: 'RLY_PORT_ACK', mark: 1, port: 0 }, from.port);
    });
    const server = await scriptedPeer((message, from, self) => {
      if (message.type === 'P2P_REQ') {
        self.send({ type: 'P2P_REQ_ACK', result: 0 }, from.port);
        self.send({ type: 'PUNCH_TO', address: { host: '127.0.0.1', port: 0 } }, from.port);
      }
      if (message.type === 'LIST_REQ1') {
        self.send(
          {
            type: 'LIST_REQ_ACK',
            relays: [
              { host: '127.0.0.1', port: 0 },
              { host: '127.0.0.1', port: relay.port },
            ],
          },
          from.port,
        );
      }
    });
    peers.push(relay, server);
    await assert.rejects(
      race({ did: 'LBCS-000000-CCCJJ', servers: [`127.0.0.1:${server.port}`], modes: ['p2p', 'relay'], maxConnectionTimeMs: 700, bindAddress: '127.0.0.1' }),
      (err: unknown) => err instanceof RaceError && err.racers.every((r) => r.state === 'failed' && /timeout/.test(r.error ?? '')),
    );
  });
});
