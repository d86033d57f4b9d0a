import { performance } from 'node:perf_hooks';
import { toAbortError } from '../../errors';
import { AttemptTimeout } from '../attempt';
import { ENGINE_DEFAULTS } from '../defaults';
import { RacerError, type LanPath } from '../errors';
import { AllFailedError, firstSuccess, type Contender } from '../first-success';
import { Link } from '../link';
import { RACER_NAMES, type Endpoint } from '../types';
import { echoPunchUntilReady, nextTimeoutMs, punchFrom, retryAttempts, STAGE, type Handshake } from './handshake';
import { SourceCounter } from './sources';
import { directAnswer, type LeaderOutcome, type LeaderPunch } from './leader-punch';
import type { Racer, RacerContext } from './racer';

/**
 * LAN direct, unicast to the configured camera address. For every destination port two probes
 * race, each on its own sockets:
 *
 * - **direct punch** (pppp.md §6.1b): PUNCH_PKT(DID) straight to host:port every probe interval;
 *   a P2P_RDY with our DID from exactly host:port wins at once (the real KJK230 answers on its
 *   session port 40611 in one round trip, no 0x43 burst). A PUNCH_PKT from exactly host:port is
 *   echoed at once (cameras that answer a punch with a punch, pppp.md §6.2 step 5).
 * - **search** (pppp.md §6.1, the vendor app's sequence): LAN_SEARCH to host:port every probe
 *   interval; the camera answers with PUNCH_PKT from its session socket (any port of the camera's
 *   address: a search sent to 32108 is answered from 40611); lock onto that source, echo, wait
 *   for P2P_RDY (after the ~330 ms 0x43 burst on the real camera).
 *
 * Why separate sockets, and why the search starts one probe interval after the punch: a camera
 * that answers a LAN_SEARCH arriving on its session port sends us a PUNCH_PKT and then takes our
 * next PUNCH_PKT from the same socket for the echo of its own, which draws the slow burst
 * instead of the one-round-trip P2P_RDY. On its own socket the direct punch never sent a
 * LAN_SEARCH, so the camera sees a plain punch whatever it does with searches. Starting the
 * search only after the first punch had a whole probe interval (100 ms ≫ the 1-5 ms LAN round
 * trip) to be answered means that against a camera that answers the punch, no search is ever
 * sent: the camera is never asked for a second session that a closed socket would leave behind
 * (a session that the ~330 ms search path would open after the race). A camera that needs the
 * search pays one probe interval for it on top of its ~400 ms.
 *
 * Destination ports start staggered by `portStaggerMs` (Happy Eyeballs); every probe runs its
 * own attempts (a fresh socket each) until the racer ends; the first complete one wins. In a
 * busy race (busy.ts) every probe but the first port's direct punch also waits for the hold.
 *
 * Every distinct source on the camera's address that sent a PUNCH_PKT or P2P_RDY with our DID
 * during the race is counted in `info.sources`: the real camera answers from one port only, so
 * more than one means another process on that address answered too (README, trust model).
 */
export const lanRacer: Racer = {
  name: RACER_NAMES.lan,
  mode: 'lan',
  async connect(context: RacerContext): Promise<Link> {
    const { config, info, hold, leader } = context;
    // A race that started with a LeaderPunch (busy.ts) hands it over: its sources are counted already.
    const sources = leader?.sources ?? new SourceCounter(config.host, config.did, info);
    // A busy race (busy.ts) starts the first port's direct punch (and the opt-in discovery) and
    // holds every other probe behind one contender: they are built only if the hold opens, with
    // the delays they would have had, counted from the racer's start (the leader's, when adopted).
    const startedAt = leader?.startedAt ?? performance.now();
    const contenders: Contender<Link>[] = hold
      ? [
          ...probes(context, sources, 'leaders', 0),
          {
            delayMs: 0,
            gate: hold,
            start: async (signal) =>
              (await firstSuccess(probes(context, sources, 'held', performance.now() - startedAt), signal, (link) => link.close())).value,
          },
        ]
      : probes(context, sources, 'all', 0);
    try {
      return (await firstSuccess(contenders, context.signal, (link) => link.close())).value;
    } catch (err) {
      if (err instanceof AllFailedError) {
        const first = err.errors.flatMap((e) => (e instanceof AllFailedError ? e.errors : [e])).find((e) => e instanceof Error) as Error | undefined;
        throw new RacerError(info.name, 'lan', 'socket-error', first?.message ?? 'every destination port failed', { cause: err });
      }
      throw err;
    }
  },
};

/**
 * The probes of the LAN racer (see lanRacer), each port's direct punch and search at their
 * Happy-Eyeballs delays less `elapsedMs` (at least 0). `which`: every probe; or, for a busy race,
 * the `leaders` it starts (the first port's direct punch, and the opt-in broadcast discovery) or
 * the `held` rest, which wait until the first punch had its chance: the search of every port and
 * the direct punch of every later port (with the six default ports and a 20 ms stagger, a loaded
 * loop would otherwise open six sockets per race before the first port's answer, one round trip
 * away, is read).
 */
