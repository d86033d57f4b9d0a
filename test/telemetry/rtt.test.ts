import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CameraTelemetry, retransmissionTimeoutMs, updateRtt, type RttEstimate } from '../../src/telemetry';
import { propertyOptions } from '../helpers/property';

describe('telemetry: RFC 6298 round-trip estimator', () => {
  it('first sample R gives SRTT = R, RTTVAR = R/2, RTO = 3R', () => {
    const first = updateRtt(null, 100);
    assert.deepEqual(first, { srttMs: 100, rttvarMs: 50 });
    assert.equal(retransmissionTimeoutMs(first), 300);
  });

  it('samples 100, 200, 50 follow the worked example (α = 1/8, β = 1/4, K = 4)', () => {
    // 100: SRTT 100, RTTVAR 50
    // 200: RTTVAR = 3/4·50 + 1/4·|100-200| = 62.5; SRTT = 7/8·100 + 1/8·200 = 112.5; RTO = 112.5 + 250 = 362.5
    // 50:  RTTVAR = 3/4·62.5 + 1/4·|112.5-50| = 46.875 + 15.625 = 62.5; SRTT = 7/8·112.5 + 1/8·50 = 104.6875
    //      RTO = 104.6875 + 250 = 354.6875
    const second = updateRtt(updateRtt(null, 100), 200);
    assert.deepEqual(second, { srttMs: 112.5, rttvarMs: 62.5 });
    assert.equal(retransmissionTimeoutMs(second), 362.5);
    const third = updateRtt(second, 50);
    assert.deepEqual(third, { srttMs: 104.6875, rttvarMs: 62.5 });
    assert.equal(retransmissionTimeoutMs(third), 354.6875);
  });

  it('RTTVAR uses the SRTT from before the sample (order of the two updates)', () => {
    // with the new SRTT first, RTTVAR after 100, 200 would be 3/4·50 + 1/4·|112.5-200| = 59.375
    assert.equal(updateRtt({ srttMs: 100, rttvarMs: 50 }, 200).rttvarMs, 62.5);
  });

  it('a winning mode keeps exactly these figures in its telemetry', () => {
    const telemetry = new CameraTelemetry();
    for (const [i, ms] of [100, 200, 50].entries()) telemetry.record({ mode: 'p2p', result: 'win', elapsedMs: ms, atMs: i * 1000 });
    assert.deepEqual(telemetry.mode('p2p').rtt, { srttMs: 104.6875, rttvarMs: 62.5 });
    assert.equal(telemetry.mode('lan').rtt, null);
  });

  it('SRTT stays within the range of the samples and RTTVAR is never negative', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 50 }), (samples) => {
        let estimate: RttEstimate | null = null;
        for (const sample of samples) estimate = updateRtt(estimate, sample);
        assert.ok(estimate !== null);
        assert.ok(estimate.srttMs >= Math.min(...samples) - 1e-9 && estimate.srttMs <= Math.max(...samples) + 1e-9);
        assert.ok(estimate.rttvarMs >= 0);
      }),
      propertyOptions(),
    );
  });

  it('a constant sample stream converges: RTTVAR shrinks by 3/4 per sample', () => {
    let estimate = updateRtt(null, 40);
    for (let i = 1; i < 10; i += 1) estimate = updateRtt(estimate, 40);
    assert.equal(estimate.srttMs, 40);
    assert.ok(Math.abs(estimate.rttvarMs - 20 * 0.75 ** 9) < 1e-12);
  });
});
