import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import sinon from 'sinon';
import { ConfigError } from '../../src/errors';
import { createSimulation, Path, seededRandom } from '../../src/sim';
import { ScriptedClient } from '../helpers/client';
import { settledHandles } from '../helpers/udp';

describe('sim: path impairments', () => {
  describe('statistics for a fixed seed', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ now: 0 });
    });
    afterEach(() => clock.restore());

    it('drops about the configured share of datagrams', () => {
      const path = new Path('lan', { loss: 0.2 }, seededRandom(42));
      let delivered = 0;
      for (let i = 0; i < 20_000; i += 1) path.transmit(() => (delivered += 1));
      const lossRate = path.counters.dropped / path.counters.seen;
      assert.ok(Math.abs(lossRate - 0.2) < 0.01, `loss rate ${lossRate}`);
      assert.equal(delivered, path.counters.delivered);
    });

    it('delays by delay ± jitter, with the configured mean', async () => {
      const path = new Path('p2p', { delayMs: 20, jitterMs: 10 }, seededRandom(3));
      const arrivals: number[] = [];
      for (let i = 0; i < 2000; i += 1) path.transmit(() => arrivals.push(Date.now()));
      await clock.tickAsync(40);
      assert.equal(arrivals.length, 2000);
      const mean = arrivals.reduce((a, b) => a + b, 0) / arrivals.length;
      assert.ok(Math.abs(mean - 20) < 1, `mean delay ${mean}`);
      assert.ok(Math.min(...arrivals) >= 10 && Math.max(...arrivals) <= 30);
    });

    it('duplicates about the configured share', () => {
      const path = new Path('relay', { duplicate: 0.5 }, seededRandom(9));
      let delivered = 0;
      for (let i = 0; i < 10_000; i += 1) path.transmit(() => (delivered += 1));
      assert.ok(Math.abs(delivered / 10_000 - 1.5) < 0.03, `copies per datagram ${delivered / 10_000}`);
    });

    it('replays identically for the same seed', () => {
      const run = (): number[] => {
        const path = new Path('lan', { loss: 0.3 }, seededRandom(5));
        const kept: number[] = [];
        for (let i = 0; i < 200; i += 1) path.transmit(() => kept.push(i));
        return kept;
      };
      assert.deepEqual(run(), run());
    });

    it('rejects bad settings naming the field', () => {
      assert.throws(
        () => new Path('lan', { loss: 2 }, Math.random),
        (e: unknown) => e instanceof ConfigError && e.field === 'lan.loss',
      );
      assert.throws(
        () => new Path('lan', { delayMs: -1 }, Math.random),
        (e: unknown) => e instanceof ConfigError && e.field === 'lan.delayMs',
      );
    });
  });

  describe('down and refuse', () => {
    it('down: the camera stays silent; back up: it answers again', async () => {
      const sim = await createSimulation({ fast: true });
      const client = await ScriptedClient.open();
      try {
        sim.setPath('lan', { down: true });
        client.send({ type: 'LAN_SEARCH' }, sim.cameras[0].searchPort);
        await assert.rejects(client.next('PUNCH_PKT', 200));
        assert.ok(sim.counters().lan.dropped >= 1);
        sim.setPath('lan', { down: false });
        client.send({ type: 'LAN_SEARCH' }, sim.cameras[0].searchPort);
        await client.next('PUNCH_PKT');
      } finally {
        await client.close();
        await sim.close();
      }
    });

    it('refuse: the port is closed, so a connected sender gets ECONNREFUSED fast; cleared: it reopens', async () => {
      const sim = await createSimulation({ fast: true });
      const port = sim.cameras[0].sessionPort;
      const socket = createSocket('udp4');
      try {
        sim.setPath('lan', { refuse: true });
        await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
        // The port closes asynchronously after setPath: probe until the kernel refuses (bounded).
        let probes = 0;
        const probe = setInterval(() => {
          probes += 1;
          if (probes <= 50) socket.send(Buffer.from('f1300000', 'hex'));
        }, 5);
        const refused = await new Promise<Error>((resolve) => socket.once('error', resolve)).finally(() => clearInterval(probe));
        assert.match(refused.message, /ECONNREFUSED/);
        assert.ok(probes <= 50, `refused within 50 probes, took ${probes}`);
        sim.setPath('lan', { refuse: false });
        await new Promise<void>((resolve) => setImmediate(resolve));
        const client = await ScriptedClient.open();
        client.send({ type: 'LAN_SEARCH' }, port);
        assert.equal((await client.next('PUNCH_PKT')).from.port, port, 'same port again');
        await client.close();
      } finally {
        socket.close();
        await sim.close();
      }
    });
  });

  describe('scale', function () {
    this.timeout(60_000);
    it('1,000 cameras start and stop in one process with no socket or timer left open', async () => {
      const before = await settledHandles();
      const sim = await createSimulation({ cameras: 1000, fast: true });
      assert.equal(new Set(sim.cameras.map((c) => c.did)).size, 1000, 'each camera has its own DID');
      assert.ok((await settledHandles()).udp >= before.udp + 3000, 'three sockets per camera');
      await sim.close();
      assert.deepEqual(await settledHandles(), before);
    });
  });
});
