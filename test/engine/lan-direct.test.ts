import assert from 'node:assert/strict';
import { race, RaceError, type RaceConfigInput } from '../../src/engine';
import { resultJson } from '../../src/cli/race';
import { parseDid } from '../../src/protocol';
import { scriptedPeer, settledHandles, type ScriptedPeer } from '../helpers/udp';
import { CAMERA_DID, cameraDid, loopbackPeer, ScriptedKjk, type CameraBehaviour } from './lan-cameras';

/** The real KJK230 as far as it is known (pppp.md §6.1b): a direct punch is answered at once. */
const REAL: Omit<CameraBehaviour, 'searchOnSessionPort'> = { answersDirectPunch: true, slowPathCompletes: false };

const lanOnly = (ports: number[], patch: RaceConfigInput = {}): RaceConfigInput => ({
  host: '127.0.0.1',
  did: CAMERA_DID,
  ports,
  modes: ['lan'],
  bindAddress: '127.0.0.1',
  maxConnectionTimeMs: 5_000,
  ...patch,
});

describe('engine: LAN racer, direct punch fast path (issue 13)', function () {
  this.timeout(20_000);
  const cameras: ScriptedKjk[] = [];
  const peers: ScriptedPeer[] = [];
  const open = async (behaviour: CameraBehaviour): Promise<ScriptedKjk> => {
    const camera = await ScriptedKjk.open(behaviour);
    cameras.push(camera);
    return camera;
  };
  afterEach(async () => {
    await Promise.all([...cameras.splice(0), ...peers.splice(0)].map((c) => c.close()));
  });

  for (const searchOnSessionPort of [true, false]) {
    const label = searchOnSessionPort ? 'answers LAN_SEARCH on its session port' : 'ignores LAN_SEARCH on its session port';
    it(`a camera that ${label}: the direct punch wins (P2P_RDY from exactly host:port), the camera never takes a punch for an echo`, async () => {
      // The slow path never completes here: only the direct punch can win the race.
      const camera = await open({ ...REAL, searchOnSessionPort });
      const result = await race(lanOnly([camera.sessionPort, camera.searchPort]));
      try {
        const lan = result.racers[0];
        assert.equal(result.mode, 'lan');
        assert.equal(lan.lanPath, 'direct');
        assert.deepEqual(result.remote, { host: '127.0.0.1', port: camera.sessionPort });
        assert.equal(result.destinationPort, camera.sessionPort);
        assert.deepEqual(camera.portsThatSearchedAndPunched(), [], 'no socket sent both LAN_SEARCH and PUNCH_PKT to the session port');
        assert.equal(lan.sources, 1);
      } finally {
        await result.link.close();
      }
    });
  }

  it('both probes at once (the camera answers the punch only after it answered a search): the direct punch still wins, on its own socket', async () => {
    const camera = await open({ ...REAL, searchOnSessionPort: true, directAnswerAfterSearch: true });
    const result = await race(lanOnly([camera.sessionPort], { probeIntervalMs: 5 }));
    try {
      assert.equal(result.racers[0].lanPath, 'direct');
      const searched = camera.heard.filter((h) => h.type === 'LAN_SEARCH').map((h) => h.fromPort);
      assert.ok(searched.length > 0, 'the search ran');
      assert.ok(!searched.includes(result.localPort), 'the winning socket never sent LAN_SEARCH');
      assert.deepEqual(camera.portsThatSearchedAndPunched(), []);
    } finally {
      await result.link.close();
    }
  });

  it('a camera that only does the vendor app’s sequence (ignores a direct punch): the search wins, locked onto the session port that answered', async () => {
    const camera = await open({ searchOnSessionPort: false, answersDirectPunch: false, slowPathCompletes: true });
    const result = await race(lanOnly([camera.sessionPort, camera.searchPort]));
    try {
      assert.equal(result.racers[0].lanPath, 'search');
      assert.deepEqual(result.remote, { host: '127.0.0.1', port: camera.sessionPort }, 'the answer to the search came from the session socket');
      assert.equal(result.destinationPort, camera.searchPort);
      assert.deepEqual(camera.echoes, [result.localPort], 'the winning socket echoed the camera’s PUNCH_PKT');
    } finally {
      await result.link.close();
    }
  });

  it('the race releases every socket of both probes (win, and a race that fails)', async () => {
    const before = await settledHandles();
    const camera = await open({ ...REAL, searchOnSessionPort: true });
    const result = await race(lanOnly([camera.sessionPort, camera.searchPort]));
    await result.link.close();
    const silent = await scriptedPeer();
    peers.push(silent);
    await assert.rejects(race(lanOnly([silent.port], { maxConnectionTimeMs: 300 })), RaceError);
    assert.equal((await settledHandles()).udp, before.udp + 3, 'only the camera’s two sockets and the silent peer remain');
  });
});

