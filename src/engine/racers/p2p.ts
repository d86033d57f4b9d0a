import { ServerResult } from '../../protocol';
import { RacerError, type RacerFailure } from '../errors';
import type { Link } from '../link';
import { RACER_NAMES, type Endpoint } from '../types';
import { echoPunchUntilReady, endpointKey, failureSignal, punchFrom, repeatTo, retryAttempts, sameEndpoint } from './handshake';
import type { Racer, RacerContext } from './racer';

/** Maps a negative P2P_REQ_ACK / RLY_REQ_ACK result to a failure reason. */
export function serverRefusal(result: number): RacerFailure {
  if (result === ServerResult.INVALID_ID || result === ServerResult.INVALID_PREFIX) return 'unknown-device';
  if (result === ServerResult.DEVICE_OFFLINE) return 'device-offline';
  return 'server-refused';
}

/**
 * P2P through rendezvous servers with hole punching (pppp.md §6.2): HELLO and P2P_REQ to every
 * server; PUNCH_TO tells where the camera is; send PUNCH_PKT there; a PUNCH_PKT with our DID
 * from such an address is echoed, then P2P_RDY from it wins. When every server answers
 * P2P_REQ_ACK with an error (unknown DID, device offline), the racer fails at once.
 */
export const p2pRacer: Racer = {
  name: RACER_NAMES.p2p,
  mode: 'p2p',
  async connect(context: RacerContext): Promise<Link> {
    const { config, info } = context;
    if (config.servers.length === 0) throw new RacerError(info.name, 'p2p', 'not-configured', 'no rendezvous server configured');
    return retryAttempts(context, context.signal, null, config.attemptTimeoutMs.p2p, async (attempt) => {
      const { servers, did, probeIntervalMs, serverRetryMs } = config;
      const isServer = (from: Endpoint): boolean => servers.some((s) => sameEndpoint(s, from));
      const targets = new Map<string, Endpoint>();
      const refusals = new Map<string, number>();
      const fatal = failureSignal<RacerError>();
      for (const server of servers) attempt.send({ type: 'HELLO' }, server);
      const local = { host: config.bindAddress, port: attempt.localPort };
      const stopRequests = repeatTo(attempt, serverRetryMs, () => servers, () => ({ type: 'P2P_REQ', did, address: local }));
      const stopPunches = repeatTo(attempt, probeIntervalMs, () => [...targets.values()], () => ({ type: 'PUNCH_PKT', did }));
      attempt.onEach(({ message, from }) => {
        if (!isServer(from)) return;
        if (message.type === 'HELLO_ACK') {
          attempt.progress('server answered', from);
        } else if (message.type === 'P2P_REQ_ACK') {
          if (message.result >= 0) {
            attempt.progress('server answered', from);
            refusals.delete(endpointKey(from));
            return;
          }
          refusals.set(endpointKey(from), message.result);
          if (refusals.size === servers.length) {
            stopRequests();
            fatal.fail(new RacerError(info.name, 'p2p', serverRefusal(message.result), `every rendezvous server refused the request (P2P_REQ_ACK result ${message.result})`));
          }
        } else if (message.type === 'PUNCH_TO' && message.address.port === 0) {
          info.ignored += 1; // nowhere to punch
        } else if (message.type === 'PUNCH_TO' && !targets.has(endpointKey(message.address))) {
          targets.set(endpointKey(message.address), message.address);
          attempt.progress('camera named', from);
          attempt.send({ type: 'PUNCH_PKT', did }, message.address);
        }
      });
      try {
        const peer = await Promise.race([
          fatal.promise,
          attempt.receive('PUNCH_PKT through hole punching', punchFrom(context, (from) => targets.has(endpointKey(from)))),
        ]);
        stopRequests();
        stopPunches();
        return await echoPunchUntilReady(attempt, context, peer);
      } finally {
        stopRequests();
        stopPunches();
      }
    });
  },
};
