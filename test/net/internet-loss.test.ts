import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { runIn } from '../../bench/testbed/hosts';
import { inNs } from '../../bench/testbed/netns';
import { FIRST_FLOW, LATER_FLOW } from '../../bench/testbed/internet-loss';
import { ADDRESSES, createTestbed, type Testbed } from '../../bench/testbed/testbed';
import type { ProbeJob } from './loss-probe';
import { netTierUnavailable } from './tier';

/**
 * The bench's keyed internet loss (bench/testbed/internet-loss.ts) on the real bed: a datagram's
 * fate depends on the run key and its index in its flow, not on the client's port, so two runs
 * with the same key from fresh sockets lose the same datagrams, and a dropped first datagram does
 * not doom its flow (the drop comes after conntrack confirmed it). Same skip rule as the network tier.
 */

const PROBE = resolve(__dirname, 'loss-probe.js');

describe('network tier: keyed internet loss', function () {
  if (netTierUnavailable('keyed loss tests')) return;

  this.timeout(60_000);
  let bed: Testbed;
  before(() => {
    bed = createTestbed();
  });
  after(() => bed?.destroy());

  /** Which of 30 datagrams from one fresh client socket to the rendezvous server's address natcli dropped, and the socket's port. */
  const probeSocket = async (): Promise<{ port: number; pattern: string }> => {
    const job: ProbeJob = { host: ADDRESSES.server, port: 9, count: 30, router: bed.ns.natcli };
    const run = await runIn(bed.ns.cli, [PROBE, JSON.stringify(job)], 30_000);
    const report = run.json as { port?: number; dropped?: boolean[]; error?: string } | null;
    assert.ok(report?.dropped && report.port, `probe failed (exit ${run.code}): ${report?.error ?? run.stdout} ${run.stderr}`);
    return { port: report.port, pattern: report.dropped.map((d) => (d ? 'x' : '.')).join('') };
  };
  const probe = async (): Promise<string> => (await probeSocket()).pattern;
  /** natcli's conntrack mark of the client socket's flow to the server's port 9. */
  const flowMark = (port: number): number => {
    const line = inNs(bed.ns.natcli, 'conntrack', ['-L', '-p', 'udp'])
      .split('\n')
      .find((l) => l.includes(`sport=${port} dport=9 `));
    assert.ok(line, `no flow of port ${port}`);
    return Number(/mark=(\d+)/.exec(line)?.[1]);
  };

  it('the same key drops the same datagrams from a fresh socket; another key drops others', async () => {
    bed.setInternetLoss(50, 7);
    const first = await probe();
    bed.setInternetLoss(50, 7);
    const again = await probe();
    bed.setInternetLoss(50, 8);
    const other = await probe();
    assert.equal(again, first, 'same key, new socket: same fates by index');
    if (process.env.VERBOSE) console.log(`      key 7: ${first}, key 8: ${other}`);
    assert.notEqual(other, first, 'another key: other fates');
    for (const pattern of [first, other]) {
      const drops = pattern.split('x').length - 1;
      assert.ok(drops >= 5 && drops <= 25, `about half of 30 dropped at 50 %: ${pattern}`);
    }
  });

  it("only a run's first socket to a remote end is keyed; a later one (a retry socket) meets random loss", async () => {
    bed.setInternetLoss(50, 7);
    const first = await probeSocket();
    const later = await probeSocket();
    assert.deepEqual([flowMark(first.port), flowMark(later.port)], [FIRST_FLOW, LATER_FLOW]);
    bed.setInternetLoss(50, 7);
    const next = await probeSocket();
    assert.equal(flowMark(next.port), FIRST_FLOW, 'every run starts with no first flows');
    assert.equal(next.pattern, first.pattern);
  });

  it('a flow whose first datagram was dropped goes on with fresh draws (not the first one again)', async () => {
    const patterns: string[] = [];
    for (let key = 0; key < 12 && !patterns.some((p) => p.startsWith('x')); key += 1) {
      bed.setInternetLoss(50, key);
      patterns.push(await probe());
    }
    const doomed = patterns.find((p) => p.startsWith('x'));
    assert.ok(doomed, `some key drops the first datagram: ${patterns.join(' ')}`);
    assert.match(doomed, /\./, `a later datagram of that flow passes: ${doomed}`);
  });

  it('random loss and no loss remove the keyed tables', () => {
    const tables = (router: 'natcli' | 'natcam' | 'inet'): string => inNs(bed.ns[router], 'nft', ['list', 'tables']);
    bed.setInternetLoss(10, 1);
    for (const router of ['natcli', 'natcam', 'inet'] as const) assert.match(tables(router), /netdev keyedloss/, router);
    bed.setInternetLoss(10);
    for (const router of ['natcli', 'natcam', 'inet'] as const) assert.doesNotMatch(tables(router), /keyedloss/, router);
    assert.match(tables('inet'), /inet loss/, 'the random loss table is back');
    bed.setInternetLoss(0);
    assert.doesNotMatch(tables('inet'), /loss/);
  });
});
