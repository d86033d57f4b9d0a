/**
 * One send() call as the sender tracks it: how many of its packets are not yet acknowledged.
 * `cancelled` (abort): its packets still in the queue are dropped; those already numbered are
 * still delivered (the peer's in-order delivery waits for every index) but it never completes.
 */
export interface SendTicket {
  remaining: number;
  cancelled: boolean;
}

/** A DRW packet to put on the wire. */
export interface OutgoingPacket {
  index: number;
  data: Buffer;
}

interface Queued<T> {
  data: Buffer;
  ticket: T;
}

interface InFlight<T> extends Queued<T> {
  firstSentAt: number;
  lastSentAt: number;
  transmissions: number;
  /** Serial number of its last transmission (orders transmissions sent in the same millisecond). */
  serial: number;
  /** Packets transmitted after it and acknowledged since: evidence that it was lost. */
  laterAcks: number;
}

/** What an acknowledgement did: round-trip samples (packets sent once, Karn) and sends now complete. */
export interface AckResult<T extends SendTicket = SendTicket> {
  samplesMs: number[];
  completed: T[];
  /** Indices acknowledged for the first time. */
  acknowledged: number;
  /** Fast retransmissions due now: packets that `fastResendAfter` later packets overtook. */
  resend: OutgoingPacket[];
}

/**
 * One DRW channel's sending side (pure: the caller passes the time and sends what it returns).
 * Packets get consecutive 16-bit indices (wrapping); at most `window` indices are outstanding,
 * counted from the oldest unacknowledged one (so a peer with a reorder buffer of at least
 * `window` packets never has to drop one); unacknowledged packets are resent unchanged (same
 * index) once the retransmission timeout has passed since their last transmission.
 */
export class DrwSender<T extends SendTicket = SendTicket> {
  readonly window: number;
  /** Acknowledgements of later packets after which an unacknowledged one is resent at once (0 = never). */
  readonly fastResendAfter: number;
  #serial = 0;
  #nextIndex = 0;
  #queue: Queued<T>[] = [];
  #head = 0;
  #queuedBytes = 0;
  /** Insertion order = index order, so the first key is the oldest unacknowledged index. */
  readonly #inFlight = new Map<number, InFlight<T>>();
  #resends = 0;

  constructor(window: number, fastResendAfter = 0) {
    this.window = window;
    this.fastResendAfter = fastResendAfter;
  }

  /** Bytes accepted but not yet numbered. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  get idle(): boolean {
    return this.#inFlight.size === 0 && this.#head === this.#queue.length;
  }

  /** Retransmissions so far. */
  get resends(): number {
    return this.#resends;
  }

  enqueue(chunks: readonly Buffer[], ticket: T): void {
    for (const data of chunks) {
      this.#queue.push({ data, ticket });
      this.#queuedBytes += data.length;
    }
  }

  /** Drops the queued (not yet numbered) packets of a cancelled send. */
  cancel(ticket: T): void {
    ticket.cancelled = true;
    const kept: Queued<T>[] = [];
    for (let i = this.#head; i < this.#queue.length; i += 1) {
      const item = this.#queue[i];
      if (item.ticket === ticket) this.#queuedBytes -= item.data.length;
      else kept.push(item);
    }
    this.#queue = kept;
    this.#head = 0;
  }

  /** New packets the window allows now, numbered and marked as sent at `nowMs`. */
  take(nowMs: number): OutgoingPacket[] {
    const out: OutgoingPacket[] = [];
    while (this.#head < this.#queue.length && this.#span() < this.window) {
      const item = this.#queue[this.#head];
      this.#head += 1;
      this.#queuedBytes -= item.data.length;
      const index = this.#nextIndex;
      this.#nextIndex = (index + 1) & 0xffff;
      this.#inFlight.set(index, { ...item, firstSentAt: nowMs, lastSentAt: nowMs, transmissions: 1, serial: (this.#serial += 1), laterAcks: 0 });
      out.push({ index, data: item.data });
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  acknowledge(indices: readonly number[], nowMs: number): AckResult<T> {
    const result: AckResult<T> = { samplesMs: [], completed: [], acknowledged: 0, resend: [] };
    const serials: number[] = [];
    for (const index of indices) {
      const entry = this.#inFlight.get(index);
      if (entry === undefined) continue; // a duplicate ACK, or one for an index we never sent
      this.#inFlight.delete(index);
      result.acknowledged += 1;
      serials.push(entry.serial);
      if (entry.transmissions === 1) result.samplesMs.push(nowMs - entry.firstSentAt);
      entry.ticket.remaining -= 1;
      if (entry.ticket.remaining === 0 && !entry.ticket.cancelled) result.completed.push(entry.ticket);
    }
    // Overtaken packets are counted once the whole acknowledgement is read: the camera acknowledges
    // in arrival order (pppp.md §4), so a packet that arrived last is acknowledged later in the same
    // DRW_ACK and must not be resent for the entries before it.
    if (this.fastResendAfter > 0) for (const serial of serials) this.#overtaken(serial, nowMs, result.resend);
    return result;
  }

  /**
   * Unacknowledged packets whose last transmission is at least `timeoutFor(transmissions)` old
   * (the caller's RTO with its back-off); marked resent at `nowMs`.
   */
  resendsDue(nowMs: number, timeoutFor: (transmissions: number) => number): OutgoingPacket[] {
    const out: OutgoingPacket[] = [];
    for (const [index, entry] of this.#inFlight) {
      if (nowMs - entry.lastSentAt < timeoutFor(entry.transmissions)) continue;
      this.#markResent(entry, nowMs);
      out.push({ index, data: entry.data });
    }
    return out;
  }

  /** When the next resend falls due, or undefined with nothing outstanding. */
  nextResendAt(timeoutFor: (transmissions: number) => number): number | undefined {
    let next: number | undefined;
    for (const entry of this.#inFlight.values()) {
      const at = entry.lastSentAt + timeoutFor(entry.transmissions);
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** First transmission time of the oldest unacknowledged packet (for the acknowledgement timeout). */
  oldestUnackedSentAt(): number | undefined {
    let oldest: number | undefined;
    for (const entry of this.#inFlight.values()) if (oldest === undefined || entry.firstSentAt < oldest) oldest = entry.firstSentAt;
    return oldest;
  }

  /** Forgets everything (the session ended; its owner rejects the pending sends). */
  clear(): void {
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#inFlight.clear();
  }

  /** A packet transmitted as `serial` was acknowledged: every one transmitted before it and still unacknowledged was overtaken. */
  #overtaken(serial: number, nowMs: number, out: OutgoingPacket[]): void {
    for (const [index, entry] of this.#inFlight) {
      if (entry.serial >= serial) continue;
      entry.laterAcks += 1;
      if (entry.laterAcks < this.fastResendAfter) continue;
      this.#markResent(entry, nowMs);
      out.push({ index, data: entry.data });
    }
  }

  #markResent(entry: InFlight<T>, nowMs: number): void {
    entry.lastSentAt = nowMs;
    entry.transmissions += 1;
    entry.serial = this.#serial += 1;
    entry.laterAcks = 0;
    this.#resends += 1;
  }

  #span(): number {
    const oldest = this.#inFlight.keys().next();
    return oldest.done ? 0 : (this.#nextIndex - oldest.value) & 0xffff;
  }
}
