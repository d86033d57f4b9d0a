import assert from 'node:assert/strict';
import childProcess from 'node:child_process';
import sinon from 'sinon';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { BENCH_HELP, defaultOutDir } from '../../src/cli/bench';
import { main } from '../../src/cli/main';
import { wrongWinner } from '../../bench/analyse';
import { driftPhases, SCENARIOS } from '../../bench/scenarios';
import { cleanupMs, STRATEGIES, type OracleSample, type Sample } from '../../bench/strategies';
import { settledHandles } from '../../bench/scale';
import { openEnvironment } from '../../bench/environment';
import { measureTrials, runKey } from '../../bench/trials';
import { seededRandom } from '../../src/sim';
import { race, RaceError } from '../../src/engine';
import type { BenchResult } from '../../bench/run';
import { capture } from '../helpers/cli';
import { natSkipReason, NAT_SCENARIOS } from '../../bench/nat';
import { unavailableReason } from '../../bench/testbed/netns';

describe('bench: trailcam bench', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trailcam-bench-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs with tiny counts, prints one JSON object and writes latest.md/.svg/.json (no speed asserted)', async () => {
    const before = await settledHandles();
    const c = capture();
    // --nat off: the NAT scenarios need root and namespaces and take seconds each; they are
    // covered by test/net/bench-nat.test.ts in the network tier. Here they must be listed as skipped.
    const code = await main(
      ['bench', '--trials', '2', '--cameras', '20', '--idle', '300', '--baseline-timeout', '100', '--nat', 'off', '--out', dir, '--json'],
      c.io,
      new AbortController().signal,
    );
    assert.equal(code, 0, c.err());
    const lines = c.out().trim().split('\n');
    assert.equal(lines.length, 1, 'one JSON object on stdout');
    const result = JSON.parse(lines[0]) as BenchResult;
    assert.equal(result.bench, 'trailcam');
    assert.deepEqual(
      result.scenarios.map((s) => s.number),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.deepEqual(
      result.skippedScenarios?.map((s) => [s.number, s.reason]),
      [9, 10, 11, 12].map((n) => [n, 'skipped: --nat off']),
    );
    for (const s of result.scenarios) {
      for (const strategy of STRATEGIES) {
        const st = s.strategies[strategy];
        assert.equal(st.trials, 2, `${s.id} ${strategy}`);
        assert.ok(st.successRate >= 0 && st.successRate <= 1);
        assert.ok('p50' in st.timeToConnectMs && 'p95' in st.timeToConnectMs && 'p99' in st.timeToConnectMs);
        assert.equal(st.regretMs === null, strategy === 'oracle');
      }
      assert.equal(s.raw.cold.length, 2);
    }
    assert.ok(result.scenarios[6].learning, 'the drift scenario has a learning curve');
    assert.equal(result.scale?.cameras, 20);
    assert.ok(typeof result.scale?.peakRssMb === 'number' && typeof result.scale?.cpuMsPerConnect === 'number');
    // Issue 16: the floor at the same scale, side by side, and the ratio targets (not judged below 1,000 cameras).
    assert.equal(result.scale?.strategy, 'engine');
    assert.equal(result.floorScale?.strategy, 'floor');
    assert.equal(result.floorScale?.connected, 20, 'the floor connects every simulated camera');
    assert.equal(result.floorScale?.socketsPerConnect, 1);
    // A burst of 20 races started in one tick holds every follower (busy.ts), so the engine may open just the winning socket.
    assert.ok((result.scale?.socketsPerConnect ?? 0) >= 1, 'the engine’s sockets per connect are not counted');
    for (const id of ['scale-cpu-vs-floor', 'scale-p99-vs-floor']) assert.equal(result.targets.find((t) => t.id === id)?.met, null, id);
    // The series: one scale (20 < 100), every strategy on its own simulator; the simulator reported its CPU.
    assert.deepEqual(
      result.scaleSeries?.map((s) => s.cameras),
      [20],
    );
    const only = result.scaleSeries?.[0];
    for (const strategy of ['engine', 'floor', 'sequential'] as const) {
      const run = only?.[strategy];
      assert.equal(run?.connected, 20, strategy);
      assert.equal(run?.socketsAfter, run?.socketsBefore, `${strategy} left sockets open`);
      assert.ok(typeof run?.simCpuMsPerConnect === 'number' && run.simCpuMsPerConnect > 0, `${strategy}: no simulator CPU`);
      assert.ok(['client', 'simulator', 'both', 'neither'].includes(run?.bound ?? ''), strategy);
    }
    assert.equal(only?.engine.expiredAfterProgress, 0);
    // Idle sessions of the largest scale: engine and floor held every connect as a live session.
    for (const strategy of ['engine', 'floor'] as const) {
      const idle = only?.[strategy].idle;
      assert.equal(idle?.sessions, 20, strategy);
      assert.equal(idle?.open, 20, `${strategy}: a session ended during the window`);
      assert.ok((idle?.windowMs ?? 0) >= 300, strategy);
    }
    assert.equal(only?.sequential.idle, undefined);
    assert.equal(typeof result.targets.find((t) => t.id === 'idle-sessions-vs-floor')?.met, 'boolean');
    for (const id of ['scale-ahead-of-sequential', 'scale-no-expired-progress'])
      assert.equal(typeof result.targets.find((t) => t.id === id)?.met, 'boolean', id);
    assert.ok(result.targets.length >= 10);
    for (const t of result.targets) assert.ok(t.met === null || typeof t.met === 'boolean', t.id);

    const md = await readFile(join(dir, 'latest.md'), 'utf8');
    assert.match(md, /\| # \| scenario \| strategy \| success \| p50 \| p95 \| p99 \|/);
    assert.match(md, /\| cameras \| who connects \| connected \| p50 \| p99 \| CPU \/ connect \| sim CPU \/ connect \|/);
    assert.match(md, /\| 20 \| sequential \| 20 \|/);
    assert.match(md, /\| engine \(Session\) \| 20 \| 20 \|/);
    assert.match(md, /## Targets/);
    assert.match(md, /\| floor \| 20 \| 20 \(100 %\)/);
    assert.match(md, /\| engine \/ floor \|/);
    assert.match(
      md,
      /\| 9 \| NAT: P2P by hole punching \| skipped: --nat off \|( – \|){9}\n/,
      'a skipped NAT scenario keeps its row, with dashes in every column',
    );
    assert.match(md, /12\. \*\*NAT: relay through symmetric NAT, 10 % loss\*\* \(skipped: --nat off\): as scenario 11/);
    const svg = await readFile(join(dir, 'latest.svg'), 'utf8');
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.equal(JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')).scenarios.length, 8);
    assert.deepEqual(await settledHandles(), before, 'every socket and timer of the run is released');
  });

  it('a --quick run writes where git ignores it, so the committed full-run results stay; a full run writes those', () => {
    assert.equal(defaultOutDir(false), 'bench/results');
    assert.equal(defaultOutDir(true), 'bench/results/quick');
    assert.match(BENCH_HELP, /--quick:\s+bench\/results\/quick, which git ignores/);
    const ignored = (path: string): boolean =>
      childProcess.spawnSync('git', ['check-ignore', '-q', path], { cwd: resolve(__dirname, '../../..') }).status === 0;
    assert.equal(ignored('bench/results/quick/latest.json'), true);
    assert.equal(ignored('bench/results/latest.json'), false);
  });

  it('bad flags exit 2 and name the flag', async () => {
    for (const [args, flag] of [
      [['--trials', 'many'], '--trials'],
      [['--cameras', '-3'], '--cameras'],
      [['--idle', '1.5'], '--idle'],
      [['--baseline-timeout', '0'], '--baseline-timeout'],
      [['--bogus'], '--bogus'],
      [['--nat', 'on'], '--nat'],
    ] as const) {
      const c = capture();
      assert.equal(await main(['bench', ...args], c.io, new AbortController().signal), 2, args.join(' '));
      assert.ok(c.err().includes(flag), c.err());
    }
  });
});

describe('bench: definitions', () => {
  const sample = (mode: Sample['mode'], ms: number): Sample => ({ ok: true, ms, mode, packets: 1, cleanupMs: null });
  const oracle = (mode: Sample['mode'], ms: number): OracleSample => ({ ...sample(mode, ms), alone: {} });

  it('wrong winner: another mode won and took more than max(1 ms, 10 %) longer than the oracle', () => {
    assert.equal(wrongWinner(sample('p2p', 25), oracle('lan', 5)), true);
    assert.equal(wrongWinner(sample('lan', 25), oracle('lan', 5)), false, 'same mode, only slower');
    assert.equal(wrongWinner(sample('p2p', 5.5), oracle('lan', 5)), false, 'a tie within 1 ms');
    assert.equal(wrongWinner(sample('p2p', 105), oracle('lan', 100)), false, 'a tie within 10 %');
    assert.equal(wrongWinner({ ...sample(null, 30_000), ok: false }, oracle('lan', 5)), false, 'a failure is not a wrong win');
  });

  it('common random numbers: the cold race, the warm race and both oracle steps of a trial begin a run keyed by that trial', async () => {
    const lossy = SCENARIOS.find((s) => s.id === 'lan-loss');
    assert.ok(lossy);
    const env = await openEnvironment({ seed: 3, layout: lossy.layout, paths: lossy.plan(1, 1, seededRandom(3)).trials[0].paths });
    const keys: number[] = [];
    try {
      const records = await measureTrials(
        2,
        2,
        () => env.config(lossy.modes),
        undefined,
        undefined,
        (phase, i) => {
          keys.push(runKey(phase, i));
          return env.beginRun(runKey(phase, i));
        },
      );
      assert.equal(records.length, 2);
    } finally {
      await env.close();
    }
    // Warm-ups -1, -2; then per trial: cold and warm (in either order), the oracle's lead, its others.
    assert.deepEqual(keys, [-1, -2, 0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it("a scenario's simulator runs in its own process; paths, run keys and session counts go through it, acknowledged before the next race", async () => {
    const scenario = SCENARIOS.find((s) => s.id === 'all-up');
    assert.ok(scenario);
    const nominal = scenario.plan(1, 1, seededRandom(1)).trials[0].paths;
    const before = await settledHandles();
    const env = await openEnvironment({ seed: 4, layout: 'fourth', paths: nominal });
    try {
      assert.equal((await settledHandles()).udp, before.udp, 'no simulator or silent socket in the bench process');
      assert.equal(env.ports.length, 4, 'three silent ports, then the camera');
      const opened = await env.sessionsOpened();
      await env.apply({ ...nominal, lan: { ...nominal.lan, down: true } });
      await assert.rejects(race({ ...env.config(['lan']), maxConnectionTimeMs: 300 }), RaceError);
      await env.apply(nominal);
      await env.beginRun(7);
      const won = await race(env.config(['lan']));
      assert.equal(won.mode, 'lan');
      assert.equal(await env.liveSessionsOpenedAfter(opened), 1, 'the won session is live in the child');
      await won.link.close();
      assert.ok((await env.sessionsOpened()) > opened);
    } finally {
      await env.close();
    }
    assert.deepEqual(await settledHandles(), before);
  });

  it('loser clean-up: from the win to the last started loser; racers that never started do not count', () => {
    const racer = (mode: 'lan' | 'p2p' | 'relay', state: 'success' | 'cancelled', elapsedMs: number | null) => ({
      name: mode,
      mode,
      state,
      attempts: 1,
      localPort: 1,
      destinationPort: null,
      elapsedMs,
      error: null,
      ignored: 0,
      sent: 1,
    });
    assert.equal(cleanupMs({ mode: 'lan', racers: [racer('lan', 'success', 5), racer('p2p', 'cancelled', 5.4), racer('relay', 'cancelled', 6)] }), 1);
    assert.equal(cleanupMs({ mode: 'lan', racers: [racer('lan', 'success', 5), racer('p2p', 'cancelled', null)] }), null);
  });

  it('scenario plans are seeded and the drift scenario goes up, down, up', () => {
    const flaky = SCENARIOS.find((s) => s.id === 'flaky');
    assert.ok(flaky);
    const a = flaky.plan(5, 50, seededRandom(7)).trials.map((c) => c.key);
    const b = flaky.plan(5, 50, seededRandom(7)).trials.map((c) => c.key);
    assert.deepEqual(a, b);
    assert.ok(a.includes('lan-down') && a.includes('nominal'));
    const drift = SCENARIOS.find((s) => s.id === 'drift');
    assert.ok(drift);
    const keys = drift.plan(2, 20, Math.random).trials.map((c) => c.key);
    const { downFrom, returnsAt } = driftPhases(20);
    assert.ok(downFrom > 0 && returnsAt > downFrom && returnsAt < 20);
    assert.deepEqual(keys.slice(downFrom, returnsAt), Array(returnsAt - downFrom).fill('lan-down'));
    assert.ok(
      keys
        .slice(0, downFrom)
        .concat(keys.slice(returnsAt))
        .every((k) => k === 'nominal'),
    );
  });
});

describe('bench: NAT scenarios where they cannot run', () => {
  afterEach(() => sinon.restore());

  it('the skip line names exactly what is missing: not root, and a broken nft (with its package)', () => {
    sinon.stub(process, 'platform').value('linux');
    sinon.stub(process, 'getuid').returns(1000);
    sinon
      .stub(childProcess, 'spawnSync')
      .callsFake(((command: string) =>
        command === 'nft'
          ? { error: new Error('spawn nft ENOENT'), status: null, stdout: '', stderr: '' }
          : { status: 0, stdout: '', stderr: '' }) as unknown as typeof childProcess.spawnSync);
    assert.equal(unavailableReason(), 'needs root (running as uid 1000) + a working `nft --version` (spawn nft ENOENT; package nftables)');
    assert.equal(natSkipReason('auto'), 'skipped: needs root (running as uid 1000) + a working `nft --version` (spawn nft ENOENT; package nftables)');
  });

  it('runs where nothing is missing; --nat off skips anyway', () => {
    assert.equal(
      natSkipReason('auto', () => null),
      null,
    );
    assert.equal(
      natSkipReason('off', () => null),
      'skipped: --nat off',
    );
    assert.equal(
      natSkipReason('auto', () => 'needs root (running as uid 1000)'),
      'skipped: needs root (running as uid 1000)',
    );
  });

  it('P2P through port-preserving NAT and relay through symmetric NAT, each without and with 10 % loss', () => {
    assert.deepEqual(
      NAT_SCENARIOS.map((s) => [s.number, s.expected, s.scene.camNat, s.scene.firewall, s.scene.loss]),
      [
        [9, 'p2p', 'preserving', true, 0],
        [10, 'p2p', 'preserving', true, 10],
        [11, 'relay', 'symmetric', true, 0],
        [12, 'relay', 'symmetric', true, 10],
      ],
    );
  });
});

describe('bench: ships without the tests', () => {
  it('nothing in dist/bench (in the npm package) requires dist/test (not in it), the NAT test bed included', async () => {
    const root = resolve(__dirname, '../../bench');
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.js')).map((f) => join(root, f));
    assert.ok(
      files.some((f) => f.endsWith(join('testbed', 'netns.js'))),
      'the test bed is compiled into dist/bench/testbed',
    );
    const dist = resolve(root, '..');
    for (const file of files) {
      for (const [, target] of (await readFile(file, 'utf8')).matchAll(/require\("([^"]+)"\)/g)) {
        if (!target.startsWith('.')) continue;
        const where = relative(dist, resolve(file, '..', target));
        assert.ok(
          where.startsWith('bench') || where.startsWith('src'),
          `${relative(dist, file)} requires ${target} (${where}), outside dist/bench and dist/src`,
        );
      }
    }
  });
});
