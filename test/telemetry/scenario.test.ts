import assert from 'node:assert/strict';
import {
  CameraTelemetry,
  deriveTuning,
  MODES,
  recordRace,
  type Mode,
  type RacerSummary,
  type Tuning,
  type TelemetryOptions,
  type TuningOptions,
} from '../../src/telemetry';

/**
 * A toy model of the engine on a changing network, to check the feedback loop end to end:
 * each mode is up or down with a fixed time-to-connect; a mode connects only if that time fits
 * in its attempt timeout; it starts after its stagger; the first to connect wins, the others are
 * cancelled (or never start); with no winner every started mode fails at the deadline.
 */
type Network = Record<Mode, { up: boolean; latencyMs: number }>;

interface RaceOutcome {
  winner: Mode | null;
  /** Time from race start to the win (deadline if none). */
  elapsedMs: number;
  started: Mode[];
  tuning: Tuning;
}

const DEADLINE_MS = 30_000;

class Harness {
  readonly telemetry: CameraTelemetry;
  nowMs = 0;

  constructor(
    readonly network: Network,
    private readonly intervalMs: number,
    private readonly modes: Mode[] = [...MODES],
    private readonly options: Partial<TuningOptions> = {},
    telemetryOptions: Partial<TelemetryOptions> = {},
  ) {
    this.telemetry = new CameraTelemetry(telemetryOptions);
  }

  race(): RaceOutcome {
    this.nowMs += this.intervalMs;
    const tuning = deriveTuning(this.telemetry, this.nowMs, { ...this.options, modes: this.modes });
    const raced = this.modes.filter((m) => !tuning.skip.includes(m));
    const finish = (m: Mode): number => {
      const path = this.network[m];
      return path.up && path.latencyMs <= tuning.attemptTimeoutMs[m] ? tuning.staggerMs[m] + path.latencyMs : Infinity;
    };
    const winner = raced.reduce<Mode | null>((best, m) => (finish(m) < (best === null ? DEADLINE_MS : finish(best)) ? m : best), null);
    const endMs = winner === null ? DEADLINE_MS : finish(winner);
    const started = raced.filter((m) => tuning.staggerMs[m] < endMs || m === winner);
    const racers: RacerSummary[] = raced.map((m) => ({
      mode: m,
      state: m === winner ? 'success' : winner === null ? 'failed' : 'cancelled',
      elapsedMs: started.includes(m) ? endMs : null,
    }));
    recordRace(this.telemetry, { atMs: this.nowMs, racers, staggerMs: tuning.staggerMs });
    return { winner, elapsedMs: endMs, started, tuning };
  }

  races(count: number): RaceOutcome[] {
    return Array.from({ length: count }, () => this.race());
  }
}

const network = (lan: number | null, p2p: number | null, relay: number | null): Network => ({
  lan: { up: lan !== null, latencyMs: lan ?? 0 },
  p2p: { up: p2p !== null, latencyMs: p2p ?? 0 },
  relay: { up: relay !== null, latencyMs: relay ?? 0 },
});

