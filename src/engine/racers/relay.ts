import { didEquals } from '../../protocol';
import type { Attempt } from '../attempt';
import { RacerError } from '../errors';
import type { Link } from '../link';
import { RACER_NAMES, type Endpoint } from '../types';
import { endpointKey, failureSignal, repeatTo, retryAttempts, sameEndpoint } from './handshake';
import { serverRefusal } from './p2p';
import type { Racer, RacerContext } from './racer';

/**
 * How the relay racer reaches a relay. Only UDP exists: the vendor library also has a TCP relay
 * fallback (messages 0x50-0x57, `_TCPRelay_Proprietary_Encrypt`), but no capture shows its
 * framing, so it is not guessed. A TCP transport would implement this interface and be listed
 * in RELAY_TRANSPORTS; the racer tries the transports in order.
 */
export interface RelayTransport {
  readonly kind: string;
  connect(context: RacerContext): Promise<Link>;
}

/**
 * UDP relay (pppp.md §6.3): LIST_REQ1 → LIST_REQ_ACK (relays); RLY_HELLO to each relay, the
 * first RLY_HELLO_ACK wins; RLY_PORT → RLY_PORT_ACK gives the magic word and the per-session
 * port (dynamic relay port negotiation); RLY_REQ → RLY_REQ_ACK (the server then tells the camera
 * with RLY_TO); RLY_PKT to relay:port until RLY_RDY with our DID from exactly there.
 */
export const udpRelayTransport: RelayTransport = {
  kind: 'udp',
  connect(context: RacerContext): Promise<Link> {
    return retryAttempts(context, context.signal, null, context.config.attemptTimeoutMs.relay, (attempt) => udpRelayHandshake(attempt, context));
  },
};

export const RELAY_TRANSPORTS: readonly RelayTransport[] = [udpRelayTransport];

export const relayRacer: Racer = {
  name: RACER_NAMES.relay,
  mode: 'relay',
  async connect(context: RacerContext): Promise<Link> {
    if (context.config.servers.length === 0) {
      throw new RacerError(context.info.name, 'relay', 'not-configured', 'no rendezvous server configured (it must tell the camera which relay to use)');
    }
    let lastError: unknown;
    for (const transport of RELAY_TRANSPORTS) {
      try {
        return await transport.connect(context);
      } catch (err) {
        lastError = err;
        if (context.signal.aborted) throw err;
      }
    }
    throw lastError;
  },
};

async function udpRelayHandshake(attempt: Attempt, context: RacerContext): Promise<Endpoint> {
  const { config, info } = context;
  const { servers, did, serverRetryMs, probeIntervalMs } = config;
  const isServer = (from: Endpoint): boolean => servers.some((s) => sameEndpoint(s, from));
  const relays = new Map<string, Endpoint>(config.relays.map((r) => [endpointKey(r), r]));
  const fatal = failureSignal<RacerError>();
  const refusals = new Map<string, number>();
  const stops: (() => void)[] = [];
  const stopAll = (): void => stops.splice(0).forEach((stop) => stop());
  try {
    // 1-2: relay list from the servers, then RLY_HELLO to every known relay.
    stops.push(repeatTo(attempt, serverRetryMs, () => servers, () => ({ type: 'LIST_REQ1', did })));
    stops.push(repeatTo(attempt, serverRetryMs, () => [...relays.values()], () => ({ type: 'RLY_HELLO' })));
    attempt.onEach(({ message, from }) => {
      if (message.type === 'LIST_REQ_ACK' && isServer(from)) {
        attempt.progress('relay list', from);
        for (const relay of message.relays) {
          if (relay.port === 0) {
            info.ignored += 1; // not a reachable relay
          } else if (!relays.has(endpointKey(relay))) {
            relays.set(endpointKey(relay), relay);
            attempt.send({ type: 'RLY_HELLO' }, relay);
          }
        }
      } else if (message.type === 'RLY_REQ_ACK' && isServer(from)) {
        // As for P2P: the attempt fails only when every server refused (the device may be
        // registered with one server only; that one still tells it to come to the relay).
        if (message.result >= 0) {
          attempt.progress('relay requested', from);
          refusals.delete(endpointKey(from));
          return;
        }
        refusals.set(endpointKey(from), message.result);
        if (refusals.size === servers.length) {
          const detail = servers.length === 1 ? 'the rendezvous server refused' : 'every rendezvous server refused';
          fatal.fail(new RacerError(info.name, 'relay', serverRefusal(message.result), `${detail} the relay request (RLY_REQ_ACK result ${message.result})`));
        }
      }
    });
    const relay = await Promise.race([
      fatal.promise,
      attempt.receive('RLY_HELLO_ACK from a relay', ({ message, from }) =>
        message.type === 'RLY_HELLO_ACK' && relays.has(endpointKey(from)) ? from : undefined,
      ),
    ]);
    attempt.progress('relay answered', relay);
    stopAll();

    // 3: a per-session port on that relay.
    stops.push(repeatTo(attempt, serverRetryMs, () => [relay], () => ({ type: 'RLY_PORT' })));
    const { mark, port } = await attempt.receive('RLY_PORT_ACK from the relay', ({ message, from }) => {
      if (message.type !== 'RLY_PORT_ACK' || !sameEndpoint(from, relay)) return undefined;
      if (message.port > 0) return message;
      info.ignored += 1; // a session port of 0 cannot be reached: keep asking
      return undefined;
    });
    stopAll();
    attempt.progress('relay port', relay);
    const session: Endpoint = { host: relay.host, port };

    // 4-6: ask the servers to send the camera there, and knock until the relay says ready.
    stops.push(repeatTo(attempt, serverRetryMs, () => servers, () => ({ type: 'RLY_REQ', did, address: session, mark })));
    stops.push(repeatTo(attempt, probeIntervalMs, () => [session], () => ({ type: 'RLY_PKT', mark, did, role: 'client' })));
    await Promise.race([
      fatal.promise,
      attempt.receive('RLY_RDY from the relay', ({ message, from }) => {
        if (message.type !== 'RLY_RDY') return undefined;
        if (sameEndpoint(from, session) && didEquals(message.did, did)) {
          attempt.markReady(session); // from here on, losing means CLOSE through the relay
          return true;
        }
        info.ignored += 1;
        return undefined;
      }),
    ]);
    return session;
  } finally {
    stopAll();
  }
}
