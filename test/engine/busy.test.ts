import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import sinon from 'sinon';
import { race } from '../../src/engine';
import { answeredWithin, BUSY_RACES, enterRace, FollowerHold, LATE_SHARE, leaderAnswered, racesInFlight } from '../../src/engine/busy';
import { createSimulation, type Simulation } from '../../src/sim';
import { raceConfigFor } from '../helpers/race';

describe('engine: the busy engine holds a busy race’s followers until the LAN punch had its chance (issue 16)', function () {
  this.timeout(20_000);

  describe('FollowerHold', () => {
    let clock: sinon.SinonFakeTimers;
    let now: number;
    beforeEach(() => {
      clock = sinon.useFakeTimers();
      now = 0;
    });
    afterEach(() => clock.restore());

    const tick = async (ms: number, lateMs = 0): Promise<void> => {
      // Timers fire `lateMs` late by the hold's clock: the event loop was busy.
      now += ms + lateMs;
      await clock.tickAsync(ms);
    };

    it('opens one interval after the leader started, not before; waiting before the start does not open it', async () => {
      const hold = new FollowerHold(100, 1_500, () => now);
      let opened = false;
      hold.whenOpen(() => (opened = true));
      await tick(500);
      assert.equal(opened, false, 'opened before the leader had started');
      hold.leaderStarted();
      await tick(99);
      assert.equal(opened, false);
      await tick(1);
      assert.equal(opened, true);
      assert.equal(hold.open, true);
    });

    it('a timer that fired late (the loop was busy) does not count: the interval starts again', async () => {
      const hold = new FollowerHold(100, 1_500, () => now);
      hold.leaderStarted();
      await tick(100, LATE_SHARE * 100 + 1);
      assert.equal(hold.open, false, 'a late timer opened the hold');
      await tick(100);
      assert.equal(hold.open, true, 'an interval on a loop that kept up opens it');
    });

    it('opens after maxHoldMs however late every timer fires', async () => {
      const hold = new FollowerHold(100, 300, () => now);
      hold.leaderStarted();
      for (let i = 0; i < 3 && !hold.open; i += 1) await tick(100, 50);
      assert.equal(hold.open, true);
    });

    it('stays closed while other busy races are still being answered, read when its timers fire; a late timer still does not count; maxHoldMs caps it', async () => {
      let answering = false;
      const hold = new FollowerHold(
        100,
        1_500,
        () => now,
        () => answering,
      );
      hold.leaderStarted();
      answering = true; // other races' punches are being answered: ours is most likely queued
      await tick(100);
      assert.equal(hold.open, false, 'opened while answers were still arriving');
      await tick(100);
      assert.equal(hold.open, false);
      answering = false;
      await tick(100);
      assert.equal(hold.open, true, 'did not open after an interval without answers');

      const late = new FollowerHold(
        100,
        1_500,
        () => now,
        () => false,
      );
      late.leaderStarted();
      await tick(100, LATE_SHARE * 100 + 1);
      assert.equal(late.open, false, 'a late timer opened it');
      await tick(100);
      assert.equal(late.open, true);

      const capped = new FollowerHold(
        100,
        250,
        () => now,
        () => true,
      );
      capped.leaderStarted();
      await tick(100);
      await tick(100);
      assert.equal(capped.open, false);
      await tick(50);
      assert.equal(capped.open, true, 'answers kept it closed past maxHoldMs');
    });

    it('answeredWithin: whether a busy race’s punch was answered less than that long ago; forgotten when the last race in flight ends', () => {
      const race = enterRace();
      assert.equal(answeredWithin(100, 1_000), false, 'an answer before any');
      leaderAnswered(950);
      assert.equal(answeredWithin(100, 1_000), true);
      assert.equal(answeredWithin(100, 1_050), false, 'exactly one interval ago is not within it');
      race.leave();
      assert.equal(answeredWithin(100, 960), false, 'the answer outlived the burst');
    });

    it('unlessBusy: a race alone opens it in the check phase of its tick; a burst keeps it closed as a busy hold; dispose() clears the decision', async () => {
      const alone = new FollowerHold(100, 1_500, () => now);
      alone.unlessBusy(() => false);
      assert.equal(alone.open, false, 'opened before the tick had ended');
      await clock.tickAsync(0);
      assert.equal(alone.open, true);

      const burst = new FollowerHold(100, 1_500, () => now);
      burst.leaderStarted();
      burst.unlessBusy(() => true);
      await clock.tickAsync(0);
      assert.equal(burst.open, false, 'a burst race opened at the end of its tick');
      await tick(100);
      assert.equal(burst.open, true, 'it did not hold like a busy race');

      const disposed = new FollowerHold(100, 1_500, () => now);
      disposed.unlessBusy(() => false);
      disposed.dispose();
      assert.equal(clock.countTimers(), 0, 'the decision outlived dispose()');
    });

    it('release() opens it at once; an open hold calls a new waiter at once; an unsubscribed waiter is never called; dispose() leaves no timer', async () => {
      const released = new FollowerHold(100, 1_500, () => now);
      released.leaderStarted();
      const calls: string[] = [];
      released.whenOpen(() => calls.push('relay'));
      const unsubscribe = released.whenOpen(() => calls.push('unsubscribed'));
      unsubscribe();
      released.release();
      released.whenOpen(() => calls.push('late'));
      assert.deepEqual(calls, ['relay', 'late']);
      assert.equal(clock.countTimers(), 0, 'release left its timer');

      const disposed = new FollowerHold(100, 1_500, () => now);
      disposed.leaderStarted();
      disposed.whenOpen(() => calls.push('disposed'));
      disposed.dispose();
      await tick(200);
      assert.equal(clock.countTimers(), 0, 'dispose left its timer');
      assert.equal(disposed.open, false);
      assert.deepEqual(calls, ['relay', 'late']);
    });
  });

  describe('races', () => {
    let sim: Simulation;
    let others: { leave(): void }[];
    beforeEach(async () => {
      sim = await createSimulation({ cameras: 1, servers: 1, relays: 1, seed: 3, fast: true });
      await Promise.all(sim.cameras.map((c) => c.start()));
      others = [];
    });
    afterEach(async () => {
      for (const other of others.splice(0)) other.leave();
      await sim.close();
    });
    /** Counts BUSY_RACES races in, as if they were in flight, so the next race is busy. */
    const busy = (): void => {
      for (let i = 0; i < BUSY_RACES; i += 1) others.push(enterRace());
    };

    it('not busy (a single race): every racer starts at once, as the vendor library does', async () => {
      assert.equal(racesInFlight(), 0);
      const result = await race(raceConfigFor(sim));
      await result.link.close();
      assert.equal(result.mode, 'lan');
      for (const racer of result.racers) assert.ok(racer.attempts >= 1, `${racer.name} never opened a socket`);
      assert.equal(racesInFlight(), 0, 'the race was not counted out');
    });

    it('busy: LAN wins and P2P and relay never open a socket; they end cancelled, with no start (recorded idle)', async () => {
      busy();
      const result = await race(raceConfigFor(sim));
      await result.link.close();
      assert.equal(result.mode, 'lan');
      assert.equal(result.racers[0].lanPath, 'direct');
      for (const racer of result.racers.filter((r) => r.mode !== 'lan')) {
        assert.equal(racer.attempts, 0, `${racer.name} opened a socket`);
        assert.equal(racer.state, 'cancelled');
        assert.equal(racer.elapsedMs, null, `${racer.name} is recorded as started`);
      }
      assert.equal(result.racers[0].attempts, 1, 'the held LAN search opened a socket');
      assert.equal(racesInFlight(), BUSY_RACES, 'the race was not counted out');
    });

    it('busy, LAN silent: the hold opens after the LAN punch had its chance and P2P connects', async () => {
      busy();
      sim.setPath('lan', { down: true });
      const result = await race(raceConfigFor(sim));
      await result.link.close();
      assert.equal(result.mode, 'p2p');
      assert.equal(result.racers.find((r) => r.mode === 'lan')?.state, 'cancelled');
    });

    it('busy, LAN only: the search is held too, and still connects a camera that answers only the search', async () => {
      busy();
      const result = await race(raceConfigFor(sim, { modes: ['lan'], host: '127.0.0.1', ports: [sim.cameras[0].searchPort] }));
      await result.link.close();
      assert.equal(result.mode, 'lan');
      assert.equal(result.racers[0].lanPath, 'search');
    });

    it('a burst of 20 races started in one tick: the first BUSY_RACES hold their followers like the rest, so no race opens a P2P or relay socket', async () => {
      const many = await createSimulation({ cameras: 20, servers: 1, relays: 1, seed: 4, fast: true });
      try {
        await Promise.all(many.cameras.map((c) => c.start()));
        const results = await Promise.all(many.cameras.map((camera) => race({ ...raceConfigFor(many), did: camera.did, ports: [camera.sessionPort] })));
        await Promise.all(results.map((r) => r.link.close()));
        for (const [i, result] of results.entries()) {
          assert.equal(result.mode, 'lan', `race ${i}`);
          for (const racer of result.racers.filter((r) => r.mode !== 'lan')) assert.equal(racer.attempts, 0, `race ${i}: ${racer.name} opened a socket`);
        }
        assert.equal(racesInFlight(), 0);
      } finally {
        await many.close();
      }
    });

    describe('six LAN ports (the default count)', () => {
      let silent: Socket[];
      beforeEach(async () => {
        // Five ports on 127.0.0.1 that take the punches and never answer.
        silent = await Promise.all(
          Array.from(
            { length: 5 },
            () =>
              new Promise<Socket>((resolve) => {
                const socket = createSocket('udp4');
                socket.bind(0, '127.0.0.1', () => resolve(socket));
              }),
          ),
        );
      });
      afterEach(async () => {
        await Promise.all(silent.map((socket) => new Promise<void>((done) => socket.close(() => done()))));
      });
      const silentPorts = (): number[] => silent.map((socket) => socket.address().port);

      it('busy, the camera on the first port answering within the probe interval: the later ports never open a socket', async () => {
        busy();
        // A 50 ms round trip: without the hold, the ports staggered at 20, 40 and 60 ms would open their sockets before the answer.
        sim.setPath('lan', { delayMs: 25 });
        const result = await race(raceConfigFor(sim, { modes: ['lan'], ports: [sim.cameras[0].sessionPort, ...silentPorts()] }));
        await result.link.close();
        assert.equal(result.destinationPort, sim.cameras[0].sessionPort);
        assert.equal(result.racers[0].attempts, 1, 'a held port opened a socket');
      });

      it('not busy, the same camera: the ports start staggered, as in the vendor library', async () => {
        sim.setPath('lan', { delayMs: 25 });
        const result = await race(raceConfigFor(sim, { modes: ['lan'], ports: [sim.cameras[0].sessionPort, ...silentPorts()] }));
        await result.link.close();
        assert.equal(result.destinationPort, sim.cameras[0].sessionPort);
        assert.ok(result.racers[0].attempts >= 3, `only ${result.racers[0].attempts} sockets: the stagger did not start the later ports`);
      });

      it('busy, the camera on the fourth port: the held ports start once the hold opens and connect it', async () => {
        busy();
        const ports = silentPorts();
        ports.splice(3, 0, sim.cameras[0].sessionPort);
        const result = await race(raceConfigFor(sim, { modes: ['lan'], ports }));
        await result.link.close();
        assert.equal(result.destinationPort, sim.cameras[0].sessionPort);
        assert.equal(result.racers[0].lanPath, 'direct');
      });
    });
  });
});