function probes(context: RacerContext, sources: SourceCounter, which: 'all' | 'leaders' | 'held', elapsedMs: number): Contender<Link>[] {
  const { config } = context;
  const contenders: Contender<Link>[] = [];
  // `host` null with 'direct' never happens (no direct punch without an address); null with 'search' is broadcast discovery.
  const add = (leader: boolean, host: string | null, port: number, delayMs: number, path: LanPath, adopted?: LeaderPunch): void => {
    if (which !== 'all' && leader !== (which === 'leaders')) return;
    const handshake = path === 'direct' && host !== null ? directPunch(host, port, sources) : lanSearch(host, port, sources);
    contenders.push(probe(context, port, Math.max(0, delayMs - elapsedMs), path, handshake, adopted));
  };
  const { host } = config;
  config.ports.forEach((port, i) => {
    const at = i * config.portStaggerMs;
    // The first port's direct punch of a race that started with a LeaderPunch: that punch is its first attempt.
    if (host !== null) add(i === 0, host, port, at, 'direct', i === 0 ? context.leader : undefined);
    add(false, host, port, host === null ? at : at + config.probeIntervalMs, 'search');
  });
  if (config.lanDiscovery) add(true, null, ENGINE_DEFAULTS.lanSearchPort, 0, 'search');
  return contenders;
}

/** One probe of one destination port as a contender; the winner records which path it took. */
function probe(context: RacerContext, port: number, delayMs: number, path: LanPath, handshake: Handshake, adopted?: LeaderPunch): Contender<Link> {
  return {
    delayMs,
    start: async (signal: AbortSignal) => {
      const timeoutMs = context.config.attemptTimeoutMs.lan;
      let link = adopted ? await leaderLink(adopted, signal, context) : undefined;
      // After an adopted punch that expired, the next attempts as retryAttempts would have run them
      // (a camera that punched back but never sent P2P_RDY doubles the next attempt's timeout).
      link ??= await retryAttempts(
        context,
        signal,
        port,
        timeoutMs,
        handshake,
        undefined,
        adopted?.cameraPunched ? nextTimeoutMs(timeoutMs, timeoutMs) : timeoutMs,
      );
      if (!signal.aborted) context.info.lanPath = path;
      return link;
    },
  };
}

/**
 * The adopted LeaderPunch as the probe's first attempt: its Link when the camera answers it,
 * undefined when it expired (the probe goes on with fresh attempts); its error when its socket
 * failed; an AbortError when `signal` aborts first (the punch is closed, CLOSE to the camera).
 */
async function leaderLink(punch: LeaderPunch, signal: AbortSignal, context: RacerContext): Promise<Link | undefined> {
  if (signal.aborted) {
    await punch.close();
    throw toAbortError(signal.reason, context.info.name);
  }
  punch.bound(); // no longer alone: its own timeout applies
  const onAbort = (): void => void punch.close();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const outcome = await new Promise<LeaderOutcome>((resolve) => punch.onOutcome(resolve));
    if (outcome instanceof Link) {
      context.info.localPort = punch.localPort;
      context.info.destinationPort = punch.target.port;
      return outcome; // a win after an abort is a late one: the caller's race closes it
    }
    await punch.close();
    if (signal.aborted) throw toAbortError(signal.reason, context.info.name);
    if (outcome instanceof AttemptTimeout) return undefined;
    throw outcome;
  } finally {
    signal.removeEventListener('abort', onAbort);
    punch.onOutcome(undefined);
  }
}

/** The direct punch on its own socket (pppp.md §6.1b): PUNCH_PKT only, P2P_RDY from exactly the punched address wins. */
function directPunch(host: string, port: number, sources: SourceCounter): Handshake {
  return async (attempt, context) => {
    const { did, probeIntervalMs } = context.config;
    const target: Endpoint = { host, port };
    attempt.onEach(sources.note);
    const punch = { type: 'PUNCH_PKT', did } as const;
    const stopPunch = attempt.every(probeIntervalMs, () => attempt.send(punch, target));
    // The real camera opens a session the moment our punch arrives (§6.1b), before its P2P_RDY
    // reaches us: from the first punch (sent just now by every()) on, this socket ends with CLOSE to
    // the target unless it is handed over, so a punch that loses while its answer is on the way
    // leaves no session.
    attempt.markReady(target);
    try {
      await attempt.receive('P2P_RDY from the camera', (inbound) => {
        const answer = directAnswer(inbound, target, did);
        if (answer === 'ignored') context.info.ignored += 1;
        else if (answer === 'ready') {
          attempt.markReady(target); // the camera holds a session for this socket now: losing means CLOSE
          return true;
        } else if (answer === 'punched') {
          attempt.progress(STAGE.cameraPunched, target); // the camera answered: the attempt bound rule applies
          attempt.send(punch, target); // it punched back: echo it now
        }
        return undefined;
      });
      return target;
    } finally {
      stopPunch();
    }
  };
}

/** The vendor app's sequence (pppp.md §6.1) on its own socket; `host` null means broadcast discovery. */
function lanSearch(host: string | null, port: number, sources: SourceCounter): Handshake {
  return async (attempt, context) => {
    const { probeIntervalMs } = context.config;
    const target: Endpoint = { host: host ?? '255.255.255.255', port };
    if (host === null) attempt.enableBroadcast();
    attempt.onEach(sources.note);
    const stopSearch = attempt.every(probeIntervalMs, () => attempt.send({ type: 'LAN_SEARCH' }, target));
    try {
      const peer = await attempt.receive(
        'PUNCH_PKT from the camera',
        punchFrom(context, (from) => host === null || from.host === host),
      );
      stopSearch();
      // Our echo commits the camera to a session with this socket (P2P_RDY follows after its
      // burst): from here on, a socket that loses ends with CLOSE to the camera. A CLOSE that
      // arrives during the burst, before the camera's session exists, may not prevent it: the
      // one case the search can still leave a session behind (README, "No ghost sessions").
      attempt.markReady(peer);
      return await echoPunchUntilReady(attempt, context, peer);
    } finally {
      stopSearch();
    }
  };
}
