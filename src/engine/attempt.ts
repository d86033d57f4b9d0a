import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { toAbortError } from '../errors';
import { decode, DecodeError, encode, type Did, type Message } from '../protocol';
import type { Endpoint } from './types';

/** A datagram that decoded, with where it came from. */
export interface Inbound {
  message: Message;
  from: Endpoint;
}

/** Thrown by `Attempt.receive` when nothing matching arrived in time. */
export class AttemptTimeout extends Error {
  constructor(
    readonly waitedMs: number,
    readonly waitingFor: string,
  ) {
    super(`no ${waitingFor} within ${waitedMs} ms`);
  }
}

/** Messages without fields: one encoding each, built once. */
const CONSTANT_TYPES: ReadonlySet<Message['type']> = new Set(['LAN_SEARCH', 'HELLO', 'RLY_HELLO', 'ALIVE', 'ALIVE_ACK', 'CLOSE']);
const constantBytes = new Map<Message['type'], Buffer>();
/** PUNCH_PKT by DID object (a race's config holds one Did, and every probe of it sends the same punch). */
const punchBytes = new WeakMap<Did, Buffer>();

/**
 * The bytes of `message`, built once for the datagrams that are sent again and again (probes,
 * punches, HELLO, CLOSE); issue 16: encoding the same PUNCH_PKT on every send was measurable at
 * 1,000 cameras. dgram does not modify a buffer it sends, so sharing one is safe.
 */
export function encodeOnce(message: Message): Buffer {
  if ('trailing' in message && message.trailing !== undefined) return encode(message);
  if (message.type === 'PUNCH_PKT') {
    let bytes = punchBytes.get(message.did);
    if (!bytes) punchBytes.set(message.did, (bytes = encode(message)));
    return bytes;
  }
  if (!CONSTANT_TYPES.has(message.type)) return encode(message);
  let bytes = constantBytes.get(message.type);
  if (!bytes) constantBytes.set(message.type, (bytes = encode(message)));
  return bytes;
}