describe('telemetry: feedback loop on a changing network (toy engine model)', () => {
  it('steady network: LAN leads and wins; the others mostly never start, but are explored now and then', () => {
    const h = new Harness(network(40, 300, 600), 60_000);
    const first = h.race();
    assert.deepEqual(first.started, ['lan', 'p2p', 'relay'], 'no history: all at once');
    const rest = h.races(40);
    assert.ok(rest.every((r) => r.winner === 'lan' && r.elapsedMs === 40));
    assert.ok(rest.every((r) => r.tuning.order[0] === 'lan'));
    const relayStarts = rest.filter((r) => r.started.includes('relay')).length;
    assert.ok(relayStarts >= 8 && relayStarts <= 14, `relay started in ${relayStarts} of 40 races (explored every 4th)`);
  });

  it('LAN goes down, then comes back: every race still connects, and LAN is found again within a few races', () => {
    const h = new Harness(network(40, 300, 600), 60_000);
    h.races(20);
    h.network.lan.up = false;
    const down = h.races(100);
    assert.ok(
      down.every((r) => r.winner === 'p2p'),
      'p2p takes over at once',
    );
    const worst = Math.max(...down.map((r) => r.elapsedMs));
    assert.ok(worst <= 300 + 100, `a silent LAN leader delays p2p by one short step only (worst ${worst} ms)`);
    // Gradual on purpose: while LAN leads it costs p2p one LAN step (~41 ms) per race, so its
    // lead fades with its decayed record (about an hour here) rather than after one miss.
    const leaderSwitch = down.findIndex((r) => r.tuning.order[0] === 'p2p');
    assert.ok(leaderSwitch > 0 && leaderSwitch < 90, `p2p leads after ${leaderSwitch + 1} races`);
    const afterSwitch = down.slice(leaderSwitch);
    assert.ok(afterSwitch.every((r) => r.tuning.order[0] === 'p2p'));
    const lanStarts = afterSwitch.filter((r) => r.started.includes('lan')).length;
    assert.ok(lanStarts <= Math.ceil(afterSwitch.length / 4) + 1, `behind p2p, LAN only starts when explored (${lanStarts} of ${afterSwitch.length})`);

    h.network.lan.up = true;
    const back = h.races(60);
    const found = back.findIndex((r) => r.winner === 'lan');
    assert.ok(found >= 0 && found < 4, `LAN wins again within 4 races (race ${found + 1})`);
    const leads = back.findIndex((r) => r.tuning.order[0] === 'lan');
    assert.ok(leads >= 0 && leads < 60, `LAN leads again (after ${leads + 1} races)`);
    assert.ok(back.slice(leads).every((r) => r.winner === 'lan'));
  });

  it('with decay off, only exploring finds a LAN that came back behind p2p', () => {
    const run = (explore: boolean): RaceOutcome[] => {
      const h = new Harness(network(40, 300, 600), 60_000, [...MODES], { explore }, { halfLifeMs: Infinity });
      h.races(20);
      h.network.lan.up = false;
      h.races(250);
      h.network.lan.up = true;
      return h.races(20);
    };
    const without = run(false);
    assert.ok(
      without.every((r) => r.winner === 'p2p' && !r.started.includes('lan')),
      'never started, never found',
    );
    const found = run(true).findIndex((r) => r.winner === 'lan');
    assert.ok(found >= 0 && found < 4, `found in race ${found + 1}`);
  });

  it('camera off: breakers open, one mode keeps probing, and the camera is reached in the first race after it is back', () => {
    const h = new Harness(network(40, 300, 600), 10_000);
    h.races(5);
    h.network.lan.up = h.network.p2p.up = h.network.relay.up = false;
    const off = h.races(30);
    assert.ok(off.every((r) => r.winner === null));
    assert.ok(
      off.every((r) => r.tuning.skip.length < 3),
      'never every mode skipped',
    );
    const late = off.slice(10);
    assert.ok(
      late.some((r) => r.tuning.skip.length > 0),
      'breakers open while the camera is off',
    );
    const startedPerRace = late.reduce((n, r) => n + r.started.length, 0) / late.length;
    assert.ok(startedPerRace < 2, `fewer modes raced while off (${startedPerRace.toFixed(2)} per race)`);

    h.network.lan.up = h.network.p2p.up = h.network.relay.up = true;
    const back = h.race();
    assert.notEqual(back.winner, null);
  });

  it('a LAN-only camera that got slower is reached again as its timeout backs off, before the breaker opens', () => {
    const h = new Harness(network(40, null, null), 60_000, ['lan']);
    h.races(10);
    assert.equal(h.race().tuning.attemptTimeoutMs.lan, 200, 'the timeout has shrunk to the floor');
    h.network.lan.latencyMs = 900;
    const slow = h.races(6);
    const found = slow.findIndex((r) => r.winner === 'lan');
    assert.ok(found >= 0 && found < 4, `reached again in race ${found + 1}`);
    assert.ok(slow.every((r) => r.tuning.skip.length === 0));
    assert.ok(slow.slice(found).every((r) => r.winner === 'lan'));
  });

  it('with every adaptive behaviour off it behaves like the seed: all modes at once, fixed timeout', () => {
    const h = new Harness(network(40, 300, 600), 60_000);
    h.races(10);
    const t = deriveTuning(h.telemetry, h.nowMs, {
      adaptiveTimeout: false,
      stagger: false,
      backoff: false,
      breaker: false,
      explore: false,
      lanPortOrder: false,
      defaultAttemptTimeoutMs: 5_000,
    });
    assert.deepEqual(t, {
      version: 1,
      order: ['lan', 'p2p', 'relay'],
      staggerMs: { lan: 0, p2p: 0, relay: 0 },
      attemptTimeoutMs: { lan: 5_000, p2p: 5_000, relay: 5_000 },
      skip: [],
    });
  });
});
