/** What the receiver did with one DRW copy. */
export type ReceiveOutcome =
  /** In order (or filled a gap): `deliver` holds this packet and any buffered ones it released, in order. */
  | { kind: 'delivered'; deliver: Buffer[] }
  /** Ahead of a gap: kept until the gap is filled. */
  | { kind: 'buffered' }
  /** Already delivered or already buffered: acknowledge again, deliver nothing. */
  | { kind: 'duplicate' }
  /** Too far ahead for the out-of-order buffer: dropped and must NOT be acknowledged (the peer resends it). */
  | { kind: 'dropped' };

/**
 * One DRW channel's receiving side (pure: no sockets, no timers). Delivers data in index order
 * without duplicates across the 16-bit wrap-around; keeps at most `maxOutOfOrder` packets that
 * arrived ahead of a gap. An index up to half the index space behind the next expected one is
 * a duplicate; one ahead by `maxOutOfOrder` or more is dropped.
 */
export class DrwReceiver {
  readonly maxOutOfOrder: number;
  #expected = 0;
  readonly #buffer = new Map<number, Buffer>();
  #delivered = 0;

  constructor(maxOutOfOrder: number) {
    this.maxOutOfOrder = maxOutOfOrder;
  }

  /** The index the channel waits for next. */
  get expected(): number {
    return this.#expected;
  }

  /** Packets held out of order now. */
  get buffered(): number {
    return this.#buffer.size;
  }

  /** Packets delivered so far. */
  get delivered(): number {
    return this.#delivered;
  }

  receive(index: number, data: Buffer): ReceiveOutcome {
    const ahead = (index - this.#expected) & 0xffff;
    if (ahead >= 0x8000) return { kind: 'duplicate' };
    if (ahead > 0) {
      if (this.#buffer.has(index)) return { kind: 'duplicate' };
      if (ahead >= this.maxOutOfOrder) return { kind: 'dropped' };
      this.#buffer.set(index, data);
      return { kind: 'buffered' };
    }
    const deliver = [data];
    this.#expected = (this.#expected + 1) & 0xffff;
    for (let next = this.#buffer.get(this.#expected); next !== undefined; next = this.#buffer.get(this.#expected)) {
      this.#buffer.delete(this.#expected);
      deliver.push(next);
      this.#expected = (this.#expected + 1) & 0xffff;
    }
    this.#delivered += deliver.length;
    return { kind: 'delivered', deliver };
  }
}
