import assert from 'node:assert/strict';
import type { ScaleStep } from '../../bench/run';
import { medianP99, medianRun, rotated, SATURATED_SHARE, scaleBound, scaleCounts, SCALES, type ScaleResult, type ScaleStrategy } from '../../bench/scale';
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

  it('ahead of the sequential baseline over repeated runs: the medians of the runs’ p99s are compared, not the p99 of the median-CPU run', () => {
    // The engine's median-CPU run has the worst of its p99s; the median of its three runs is below the baseline's.
    const engine = medianRun([result('engine', 250, 30, 0.08), result('engine', 250, 22, 0.07), result('engine', 250, 23, 0.09)]);
    const sequential = medianRun([result('sequential', 250, 25, 0.1), result('sequential', 250, 24, 0.11), result('sequential', 250, 26, 0.09)]);
    assert.equal(engine.timeToConnectMs.p99, 30, 'the row shows its own run');
    assert.equal(medianP99(engine), 23);
    assert.equal(medianP99(sequential), 25);
    const floor = result('floor', 250, 10, 0.05);
    const ahead = target([{ cameras: 250, engine, floor, sequential }], 'scale-ahead-of-sequential');
    assert.equal(ahead?.met, true);
    assert.match(ahead?.measured ?? '', /medians of 3 interleaved runs: 250: p99 23 ms vs 25 ms/);
    // And the other way round: a lucky median-CPU run does not hide a median behind the baseline.
    const slow = medianRun([result('engine', 250, 20, 0.08), result('engine', 250, 27, 0.07), result('engine', 250, 28, 0.09)]);
    assert.equal(target([{ cameras: 250, engine: slow, floor, sequential }], 'scale-ahead-of-sequential')?.met, false);
    assert.equal(medianP99(result('engine', 100, 12, 0.1)), 12, 'one run: its own p99');
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
    assert.match(table, /\| 200 ms \(100–300, median 200\) \| 0\.5 ms \(0\.3–0\.9\) \|/);
  });

  it('results written before the series have no series targets', () => {
    assert.equal(target([], 'scale-ahead-of-sequential'), undefined);
  });
});

describe('bench: the scenario targets of issue 16', () => {
  const stats = (p99: number | null, wrong = 0) => ({
    timeToConnectMs: { p50: p99, p99 },
    wrongWinners: wrong,
    compared: 60,
    wrongWinnerRate: wrong / 60,
    winners: {},
  });
  const scenario = (number: number, cold: number | null, warm: number | null, sequential: number | null, extra: object = {}) => ({
    number,
    id: `s${number}`,
    title: `scenario ${number}`,
    strategies: { cold: stats(cold), warm: stats(warm), oracle: stats(1), sequential: stats(sequential) },
    ...extra,
  });
  const target = (scenarios: object[], id: string) => evaluateTargets({ scenarios, scale: null } as never).find((t) => t.id === id);

  it('ahead of the sequential baseline in every scenario: cold and warm p99 below its p99; a miss names scenario and strategy', () => {
    const ahead = target([scenario(20, 5, 4, 8), scenario(21, 20, 30, 5000)], 'scenarios-ahead-of-sequential');
    assert.equal(ahead?.met, true);
    assert.match(ahead?.measured ?? '', /ahead in all 2 scenarios; closest: scenario 20/);
    const behind = target([scenario(20, 5, 8, 8), scenario(21, 20, 30, 5000)], 'scenarios-ahead-of-sequential');
    assert.equal(behind?.met, false, 'a tie is not ahead');
    assert.match(behind?.measured ?? '', /behind in scenario 20 warm \(8 ms vs 8 ms\)/);
    assert.equal(target([scenario(20, 5, 4, null)], 'scenarios-ahead-of-sequential'), undefined, 'no baseline, no target');
  });

  it('warm wrong winners: the figure without random-loss scenarios is given only when there are some', () => {
    const wrong = (n: number) => ({ strategies: { ...scenario(0, 1, 1, 2).strategies, warm: stats(1, n) } });
    const withLoss = target(
      [
        { ...scenario(20, 1, 1, 2), ...wrong(0) },
        { ...scenario(21, 1, 1, 2, { randomLoss: true }), ...wrong(3) },
      ],
      'warm-wrong-winner',
    );
    assert.equal(withLoss?.met, false);
    assert.match(withLoss?.measured ?? '', /3 of 120 trials.*without scenario 21, whose random losses differ.*0 of 60/);
    const without = target(
      [
        { ...scenario(20, 1, 1, 2), ...wrong(0) },
        { ...scenario(21, 1, 1, 2, { randomLoss: false }), ...wrong(0) },
      ],
      'warm-wrong-winner',
    );
    assert.equal(without?.met, true);
    assert.doesNotMatch(without?.measured ?? '', /without/);
  });
});
