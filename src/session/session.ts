import { EventEmitter } from 'node:events';
// Session time is the global `performance.now()` (monotonic): a step of the wall clock (NTP on a
// board without a real-time clock) must neither end a live session as silent nor freeze its
// resends and keepalive. The global one, so that sinon's fake timers (toFake 'performance') drive it in tests.
import { ConfigError, toAbortError } from '../errors';
import type { Link } from '../engine/link';
import { MAX_DRW_DATA, type Message, type MessageOf } from '../protocol';
import { CAMERA_READY_DATA, DRW_CHUNK, MAX_CHANNEL } from './constants';
import { DrwReceiver } from './drw-receiver';
import { DrwSender, type OutgoingPacket, type SendTicket } from './drw-sender';
import { SessionEndedError, SessionQueueFullError } from './errors';
import { Keepalive } from './keepalive';
import { resolveSessionOptions, type ResolvedSessionOptions, type SessionOptions } from './options';
import { backedOffRtoMs, INITIAL_RTO, rtoAfterSample, rtoMs, type RtoState } from './rto';
import type { ChannelTransport, SessionEndReason } from './types';

/** What the session needs of the won link (the engine's Link; a fake in unit tests). */
export interface SessionLink {
  readonly open: boolean;
  /** Turned off by the session: from then on it answers ALIVE itself. */
  autoAnswerAlive: boolean;
  send(message: Message): void;
  close(notifyPeer?: boolean): Promise<void>;
  on(event: 'message', listener: (message: Message) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'message', listener: (message: Message) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/** The engine's Link is a SessionLink (checked here at compile time). */
export type LinkIsSessionLink = Link extends SessionLink ? true : never;

export interface SessionEvents {
  /** In-order, duplicate-free data of one DRW packet. */
  data: [channel: number, data: Buffer];
  /** The camera's first DRW on channel 0 was `ACK` (pppp.md §4: the camera is ready for commands). */
  ready: [];
  /** The peer went silent, stopped acknowledging, or the socket failed; CLOSE was sent. */
  lost: [reason: SessionEndReason];
  /** The peer sent CLOSE (`remote`) or close() was called (`local`). */
  closed: [reason: SessionEndReason];
  /** After `lost` or `closed`: the session has ended. */
  end: [reason: SessionEndReason];
}

/** Counters of one session (for tests, telemetry and debugging). */
export interface SessionStats {
  /** DRW packets sent for the first time. */
  drwSent: number;
  drwResent: number;
  /** DRW copies received (duplicates included), every one acknowledged unless dropped. */
  drwReceived: number;
  drwDuplicates: number;
  /** DRW copies too far ahead (or on a channel above 7): dropped, not acknowledged. */
  drwDropped: number;
  drwAcksSent: number;
  alivesSent: number;
  /** P2P_RDY copies from the camera answered with ALIVE (as the vendor app does; not in alivesSent). */
  readyCopiesAnswered: number;
  /** Current retransmission timeout. */
  rtoMs: number;
}

interface PendingSend extends SendTicket {
  channel: number;
  resolve(): void;
  reject(error: Error): void;
}

interface Channel {
  sender: DrwSender<PendingSend>;
  receiver: DrwReceiver;
}

/**
 * The session on a won link (pppp.md §4, §6.4): ALIVE keepalive and silence watch, reliable
 * DRW channels (split into ≤1024-byte packets, per-channel 16-bit indices that wrap, resent with
 * an RFC 6298 timeout within a bounded window, every received copy acknowledged in batched
 * DRW_ACKs, in-order duplicate-free delivery with a bounded out-of-order buffer), CLOSE both
 * ways. It owns the link from construction on: one timer, one immediate (for batched
 * acknowledgements) and the link's socket, all released when the session ends.
 */
export class Session extends EventEmitter<SessionEvents> implements ChannelTransport {
  readonly options: ResolvedSessionOptions;
  readonly #link: SessionLink;
  readonly #channels = new Map<number, Channel>();
  readonly #pending = new Set<PendingSend>();
  readonly #keepalive: Keepalive;
  #rto: RtoState = INITIAL_RTO;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #ackImmediate: NodeJS.Immediate | undefined;
  readonly #acks = new Map<number, number[]>();
  #endReason: SessionEndReason | undefined;
  #closing: Promise<void> | undefined;
  #ready = false;
  /** whenReady() callers: called with undefined once ready, with the reason if the session ends first. */
  readonly #readyWaiters = new Set<(ended: SessionEndReason | undefined) => void>();
  #firstOnZero = true;
  readonly #stats = { drwSent: 0, drwResent: 0, drwReceived: 0, drwDuplicates: 0, drwDropped: 0, drwAcksSent: 0, alivesSent: 0, readyCopiesAnswered: 0 };

  constructor(link: SessionLink, options: SessionOptions = {}) {
    super();
    this.options = resolveSessionOptions(options);
    this.#link = link;
    this.#keepalive = new Keepalive(this.options.keepaliveIntervalMs, this.options.silenceMs, performance.now());
    link.autoAnswerAlive = false;
    link.on('message', this.#onMessage);
    link.on('error', this.#onLinkError);
    link.on('close', this.#onLinkClose);
    if (!link.open) {
      void this.#end({ kind: 'closed', reason: 'link-closed' }, false);
      return;
    }
    this.#pump();
  }

  /** True until the session has ended. */
  get open(): boolean {
    return this.#endReason === undefined;
  }

  /** Why the session ended (undefined while open). */
  get endReason(): SessionEndReason | undefined {
    return this.#endReason;
  }

  /** True once the camera's `ACK` on channel 0 has arrived. */
  get cameraReady(): boolean {
    return this.#ready;
  }

  get stats(): SessionStats {
    return { ...this.#stats, rtoMs: this.#rtoMs() };
  }

  /**
   * Sends `data` on `channel` (0-7) reliably and in order; resolves when every packet of it has
   * been acknowledged. Rejects with SessionEndedError if the session ends first (also when it
   * has already ended), AbortError when `signal` aborts (packets already on the wire are still
   * delivered, the rest is dropped), SessionQueueFullError when too much waits already,
   * ConfigError for a bad channel. Empty data resolves at once (no packet).
   */
  send(channel: number, data: Buffer, options: { signal?: AbortSignal } = {}): Promise<void> {
    const what = `DRW send on channel ${channel}`;
    if (!Number.isInteger(channel) || channel < 0 || channel > MAX_CHANNEL) {
      return Promise.reject(new ConfigError('channel', channel, `must be an integer from 0 to ${MAX_CHANNEL}`));
    }
    if (!Buffer.isBuffer(data)) return Promise.reject(new ConfigError('data', typeof data, 'must be a Buffer'));
    if (this.#endReason) return Promise.reject(new SessionEndedError(what, this.#endReason));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(toAbortError(signal.reason, what));
    if (data.length === 0) return Promise.resolve();
    const queued = this.#queuedBytes();
    if (queued + data.length > this.options.maxQueuedBytes) return Promise.reject(new SessionQueueFullError(what, queued, this.options.maxQueuedBytes));
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < data.length; offset += DRW_CHUNK) chunks.push(Buffer.from(data.subarray(offset, offset + DRW_CHUNK)));
    const { sender } = this.#channel(channel);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.#pending.delete(ticket)) return;
        sender.cancel(ticket);
        reject(toAbortError(signal?.reason, what));
      };
      const ticket: PendingSend = {
        channel,
        remaining: chunks.length,
        cancelled: false,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.add(ticket);
      sender.enqueue(chunks, ticket);
      this.#transmit(channel, sender.take(performance.now()), false);
      this.#arm();
    });
  }

  /**
   * Resolves true once the camera is ready (its `ACK` on channel 0), false after `timeoutMs`
   * without it; rejects with SessionEndedError if the session ends, AbortError on abort.
   */
  whenReady(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<boolean> {
    if (this.#ready) return Promise.resolve(true);
    if (this.#endReason) return Promise.reject(new SessionEndedError('waiting for the camera', this.#endReason));
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(toAbortError(signal.reason, 'waiting for the camera'));
    return new Promise<boolean>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#readyWaiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter = (ended: SessionEndReason | undefined): void => {
        done();
        if (ended) reject(new SessionEndedError('waiting for the camera', ended));
        else resolve(true);
      };
      const onAbort = (): void => {
        done();
        reject(toAbortError(signal?.reason, 'waiting for the camera'));
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              done();
              resolve(false);
            }, timeoutMs);
      this.#readyWaiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Ends the session: sends CLOSE, rejects pending sends (SessionEndedError, reason `local`),
   * emits `closed` and `end`, releases the timer and the socket. Resolves once the socket is
   * released. Idempotent.
   */
  close(reason = 'local'): Promise<void> {
    return this.#end({ kind: 'closed', reason }, true);
  }

  #channel(channel: number): Channel {
    let entry = this.#channels.get(channel);
    if (!entry) {
      entry = { sender: new DrwSender<PendingSend>(this.options.window, this.options.fastResendAfter), receiver: new DrwReceiver(this.options.maxOutOfOrder) };
      this.#channels.set(channel, entry);
    }
    return entry;
  }

  #queuedBytes(): number {
    let total = 0;
    for (const { sender } of this.#channels.values()) total += sender.queuedBytes;
    return total;
  }

  #rtoMs(): number {
    return rtoMs(this.#rto, { initialMs: this.options.initialRtoMs, minMs: this.options.minRtoMs, maxMs: this.options.maxRtoMs });
  }

  /** Resend wait of a packet sent `transmissions` times: the RTO, backed off per retransmission. */
  #timeoutFor(): (transmissions: number) => number {
    const rto = this.#rtoMs();
    const { maxRtoMs, maxBackoffFactor } = this.options;
    return (transmissions) => backedOffRtoMs(rto, transmissions, maxRtoMs, maxBackoffFactor);
  }

  #sendMessage(message: Message, alive = false): void {
    this.#link.send(message);
    this.#keepalive.sent(performance.now(), alive);
  }

  #transmit(channel: number, packets: readonly OutgoingPacket[], resend: boolean): void {
    for (const packet of packets) this.#sendMessage({ type: 'DRW', channel, index: packet.index, data: packet.data });
    if (resend) this.#stats.drwResent += packets.length;
    else this.#stats.drwSent += packets.length;
  }

  readonly #onMessage = (message: Message): void => {
    if (this.#endReason) return;
    this.#keepalive.heard(performance.now());
    switch (message.type) {
      case 'ALIVE':
        this.#sendMessage({ type: 'ALIVE_ACK' });
        break;
      case 'DRW':
        this.#onDrw(message);
        break;
      case 'DRW_ACK':
        this.#onDrwAck(message);
        break;
      case 'CLOSE':
        void this.#end({ kind: 'closed', reason: 'remote' }, false);
        return;
      case 'P2P_RDY':
        // The camera repeats P2P_RDY (every ~40-50 ms, pppp.md §6.1b step 3) until it is answered;
        // the vendor app answers every copy with ALIVE (§6.1 step 7). So do we.
        this.#stats.readyCopiesAnswered += 1;
        this.#sendMessage({ type: 'ALIVE' }, true);
        break;
      default:
        // ALIVE_ACK and the camera's repeated PUNCH_PKT only prove the peer is there.
        break;
    }
    this.#arm();
  };

  #onDrw(message: MessageOf<'DRW'>): void {
    this.#stats.drwReceived += 1;
    // Channels 0-7 and at most 1024 bytes of data (pppp.md §1 [K]): a larger DRW is dropped
    // unacknowledged, or a peer could pin ~64 KiB per buffered packet instead of the 1 KiB the
    // reorder bound (maxOutOfOrder) is sized for.
    if (message.channel > MAX_CHANNEL || message.data.length > MAX_DRW_DATA) {
      this.#stats.drwDropped += 1;
      return;
    }
    const outcome = this.#channel(message.channel).receiver.receive(message.index, message.data);
    if (outcome.kind === 'dropped') {
      this.#stats.drwDropped += 1;
      return;
    }
    this.#queueAck(message.channel, message.index);
    if (outcome.kind === 'duplicate') this.#stats.drwDuplicates += 1;
    if (outcome.kind !== 'delivered') return;
    for (const data of outcome.deliver) {
      if (this.#endReason) return; // a listener closed the session
      if (message.channel === 0 && this.#firstOnZero) {
        this.#firstOnZero = false;
        if (data.equals(CAMERA_READY_DATA)) {
          this.#ready = true;
          for (const waiter of [...this.#readyWaiters]) waiter(undefined);
          this.emit('ready');
        }
      }
      this.emit('data', message.channel, data);
    }
  }

  #onDrwAck(message: MessageOf<'DRW_ACK'>): void {
    const channel = this.#channels.get(message.channel);
    if (!channel) return;
    const now = performance.now();
    const result = channel.sender.acknowledge(message.indices, now);
    for (const sample of result.samplesMs) this.#rto = rtoAfterSample(this.#rto, sample);
    for (const ticket of result.completed) {
      if (this.#pending.delete(ticket)) ticket.resolve();
    }
    if (this.#endReason) return;
    this.#transmit(message.channel, result.resend, true);
    if (result.acknowledged > 0) this.#transmit(message.channel, channel.sender.take(now), false);
  }

  /** Every copy is acknowledged; indices are batched per channel until the end of this I/O turn. */
  #queueAck(channel: number, index: number): void {
    let indices = this.#acks.get(channel);
    if (!indices) this.#acks.set(channel, (indices = []));
    indices.push(index);
    if (indices.length >= this.options.maxAckIndices) this.#flushAcks(channel);
    else this.#ackImmediate ??= setImmediate(this.#flushAllAcks);
  }

  #flushAcks(channel: number): void {
    const indices = this.#acks.get(channel);
    if (!indices || indices.length === 0) return;
    this.#acks.delete(channel);
    this.#stats.drwAcksSent += 1;
    this.#sendMessage({ type: 'DRW_ACK', channel, indices });
  }

  readonly #flushAllAcks = (): void => {
    this.#ackImmediate = undefined;
    if (this.#endReason) return;
    for (const channel of [...this.#acks.keys()]) this.#flushAcks(channel);
  };

  /** Does what is due now (silence, acknowledgement timeout, resends, ALIVE) and re-arms the timer. */
  readonly #pump = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.#endReason) return;
    const now = performance.now();
    const check = this.#keepalive.check(now);
    if (check.lost) {
      void this.#end({ kind: 'lost', reason: 'timeout' }, true);
      return;
    }
    const timeoutFor = this.#timeoutFor();
    for (const [channel, { sender }] of this.#channels) {
      const oldest = sender.oldestUnackedSentAt();
      if (oldest !== undefined && now - oldest >= this.options.ackTimeoutMs) {
        void this.#end({ kind: 'lost', reason: 'unacknowledged' }, true);
        return;
      }
      this.#transmit(channel, sender.resendsDue(now, timeoutFor), true);
    }
    if (this.#keepalive.check(now).sendAlive) {
      this.#stats.alivesSent += 1;
      this.#sendMessage({ type: 'ALIVE' }, true);
    }
    this.#arm();
  };

  /** Makes sure the timer fires no later than the next deadline (one timer per session). */
  #arm(): void {
    if (this.#endReason) return;
    let next = this.#keepalive.nextDeadline();
    const timeoutFor = this.#timeoutFor();
    for (const { sender } of this.#channels.values()) {
      const resend = sender.nextResendAt(timeoutFor);
      if (resend !== undefined) next = Math.min(next, resend);
      const oldest = sender.oldestUnackedSentAt();
      if (oldest !== undefined) next = Math.min(next, oldest + this.options.ackTimeoutMs);
    }
    if (this.#timer !== undefined && this.#timerAt <= next) return;
    clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = setTimeout(this.#pump, Math.max(1, next - performance.now()));
  }

  readonly #onLinkError = (error: Error): void => {
    void this.#end({ kind: 'lost', reason: 'socket-error', error }, false);
  };

  readonly #onLinkClose = (): void => {
    void this.#end({ kind: 'closed', reason: 'link-closed' }, false);
  };

  #end(reason: SessionEndReason, notifyPeer: boolean): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#endReason = reason;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#ackImmediate) clearImmediate(this.#ackImmediate);
    this.#ackImmediate = undefined;
    this.#acks.clear();
    const link = this.#link;
    link.off('message', this.#onMessage);
    link.off('close', this.#onLinkClose);
    // Keep a no-op error listener until the socket is gone: a late socket error must not throw.
    link.off('error', this.#onLinkError);
    const swallow = (): void => undefined;
    link.on('error', swallow);
    this.#closing = link.close(notifyPeer && link.open).finally(() => link.off('error', swallow));
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const { sender } of this.#channels.values()) sender.clear();
    for (const ticket of pending) ticket.reject(new SessionEndedError(`DRW send on channel ${ticket.channel}`, reason));
    for (const waiter of [...this.#readyWaiters]) waiter(reason);
    this.emit(reason.kind === 'lost' ? 'lost' : 'closed', reason);
    this.emit('end', reason);
    return this.#closing;
  }
}
