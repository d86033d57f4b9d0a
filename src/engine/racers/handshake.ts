import { performance } from 'node:perf_hooks';
import { toAbortError } from '../../errors';
import { didEquals, type Message } from '../../protocol';
import { Attempt, AttemptTimeout, type Inbound } from '../attempt';
import type { RaceConfig } from '../config';
import { Link } from '../link';
import { localAddressToward } from '../local-address';
import { unusableTarget } from '../targets';
import type { Endpoint } from '../types';
import type { RacerContext } from './racer';

export const sameEndpoint = (a: Endpoint, b: Endpoint): boolean => a.host === b.host && a.port === b.port;
export const endpointKey = (e: Endpoint): string => `${e.host}:${e.port}`;

/** Steps of one attempt on a fresh socket; resolves with the peer to hand the socket over to. */
export type Handshake = (attempt: Attempt, context: RacerContext) => Promise<Endpoint>;

/** Round trips an attempt may wait after its latest progress (see `attemptWindowMs`). */
export const PROGRESS_ROUND_TRIPS = 3;

/** Handshake stages (`Attempt.progress`). */
export const STAGE = {
  serverAnswered: 'server answered',
  cameraNamed: 'camera named',
  cameraPunched: 'camera punched',
  relayList: 'relay list',
  relayAnswered: 'relay answered',
  relayPort: 'relay port',
  relayRequested: 'relay requested',
} as const;

/**
 * Stages after which the camera itself has to answer (a server named it or told it about us, or
 * it answered already). An attempt that timed out after one of them shows the camera is farther
 * away than the window allowed (see `retryAttempts`).
 */
const CAMERA_STAGES: ReadonlySet<string> = new Set([STAGE.cameraNamed, STAGE.cameraPunched, STAGE.relayRequested]);

/** The next attempt's timeout grows to at most this multiple of the configured one. */
export const MAX_TIMEOUT_GROWTH = 8;

/**
 * The attempt bound rule (issue 11). An attempt that has heard nothing useful ends
 * `attemptTimeoutMs` after it opened, and a fresh socket starts over (the vendor library's
 * ~1.5 s cycle, pppp.md §6.1). An attempt that made progress (a server, relay or the camera
 * answered a step of the handshake for the first time: `Attempt.progress`) is not killed by that
 * fixed timeout: each new stage gives it a fresh window of
 *   max(attemptTimeoutMs, PROGRESS_ROUND_TRIPS × the largest round trip it measured)
 * from that moment, i.e. enough for the remaining one or two round trips plus a lost datagram,
 * however far away the camera is. Stages are counted once each, so an attempt lives at most
 * (stages + 1) windows; the race deadline (the racer's signal) caps it in any case. Load that
 * slows the event loop makes the measured round trip longer, and with it the window: a loaded
 * machine connects later, it does not restart attempts that were about to finish.
 *
 * Before the camera has answered there is nothing to measure its distance by. So when an attempt
 * times out after the camera was named or told (CAMERA_STAGES) but before it finished, the camera
 * is evidently farther than the window: the next attempt's timeout doubles (at most
 * MAX_TIMEOUT_GROWTH × attemptTimeoutMs). Attempts that heard nothing, or only a server, keep
 * the configured timeout and the vendor's fresh-socket cadence.
 */
export function attemptWindowMs(attemptTimeoutMs: number, rttMs: number): number {
  return Math.max(attemptTimeoutMs, PROGRESS_ROUND_TRIPS * rttMs);
}

/** The timeout after an attempt that timed out once the camera had been named or had answered (see `attemptWindowMs`): doubled, at most MAX_TIMEOUT_GROWTH × the configured one. */
export function nextTimeoutMs(timeoutMs: number, attemptTimeoutMs: number): number {
  return Math.min(2 * timeoutMs, MAX_TIMEOUT_GROWTH * attemptTimeoutMs);
}

/**
 * Runs attempts of one handshake until one succeeds: each attempt is a fresh socket bounded by
 * the attempt bound rule (`attemptWindowMs`); a timed-out attempt is closed and a new one opened.
 * Ends when `signal` aborts (AbortError) or the handshake fails for good (its error).
 */
export async function retryAttempts(
  context: RacerContext,
  signal: AbortSignal,
  destinationPort: number | null,
  attemptTimeoutMs: number,
  handshake: Handshake,
  maxAttempts = Number.POSITIVE_INFINITY,
  /** The first attempt's timeout (an adopted first attempt that expired after the camera answered: `nextTimeoutMs`). */
  firstTimeoutMs = attemptTimeoutMs,
): Promise<Link> {
  let timeoutMs = firstTimeoutMs;
  for (let n = 1; ; n += 1) {
    if (signal.aborted) throw toAbortError(signal.reason, context.info.name);
    const openedAt = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let attempt: Attempt | undefined;
    try {
      // The attempt listens to the racer's signal itself and keeps its own timeout (`expire`).
      const opened = (attempt = await context.openAttempt(destinationPort, signal));
      const arm = (ms: number): void => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void opened.expire(new AttemptTimeout(Math.round(performance.now() - openedAt), 'answer')), ms);
      };
      arm(timeoutMs);
      const windowBase = timeoutMs;
      attempt.onProgress(({ rttMs }) => arm(attemptWindowMs(windowBase, rttMs)));
      const startedAt = performance.now();
      const reporting = context.config.reportSessionReady && context.config.servers.length > 0;
      if (reporting) void advertisedLocal(attempt, context.config); // look the route up while the handshake runs
      const peer = await handshake(attempt, context);
      context.info.localPort = attempt.localPort;
      context.info.destinationPort = destinationPort;
      if (reporting) {
        const local = await advertisedLocal(attempt, context.config);
        if (attempt.closed) throw attempt.expiredBy ?? toAbortError(signal.reason, context.info.name);
        reportSessionReady(attempt, context, peer, local, performance.now() - startedAt);
      }
      return new Link(attempt.handOver(), context.info.mode, peer, context.config.did, attempt.localPort);
    } catch (err) {
      // Aborted (e.g. another contender won while this one was handing over): an AbortError, and
      // the attempt's close (finally) has sent CLOSE if the peer had reached ready.
      if (signal.aborted) throw toAbortError(signal.reason, context.info.name);
      const expired = attempt?.expiredBy;
      if (expired && attempt !== undefined && attempt.stages.length > 0) context.info.expiredAfterProgress = (context.info.expiredAfterProgress ?? 0) + 1;
      if (!expired || n >= maxAttempts) throw expired ?? err;
      if (attempt?.stages.some((stage) => CAMERA_STAGES.has(stage))) timeoutMs = nextTimeoutMs(timeoutMs, attemptTimeoutMs);
    } finally {
      clearTimeout(timer);
      // close() is idempotent (an abort or the timeout may have started it): await it so the
      // socket is gone, and count after it, since closing a ready attempt sends CLOSE.
      if (attempt) await attempt.close();
      if (attempt) context.info.sent += attempt.sent;
    }
  }
}

