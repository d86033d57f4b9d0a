import assert from 'node:assert/strict';
import type { ScaleStep } from '../../bench/run';
import { medianRun, rotated, SATURATED_SHARE, scaleBound, scaleCounts, SCALES, type ScaleResult, type ScaleStrategy } from '../../bench/scale';
import { scaleTable } from '../../bench/report-md';
import { evaluateTargets } from '../../bench/targets';

/** A scale result with the figures the series targets read; the rest plausible. */
function result(strategy: ScaleStrategy, cameras: number, p99: number, cpu: number, expired = 0): ScaleResult {
  return {
    strategy,
    cameras,
    connected: cameras,
    successRate: 1,
    timeToConnectMs: { n: cameras, p50: p99 / 2, p95: p99, p99, max: p99, mean: p99 / 2 },
    modes: { lan: cameras },
    wallMs: 100,
    rssBeforeMb: 50,
    peakRssMb: 60,
    cpuMsPerConnect: cpu,
    simCpuMsPerConnect: 0.1,
    clientCpuShare: 0.5,
    simCpuShare: 0.5,
    bound: 'neither',
    expiredAfterProgress: expired,
    rssPerCameraKb: 10,
    socketsPerConnect: 1,
    datagramsPerConnect: 1,
    socketsBefore: 0,
    socketsAfter: 0,
    timersBefore: 0,
    timersAfter: 0,
    errors: [],
  };
}

const step = (cameras: number, engine: [number, number, number?], sequential: [number, number]): ScaleStep => ({
  cameras,
  engine: result('engine', cameras, engine[0], engine[1], engine[2]),
  floor: result('floor', cameras, 10, 0.05),
  sequential: result('sequential', cameras, sequential[0], sequential[1]),
});

describe('bench: the scale series of issue 16', () => {
  it('a full run measures 100, 250, 500 and 1,000 cameras; --cameras N the standard scales below N, then N; 0 none', () => {
    assert.deepEqual(scaleCounts(1000), [...SCALES]);
    assert.deepEqual(scaleCounts(200), [100, 200]);
    assert.deepEqual(scaleCounts(20), [20]);
    assert.deepEqual(scaleCounts(2000), [100, 250, 500, 1000, 2000]);
    assert.deepEqual(scaleCounts(0), []);
  });

  it('the bound column: a process at ≥ 90 % of one core bounded the row', () => {
    assert.equal(SATURATED_SHARE, 0.9);
    assert.equal(scaleBound(0.95, 0.3), 'client');
    assert.equal(scaleBound(0.3, 0.92), 'simulator');
    assert.equal(scaleBound(1.1, 0.9), 'both');
    assert.equal(scaleBound(0.5, 0.5), 'neither');
    assert.equal(scaleBound(0.5, null), 'neither', 'a simulator that did not report is not called the bound');
  });

  const target = (series: ScaleStep[], id: string) => evaluateTargets({ scenarios: [], scale: null, scaleSeries: series }).find((t) => t.id === id);

  it('ahead of the sequential baseline: met only when the engine is below it in p99 and CPU at every scale; the miss names the scale', () => {
    const ahead = target([step(100, [20, 0.2], [30, 0.3]), step(1000, [200, 0.3], [300, 0.4])], 'scale-ahead-of-sequential');
    assert.equal(ahead?.met, true);
    const cpuBehind = target([step(100, [20, 0.35], [30, 0.3]), step(1000, [200, 0.3], [300, 0.4])], 'scale-ahead-of-sequential');
    assert.equal(cpuBehind?.met, false);
    assert.match(cpuBehind?.measured ?? '', /behind at 100 /);
    const p99Behind = target([step(100, [20, 0.2], [30, 0.3]), step(1000, [300, 0.3], [300, 0.4])], 'scale-ahead-of-sequential');
    assert.equal(p99Behind?.met, false, 'a tie is not ahead');
    assert.match(p99Behind?.measured ?? '', /behind at 1000 /);
  });

  it('no expired progressing attempt: met only when no scale had one, and the figure per scale is shown', () => {
    assert.equal(target([step(100, [20, 0.2, 0], [30, 0.3]), step(1000, [200, 0.3, 0], [300, 0.4])], 'scale-no-expired-progress')?.met, true);
    const expired = target([step(100, [20, 0.2, 0], [30, 0.3]), step(1000, [200, 0.3, 3], [300, 0.4])], 'scale-no-expired-progress');
    assert.equal(expired?.met, false);
    assert.match(expired?.measured ?? '', /1000: 3/);
  });

  it('repeated runs rotate the order: each repetition starts with the next strategy, every strategy once', () => {
    const order = [0, 1, 2, 3].map((repeat) => rotated(['engine', 'floor', 'sequential'], repeat));
    assert.deepEqual(order, [
      ['engine', 'floor', 'sequential'],
      ['floor', 'sequential', 'engine'],
      ['sequential', 'engine', 'floor'],
      ['engine', 'floor', 'sequential'],
    ]);
    assert.deepEqual(rotated([], 2), []);
  });

  it('repeated runs: the row is the run with the median CPU per connect, as measured, with every run in repeats and the first run’s idle sessions', () => {
    const idle = { sessions: 3, windowMs: 10, open: 3, rssPerSessionKb: 1, heapPerSessionKb: 1, cpuMsPerThousandPerSecond: 1 };
    const runs = [{ ...result('engine', 100, 300, 0.9), idle }, result('engine', 100, 100, 0.3), result('engine', 100, 200, 0.5)];
    const median = medianRun(runs);
    assert.equal(median.cpuMsPerConnect, 0.5);
    assert.equal(median.timeToConnectMs.p99, 200, 'the p99 of another run than the median one');
    assert.deepEqual(median.repeats, { cpuMsPerConnect: [0.9, 0.3, 0.5], p99Ms: [300, 100, 200] });
    assert.deepEqual(median.idle, idle);
    assert.equal(medianRun([runs[1], runs[2]]).cpuMsPerConnect, 0.3, 'an even count takes the lower middle');
    assert.equal(medianRun([runs[1]]), runs[1]);
    assert.throws(() => medianRun([]), RangeError);
    const table = scaleTable({ scale: median, floorScale: null, scaleSeries: [{ cameras: 100, engine: median, floor: median, sequential: median }] } as never);
    assert.match(table, /median CPU per connect of 3 interleaved runs/);
    assert.match(table, /\| 200 ms \(100–300\) \| 0\.5 ms \(0\.3–0\.9\) \|/);
  });

  it('results written before the series have no series targets', () => {
    assert.equal(target([], 'scale-ahead-of-sequential'), undefined);
  });
});
