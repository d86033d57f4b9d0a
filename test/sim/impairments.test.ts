import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import sinon from 'sinon';
import { ConfigError } from '../../src/errors';
import { createSimulation, Path, seededRandom, type DatagramFlow } from '../../src/sim';
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

  describe('runs with common random numbers (beginRun)', () => {
    const datagram = (type: number): Buffer => Buffer.from([0xf1, type, 0, 0]);
    const flow = (peerPort: number, type = 0x41, inbound = true): DatagramFlow => ({
      port: 40611,
      inbound,
      peer: { host: '127.0.0.1', port: peerPort },
      datagram: datagram(type),
    });
    /** Which of `flows` the path delivers (true) or drops (false), in order. */
    const fates = (path: Path, flows: readonly DatagramFlow[]): boolean[] =>
      flows.map((f) => {
        let kept = false;
        path.transmit(() => (kept = true), undefined, f);
        return kept;
      });

    it("replays the same fates for the same key, also with an earlier run's late datagrams in between", () => {
      const path = new Path('lan', { loss: 0.5 }, seededRandom(11));
      path.beginRun(7);
      const first = fates(
        path,
        Array.from({ length: 40 }, () => flow(50001)),
      );
      path.beginRun(7);
      // The earlier run's client (port 50001) is still sending CLOSEs (0xf0) and PUNCH_PKTs now.
      const mixed = Array.from({ length: 40 }, (_, i) => [flow(50002), flow(50001, 0xf0), flow(50001)][i % 3]);
      const again = fates(path, mixed).filter((_, i) => i % 3 === 0);
      const fresh = fates(
        path,
        Array.from({ length: 40 - again.length }, () => flow(50002)),
      );
      assert.deepEqual([...again, ...fresh], first, "the new client socket meets the same fates as the first run's");
      assert.ok(first.includes(true) && first.includes(false), 'both fates occur');
    });

    it('keys runs apart, and two new sockets of one run do not share fates', () => {
      const path = new Path('lan', { loss: 0.5 }, seededRandom(11));
      path.beginRun(1);
      const one = fates(
        path,
        Array.from({ length: 40 }, () => flow(50001)),
      );
      path.beginRun(2);
      const two = fates(
        path,
        Array.from({ length: 40 }, () => flow(50003)),
      );
      assert.notDeepEqual(two, one, 'another key, other fates');
      path.beginRun(1);
      const both = fates(
        path,
        Array.from({ length: 80 }, (_, i) => flow(i % 2 === 0 ? 50004 : 50005)),
      );
      assert.deepEqual(
        both.filter((_, i) => i % 2 === 0),
        one,
        "the run's first new socket replays key 1",
      );
      assert.notDeepEqual(
        both.filter((_, i) => i % 2 === 1),
        one,
        'its second one does not',
      );
    });

    it('keeps the configured loss, delay and duplicate rates over many runs', async () => {
      const clock = sinon.useFakeTimers({ now: 0 });
      try {
        const path = new Path('lan', { loss: 0.2, duplicate: 0.1, delayMs: 20, jitterMs: 10 }, seededRandom(4));
        const arrivals: number[] = [];
        for (let run = 0; run < 400; run += 1) {
          path.beginRun(run);
          for (let i = 0; i < 25; i += 1) path.transmit(() => arrivals.push(Date.now()), undefined, flow(50000 + (i % 3), 0x41 + (i % 2), i % 4 === 0));
        }
        await clock.tickAsync(40);
        const { seen, dropped, duplicated } = path.counters;
        assert.ok(Math.abs(dropped / seen - 0.2) < 0.01, `loss rate ${dropped / seen}`);
        assert.ok(Math.abs(duplicated / (seen - dropped) - 0.1) < 0.01, `duplicate rate ${duplicated / (seen - dropped)}`);
        const mean = arrivals.reduce((a, b) => a + b, 0) / arrivals.length;
        assert.ok(Math.abs(mean - 20) < 0.5 && Math.min(...arrivals) >= 10 && Math.max(...arrivals) <= 30, `mean delay ${mean}`);
      } finally {
        clock.restore();
      }
    });

    it('rejects a run key that is not an integer, naming it', () => {
      const path = new Path('lan', {}, seededRandom(1));
      assert.throws(
        () => path.beginRun(1.5),
        (e: unknown) => e instanceof ConfigError && e.field === 'run key',
      );
      assert.equal(path.keyed, false);
    });

    it("a simulator's sockets name their datagrams once a run began: a fresh client meets the same losses in two runs of one key", async () => {
      const sim = await createSimulation({ fast: true, paths: { lan: { loss: 0.5 } } });
      const lan = sim.paths.lan;
      const transmit = lan.transmit.bind(lan);
      const inbound: boolean[] = [];
      let arrived: (() => void) | undefined;
      sinon.stub(lan, 'transmit').callsFake((deliver, dropped, f) => {
        let kept = false;
        transmit(
          () => {
            kept = true;
            deliver();
          },
          dropped,
          f,
        );
        if (f?.inbound) {
          inbound.push(kept);
          arrived?.();
        }
      });
      const runWith = async (key: number): Promise<boolean[]> => {
        sim.beginRun(key);
        inbound.length = 0;
        const client = await ScriptedClient.open();
        try {
          for (let i = 0; i < 16; i += 1) {
            const landed = new Promise<void>((resolve) => (arrived = resolve));
            client.send({ type: 'LAN_SEARCH' }, sim.cameras[0].searchPort);
            await landed;
          }
        } finally {
          await client.close();
        }
        return [...inbound];
      };
      try {
        assert.equal(lan.keyed, false, 'no run yet: the seeded stream');
        const first = await runWith(5);
        assert.ok(first.includes(true) && first.includes(false), 'both fates occur');
        assert.deepEqual(await runWith(5), first);
        assert.notDeepEqual(await runWith(6), first);
      } finally {
        sinon.restore();
        await sim.close();
      }
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
