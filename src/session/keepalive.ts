/** What the keepalive wants done at a given time. */
export interface KeepaliveCheck {
  /** Nothing heard for the silence limit: the peer is lost. */
  lost: boolean;
  /** Send ALIVE now. */
  sendAlive: boolean;
}

/**
 * Keepalive and silence watch of one session (pure: the caller passes the time). ALIVE is due
 * after `intervalMs` without sending anything, or without hearing the peer (at most one ALIVE per
 * interval then, to make a quiet peer answer); the peer is lost after `silenceMs` without a
 * datagram (pppp.md §6.4: ALIVE after ~1 s, dead after ~7 s).
 */
export class Keepalive {
  readonly intervalMs: number;
  readonly silenceMs: number;
  #lastHeardAt: number;
  #lastSentAt: number;
  #lastAliveAt: number;

  constructor(intervalMs: number, silenceMs: number, nowMs: number) {
    this.intervalMs = intervalMs;
    this.silenceMs = silenceMs;
    this.#lastHeardAt = nowMs;
    this.#lastSentAt = nowMs;
    this.#lastAliveAt = nowMs;
  }

  get lastHeardAt(): number {
    return this.#lastHeardAt;
  }

  heard(nowMs: number): void {
    this.#lastHeardAt = nowMs;
  }

  sent(nowMs: number, alive = false): void {
    this.#lastSentAt = nowMs;
    if (alive) this.#lastAliveAt = nowMs;
  }

  check(nowMs: number): KeepaliveCheck {
    if (nowMs - this.#lastHeardAt >= this.silenceMs) return { lost: true, sendAlive: false };
    const quietUs = nowMs - this.#lastSentAt >= this.intervalMs;
    const quietPeer = nowMs - this.#lastHeardAt >= this.intervalMs && nowMs - this.#lastAliveAt >= this.intervalMs;
    return { lost: false, sendAlive: quietUs || quietPeer };
  }

  /** The next time `check` may give another answer. */
  nextDeadline(): number {
    const silence = this.#lastHeardAt + this.silenceMs;
    const quietUs = this.#lastSentAt + this.intervalMs;
    const quietPeer = Math.max(this.#lastHeardAt, this.#lastAliveAt) + this.intervalMs;
    return Math.min(silence, quietUs, quietPeer);
  }
}
