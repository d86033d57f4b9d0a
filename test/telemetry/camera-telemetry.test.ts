import assert from 'node:assert/strict';
import { ConfigError, TrailcamError } from '../../src/errors';
import { CameraTelemetry, TelemetryFormatError, type Outcome } from '../../src/telemetry';

const HOUR = 3_600_000;

function fieldOf(err: unknown): string {
  assert.ok(err instanceof TelemetryFormatError, `expected TelemetryFormatError, got ${String(err)}`);
  assert.ok(err instanceof ConfigError && err instanceof TrailcamError);
  return err.field;
}

describe('telemetry: recording outcomes', () => {
  it('counts wins, failures and cancellations per mode; only wins are samples', () => {
    const t = new CameraTelemetry();
    t.record({ mode: 'lan', result: 'win', elapsedMs: 80, atMs: 1_000 });
    t.record({ mode: 'lan', result: 'fail', elapsedMs: 5_000, atMs: 2_000 });
    t.record({ mode: 'lan', result: 'cancelled', elapsedMs: 30, atMs: 3_000 });
    t.record({ mode: 'relay', result: 'cancelled', elapsedMs: 900, atMs: 3_000 });
    const lan = t.mode('lan');
    assert.deepEqual([lan.wins, lan.failures, lan.cancellations], [1, 1, 1]);
    assert.deepEqual(lan.samplesMs, [80]);
    assert.equal(lan.lastSuccessAtMs, 1_000);
    assert.equal(lan.lastFailureAtMs, 2_000);
    const relay = t.mode('relay');
    assert.deepEqual([relay.wins, relay.failures, relay.cancellations, relay.samplesMs.length], [0, 0, 1, 0]);
    assert.equal(relay.rtt, null, 'a cancellation is no RTT sample');
    assert.equal(t.mode('p2p').wins, 0);
  });

  it('the failure streak grows with failures, survives cancellations and resets on a win', () => {
    const t = new CameraTelemetry();
    const at = (atMs: number, result: Outcome['result']): void => t.record({ mode: 'p2p', result, elapsedMs: 100, atMs });
    at(1, 'fail');
    at(2, 'fail');
    at(3, 'cancelled');
    at(4, 'fail');
    assert.equal(t.mode('p2p').consecutiveFailures, 3);
    at(5, 'win');
    assert.equal(t.mode('p2p').consecutiveFailures, 0);
    assert.equal(t.mode('p2p').failures, 3);
  });

  it('timeout backoff: +1 per failure or overdue cancellation, cleared by a win', () => {
    const t = new CameraTelemetry();
    t.record({ mode: 'lan', result: 'win', elapsedMs: 100, atMs: 0 }); // RTO 300
    t.record({ mode: 'lan', result: 'cancelled', elapsedMs: 250, atMs: 1 }); // within 300: not overdue
    assert.equal(t.mode('lan').rtoBackoff, 0);
    t.record({ mode: 'lan', result: 'cancelled', elapsedMs: 301, atMs: 2 }); // > 300·2^0
    assert.equal(t.mode('lan').rtoBackoff, 1);
    t.record({ mode: 'lan', result: 'cancelled', elapsedMs: 500, atMs: 3 }); // not > 300·2^1
    assert.equal(t.mode('lan').rtoBackoff, 1);
    t.record({ mode: 'lan', result: 'fail', elapsedMs: 10, atMs: 4 });
    assert.equal(t.mode('lan').rtoBackoff, 2);
    t.record({ mode: 'lan', result: 'win', elapsedMs: 100, atMs: 5 });
    assert.equal(t.mode('lan').rtoBackoff, 0);
  });

  it('success rate: Laplace over decayed weights; an overdue cancellation counts as a loss', () => {
    const t = new CameraTelemetry({ halfLifeMs: HOUR });
    assert.equal(t.mode('lan').successRate(0), 0.5);
    t.record({ mode: 'lan', result: 'win', elapsedMs: 100, atMs: 0 });
    t.record({ mode: 'lan', result: 'win', elapsedMs: 100, atMs: 0 });
    t.record({ mode: 'lan', result: 'fail', elapsedMs: 100, atMs: 0 });
    assert.equal(t.mode('lan').successRate(0), 3 / 5);
    t.record({ mode: 'lan', result: 'cancelled', elapsedMs: 1, atMs: 0 }); // not overdue
    assert.equal(t.mode('lan').successRate(0), 3 / 5);
    t.record({ mode: 'lan', result: 'cancelled', elapsedMs: 10_000, atMs: 0 }); // overdue
    assert.equal(t.mode('lan').successRate(0), 3 / 6);
    assert.equal(t.mode('lan').failures, 1, 'the failure count and streak are untouched');
  });

  it('weights halve every half-life, so old history fades towards the prior 1/2', () => {
    const t = new CameraTelemetry({ halfLifeMs: HOUR });
    for (let i = 0; i < 4; i += 1) t.record({ mode: 'relay', result: 'fail', elapsedMs: 1, atMs: 0 });
    assert.deepEqual(t.mode('relay').decayedWeights(0), { wins: 0, failures: 4 });
    assert.deepEqual(t.mode('relay').decayedWeights(HOUR), { wins: 0, failures: 2 });
    assert.deepEqual(t.mode('relay').decayedWeights(2 * HOUR), { wins: 0, failures: 1 });
    assert.equal(t.mode('relay').successRate(2 * HOUR), 1 / 3);
    assert.ok(Math.abs(t.mode('relay').successRate(40 * HOUR) - 0.5) < 1e-6);
    // a new win an hour later adds 1 to the halved weight
    t.record({ mode: 'relay', result: 'win', elapsedMs: 1, atMs: HOUR });
    assert.deepEqual(t.mode('relay').decayedWeights(HOUR), { wins: 1, failures: 2 });
    // an outcome recorded late (older atMs) adds its decayed share
    t.record({ mode: 'relay', result: 'win', elapsedMs: 1, atMs: 0 });
    assert.deepEqual(t.mode('relay').decayedWeights(HOUR), { wins: 1.5, failures: 2 });
  });

  it('halfLifeMs Infinity turns decay off', () => {
    const t = new CameraTelemetry({ halfLifeMs: Infinity });
    t.record({ mode: 'lan', result: 'win', elapsedMs: 1, atMs: 0 });
    assert.deepEqual(t.mode('lan').decayedWeights(1_000 * HOUR), { wins: 1, failures: 0 });
  });

  it('keeps LAN destination ports separately; ports of other modes are ignored', () => {
    const t = new CameraTelemetry();
    t.record({ mode: 'lan', destinationPort: 40611, result: 'win', elapsedMs: 60, atMs: 0 });
    t.record({ mode: 'lan', destinationPort: 32100, result: 'fail', elapsedMs: 60, atMs: 1 });
    t.record({ mode: 'lan', destinationPort: 40611, result: 'win', elapsedMs: 40, atMs: 2 });
    t.record({ mode: 'p2p', destinationPort: 9999, result: 'win', elapsedMs: 40, atMs: 2 });
    assert.deepEqual(t.lanPorts(), [40611, 32100]);
    assert.equal(t.lanPort(40611)?.wins, 2);
    assert.equal(t.lanPort(32100)?.failures, 1);
    assert.equal(t.lanPort(9999), undefined);
    assert.equal(t.mode('lan').wins, 2);
  });

  it('tracks at most maxLanPorts ports, dropping the least recently active', () => {
    const t = new CameraTelemetry({ maxLanPorts: 2 });
    t.record({ mode: 'lan', destinationPort: 1000, result: 'win', elapsedMs: 1, atMs: 50 });
    t.record({ mode: 'lan', destinationPort: 2000, result: 'win', elapsedMs: 1, atMs: 10 });
    t.record({ mode: 'lan', destinationPort: 3000, result: 'win', elapsedMs: 1, atMs: 60 });
    assert.deepEqual(t.lanPorts().sort(), [1000, 3000]);
  });

  it('idle races count up until the mode runs again', () => {
    const t = new CameraTelemetry();
    t.recordIdle('relay');
    t.recordIdle('relay');
    assert.equal(t.mode('relay').idleRaces, 2);
    t.record({ mode: 'relay', result: 'cancelled', elapsedMs: 5, atMs: 0 });
    assert.equal(t.mode('relay').idleRaces, 0);
    assert.throws(
      () => t.recordIdle('wifi' as never),
      (err) => fieldOf(err) === 'mode',
    );
  });

  it('rejects malformed outcomes with the field named', () => {
    const t = new CameraTelemetry();
    const bad = (outcome: unknown, field: string): void => {
      assert.throws(
        () => t.record(outcome as Outcome),
        (err) => fieldOf(err) === field,
      );
    };
    bad({ mode: 'wifi', result: 'win', elapsedMs: 1, atMs: 0 }, 'outcome.mode');
    bad({ mode: 'lan', result: 'won', elapsedMs: 1, atMs: 0 }, 'outcome.result');
    bad({ mode: 'lan', result: 'win', elapsedMs: -1, atMs: 0 }, 'outcome.elapsedMs');
    bad({ mode: 'lan', result: 'win', elapsedMs: Number.NaN, atMs: 0 }, 'outcome.elapsedMs');
    bad({ mode: 'lan', result: 'win', elapsedMs: 1, atMs: Infinity }, 'outcome.atMs');
    bad({ mode: 'lan', result: 'win', elapsedMs: 1, atMs: 0, destinationPort: 70000 }, 'outcome.destinationPort');
    bad({ mode: 'lan', result: 'win', elapsedMs: 1, atMs: 0, port: 1 }, 'outcome.port');
    bad(null, 'outcome');
    assert.equal(t.mode('lan').wins + t.mode('lan').failures, 0, 'nothing half-recorded');
  });

  it('rejects bad options with the field named', () => {
    assert.throws(
      () => new CameraTelemetry({ windowSize: 0 }),
      (err) => fieldOf(err) === 'options.windowSize',
    );
    assert.throws(
      () => new CameraTelemetry({ halfLifeMs: -5 }),
      (err) => fieldOf(err) === 'options.halfLifeMs',
    );
    assert.throws(
      () => new CameraTelemetry({ maxLanPorts: 1.5 }),
      (err) => fieldOf(err) === 'options.maxLanPorts',
    );
  });
});