describe('engine: LAN racer, several sources on the camera’s address (issue 11)', function () {
  this.timeout(20_000);
  const cameras: ScriptedKjk[] = [];
  const peers: ScriptedPeer[] = [];
  const others: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all([...cameras.splice(0), ...peers.splice(0), ...others.splice(0)].map((c) => c.close()));
  });

  it('counts every source on the camera’s address that answered with the DID, and reports it (racer info and trailcam race --json)', async () => {
    const impostor = await scriptedPeer();
    peers.push(impostor);
    // The camera: before it answers a direct punch, a second process on its address sends PUNCH_PKT(DID) to the same client socket.
    const camera = await ScriptedKjk.open({ searchOnSessionPort: false, answersDirectPunch: false, slowPathCompletes: false });
    cameras.push(camera);
    const answered = new Set<number>();
    camera.session.on('message', (_data, rinfo) => {
      if (answered.has(rinfo.port)) return;
      answered.add(rinfo.port);
      impostor.socket.send(Buffer.from('f14100144c42435300000000000000004343434a4a000000', 'hex'), rinfo.port, '127.0.0.1', () => {
        void camera.send({ type: 'P2P_RDY', did: cameraDid }, rinfo.port);
      });
    });
    const result = await race(lanOnly([camera.sessionPort]));
    try {
      const lan = result.racers[0];
      assert.equal(lan.lanPath, 'direct');
      assert.equal(result.remote.port, camera.sessionPort, 'the camera won, not the impostor');
      assert.equal(lan.sources, 2);
      assert.ok(lan.ignored >= 1, 'the impostor’s PUNCH_PKT was ignored');
      const json = JSON.parse(JSON.stringify(resultJson(result))) as { lanSources: number };
      assert.equal(json.lanSources, 2);
    } finally {
      await result.link.close();
    }
  });

  it('trust model: a process listening on a configured port of the camera’s address reads the DID from our PUNCH_PKT and wins by answering first', async () => {
    const camera = await ScriptedKjk.open({ ...REAL, searchOnSessionPort: true });
    cameras.push(camera);
    const seen: string[] = [];
    const squatter = await scriptedPeer((message, from, self) => {
      if (message.type !== 'PUNCH_PKT') return;
      seen.push(JSON.stringify(message.did));
      self.send({ type: 'P2P_RDY', did: message.did }, from.port); // the DID it just read
    });
    peers.push(squatter);
    const result = await race(lanOnly([squatter.port, camera.sessionPort], { portStaggerMs: 200 }));
    try {
      assert.deepEqual(result.remote, { host: '127.0.0.1', port: squatter.port });
      assert.equal(seen[0], JSON.stringify(parseDid(CAMERA_DID)), 'the DID travels in cleartext');
    } finally {
      await result.link.close();
    }
  });

  it('trust model: without the DID nobody wins, not even from exactly the punched address', async () => {
    const other = parseDid('LBCS-000001-ABCDE');
    const squatter = await scriptedPeer((message, from, self) => {
      self.send({ type: 'P2P_RDY', did: other }, from.port);
      self.send({ type: 'PUNCH_PKT', did: other }, from.port);
    });
    peers.push(squatter);
    await assert.rejects(race(lanOnly([squatter.port], { maxConnectionTimeMs: 500 })), (err: unknown) => {
      assert.ok(err instanceof RaceError);
      assert.match(err.racers[0].error ?? '', /timeout/);
      assert.ok(err.racers[0].ignored > 0);
      assert.equal(err.racers[0].sources, 0, 'a wrong DID is no source');
      return true;
    });
  });

  it('trust model: the right DID from another address than the camera’s (127.0.0.2) never wins and is no source', async () => {
    const spoofer = await loopbackPeer('127.0.0.2');
    others.push(spoofer);
    // The camera is silent but tells the spoofer where the client is (an off-path attacker would have to guess the port).
    const camera = await scriptedPeer((message, from) => {
      if (message.type !== 'PUNCH_PKT' && message.type !== 'LAN_SEARCH') return;
      spoofer.send({ type: 'P2P_RDY', did: cameraDid }, from.port, '127.0.0.1');
      spoofer.send({ type: 'PUNCH_PKT', did: cameraDid }, from.port, '127.0.0.1');
    });
    peers.push(camera);
    await assert.rejects(race(lanOnly([camera.port], { maxConnectionTimeMs: 500 })), (err: unknown) => {
      assert.ok(err instanceof RaceError);
      assert.ok(err.racers[0].ignored > 0, 'the spoofer’s datagrams arrived and were ignored');
      assert.equal(err.racers[0].sources, 0);
      return true;
    });
  });
});
