import assert from 'node:assert/strict';
import { CameraTelemetry, recordRace, type RacerSummary } from '../../src/telemetry';

/** Shaped like the engine's RacerInfo, extra fields included. */
function racer(fields: Partial<RacerSummary> & Pick<RacerSummary, 'mode' | 'state'>): RacerSummary & { name: string; attempts: number } {
  return { name: `${fields.mode}ConnectThread`, attempts: 1, elapsedMs: null, destinationPort: null, ...fields };
}

describe('telemetry: recordRace', () => {
  it('success → win sample, failed → failure, cancelled → cancellation', () => {
    const t = new CameraTelemetry();
    recordRace(t, {
      atMs: 10_000,
      racers: [
        racer({ mode: 'lan', state: 'success', elapsedMs: 120, destinationPort: 40611 }),
        racer({ mode: 'p2p', state: 'failed', elapsedMs: 90, destinationPort: 40611 }),
        racer({ mode: 'relay', state: 'cancelled', elapsedMs: 120 }),
      ],
    });
    assert.deepEqual(t.mode('lan').samplesMs, [120]);
    assert.equal(t.mode('lan').lastSuccessAtMs, 10_000);
    assert.equal(t.mode('p2p').failures, 1);
    assert.equal(t.mode('relay').cancellations, 1);
    assert.equal(t.mode('relay').rtt, null);
    assert.equal(t.lanPort(40611)?.wins, 1);
  });

  it("subtracts each mode's stagger from its elapsed time", () => {
    const t = new CameraTelemetry();
    recordRace(t, {
      atMs: 0,
      staggerMs: { p2p: 300 },
      racers: [racer({ mode: 'lan', state: 'cancelled', elapsedMs: 420 }), racer({ mode: 'p2p', state: 'success', elapsedMs: 420 })],
    });
    assert.deepEqual(t.mode('p2p').samplesMs, [120]);
  });

  it('a racer that never started is idle; pending/running racers are not recorded', () => {
    const t = new CameraTelemetry();
    recordRace(t, {
      atMs: 0,
      racers: [
        racer({ mode: 'lan', state: 'success', elapsedMs: 50 }),
        racer({ mode: 'p2p', state: 'cancelled', elapsedMs: null }),
        racer({ mode: 'relay', state: 'running', elapsedMs: 40 }),
      ],
    });
    assert.equal(t.mode('p2p').idleRaces, 1);
    assert.equal(t.mode('p2p').cancellations, 0);
    const relay = t.mode('relay');
    assert.equal(relay.wins + relay.failures + relay.cancellations + relay.idleRaces, 0);
  });

  it("a failed LAN racer's destination port is not blamed (it is only the latest port tried)", () => {
    const t = new CameraTelemetry();
    recordRace(t, { atMs: 0, racers: [racer({ mode: 'lan', state: 'failed', elapsedMs: 30_000, destinationPort: 57743 })] });
    assert.equal(t.mode('lan').failures, 1);
    assert.deepEqual(t.lanPorts(), []);
  });
});
