/**
 * The contract between the session layer (reliable DRW channels over a won Link) and the
 * layers above it (ARTEMIS client, Node-RED nodes). The concrete `Session` implements this;
 * upper layers depend on this interface only, so they can be tested with a fake.
 */
export interface ChannelTransport {
  /**
   * Sends `data` reliably and in order on a DRW channel (0-7). Resolves when every DRW packet
   * of it has been acknowledged; rejects with a typed error if the session ends first or the
   * signal aborts.
   */
  send(channel: number, data: Buffer, options?: { signal?: AbortSignal }): Promise<void>;
  /** In-order, duplicate-free data from the peer on a channel, one call per DRW packet. */
  on(event: 'data', listener: (channel: number, data: Buffer) => void): this;
  /** The session has ended (lost or closed); no more data arrives and sends reject. */
  on(event: 'end', listener: (reason: SessionEndReason) => void): this;
  off(event: 'data', listener: (channel: number, data: Buffer) => void): this;
  off(event: 'end', listener: (reason: SessionEndReason) => void): this;
  /** True until the session has ended. */
  readonly open: boolean;
}

export interface SessionEndReason {
  /** `lost`: silence / socket error; `closed`: we or the peer closed it. */
  kind: 'lost' | 'closed';
  /** `timeout`, `remote`, `local`, `socket-error`, ... */
  reason: string;
  error?: Error;
}
