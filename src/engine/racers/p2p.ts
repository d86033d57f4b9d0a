import { didEquals, ServerResult } from '../../protocol';
import type { Attempt, Inbound } from '../attempt';
import { RacerError, type RacerFailure } from '../errors';
import type { Link } from '../link';
import { unusableTarget } from '../targets';
import { RACER_NAMES, type Endpoint } from '../types';
import { advertisedLocal, echoPunchUntilReady, endpointKey, recordPublicAddress, repeatTo, retryAttempts, sameEndpoint, STAGE } from './handshake';
import type { Racer, RacerContext } from './racer';

/** Maps a negative P2P_REQ_ACK / RLY_REQ_ACK result to a failure reason. */
export function serverRefusal(result: number): RacerFailure {
  if (result === ServerResult.INVALID_ID || result === ServerResult.INVALID_PREFIX) return 'unknown-device';
  if (result === ServerResult.DEVICE_OFFLINE) return 'device-offline';
  return 'server-refused';
}

/**
 * Latest refusal per server, kept across the attempts of one racer. A refusal (-1 not
 * registered, -2 offline, …) does not end the racer: the camera may (re-)register a few seconds
 * later, so the request keeps being repeated every `serverRetryMs` (500 ms by default), on a
 * fresh socket every attempt, until the race deadline. Only when the race ends while every
 * server's latest answer was a refusal does the racer fail with that refusal's typed reason.
 */
export class Refusals {
  readonly #latest = new Map<string, number>();

  constructor(readonly servers: readonly Endpoint[]) {}

  answered(server: Endpoint, result: number): void {
    if (result >= 0) this.#latest.delete(endpointKey(server));
    else this.#latest.set(endpointKey(server), result);
  }