/**
 * The end of LAN and P2P handshakes (pppp.md §6.1 steps 3-5): having locked onto the peer's
 * PUNCH_PKT, echo it (now and every probe interval, since echoes may be lost) and wait for
 * P2P_RDY with our DID from exactly that address. Anything else is ignored and counted.
 */
export async function echoPunchUntilReady(attempt: Attempt, context: RacerContext, peer: Endpoint): Promise<Endpoint> {
  const { did, probeIntervalMs } = context.config;
  attempt.progress(STAGE.cameraPunched, peer); // the camera answered: the attempt bound rule applies
  const stopEcho = attempt.every(probeIntervalMs, () => attempt.send({ type: 'PUNCH_PKT', did }, peer));
  try {
    await attempt.receive('P2P_RDY from the camera', ({ message, from }) => {
      if (message.type !== 'P2P_RDY') return undefined;
      if (sameEndpoint(from, peer) && didEquals(message.did, did)) {
        attempt.markReady(peer); // from here on, losing means CLOSE to the camera
        return true;
      }
      context.info.ignored += 1;
      return undefined;
    });
    return peer;
  } finally {
    stopEcho();
  }
}

/** Matches a PUNCH_PKT with our DID from an accepted source; counts near misses as ignored. */
export function punchFrom(context: RacerContext, accept: (from: Endpoint) => boolean) {
  return ({ message, from }: Inbound): Endpoint | undefined => {
    if (message.type !== 'PUNCH_PKT') return undefined;
    if (accept(from) && didEquals(message.did, context.config.did)) return from;
    context.info.ignored += 1;
    return undefined;
  };
}

/** Sends `message` to every endpoint now and every `intervalMs`; returns the stop function. */
export function repeatTo(attempt: Attempt, intervalMs: number, targets: () => readonly Endpoint[], message: () => Message): () => void {
  return attempt.every(intervalMs, () => {
    for (const target of targets()) attempt.send(message(), target);
  });
}

const advertised = new WeakMap<Attempt, Promise<Endpoint>>();

/**
 * The local address an attempt advertises (P2P_REQ, REPORT_SESSION_READY): the bind address
 * when it is a specific one, else the address of the interface that routes to the first
 * rendezvous server (`localAddressToward`), never 0.0.0.0 unless there is no route at all.
 * Looked up once per attempt (routes can change between attempts, not within 1.5 s).
 */
export function advertisedLocal(attempt: Attempt, config: RaceConfig): Promise<Endpoint> {
  let found = advertised.get(attempt);
  if (!found) {
    const port = attempt.localPort;
    found =
      config.bindAddress !== '0.0.0.0' || config.servers.length === 0
        ? Promise.resolve({ host: config.bindAddress, port })
        : localAddressToward(config.servers[0]).then((host) => ({ host: host ?? config.bindAddress, port }));
    advertised.set(attempt, found);
  }
  return found;
}

/** Keeps the first usable public address a server's HELLO_ACK tells (the WAN field of reports). */
export function recordPublicAddress(attempt: Attempt, address: Endpoint): void {
  if (attempt.publicAddress === undefined && unusableTarget(address) === undefined) attempt.publicAddress = { host: address.host, port: address.port };
}

/**
 * Opt-in only (config.reportSessionReady): tells the rendezvous servers that a session is up,
 * as the vendor app does (pppp.md §6.1 step 6, §7.2). Off by default because it reports the
 * user's addresses to a third party. Field values follow the captured reports.
 */
function reportSessionReady(attempt: Attempt, context: RacerContext, peer: Endpoint, local: Endpoint, elapsedMs: number): void {
  const { config } = context;
  for (const server of config.servers) {
    attempt.send(
      {
        type: 'REPORT_SESSION_READY',
        report: {
          did: config.did,
          result: 1,
          unknown24: 0x01000001,
          elapsedMs: Math.min(0xffff, Math.round(elapsedMs)),
          unknown30: 0,
          lanSearchFlags: 0x3f,
          unknown33: 0,
          localAddress: local,
          // The public address a server's HELLO_ACK told us; 0.0.0.0 + local port without one (pppp.md §7.2).
          wanAddress: attempt.publicAddress ?? { host: '0.0.0.0', port: attempt.localPort },
          peerAddress: peer,
        },
      },
      server,
    );
  }
}
