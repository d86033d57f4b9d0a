import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { didEquals } from '../../protocol';
import { AttemptTimeout, encodeOnce, inboundOf, type Inbound } from '../attempt';
import type { RaceConfig } from '../config';
import type { RacerInfo } from '../errors';
import { Link } from '../link';
import type { Endpoint } from '../types';
import { attemptWindowMs, sameEndpoint } from './handshake';
import type { SourceCounter } from './sources';

/** What a datagram means to a direct punch at `target` (pppp.md §6.1b; the rule of `directPunch` and of LeaderPunch). */
export type DirectAnswer = 'ready' | 'punched' | 'ignored' | undefined;

/**
 * - `ready`: P2P_RDY with our DID from exactly the punched address: the session.
 * - `punched`: PUNCH_PKT with our DID from exactly that address: the camera punched back; echo it.
 * - `ignored`: a P2P_RDY or PUNCH_PKT that could have been one of those (another source, another DID): counted.
 * - undefined: anything else.
 */
export function directAnswer({ message, from }: Inbound, target: Endpoint, did: RaceConfig['did']): DirectAnswer {
  if (message.type !== 'P2P_RDY' && message.type !== 'PUNCH_PKT') return undefined;
  if (!sameEndpoint(from, target) || !didEquals(message.did, did)) return 'ignored';
  return message.type === 'P2P_RDY' ? 'ready' : 'punched';
}

/** How a LeaderPunch ended: the camera's session (a Link, the socket handed over) or why not. */
export type LeaderOutcome = Link | Error;

/**
 * The first attempt of a race's first-port direct punch (issue 16), on one bare socket. Every
 * race with a hold (busy.ts: a camera address and LAN raced) starts with it alone: in a burst of
 * races, where the LAN punch wins before any follower starts, everything else a race builds for
 * it (the racers' contexts, the LAN racer's probes and their race, an Attempt with its maps and
 * AbortSignal listener) was most of the engine's CPU per connect (0.44 -> 0.12-0.14 ms per
 * connect at 1,000 cameras, against a floor of 0.07-0.09 ms in the same runs). A race that is not
 * busy opens its hold at the end of its tick, so there the punch is alone for one loop phase.
 *
 * It is the same conversation as `directPunch` on an Attempt (same rule, `directAnswer`): a
 * PUNCH_PKT(DID) to host:port now and every probe interval (in the check phase after its timer,
 * as `Attempt.every`), a punch from the camera echoed at once, the first P2P_RDY with our DID from
 * host:port hands the socket to a Link. It keeps the attempt bound rule of `retryAttempts`: it
 * expires `attemptTimeoutMs.lan` after it opened, or, once the camera punched back,
 * `attemptWindowMs` after that. From its first punch on, closing it without a win sends CLOSE to
 * the camera first (no ghost session, as `Attempt.markReady`).
 *
 * It records into the LAN racer's info as the racer's first attempt does (attempts, ports, sent,
 * ignored, sources, expiredAfterProgress). race() waits on it alone while the hold is closed; when
 * the hold opens, the punch ends without a win, the deadline passes or the caller aborts, the full
 * race starts and the LAN racer adopts it as its first port's first attempt (lan.ts), so a late
 * answer to it still wins.
 */
export class LeaderPunch {
  readonly target: Endpoint;
  /** When it started (the LAN racer's Happy-Eyeballs delays of an adopting race count from here). */
  readonly startedAt = performance.now();
  /** The camera punched back (the `camera punched` stage): an expiry then counts as after progress. */
  cameraPunched = false;
  /** The socket's port, once bound (0 before). */
  localPort = 0;
  #socket: Socket | undefined;
  #punched = false;
  #probe: NodeJS.Timeout | undefined;
  #repeat: NodeJS.Immediate | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** When the attempt bound rule ends it (0 before it opened); a timer only once `bound()`. */
  #dueAt = 0;
  #bounded = false;
  #openedAt = 0;
  #firstSentAt = 0;
  #outcome: LeaderOutcome | undefined;
  #onOutcome: ((outcome: LeaderOutcome) => void) | undefined;
  #closed: Promise<void> | undefined;
  readonly #punch: Buffer;

