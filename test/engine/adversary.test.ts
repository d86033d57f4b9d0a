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
});