/** A datagram as an Inbound, or undefined when it is not a PPPP message (not ours to read: dropped). */
export function inboundOf(datagram: Buffer, rinfo: { address: string; port: number }): Inbound | undefined {
  let message: Message;
  try {
    message = decode(datagram);
  } catch (err) {
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
  return { message, from: { host: rinfo.address, port: rinfo.port } };
}

const RECENT_LIMIT = 32;
/** Endpoints whose first send time is kept for round-trip samples (servers, relays, targets). */
const FIRST_SENT_LIMIT = 64;

/** A handshake step reached for the first time on an attempt, with the round trip it measured. */
export interface Progress {
  stage: string;
  /** Largest round-trip sample of this attempt so far (ms). */
  rttMs: number;
}

/**
 * One connection attempt: a fresh UDP socket bound to port 0 (its port is read from the socket,
 * never cached), the timers of its periodic sends, and waits for matching datagrams. The
 * attempt owns all of them: `close()` (or the abort signal) releases every one; `handOver()`
 * detaches the socket for a Link and releases the rest.
 */
export class Attempt {
  readonly localPort: number;
  /** Our public address as a rendezvous server saw it (its HELLO_ACK), once one answered. */
  publicAddress: Endpoint | undefined;
  sent = 0;
  /** Sends skipped because the target cannot be sent to (port 0 named by a stray or spoofed answer). */
  unsendable = 0;
  #socket: Socket | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Stops of `every` repeats that wait for the check phase. */
  readonly #immediates = new Set<() => void>();
  readonly #waiters = new Set<{ offer: (inbound: Inbound) => boolean; fail: (err: Error) => void }>();
  /** Why the attempt ended, when it was its own time that ran out (`expire`). */
  #expiredBy: AttemptTimeout | undefined;
  readonly #recent: Inbound[] = [];
  readonly #handlers = new Set<(inbound: Inbound) => void>();
  readonly #signal: AbortSignal;
  readonly #onAbort = (): void => void this.close();
  #closed: Promise<void> | undefined;
  /** The peer that completed the handshake with this socket (P2P_RDY or RLY_RDY received), until handed over. */
  #readyPeers = new Map<string, Endpoint>();
  readonly #openedAt = performance.now();
  /** First and latest send time per endpoint (at most FIRST_SENT_LIMIT endpoints): one map, one lookup per send. */
  readonly #sentAt = new Map<string, { first: number; last: number }>();
  /** Created on the first progress: most attempts end without any (issue 16: every map is a hash table per attempt). */
  #stages: Set<string> | undefined;
  #rttMs = 0;
  #fastestRttTo: Map<string, number> | undefined;
  #onProgress: ((progress: Progress) => void) | undefined;

  private constructor(socket: Socket, signal: AbortSignal) {
    this.#socket = socket;
    this.#signal = signal;
    this.localPort = socket.address().port;
    socket.on('message', this.#onDatagram);
    socket.on('error', this.#onError);
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Opens a fresh socket on `bindAddress`, port 0. Rejects if the signal is already aborted. */
  static open(bindAddress: string, signal: AbortSignal): Promise<Attempt> {
    if (signal.aborted) return Promise.reject(toAbortError(signal.reason, 'attempt'));
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: 'udp4' });
      const onError = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.bind({ port: 0, address: bindAddress, exclusive: true }, () => {
        socket.off('error', onError);
        if (signal.aborted) {
          socket.close();
          reject(toAbortError(signal.reason, 'attempt'));
          return;
        }
        resolve(new Attempt(socket, signal));
      });
    });
  }

  get closed(): boolean {
    return this.#socket === undefined;
  }

  /** Enables SO_BROADCAST (only for the user-enabled LAN discovery; never in tests). */
  enableBroadcast(): void {
    this.#socket?.setBroadcast(true);
  }

  /**
   * Sends one datagram. Never throws: targets come from the network (PUNCH_TO, relay lists), and
   * dgram throws synchronously for port 0, which would crash the process from a timer or a
   * message handler. Such a send is skipped and counted in `unsendable`.
   */
  send(message: Message, to: Endpoint): void {
    const socket = this.#socket;
    if (!socket) return;
    if (!Number.isInteger(to.port) || to.port < 1 || to.port > 65535) {
      this.unsendable += 1;
      return;
    }
    try {
      socket.send(encodeOnce(message), to.port, to.host, () => {
        /* send errors surface as socket 'error' or as silence; the attempt's timeout handles both */
      });
      this.sent += 1;
      const key = `${to.host}:${to.port}`;
      const at = this.#sentAt.get(key);
      if (at) at.last = performance.now();
      else if (this.#sentAt.size < FIRST_SENT_LIMIT) {
        const now = performance.now();
        this.#sentAt.set(key, { first: now, last: now });
      }
    } catch {
      this.unsendable += 1;
    }
  }

  /**
   * Records that the handshake reached `stage` because of a datagram from `from` (a server, a
   * relay or the camera answered). Only the first time a stage is reached counts. The round-trip
   * sample is the time since the first datagram this attempt sent to `from` (or since the
   * attempt opened, when `from` is an address it never sent to, e.g. the camera's session port
   * answering a probe sent to another port): an upper bound of the real round trip, never
   * an underestimate, since the answer cannot be older than the first request.
   */
  progress(stage: string, from: Endpoint): void {
    if (this.closed || this.#stages?.has(stage)) return;
    (this.#stages ??= new Set()).add(stage);
    const key = `${from.host}:${from.port}`;
    const now = performance.now();
    const sent = this.#sentAt.get(key);
    this.#rttMs = Math.max(this.#rttMs, now - (sent?.first ?? this.#openedAt));
    if (sent !== undefined) {
      const fastest = (this.#fastestRttTo ??= new Map());
      fastest.set(key, Math.min(fastest.get(key) ?? Number.POSITIVE_INFINITY, now - sent.last));
    }
    this.#onProgress?.({ stage, rttMs: this.#rttMs });
  }

  /** Stages reached so far (in order). */
  get stages(): readonly string[] {
    return this.#stages ? [...this.#stages] : [];
  }

  /** Largest round-trip sample so far (0 before any progress). */
  get rttMs(): number {
    return this.#rttMs;
  }

  /**
   * Smallest round-trip sample to `to` (or to any endpoint, when `to` never answered a step),
   * measured from the latest send to the answering endpoint (a lower bound: the answer may be
   * to an earlier copy); undefined before any. For resend intervals, where waiting too long
   * costs more than a duplicate.
   */
  fastestRttMs(to: Endpoint): number | undefined {
    const fastest = this.#fastestRttTo;
    if (!fastest) return undefined;
    const own = fastest.get(`${to.host}:${to.port}`);
    if (own !== undefined || fastest.size === 0) return own;
    return Math.min(...fastest.values());
  }

  /** Called on every new stage (see `progress`); the racer uses it to extend the attempt's bound. */
  onProgress(listener: (progress: Progress) => void): void {
    this.#onProgress = listener;
  }

  /**
   * Calls `fn` now and then every `intervalMs` until the attempt ends or the returned stop is called.
   * A repeat runs in the check phase after its timer (setImmediate), i.e. after the datagrams that
   * already wait in the socket have been read: when the event loop is busy (a burst of races), the
   * answer to the previous send is often among them, and it ends the attempt (or stops the
   * repeats) before a needless resend goes out (issue 16). On an idle loop the delay is one phase.
   */
  every(intervalMs: number, fn: () => void): () => void {
    if (this.closed) return () => undefined;
    fn();
    let stopped = false;
    let repeat: NodeJS.Immediate | undefined;
    const timer = setInterval(() => {
      if (repeat !== undefined) return;
      repeat = setImmediate(() => {
        repeat = undefined;
        this.#immediates.delete(stop);
        if (!stopped && !this.closed) fn();
      });
      this.#immediates.add(stop);
    }, intervalMs);
    this.#timers.add(timer);
    const stop = (): void => {
      stopped = true;
      clearInterval(timer);
      this.#timers.delete(timer);
      if (repeat !== undefined) clearImmediate(repeat);
      repeat = undefined;
      this.#immediates.delete(stop);
    };
    return stop;
  }

  /** Runs `handler` for every inbound datagram (e.g. to echo PUNCH_PKT) until the attempt ends. */
  onEach(handler: (inbound: Inbound) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /**
   * Waits for the first inbound datagram (recently buffered ones included) for which `match`
   * returns a value; rejects with AttemptTimeout after `timeoutMs` (if given), or an AbortError
   * when the attempt is aborted or closed.
   */
  receive<T>(what: string, match: (inbound: Inbound) => T | undefined, timeoutMs?: number): Promise<T> {
    if (this.#signal.aborted || this.closed) return Promise.reject(this.#expiredBy ?? toAbortError(this.#signal.reason, what));
    for (let i = 0; i < this.#recent.length; i += 1) {
      const value = match(this.#recent[i]);
      if (value !== undefined) {
        this.#recent.splice(i, 1);
        return Promise.resolve(value);
      }
    }
    // No abort listener of its own: an abort closes the attempt (#onAbort), and closing fails
    // every pending receive (#release); one listener less per wait (issue 16).
    return new Promise<T>((resolve, reject) => {
      const cleanup = (): void => {
        if (timer) {
          clearTimeout(timer);
          this.#timers.delete(timer);
        }
        this.#waiters.delete(waiter);
      };
      const waiter = {
        offer: (inbound: Inbound): boolean => {
          const value = match(inbound);
          if (value === undefined) return false;
          cleanup();
          resolve(value);
          return true;
        },
        fail: (err: Error): void => {
          cleanup();
          reject(err);
        },
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              cleanup();
              reject(new AttemptTimeout(timeoutMs, what));
            }, timeoutMs);
      if (timer) this.#timers.add(timer);
      this.#waiters.add(waiter);
    });
  }

  /**
   * Records that `peer` completed the handshake on this socket (its P2P_RDY or RLY_RDY arrived).
   * From now on the peer may hold a session for us, so an attempt that closes without handing
   * its socket over (it lost, timed out, or was aborted at the moment it became ready) sends
   * CLOSE to the peer first, as Link.close does; otherwise the camera keeps a ghost session for
   * ~7 s and resends to a closed port (issue 12).
   */
  markReady(peer: Endpoint): void {
    if (!this.closed) this.#readyPeers.set(`${peer.host}:${peer.port}`, { host: peer.host, port: peer.port });
  }

  /**
   * The peers recorded by `markReady`, in order. More than one when a handshake reaches several
   * addresses of one camera (P2P punches its public and its local address, and the simulated and
   * the real camera open a session on the first punch that reaches them).
   */
  get readyPeers(): readonly Readonly<Endpoint>[] {
    return [...this.#readyPeers.values()];
  }

  /**
   * Offers a datagram that arrived earlier again to the pending waits, as if it had just
   * arrived (handlers are not run again); kept like any unmatched datagram if none takes it.
   * For a handshake whose rules changed since (e.g. PUNCH_TO named the source of an early punch).
   */
  replay(inbound: Inbound): void {
    if (this.closed) return;
    this.#offer(inbound);
  }

  /** Detaches the socket (for a Link) and releases everything else the attempt owns. */
  handOver(): Socket {
    const socket = this.#socket;
    if (!socket) throw new Error('attempt socket already released');
    this.#readyPeers.clear(); // the Link owns the peer now (and sends CLOSE when it closes)
    this.#release();
    socket.off('message', this.#onDatagram);
    socket.off('error', this.#onError);
    this.#socket = undefined;
    this.#closed = Promise.resolve();
    return socket;
  }

  /**
   * Ends the attempt because its own time ran out (the attempt bound rule, `retryAttempts`): as
   * `close()`, but every pending receive rejects with `reason`, and `expiredBy` tells it. The
   * attempt keeps its own timeout this way instead of an AbortController of its own linked to the
   * racer's signal (one controller and one listener less per attempt, issue 16).
   */
  expire(reason: AttemptTimeout): Promise<void> {
    if (!this.closed) this.#expiredBy = reason;
    return this.close();
  }

  /** The timeout that ended this attempt (`expire`), if that is how it ended. */
  get expiredBy(): AttemptTimeout | undefined {
    return this.#expiredBy;
  }

  /**
   * Releases the socket and every timer; idempotent; resolves when the socket is closed. A peer
   * that reached ready on this socket (`markReady`) gets CLOSE before the socket closes.
   */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    const socket = this.#socket;
    const readyPeers = [...this.#readyPeers.values()];
    this.#readyPeers.clear();
    this.#release();
    this.#socket = undefined;
    this.#closed = new Promise<void>((resolve) => {
      if (!socket) return resolve();
      socket.off('message', this.#onDatagram);
      const release = (): void => {
        socket.close(() => {
          socket.off('error', this.#onError);
          resolve();
        });
      };
      if (readyPeers.length === 0) return release();
      // Wait for every CLOSE to leave before closing the socket, or the sends are dropped.
      let unsent = readyPeers.length;
      const sent = (): void => {
        unsent -= 1;
        if (unsent === 0) release();
      };
      const close = encodeOnce({ type: 'CLOSE' });
      for (const peer of readyPeers) {
        try {
          socket.send(close, peer.port, peer.host, sent);
          this.sent += 1;
        } catch {
          sent();
        }
      }
    });
    return this.#closed;
  }

  #release(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const stop of [...this.#immediates]) stop();
    this.#handlers.clear();
    this.#onProgress = undefined;
    this.#recent.length = 0;
    this.#signal.removeEventListener('abort', this.#onAbort);
    // The error only when a receive is still waiting: most attempts end with none, and building
    // an Error (its stack) on every teardown cost ~3.5 % of the engine's CPU at 1,000 cameras (issue 16).
    if (this.#waiters.size === 0) return;
    const closed = this.#expiredBy ?? toAbortError(this.#signal.reason ?? new Error('attempt closed'), 'attempt');
    for (const waiter of [...this.#waiters]) waiter.fail(closed);
    this.#waiters.clear();
  }

  readonly #onDatagram = (datagram: Buffer, rinfo: { address: string; port: number }): void => {
    const inbound = inboundOf(datagram, rinfo);
    if (inbound === undefined) return;
    for (const handler of this.#handlers) handler(inbound);
    this.#offer(inbound);
  };

  #offer(inbound: Inbound): void {
    for (const waiter of this.#waiters) if (waiter.offer(inbound)) return;
    this.#recent.push(inbound);
    if (this.#recent.length > RECENT_LIMIT) this.#recent.shift();
  }

  readonly #onError = (): void => {
    // A UDP socket error (e.g. EHOSTUNREACH on send) ends this attempt; the racer opens another.
    void this.close();
  };
}
