import assert from 'node:assert/strict';
import { breakerCooldownMs, breakerStatus, CameraTelemetry, deriveTuning, TUNING_DEFAULTS } from '../../src/telemetry';

const fail = (t: CameraTelemetry, atMs: number): void => t.record({ mode: 'p2p', result: 'fail', elapsedMs: 1_000, atMs });
const win = (t: CameraTelemetry, atMs: number): void => t.record({ mode: 'p2p', result: 'win', elapsedMs: 300, atMs });
const state = (t: CameraTelemetry, nowMs: number): string => breakerStatus(t.mode('p2p'), nowMs, TUNING_DEFAULTS).state;

describe('telemetry: circuit breaker (threshold 5, cool-down 30 s doubling, explicit clock)', () => {
  it('closed → open after 5 consecutive failures → half-open after 30 s → closed on a win', () => {
    const t = new CameraTelemetry();
    for (let i = 1; i <= 4; i += 1) fail(t, i * 1_000);
    assert.equal(state(t, 4_000), 'closed');
    fail(t, 5_000);
    assert.equal(state(t, 5_000), 'open');
    assert.deepEqual(breakerStatus(t.mode('p2p'), 5_000, TUNING_DEFAULTS), { state: 'open', halfOpenAtMs: 35_000 });
    assert.deepEqual(deriveTuning(t, 20_000).skip, ['p2p']);
    assert.equal(state(t, 34_999), 'open');
    assert.equal(state(t, 35_000), 'half-open');
    assert.deepEqual(deriveTuning(t, 35_000).skip, [], 'the half-open probe is let through');
    win(t, 35_500);
    assert.equal(state(t, 35_500), 'closed');
    assert.equal(state(t, 10_000_000), 'closed');
  });

  it('failures stamped a year ahead (the clock was set back): probed now, not skipped for a year, and new outcomes count', () => {
    const t = new CameraTelemetry();
    const year = 365 * 24 * 3600_000;
    for (let i = 1; i <= 5; i += 1) fail(t, year + i * 1_000);
    assert.deepEqual(breakerStatus(t.mode('p2p'), 0, TUNING_DEFAULTS), { state: 'half-open', halfOpenAtMs: null }, 'its probe now');
    assert.deepEqual(deriveTuning(t, 0).skip, []);
    fail(t, 1_000); // the probe fails at the real time: the breaker works from the real clock again
    assert.deepEqual(breakerStatus(t.mode('p2p'), 1_000, TUNING_DEFAULTS), { state: 'open', halfOpenAtMs: 61_000 });
    assert.deepEqual(deriveTuning(t, 61_000).skip, []);
    for (let i = 0; i < 20; i += 1) win(t, 31_000 + i);
    assert.equal(state(t, 32_000), 'closed');
    assert.ok(t.mode('p2p').successRate(32_000) > 0.5, `the wins at the real time count: success rate ${t.mode('p2p').successRate(32_000)}`);
  });

  it('half-open → open again on a failed probe, with a doubled cool-down each time (capped)', () => {
    const t = new CameraTelemetry();
    for (let i = 1; i <= 5; i += 1) fail(t, i * 1_000); // open until 35 000
    fail(t, 36_000); // failed probe: streak 6 → 60 s
    assert.deepEqual(breakerStatus(t.mode('p2p'), 36_000, TUNING_DEFAULTS), { state: 'open', halfOpenAtMs: 96_000 });
    assert.equal(state(t, 95_999), 'open');
    assert.equal(state(t, 96_000), 'half-open');
    fail(t, 96_500); // streak 7 → 120 s
    assert.deepEqual(breakerStatus(t.mode('p2p'), 96_500, TUNING_DEFAULTS), { state: 'open', halfOpenAtMs: 216_500 });
    assert.equal(breakerCooldownMs(9, TUNING_DEFAULTS), 480_000);
    assert.equal(breakerCooldownMs(10, TUNING_DEFAULTS), 600_000, 'capped at breakerMaxCooldownMs');
    assert.equal(breakerCooldownMs(500, TUNING_DEFAULTS), 600_000);
  });

  it('a cancelled probe keeps it half-open; a later win closes it and a new failure starts from 1', () => {
    const t = new CameraTelemetry();
    for (let i = 1; i <= 5; i += 1) fail(t, i * 1_000);
    t.record({ mode: 'p2p', result: 'cancelled', elapsedMs: 50, atMs: 40_000 });
    assert.equal(state(t, 40_000), 'half-open');
    win(t, 41_000);
    fail(t, 42_000);
    assert.equal(t.mode('p2p').consecutiveFailures, 1);
    assert.equal(state(t, 42_000), 'closed');
  });

  it('threshold and cool-down are options; breaker:false never skips', () => {
    const t = new CameraTelemetry();
    fail(t, 0);
    fail(t, 1);
    assert.equal(breakerStatus(t.mode('p2p'), 1, { ...TUNING_DEFAULTS, breakerThreshold: 2, breakerCooldownMs: 100 }).state, 'open');
    assert.equal(breakerStatus(t.mode('p2p'), 101, { ...TUNING_DEFAULTS, breakerThreshold: 2, breakerCooldownMs: 100 }).state, 'half-open');
    for (let i = 2; i < 10; i += 1) fail(t, i);
    assert.deepEqual(deriveTuning(t, 10, { breaker: false }).skip, []);
  });
});
