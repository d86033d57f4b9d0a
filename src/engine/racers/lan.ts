import { ENGINE_DEFAULTS } from '../defaults';
import { RacerError } from '../errors';
import { AllFailedError, firstSuccess } from '../first-success';
import type { Link } from '../link';
import { RACER_NAMES, type Endpoint } from '../types';
import { echoPunchUntilReady, punchFrom, retryAttempts, type Handshake } from './handshake';
import type { Racer, RacerContext } from './racer';

/**
 * LAN direct (pppp.md §6.1), unicast to the configured camera address: for every destination
 * port, probe with LAN_SEARCH and PUNCH_PKT(DID) every probe interval; the camera answers with
 * PUNCH_PKT from its session socket; lock onto that source, echo, wait for P2P_RDY.
 *
 * Unlike the seed (ports one after another, 5 s each), destination ports start staggered by
 * `portStaggerMs` (Happy Eyeballs): a camera on the fourth port connects about as fast as one on
 * the first. Each port runs its own attempts (a fresh socket each) until the racer ends.
 */
export const lanRacer: Racer = {
  name: RACER_NAMES.lan,
  mode: 'lan',
  async connect(context: RacerContext): Promise<Link> {
    const { config } = context;
    const contenders = config.ports.map((port, i) => ({
      delayMs: i * config.portStaggerMs,
      start: (signal: AbortSignal) =>
        retryAttempts(context, signal, port, config.attemptTimeoutMs.lan, lanHandshake(config.host, port)),
    }));
    if (config.lanDiscovery) {
      contenders.push({
        delayMs: 0,
        start: (signal: AbortSignal) =>
          retryAttempts(context, signal, ENGINE_DEFAULTS.lanSearchPort, config.attemptTimeoutMs.lan, lanHandshake(null, ENGINE_DEFAULTS.lanSearchPort)),
      });
    }
    try {
      return (await firstSuccess(contenders, context.signal, (link) => link.close())).value;
    } catch (err) {
      if (err instanceof AllFailedError) {
        const first = err.errors.find((e) => e instanceof Error) as Error | undefined;
        throw new RacerError(context.info.name, 'lan', 'socket-error', first?.message ?? 'every destination port failed', { cause: err });
      }
      throw err;
    }
  },
};

/** The handshake for one destination port; `host` null means broadcast discovery. */
function lanHandshake(host: string | null, port: number): Handshake {
  return async (attempt, context) => {
    const { did, probeIntervalMs } = context.config;
    const target: Endpoint = { host: host ?? '255.255.255.255', port };
    if (host === null) attempt.enableBroadcast();
    const stopProbe = attempt.every(probeIntervalMs, () => {
      attempt.send({ type: 'LAN_SEARCH' }, target);
      if (host !== null) attempt.send({ type: 'PUNCH_PKT', did }, target);
    });
    try {
      const peer = await attempt.receive('PUNCH_PKT from the camera', punchFrom(context, (from) => host === null || from.host === host));
      stopProbe();
      return await echoPunchUntilReady(attempt, context, peer);
    } finally {
      stopProbe();
    }
  };
}