  /** The refusal every server gave last (the last server's code), or undefined if one did not refuse. */
  get everyServer(): number | undefined {
    if (this.servers.length === 0 || this.#latest.size < this.servers.length) return undefined;
    return this.#latest.get(endpointKey(this.servers[this.servers.length - 1]));
  }
}

/** The failure a racer reports when the race ended while every server still refused. */
export function refusedUntilTheEnd(context: RacerContext, code: number, what: 'request' | 'relay request', answer: string, cause: unknown): RacerError {
  const { info, config } = context;
  const detail = config.servers.length === 1 ? 'the rendezvous server refused' : 'every rendezvous server refused';
  return new RacerError(
    info.name,
    info.mode,
    serverRefusal(code),
    `${detail} the ${what} (${answer} result ${code}) until the race ended, asked again every ${config.serverRetryMs} ms`,
    { cause },
  );
}

/** Unnamed sources whose early PUNCH_PKT / P2P_RDY one attempt remembers (first come, first kept). */
export const EARLY_SOURCES_LIMIT = 8;
/** Datagrams remembered per early source (a PUNCH_PKT and a P2P_RDY are all that matter). */
const EARLY_PER_SOURCE = 4;

/**
 * P2P through rendezvous servers with hole punching (pppp.md §6.2): HELLO and P2P_REQ (with the
 * local address that routes to the server) to every server; PUNCH_TO tells where the camera is;
 * send PUNCH_PKT there; a PUNCH_PKT with our DID from such an address is echoed, then P2P_RDY
 * from it wins; a P2P_RDY with our DID from a named address wins at once.
 *
 * Early punches (issue 17): a server may tell the camera about us before it answers us, so the
 * camera's first PUNCH_PKT (even its P2P_RDY) can arrive before the PUNCH_TO that names it. Such
 * datagrams (our DID, a source no server named yet) are remembered, bounded per attempt
 * (EARLY_SOURCES_LIMIT sources, first come), and replayed the moment a PUNCH_TO names their
 * source, so the handshake continues at once instead of waiting for the camera's next punch.
 * This is exactly as safe as before: a source still wins only once a server has named it, with
 * our DID; a stranger that punches first and is never named never wins, however early.
 *
 * PUNCH_TO naming an address we cannot use (0.0.0.0, port 0, multicast, broadcast, our own
 * socket) is ignored and counted; -1/-2 answers are retried (see Refusals).
 */
export const p2pRacer: Racer = {
  name: RACER_NAMES.p2p,
  mode: 'p2p',
  async connect(context: RacerContext): Promise<Link> {
    const { config, info } = context;
    if (config.servers.length === 0) throw new RacerError(info.name, 'p2p', 'not-configured', 'no rendezvous server configured');
    const refusals = new Refusals(config.servers);
    try {
      return await retryAttempts(context, context.signal, null, config.attemptTimeoutMs.p2p, (attempt) => p2pHandshake(attempt, context, refusals));
    } catch (err) {
      const code = refusals.everyServer;
      if (code !== undefined && context.signal.aborted) throw refusedUntilTheEnd(context, code, 'request', 'P2P_REQ_ACK', err);
      throw err;
    }
  },
};

async function p2pHandshake(attempt: Attempt, context: RacerContext, refusals: Refusals): Promise<Endpoint> {
  const { config, info } = context;
  const { servers, did, probeIntervalMs, serverRetryMs } = config;
  const isServer = (from: Endpoint): boolean => servers.some((s) => sameEndpoint(s, from));
  const targets = new Map<string, Endpoint>();
  const early = new Map<string, Inbound[]>();
  attempt.onEach((inbound) => {
    const { message, from } = inbound;
    if (!isServer(from)) {
      if ((message.type === 'PUNCH_PKT' || message.type === 'P2P_RDY') && didEquals(message.did, did) && !targets.has(endpointKey(from)))
        remember(early, inbound);
      return;
    }
    if (message.type === 'HELLO_ACK') {
      attempt.progress(STAGE.serverAnswered, from);
      recordPublicAddress(attempt, message.address);
    } else if (message.type === 'P2P_REQ_ACK') {
      refusals.answered(from, message.result);
      if (message.result >= 0) attempt.progress(STAGE.serverAnswered, from);
    } else if (message.type === 'PUNCH_TO') {
      const target = message.address;
      if (unusableTarget(target, { host: config.bindAddress, port: attempt.localPort }) !== undefined) {
        info.ignored += 1; // nowhere we could punch: never sent to
        return;
      }
      const key = endpointKey(target);
      if (targets.has(key)) return;
      targets.set(key, target);
      attempt.progress(STAGE.cameraNamed, from);
      attempt.send({ type: 'PUNCH_PKT', did }, target);
      // A camera opens its session for us when this punch reaches it (pppp.md §6.1b; the
      // simulated camera does the same), so from now on losing means CLOSE to this target too.
      attempt.markReady(target);
      for (const remembered of early.get(key) ?? []) attempt.replay(remembered);
      early.delete(key);
    }
  });
  for (const server of servers) attempt.send({ type: 'HELLO' }, server);
  const local = await advertisedLocal(attempt, config);
  const stopRequests = repeatTo(
    attempt,
    serverRetryMs,
    () => servers,
    () => ({ type: 'P2P_REQ', did, address: local }),
  );
  const stopPunches = repeatTo(
    attempt,
    probeIntervalMs,
    () => [...targets.values()],
    () => ({ type: 'PUNCH_PKT', did }),
  );
  try {
    const first = await attempt.receive('PUNCH_PKT or P2P_RDY through hole punching', ({ message, from }) => {
      if (message.type !== 'PUNCH_PKT' && message.type !== 'P2P_RDY') return undefined;
      if (targets.has(endpointKey(from)) && didEquals(message.did, did)) return { peer: from, ready: message.type === 'P2P_RDY' };
      info.ignored += 1;
      return undefined;
    });
    stopRequests();
    stopPunches();
    if (!first.ready) return await echoPunchUntilReady(attempt, context, first.peer);
    // The camera, named by a server, is ready already: answer its punch once (pppp.md §6.2 step 5).
    attempt.progress(STAGE.cameraPunched, first.peer);
    attempt.markReady(first.peer);
    attempt.send({ type: 'PUNCH_PKT', did }, first.peer);
    return first.peer;
  } finally {
    stopRequests();
    stopPunches();
  }
}

function remember(early: Map<string, Inbound[]>, inbound: Inbound): void {
  const key = endpointKey(inbound.from);
  const list = early.get(key);
  if (list) {
    if (list.length < EARLY_PER_SOURCE) list.push(inbound);
  } else if (early.size < EARLY_SOURCES_LIMIT) {
    early.set(key, [inbound]);
  }
}
