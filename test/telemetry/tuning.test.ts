import assert from 'node:assert/strict';
import { CameraTelemetry, deriveTuning, TelemetryFormatError, updateRtt, type Mode, type RttEstimate } from '../../src/telemetry';

function wins(t: CameraTelemetry, mode: Mode, samplesMs: number[], atMs = 0, destinationPort?: number): void {
  for (const elapsedMs of samplesMs) t.record({ mode, result: 'win', elapsedMs, atMs, ...(destinationPort === undefined ? {} : { destinationPort }) });
}
function fails(t: CameraTelemetry, mode: Mode, count: number, atMs = 0): void {
  for (let i = 0; i < count; i += 1) t.record({ mode, result: 'fail', elapsedMs: 1_000, atMs });
}
function rtoOf(samples: number[]): number {
  let e: RttEstimate | null = null;
  for (const s of samples) e = updateRtt(e, s);
  if (e === null) throw new Error('no samples');
  return e.srttMs + 4 * e.rttvarMs;
}
const repeat = (ms: number, n: number): number[] => Array.from({ length: n }, () => ms);

describe('telemetry: tuning derivation', () => {
  it('no history: all modes at once in lan, p2p, relay order with the default timeout', () => {
    assert.deepEqual(deriveTuning(new CameraTelemetry(), 0), {
      version: 1,
      order: ['lan', 'p2p', 'relay'],
      staggerMs: { lan: 0, p2p: 0, relay: 0 },
      attemptTimeoutMs: { lan: 1_500, p2p: 1_500, relay: 1_500 },
      skip: [],
    });
  });

  it("a fast reliable LAN leads; the others follow one and two steps (LAN's SRTT + 4·RTTVAR) later", () => {
    const t = new CameraTelemetry();
    wins(t, 'lan', repeat(40, 10));
    wins(t, 'p2p', repeat(300, 5));
    wins(t, 'relay', repeat(600, 5));
    const tuning = deriveTuning(t, 0);
    // SRTT 40, RTTVAR 20·(3/4)^9 ≈ 1.5 → RTO ≈ 46.0 → 47 ms
    const step = Math.ceil(40 + 4 * 20 * 0.75 ** 9);
    assert.equal(step, 47);
    assert.deepEqual(tuning.order, ['lan', 'p2p', 'relay']);
    assert.deepEqual(tuning.staggerMs, { lan: 0, p2p: step, relay: 2 * step });
    assert.deepEqual(tuning.skip, []);
  });

  it('the order follows the expected cost, whichever mode is fastest', () => {
    const t = new CameraTelemetry();
    wins(t, 'relay', repeat(150, 6));
    wins(t, 'p2p', repeat(900, 6));
    const tuning = deriveTuning(t, 0);
    assert.deepEqual(tuning.order, ['relay', 'p2p', 'lan'], 'a mode without samples is expected at the default timeout');
    assert.equal(tuning.staggerMs.relay, 0);
    assert.ok(tuning.staggerMs.p2p > 0 && tuning.staggerMs.lan > tuning.staggerMs.p2p);
  });

  it('one slow win (a lost request) does not hand the lead to a mode that is slower in every other race', () => {
    const t = new CameraTelemetry();
    wins(t, 'p2p', [...repeat(32, 15), 1_033]);
    wins(t, 'relay', repeat(155, 16));
    // SRTT would put relay first: 32·7/8 + 1033/8 ≈ 157 ms against relay's 155 ms.
    assert.ok(t.mode('p2p').rtt!.srttMs > 155);
    assert.deepEqual(deriveTuning(t, 0).order, ['p2p', 'relay', 'lan'], "p2p's typical time (median) is 32 ms");
  });

  it('a leader with a heavy tail: the followers start at twice its typical time, not at its loss-inflated SRTT + 4·RTTVAR', () => {
    const t = new CameraTelemetry();
    const samples = [...repeat(32, 6), 530, ...repeat(32, 6), 1_030, 32, 32];
    wins(t, 'p2p', samples);
    wins(t, 'relay', repeat(155, 16));
    assert.ok(rtoOf(samples) > 300, `RTO ${rtoOf(samples)}`);
    const tuning = deriveTuning(t, 0);
    assert.deepEqual(tuning.order, ['p2p', 'relay', 'lan']);
    assert.equal(tuning.staggerMs.relay, 64);
    assert.equal(tuning.staggerMs.lan, 128);
  });

  it('the typical time follows the newest 16 samples', () => {
    const t = new CameraTelemetry();
    wins(t, 'p2p', [...repeat(32, 40), ...repeat(200, 9)]);
    wins(t, 'relay', repeat(150, 16));
    assert.deepEqual(deriveTuning(t, 0).order, ['relay', 'p2p', 'lan'], 'p2p got slower: 9 of its newest 16 wins took 200 ms');
  });

  it('a reliable mode beats a slightly faster but flaky one', () => {
    const t = new CameraTelemetry();
    wins(t, 'lan', repeat(100, 2));
    fails(t, 'lan', 8);
    wins(t, 'lan', [100]); // streak cleared, but success rate 4/13
    wins(t, 'p2p', repeat(200, 10));
    assert.deepEqual(deriveTuning(t, 0).order, ['p2p', 'lan', 'relay']);
  });

  it('the stagger step is clamped to 10 ms – 2 s', () => {
    const fast = new CameraTelemetry();
    wins(fast, 'lan', repeat(1, 12));
    assert.equal(deriveTuning(fast, 0).staggerMs.p2p, 10);
    const slow = new CameraTelemetry();
    wins(slow, 'lan', repeat(1_900, 3)); // RTO 1900 + 4·950·(3/4)² ≈ 4037
    assert.equal(deriveTuning(slow, 0).staggerMs.p2p, 2_000);
    assert.equal(deriveTuning(slow, 0).staggerMs.relay, 4_000);
  });

  it('a leader without samples gives no stagger (known failures only)', () => {
    const t = new CameraTelemetry();
    fails(t, 'p2p', 1);
    fails(t, 'relay', 1);
    const tuning = deriveTuning(t, 0, { backoff: false });
    assert.equal(tuning.order[0], 'lan');
    assert.deepEqual(tuning.staggerMs, { lan: 0, p2p: 0, relay: 0 });
  });

  it('a mode with a failure streak is skipped once its breaker opens, and ordered last', () => {
    const t = new CameraTelemetry();
    wins(t, 'lan', repeat(50, 5));
    fails(t, 'p2p', 5, 1_000);
    const tuning = deriveTuning(t, 2_000);
    assert.deepEqual(tuning.skip, ['p2p']);
    assert.deepEqual(tuning.order, ['lan', 'relay', 'p2p']);
  });

  it('never skips every raced mode: the one whose cool-down ends first is let through', () => {
    const t = new CameraTelemetry();
    fails(t, 'relay', 5, 1_000);
    fails(t, 'lan', 5, 3_000);
    fails(t, 'p2p', 5, 2_000);
    const tuning = deriveTuning(t, 4_000);
    assert.deepEqual([...tuning.skip].sort(), ['lan', 'p2p']);
    assert.equal(tuning.order[0], 'relay');
    assert.equal(tuning.staggerMs.relay, 0);
    // only lan raced: lan is let through although open
    assert.deepEqual(deriveTuning(t, 4_000, { modes: ['lan'] }).skip, []);
  });

  it('backoff: a failing follower waits base·2^(streak-1) more, capped; the leader never waits', () => {
    const t = new CameraTelemetry();
    wins(t, 'lan', repeat(40, 10));
    wins(t, 'relay', repeat(600, 20));
    const step = Math.ceil(rtoOf(repeat(40, 10)));
    fails(t, 'p2p', 1);
    assert.equal(deriveTuning(t, 0).staggerMs.p2p, 2 * step + 250); // p2p ranks third
    fails(t, 'p2p', 2);
    assert.equal(deriveTuning(t, 0).staggerMs.p2p, 2 * step + 1_000);
    assert.equal(deriveTuning(t, 0, { backoffMaxMs: 600 }).staggerMs.p2p, 2 * step + 600);
    assert.equal(deriveTuning(t, 0, { backoff: false }).staggerMs.p2p, 2 * step);
    fails(t, 'lan', 1);
    assert.equal(deriveTuning(t, 0).order[0], 'lan');
    assert.equal(deriveTuning(t, 0).staggerMs.lan, 0);
  });

  it('a half-open mode probes at once instead of waiting behind the leader', () => {
    const t = new CameraTelemetry();
    wins(t, 'lan', repeat(40, 10));
    fails(t, 'relay', 5, 0);
    assert.deepEqual(deriveTuning(t, 1_000).skip, ['relay']);
    const probe = deriveTuning(t, 30_000);
    assert.deepEqual(probe.skip, []);
    assert.equal(probe.staggerMs.relay, 0);
    assert.ok(probe.staggerMs.p2p > 0);
  });

  it('explore: a follower idle for 3 races in a row starts with the leader once', () => {
    const t = new CameraTelemetry();
    wins(t, 'lan', repeat(40, 10));
    t.recordIdle('p2p');
    t.recordIdle('p2p');
    assert.ok(deriveTuning(t, 0).staggerMs.p2p > 0);
    t.recordIdle('p2p');
    assert.equal(deriveTuning(t, 0).staggerMs.p2p, 0);
    assert.ok(deriveTuning(t, 0, { explore: false }).staggerMs.p2p > 0);
    t.record({ mode: 'p2p', result: 'cancelled', elapsedMs: 40, atMs: 0 });
    assert.ok(deriveTuning(t, 0).staggerMs.p2p > 0, 'back behind the leader after running once');
  });

  it('attempt timeout = clamp(SRTT + 4·RTTVAR, 200, 5000), rounded up', () => {
    const t = new CameraTelemetry();
    wins(t, 'lan', [100, 200, 50]); // RTO 354.6875
    wins(t, 'p2p', [20]); // RTO 60 → floor
    wins(t, 'relay', [3_000]); // RTO 9000 → cap
    assert.deepEqual(deriveTuning(t, 0).attemptTimeoutMs, { lan: 355, p2p: 200, relay: 5_000 });
    assert.deepEqual(deriveTuning(t, 0, { minAttemptTimeoutMs: 50, maxAttemptTimeoutMs: 10_000 }).attemptTimeoutMs, { lan: 355, p2p: 60, relay: 9_000 });
    assert.deepEqual(deriveTuning(t, 0, { adaptiveTimeout: false, defaultAttemptTimeoutMs: 1_234 }).attemptTimeoutMs, { lan: 1_234, p2p: 1_234, relay: 1_234 });
  });

  it('attempt timeout doubles per failure since the last win (RFC 6298 §5.5), up to the cap', () => {
    const t = new CameraTelemetry();
    wins(t, 'lan', [100]); // RTO 300
    fails(t, 'lan', 1);
    assert.equal(deriveTuning(t, 0).attemptTimeoutMs.lan, 600);
    fails(t, 'lan', 1);
    assert.equal(deriveTuning(t, 0).attemptTimeoutMs.lan, 1_200);
    fails(t, 'lan', 3);
    assert.equal(deriveTuning(t, 0).attemptTimeoutMs.lan, 5_000);
    // without samples: the default, doubled per failure, capped at max(cap, default)
    fails(t, 'p2p', 1);
    assert.equal(deriveTuning(t, 0).attemptTimeoutMs.p2p, 3_000);
    fails(t, 'p2p', 1);
    assert.equal(deriveTuning(t, 0).attemptTimeoutMs.p2p, 5_000);
    assert.equal(deriveTuning(t, 0, { defaultAttemptTimeoutMs: 8_000 }).attemptTimeoutMs.relay, 8_000);
  });

  it('stagger:false keeps lan, p2p, relay at once', () => {
    const t = new CameraTelemetry();
    wins(t, 'relay', repeat(40, 10));
    const tuning = deriveTuning(t, 0, { stagger: false });
    assert.deepEqual(tuning.order, ['lan', 'p2p', 'relay']);
    assert.deepEqual(tuning.staggerMs, { lan: 0, p2p: 0, relay: 0 });
  });

  it('modes not raced never lead and come last', () => {
    const t = new CameraTelemetry();
    wins(t, 'lan', repeat(40, 10));
    wins(t, 'relay', repeat(500, 10));
    const tuning = deriveTuning(t, 0, { modes: ['p2p', 'relay'] });
    assert.deepEqual(tuning.order, ['relay', 'p2p', 'lan']);
    assert.equal(tuning.staggerMs.relay, 0);
    assert.equal(tuning.staggerMs.lan, 0);
    assert.equal(tuning.staggerMs.p2p, Math.ceil(rtoOf(repeat(500, 10))));
  });

  it('lanPortOrder lists ports that won, best first', () => {
    const t = new CameraTelemetry();
    wins(t, 'lan', repeat(80, 3), 0, 40611);
    wins(t, 'lan', repeat(30, 6), 0, 32100);
    t.record({ mode: 'lan', destinationPort: 10000, result: 'cancelled', elapsedMs: 5, atMs: 0 });
    assert.deepEqual(deriveTuning(t, 0).lanPortOrder, [32100, 40611]);
    assert.equal(deriveTuning(t, 0, { lanPortOrder: false }).lanPortOrder, undefined);
  });

  it('history decays: an old winner loses its lead to a recent one', () => {
    const t = new CameraTelemetry({ halfLifeMs: 60_000 });
    wins(t, 'p2p', repeat(200, 20), 0);
    t.record({ mode: 'p2p', result: 'cancelled', elapsedMs: 10_000, atMs: 0 }); // overdue
    wins(t, 'relay', repeat(250, 3), 0);
    assert.equal(deriveTuning(t, 0).order[0], 'p2p');
    fails(t, 'p2p', 3, 0);
    assert.equal(deriveTuning(t, 0).order[0], 'p2p', 'twenty wins outweigh three failures');
    wins(t, 'relay', repeat(250, 3), 3_600_000);
    assert.equal(deriveTuning(t, 3_600_000).order[0], 'relay', 'an hour later the recent relay wins count more');
  });

  it('rejects bad options and a bad clock with the field named', () => {
    const t = new CameraTelemetry();
    const field = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        assert.ok(err instanceof TelemetryFormatError);
        return err.field;
      }
      assert.fail('expected a TelemetryFormatError');
    };
    assert.equal(
      field(() => deriveTuning(t, Number.NaN)),
      'nowMs',
    );
    assert.equal(
      field(() => deriveTuning(t, 0, { breakerThreshold: 0 })),
      'options.breakerThreshold',
    );
    assert.equal(
      field(() => deriveTuning(t, 0, { modes: ['lan', 'wifi' as Mode] })),
      'options.modes[1]',
    );
    assert.equal(
      field(() => deriveTuning(t, 0, { minAttemptTimeoutMs: 6_000 })),
      'options.maxAttemptTimeoutMs',
    );
    assert.equal(
      field(() => deriveTuning(t, 0, { stagger: 'yes' as unknown as boolean })),
      'options.stagger',
    );
    assert.equal(
      field(() => deriveTuning(t, 0, { staggerMs: 5 } as never)),
      'options.staggerMs',
    );
  });
});