  constructor(
    readonly config: RaceConfig,
    readonly info: RacerInfo,
    /** The LAN racer's source count (lan.ts): the adopting racer goes on with it. */
    readonly sources: SourceCounter,
    /** Called once the socket is bound and the first punch is on its way (race(): the hold starts). */
    onOpen: () => void,
  ) {
    if (config.host === null) throw new TypeError('LeaderPunch: no camera address to punch');
    this.target = { host: config.host, port: config.ports[0] };
    this.#punch = encodeOnce({ type: 'PUNCH_PKT', did: config.did });
    const socket = createSocket({ type: 'udp4' });
    this.#socket = socket;
    socket.on('error', this.#onError); // a bind error too: the punch ends with it
    socket.bind({ port: 0, address: config.bindAddress, exclusive: true }, () => {
      if (this.#socket !== socket) return; // closed while binding
      this.#openedAt = performance.now();
      this.localPort = socket.address().port;
      info.attempts += 1;
      info.localPort = this.localPort;
      info.destinationPort = this.target.port;
      socket.on('message', this.#onDatagram);
      this.#send(this.#punch);
      this.#punched = true;
      this.#probe = setInterval(() => {
        this.#repeat ??= setImmediate(() => {
          this.#repeat = undefined;
          this.#send(this.#punch);
        });
      }, config.probeIntervalMs);
      this.#arm(config.attemptTimeoutMs.lan);
      onOpen();
    });
  }

  /** The outcome once there is one. */
  get outcome(): LeaderOutcome | undefined {
    return this.#outcome;
  }

  /** Calls `fn` with the outcome (at once when there is one); one listener, replaced by the next call, dropped with undefined. */
  onOutcome(fn: ((outcome: LeaderOutcome) => void) | undefined): void {
    this.#onOutcome = fn;
    if (fn && this.#outcome !== undefined) fn(this.#outcome);
  }

  /** Ends it without a win (idempotent): CLOSE to the camera once it was punched, then the socket closes. */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    const socket = this.#socket;
    this.#stop();
    this.#socket = undefined;
    if (socket === undefined) return (this.#closed = Promise.resolve());
    socket.off('message', this.#onDatagram);
    this.#closed = new Promise<void>((resolve) => {
      const release = (): void => {
        socket.close(() => {
          socket.off('error', this.#onError);
          resolve();
        });
      };
      if (!this.#punched) return release();
      try {
        socket.send(encodeOnce({ type: 'CLOSE' }), this.target.port, this.target.host, release); // the CLOSE leaves before the socket closes
        this.info.sent += 1;
      } catch {
        release();
      }
    });
    this.#settle(new Error('the leader punch was closed'));
    return this.#closed;
  }

  #send(bytes: Buffer): void {
    const socket = this.#socket;
    if (!socket) return;
    socket.send(bytes, this.target.port, this.target.host);
    if (this.#firstSentAt === 0) this.#firstSentAt = performance.now();
    this.info.sent += 1;
  }

  /**
   * Bounds the punch by the attempt bound rule from now on (its timeout counts from when it
   * opened). race() calls it when the punch stops being alone: until then the race's hold, which
   * opens at the latest `attemptTimeoutMs.lan` after the punch opened, ends the wait first, so a
   * punch that wins alone never needs its own timer (one timer less per race in a burst).
   */
  bound(): void {
    if (this.#bounded) return;
    this.#bounded = true;
    if (this.#dueAt !== 0) this.#arm(this.#dueAt - performance.now());
  }

  #arm(ms: number): void {
    this.#dueAt = performance.now() + ms;
    if (!this.#bounded || this.#socket === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        if (this.cameraPunched) this.info.expiredAfterProgress = (this.info.expiredAfterProgress ?? 0) + 1;
        this.#end(new AttemptTimeout(Math.round(performance.now() - this.#openedAt), 'answer'));
      },
      Math.max(0, ms),
    );
  }

  #stop(): void {
    clearInterval(this.#probe);
    clearTimeout(this.#timer);
    if (this.#repeat !== undefined) clearImmediate(this.#repeat);
    this.#repeat = undefined;
  }

  /** Ends it for `reason` (its own timeout, a socket error): the reason is the outcome, then it closes. */
  #end(reason: Error): void {
    this.#settle(reason);
    void this.close();
  }

  #settle(outcome: LeaderOutcome): void {
    if (this.#outcome !== undefined) return;
    this.#outcome = outcome;
    this.#onOutcome?.(outcome);
  }

  readonly #onDatagram = (datagram: Buffer, rinfo: { address: string; port: number }): void => {
    const inbound = inboundOf(datagram, rinfo);
    if (inbound === undefined) return;
    this.sources.note(inbound);
    const answer = directAnswer(inbound, this.target, this.config.did);
    if (answer === 'ignored') this.info.ignored += 1;
    else if (answer === 'punched') {
      if (!this.cameraPunched) {
        // The attempt bound rule (retryAttempts): the camera answered, a window from now.
        this.cameraPunched = true;
        this.#arm(attemptWindowMs(this.config.attemptTimeoutMs.lan, performance.now() - this.#firstSentAt));
      }
      this.#send(this.#punch); // it punched back: echo it now
    } else if (answer === 'ready') this.#win();
  };

  #win(): void {
    const socket = this.#socket;
    if (!socket) return;
    this.#stop();
    socket.off('message', this.#onDatagram);
    socket.off('error', this.#onError);
    this.#socket = undefined;
    this.#closed = Promise.resolve();
    this.#settle(new Link(socket, 'lan', this.target, this.config.did, this.localPort));
  }

  readonly #onError = (err: Error): void => {
    // A UDP socket error (e.g. EADDRNOTAVAIL on bind) ends the punch; the LAN racer opens another socket.
    this.#end(err);
  };
}
