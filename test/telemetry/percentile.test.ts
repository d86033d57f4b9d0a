import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CameraTelemetry, nearestRankPercentile } from '../../src/telemetry';
import { propertyOptions } from '../helpers/property';

describe('telemetry: nearest-rank percentiles', () => {
  it('takes the sample at rank ceil(p/100·n) of the sorted list', () => {
    const samples = [35, 20, 50, 15, 40]; // sorted: 15 20 35 40 50
    assert.equal(nearestRankPercentile(samples, 5), 15); // rank ceil(0.25) = 1
    assert.equal(nearestRankPercentile(samples, 30), 20); // rank ceil(1.5) = 2
    assert.equal(nearestRankPercentile(samples, 40), 20); // rank 2
    assert.equal(nearestRankPercentile(samples, 50), 35); // rank ceil(2.5) = 3
    assert.equal(nearestRankPercentile(samples, 95), 50); // rank ceil(4.75) = 5
    assert.equal(nearestRankPercentile(samples, 100), 50);
  });

  it('handles one and two samples and an empty list', () => {
    assert.equal(nearestRankPercentile([7], 50), 7);
    assert.equal(nearestRankPercentile([7], 95), 7);
    assert.equal(nearestRankPercentile([9, 3], 50), 3); // rank 1
    assert.equal(nearestRankPercentile([9, 3], 95), 9); // rank 2
    assert.equal(nearestRankPercentile([], 50), null);
  });

  it('p95 of 1..20 is the 19th smallest', () => {
    const samples = Array.from({ length: 20 }, (_, i) => 20 - i);
    assert.equal(nearestRankPercentile(samples, 95), 19);
    assert.equal(nearestRankPercentile(samples, 50), 10);
  });

  it('rejects a percentile outside (0, 100] and does not reorder the input', () => {
    assert.throws(() => nearestRankPercentile([1], 0), RangeError);
    assert.throws(() => nearestRankPercentile([1], 101), RangeError);
    assert.throws(() => nearestRankPercentile([1], Number.NaN), RangeError);
    const input = [3, 1, 2];
    nearestRankPercentile(input, 50);
    assert.deepEqual(input, [3, 1, 2]);
  });

  it('the telemetry window keeps the newest 64 samples: p50/p95 over 7..70 after 70 wins', () => {
    const telemetry = new CameraTelemetry();
    for (let ms = 1; ms <= 70; ms += 1) telemetry.record({ mode: 'lan', result: 'win', elapsedMs: ms, atMs: ms });
    const lan = telemetry.mode('lan');
    assert.equal(lan.samplesMs.length, 64);
    assert.equal(lan.samplesMs[0], 7);
    assert.equal(lan.percentileMs(50), 38); // rank 32 of 7..70
    assert.equal(lan.percentileMs(95), 67); // rank ceil(60.8) = 61
    assert.equal(lan.wins, 70);
  });

  it('a smaller window option bounds the samples too', () => {
    const telemetry = new CameraTelemetry({ windowSize: 4 });
    for (const ms of [500, 10, 20, 30, 40]) telemetry.record({ mode: 'relay', result: 'win', elapsedMs: ms, atMs: 0 });
    assert.deepEqual(telemetry.mode('relay').samplesMs, [10, 20, 30, 40]);
    assert.equal(telemetry.mode('relay').percentileMs(95), 40);
  });

  it('property: the result is a sample, at least p% of samples are ≤ it and fewer than p% are < it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 100 }), (samples, p) => {
        const value = nearestRankPercentile(samples, p);
        assert.ok(value !== null && samples.includes(value));
        const n = samples.length;
        assert.ok(samples.filter((s) => s <= value).length >= (p / 100) * n);
        assert.ok(samples.filter((s) => s < value).length < (p / 100) * n);
      }),
      propertyOptions(),
    );
  });
});
