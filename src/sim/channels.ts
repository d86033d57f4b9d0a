import { MAX_DRW_DATA } from '../protocol';

/**
 * The simulated camera's DRW channels: what the camera does with DRW, kept deliberately
 * simple and close to the captures (pppp.md §4): every received copy is acknowledged by the
 * caller (except a packet too far ahead to buffer, see `accepts`); data is delivered in index
 * order without duplicates, across 16-bit wrap-around, with a bounded reorder buffer; sent data
 * is split into ≤1024-byte packets and resent unchanged (same index) until acknowledged, with a
 * bounded window.
 */
export class CameraChannelReceiver {
  #expected = 0;
  readonly #buffer = new Map<number, Buffer>();

  constructor(readonly maxBuffered = 256) {}

  /**
   * False for a packet too far ahead to buffer: it is dropped, so it must not be acknowledged
   * (the peer resends it once the gap before it is filled).
   */
  accepts(index: number): boolean {
    const ahead = (index - this.#expected) & 0xffff;
    return ahead >= 0x8000 || ahead < this.maxBuffered || this.#buffer.has(index);
  }

  /** Returns the data now deliverable in order (empty for duplicates and early packets). */
  receive(index: number, data: Buffer): Buffer[] {
    const ahead = (index - this.#expected) & 0xffff;
    if (ahead >= 0x8000) return []; // already delivered: a duplicate
    if (ahead > 0) {
      if (ahead < this.maxBuffered && !this.#buffer.has(index)) this.#buffer.set(index, Buffer.from(data));
      return [];
    }
    const out: Buffer[] = [Buffer.from(data)];
    this.#expected = (this.#expected + 1) & 0xffff;
    for (let next = this.#buffer.get(this.#expected); next; next = this.#buffer.get(this.#expected)) {
      this.#buffer.delete(this.#expected);
      out.push(next);
      this.#expected = (this.#expected + 1) & 0xffff;
    }
    return out;
  }
}

interface Outstanding {
  data: Buffer;
  sentAt: number;
}

export class CameraChannelSender {
  #nextIndex = 0;
  readonly #queue: Buffer[] = [];
  readonly #unacked = new Map<number, Outstanding>();

  constructor(
    readonly window = 64,
    readonly resendMs = 100,
  ) {}

  get idle(): boolean {
    return this.#queue.length === 0 && this.#unacked.size === 0;
  }

  enqueue(data: Buffer): void {
    for (let offset = 0; offset < data.length || offset === 0; offset += MAX_DRW_DATA) {
      this.#queue.push(Buffer.from(data.subarray(offset, offset + MAX_DRW_DATA)));
      if (data.length === 0) break;
    }
  }

  acknowledge(indices: readonly number[]): void {
    for (const index of indices) this.#unacked.delete(index);
  }

  /** Packets to send now: resends that are due, then new ones while the window allows. */
  due(nowMs: number): { index: number; data: Buffer }[] {
    const out: { index: number; data: Buffer }[] = [];
    for (const [index, entry] of this.#unacked) {
      if (nowMs - entry.sentAt >= this.resendMs) {
        entry.sentAt = nowMs;
        out.push({ index, data: entry.data });
      }
    }
    while (this.#queue.length > 0 && this.#unacked.size < this.window) {
      const data = this.#queue.shift() as Buffer;
      const index = this.#nextIndex;
      this.#nextIndex = (this.#nextIndex + 1) & 0xffff;
      this.#unacked.set(index, { data, sentAt: nowMs });
      out.push({ index, data });
    }
    return out;
  }

  /** When the next resend falls due, or undefined if nothing is outstanding. */
  nextDueMs(): number | undefined {
    let next: number | undefined;
    for (const entry of this.#unacked.values()) {
      const at = entry.sentAt + this.resendMs;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }
}
