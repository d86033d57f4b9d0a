import { unavailableReason } from '../../bench/testbed/netns';

/** What a developer without the network tier's needs is told to do. */
export const HOW = 'run it as root on Linux with iproute2, nftables and conntrack installed (e.g. `sudo npm test`; .ci/run installs them)';

/**
 * The network tier's skip rule, for a describe() body: where the machine lacks what the tier
 * needs, registers one test that skips with the reason (one line on a developer's machine) or,
 * under CI=true, fails with it, and returns true so the caller returns before its real tests.
 * `what` names the tests in that line (e.g. "network tier", "keyed loss tests").
 */
export function netTierUnavailable(what: string): boolean {
  const reason = unavailableReason();
  if (reason === null) return false;
  if (process.env.CI === 'true') {
    it('runs under CI=true', () => {
      throw new Error(`${what} cannot run: ${reason}; under CI=true it must (${HOW})`);
    });
  } else {
    it(`${what} skipped: ${reason}; ${HOW}`, function () {
      this.skip();
    });
  }
  return true;
}
