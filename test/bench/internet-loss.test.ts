import assert from 'node:assert/strict';
import { internetLossSteps, type LossRouters } from '../../bench/testbed/internet-loss';

/**
 * The nftables scripts of the bench's internet loss, checked without root (the network tier,
 * test/net/internet-loss.test.ts, runs them on the real bed).
 */
describe('bench: internet loss scripts', () => {
  const routers: LossRouters = { natcam: 'ns-cam', natcli: 'ns-cli', inet: 'ns-inet', clientPublic: '192.0.2.2' };
  const script = (steps: ReturnType<typeof internetLossSteps>, ns: string): string =>
    steps
      .filter((s) => s.ns === ns && s.command === 'nft')
      .map((s) => s.input)
      .join('\n');
  const markRules = (text: string): string[] => text.split('\n').filter((l) => l.includes('meta mark set jhash'));

  it('names the field and value of a bad percent or run key', () => {
    assert.throws(() => internetLossSteps(routers, 101), { name: 'RangeError', message: /loss must be 0-100 %, got 101/ });
    assert.throws(() => internetLossSteps(routers, 2.5, 1), { name: 'RangeError', message: /got 2\.5/ });
    assert.throws(() => internetLossSteps(routers, 10, 1.5), { name: 'RangeError', message: /loss run key must be an integer, got 1\.5/ });
  });

  it("keys every draw by the remote end, never by the client's own port", () => {
    const steps = internetLossSteps(routers, 10, 3);
    const leaving = (ns: string, device: string): string[] => markRules(script(steps, ns)).filter((l) => l.startsWith(`oifname "${device}"`));
    // The client's port is the source of what leaves natcli and the destination of what reaches it.
    for (const rule of leaving('ns-cli', 'wan')) assert.match(rule, /jhash ct (original|reply) packets \. ip daddr \. udp dport \. @th,64,16 mod 100/);
    for (const rule of leaving('ns-inet', 'tocli')) assert.match(rule, /packets \. ip saddr \. udp sport \. @th/);
    // Towards the camera: what the client sent is keyed by the camera's port (dport), a server's datagram by its source port.
    for (const rule of leaving('ns-inet', 'tocam'))
      assert.match(rule, /ip saddr 192\.0\.2\.2 .*ip saddr \. udp dport|ip saddr != 192\.0\.2\.2 .*ip saddr \. udp sport/);
    for (const rule of leaving('ns-cam', 'wan'))
      assert.match(rule, /ip daddr 192\.0\.2\.2 .*ip daddr \. udp sport|ip daddr != 192\.0\.2\.2 .*ip daddr \. udp dport/);
    assert.deepEqual(
      [leaving('ns-cli', 'wan').length, leaving('ns-inet', 'tocli').length, leaving('ns-inet', 'tocam').length, leaving('ns-cam', 'wan').length],
      [2, 2, 4, 4],
      'one rule per conntrack direction and kind of datagram',
    );
    assert.match(script(steps, 'ns-inet'), /egress device "tocli".*meta mark 1275068416-1275068425 counter drop/);
    // A flow is classified by its first datagram (ct mark 0): the run's first to its key is keyed, a later one random.
    for (const ns of ['ns-cli', 'ns-cam', 'ns-inet']) {
      const text = script(steps, ns);
      assert.match(text, /ct mark 0 .* != @firsts_out0 add @firsts_out0 \{ .* \} ct mark set 1/);
      assert.match(text, /ct mark 2 meta mark set numgen random mod 100 offset 1275068416/);
      for (const rule of markRules(text)) assert.match(rule, /ct mark != 2 /, 'later flows are not keyed');
    }
    assert.match(
      script(steps, 'ns-inet'),
      /hook input [^\n]*\n(.*\n)?iifname "tocli" .*ip daddr \. udp dport \. @th,64,16 != @firsts_in0/,
      "flows to the internet router's own servers are classified on arrival",
    );
    assert.deepEqual(
      steps.filter((s) => s.command === 'conntrack').map((s) => [s.ns, ...s.args]),
      [
        ['ns-cli', '-L', '-z'],
        ['ns-cam', '-L', '-z'],
        ['ns-inet', '-L', '-z'],
      ],
      'every run zeroes the flow counters',
    );
  });

  it('the same key gives the same rules; another key other seeds, every rule a seed of its own', () => {
    const seeds = (key: number): string[] =>
      ['ns-cli', 'ns-cam', 'ns-inet'].flatMap((ns) =>
        markRules(script(internetLossSteps(routers, 10, key), ns)).map((l) => /seed (0x[0-9a-f]+)/.exec(l)?.[1] ?? ''),
      );
    assert.deepEqual(internetLossSteps(routers, 10, 5), internetLossSteps(routers, 10, 5));
    const five = seeds(5);
    assert.equal(new Set(five).size, five.length);
    assert.ok(seeds(6).every((seed, i) => seed !== five[i]));
    assert.ok(
      seeds(-1).every((seed, i) => seed !== five[i]),
      'warm-up keys are negative',
    );
  });

  it('random loss and no loss remove the keyed tables; random loss lives in the internet router alone', () => {
    const random = internetLossSteps(routers, 10);
    assert.match(script(random, 'ns-inet'), /numgen random mod 100 < 10 drop/);
    for (const ns of ['ns-cli', 'ns-cam', 'ns-inet']) assert.match(script(random, ns), /delete table netdev keyedloss\n/);
    assert.ok(random.every((s) => s.command === 'nft'));
    assert.doesNotMatch(script(internetLossSteps(routers, 0, 4), 'ns-inet'), /numgen|jhash/);
  });
});
