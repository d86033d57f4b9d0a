import assert from 'node:assert/strict';
import { CameraTelemetry, summarizeTelemetry } from '../../src/telemetry';

describe('telemetry: summary for status displays', () => {
  it('reports counts, RFC 6298 figures, nearest-rank p50/p95 and breaker state per mode and port', () => {
    const t = new CameraTelemetry({ halfLifeMs: Infinity }); // exact rates
    for (const [i, ms] of [100, 200, 50].entries()) t.record({ mode: 'lan', destinationPort: 40611, result: 'win', elapsedMs: ms, atMs: i });
    for (let i = 0; i < 5; i += 1) t.record({ mode: 'relay', result: 'fail', elapsedMs: 2_000, atMs: 10 });
    const summary = summarizeTelemetry(t, 10);
    assert.deepEqual(summary.modes.lan, {
      wins: 3,
      failures: 0,
      cancellations: 0,
      successRate: 4 / 5,
      srttMs: 104.6875,
      rttvarMs: 62.5,
      rtoMs: 354.6875,
      p50Ms: 100,
      p95Ms: 200,
      samples: 3,
      consecutiveFailures: 0,
      lastSuccessAtMs: 2,
      lastFailureAtMs: null,
      breaker: 'closed',
    });
    assert.equal(summary.modes.relay.breaker, 'open');
    assert.equal(summary.modes.relay.successRate, 1 / 7);
    assert.equal(summarizeTelemetry(t, 30_010).modes.relay.breaker, 'half-open');
    assert.equal(summarizeTelemetry(t, 10, { breaker: false }).modes.relay.breaker, 'closed');
    assert.equal(summary.modes.p2p.p50Ms, null);
    assert.deepEqual(
      summary.lanPorts.map((p) => [p.port, p.wins, p.p95Ms]),
      [[40611, 3, 200]],
    );
  });
});
