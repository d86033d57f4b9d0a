import { performance } from 'node:perf_hooks';
import { didEquals, type Message } from '../../protocol';
import type { Attempt } from '../attempt';
import { RacerError } from '../errors';
import type { Link } from '../link';
import { unusableTarget } from '../targets';
import { RACER_NAMES, type Endpoint } from '../types';
import { endpointKey, repeatTo, retryAttempts, sameEndpoint, STAGE } from './handshake';
import { Refusals, refusedUntilTheEnd } from './p2p';

/** Relays one racer keeps (configured plus listed by servers; LIST_REQ_ACK carries at most 8 per server). */
const RELAYS_LIMIT = 32;
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
  async connect(context: RacerContext): Promise<Link> {
    const { config } = context;
    const memory: RelayMemory = { relays: new Map(config.relays.map((r) => [endpointKey(r), r])), refusals: new Refusals(config.servers) };
    try {
      return await retryAttempts(context, context.signal, null, config.attemptTimeoutMs.relay, (attempt) => udpRelayHandshake(attempt, context, memory));
    } catch (err) {
      const code = memory.refusals.everyServer;
      if (code !== undefined && context.signal.aborted) throw refusedUntilTheEnd(context, code, 'relay request', 'RLY_REQ_ACK', err);
      throw err;
    }
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

/**
 * Resend interval of one relay handshake step (issue 12: each step is retried on its own): twice
 * the fastest round trip the attempt measured to that target (`Attempt.fastestRttMs`), at least the probe
 * interval, at most `serverRetryMs`; `serverRetryMs` before anything answered. A lost reply then
 * costs about two round trips instead of a fixed 500 ms, and never the whole handshake (the
 * attempt bound rule keeps an attempt that progresses alive).
 */
export function stepRetryMs(attempt: Attempt, config: { probeIntervalMs: number; serverRetryMs: number }, to: Endpoint): number {
  const rtt = attempt.fastestRttMs(to);
  if (rtt === undefined) return config.serverRetryMs;
  return Math.min(config.serverRetryMs, Math.max(config.probeIntervalMs, 2 * rtt));
}

/** Sends `message` to every target now and again whenever its `stepRetryMs` has passed without an answer; returns the stop function. */
function retryStep(attempt: Attempt, config: RacerContext['config'], targets: () => readonly Endpoint[], message: () => Message): () => void {
  const lastSent = new Map<string, number>();
  return attempt.every(Math.min(config.probeIntervalMs, config.serverRetryMs), () => {
    const now = performance.now();
    for (const target of targets()) {
      const key = endpointKey(target);
      if (now - (lastSent.get(key) ?? Number.NEGATIVE_INFINITY) < stepRetryMs(attempt, config, target)) continue;
      lastSent.set(key, now);
      attempt.send(message(), target);
    }
  });
}

/** What one relay racer keeps across its attempts: the relays the servers listed, and the servers' refusals. */
interface RelayMemory {
  relays: Map<string, Endpoint>;
  refusals: Refusals;
}

async function udpRelayHandshake(attempt: Attempt, context: RacerContext, memory: RelayMemory): Promise<Endpoint> {
  const { config, info } = context;
  const { servers, did, probeIntervalMs } = config;
  const isServer = (from: Endpoint): boolean => servers.some((s) => sameEndpoint(s, from));
  const { relays, refusals } = memory;
  const stops: (() => void)[] = [];
  const stopAll = (): void => stops.splice(0).forEach((stop) => stop());
  try {
    // 1-2: relay list from the servers, then RLY_HELLO to every known relay (including those an
    // earlier attempt learned: that progress is kept).
    stops.push(
      retryStep(
        attempt,
        config,
        () => servers,
        () => ({ type: 'LIST_REQ1', did }),
      ),
    );
    stops.push(
      retryStep(
        attempt,
        config,
        () => [...relays.values()],
        () => ({ type: 'RLY_HELLO' }),
      ),
    );
    attempt.onEach(({ message, from }) => {
      if (message.type === 'LIST_REQ_ACK' && isServer(from)) {
        attempt.progress(STAGE.relayList, from);
        for (const relay of message.relays) {
          if (unusableTarget(relay, { host: config.bindAddress, port: attempt.localPort }) !== undefined) {
            info.ignored += 1; // not a relay we could reach: never sent to
          } else if (!relays.has(endpointKey(relay)) && relays.size < RELAYS_LIMIT) {
            relays.set(endpointKey(relay), relay);
            attempt.send({ type: 'RLY_HELLO' }, relay);
          }
        }
      } else if (message.type === 'RLY_REQ_ACK' && isServer(from)) {
        // A refusal (-1/-2) is remembered, not fatal: the camera may register a few seconds
        // later, and RLY_REQ keeps being repeated (see Refusals in p2p.ts).
        refusals.answered(from, message.result);
        if (message.result >= 0) attempt.progress(STAGE.relayRequested, from);
      }
    });
    const relay = await attempt.receive('RLY_HELLO_ACK from a relay', ({ message, from }) =>
      message.type === 'RLY_HELLO_ACK' && relays.has(endpointKey(from)) ? from : undefined,
    );
    attempt.progress(STAGE.relayAnswered, relay);
    stopAll();

    // 3: a per-session port on that relay.
    stops.push(
      retryStep(
        attempt,
        config,
        () => [relay],
        () => ({ type: 'RLY_PORT' }),
      ),
    );
    const { mark, port } = await attempt.receive('RLY_PORT_ACK from the relay', ({ message, from }) => {
      if (message.type !== 'RLY_PORT_ACK' || !sameEndpoint(from, relay)) return undefined;
      if (message.port > 0) return message;
      info.ignored += 1; // a session port of 0 cannot be reached: keep asking
      return undefined;
    });
    stopAll();
    attempt.progress(STAGE.relayPort, relay);
    const session: Endpoint = { host: relay.host, port };

    // 4-6: ask the servers to send the camera there, and knock until the relay says ready.
    // Issue 17 asked whether the relay has P2P's early-punch problem: it does not. RLY_RDY can
    // only come from the session port, which we learn from RLY_PORT_ACK before we knock there,
    // and the relay sends RLY_RDY in answer to our RLY_PKT; nothing useful can arrive early.
    stops.push(
      retryStep(
        attempt,
        config,
        () => servers,
        () => ({ type: 'RLY_REQ', did, address: session, mark }),
      ),
    );
    stops.push(
      repeatTo(
        attempt,
        probeIntervalMs,
        () => [session],
        () => ({ type: 'RLY_PKT', mark, did, role: 'client' }),
      ),
    );
    await attempt.receive('RLY_RDY from the relay', ({ message, from }) => {
      if (message.type !== 'RLY_RDY') return undefined;
      if (sameEndpoint(from, session) && didEquals(message.did, did)) {
        attempt.markReady(session); // from here on, losing means CLOSE through the relay
        return true;
      }
      info.ignored += 1;
      return undefined;
    });
    return session;
  } finally {
    stopAll();
  }
}
