import assert from 'node:assert/strict';
import { NAT_SCENARIOS, runNatScenarios } from '../../bench/nat';
import { listNamespaces, RUN_PREFIX } from '../../bench/testbed/netns';
import { netTierUnavailable } from './tier';

/**
 * The bench's NAT scenarios (`trailcam bench`, scenarios 9-12) on their shortest path: one
 * warm-up and one trial each, the sequential baseline with 1 s attempts. The loopback bench test
 * (test/bench) runs with `--nat off`, so this is where the NAT path of the bench is proven: the
 * bed is built, every scenario's client runs in its namespace and reports every strategy, the
 * expected mode wins without loss, and no namespace is left. Same skip rule as the network tier.
 */

describe('network tier: the bench NAT scenarios, one trial each', function () {
  if (netTierUnavailable('bench NAT scenarios')) return;

  this.timeout(120_000);

  it('every scenario reports cold, warm, oracle and sequential; P2P wins through port-preserving NAT, relay through symmetric NAT', async () => {
    const lines: string[] = [];
    const { runs, skipped } = await runNatScenarios({
      nat: 'auto',
      trials: 1,
      warmups: 1,
      baselineAttemptTimeoutMs: 1_000,
      baselineGapMs: 20,
      log: (l) => lines.push(l),
    });
    assert.deepEqual(skipped, []);
    assert.deepEqual(
      runs.map((r) => r.scenario.number),
      NAT_SCENARIOS.map((s) => s.number),
    );
    for (const { scenario, records } of runs) {
      assert.equal(records.length, 1, `scenario ${scenario.number}: one trial`);
      const [record] = records;
      const where = `scenario ${scenario.number} (${scenario.id}): ${JSON.stringify(record)}`;
      for (const strategy of ['cold', 'warm', 'oracle', 'sequential'] as const) assert.ok(record[strategy], `${where}: no ${strategy} sample`);
      assert.equal(record.condition, scenario.id);
      if ((scenario.scene.loss ?? 0) > 0) {
        // With loss, P2P may lose its punches to the relay (network tier, 10 % loss case): it must connect.
        assert.equal(record.cold.ok, true, where);
      } else {
        for (const strategy of ['cold', 'warm', 'oracle', 'sequential'] as const) {
          assert.deepEqual([record[strategy]?.ok, record[strategy]?.mode], [true, scenario.expected], `${where}: ${strategy}`);
        }
      }
    }
    assert.equal(lines.length, NAT_SCENARIOS.length, lines.join('\n'));
    assert.deepEqual(
      listNamespaces().filter((ns) => ns.startsWith(RUN_PREFIX)),
      [],
      'the bench deleted every namespace of its bed',
    );
  });
});
