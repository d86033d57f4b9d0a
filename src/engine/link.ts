import type { Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { decode, DecodeError, MessageCode, peekCode, type Did, type Message } from '../protocol';
import { encodeOnce } from './attempt';
import type { Endpoint, Mode } from './types';

export interface LinkEvents {
  /** A decoded message from the peer (datagrams from any other source are dropped and counted). */
  message: [message: Message];
  /** The socket failed; the link is closed right after. */
  error: [error: Error];
  /** The link's socket has been released. */
  close: [];
}

export interface LinkCounters {
  received: number;
  sent: number;
  /** Datagrams from a source other than the peer. */
  foreign: number;
  /**
   * Datagrams from the peer that did not decode. While nobody listens to 'message' (before a
   * session takes over) only their header is checked: nothing reads their payload then.
   */
  malformed: number;
}

/**
 * The winner of a race: a UDP socket that reached the camera, the peer address (the camera
 * itself for `lan`/`p2p`, the relay's session port for `relay`) and how it got there.
 * The link owns the socket: `close()` sends CLOSE to the peer and releases it.
 *
 * Until a session takes over (`autoAnswerAlive = false`), the link answers the camera's ALIVE
 * with ALIVE_ACK so the camera does not drop a link nobody uses yet, and each of the camera's
 * P2P_RDY copies with ALIVE, as the vendor app and the Session do (pppp.md §6.1 step 7): the
 * camera stops repeating P2P_RDY every ~40-50 ms (issue 16: in a burst of 1,000 cameras those
 * repeats to links already won loaded the simulator that still had cameras to answer).
 */
export class Link extends EventEmitter<LinkEvents> {
  readonly mode: Mode;
  readonly remote: Readonly<Endpoint>;
  readonly localPort: number;
  readonly did: Did;
  readonly counters: LinkCounters = { received: 0, sent: 0, foreign: 0, malformed: 0 };
  autoAnswerAlive = true;
  #socket: Socket | undefined;
  #closing: Promise<void> | undefined;

  /** `localPort` is read from the socket unless the caller just read it from the same socket (an Attempt's). */
  constructor(socket: Socket, mode: Mode, remote: Endpoint, did: Did, localPort = socket.address().port) {
    super();
    this.#socket = socket;
    this.mode = mode;
    this.remote = { host: remote.host, port: remote.port };
    this.did = did;
    this.localPort = localPort;
    socket.on('message', this.#onDatagram);
    socket.on('error', this.#onError);
  }

  /** True until `close()` was called or the socket failed. */
  get open(): boolean {
    return this.#socket !== undefined && this.#closing === undefined;
  }

  /** Encodes and sends a message to the peer; a no-op once the link is closed. */
  send(message: Message): void {
    this.sendRaw(encodeOnce(message)); // ALIVE, ALIVE_ACK and CLOSE are built once (issue 16: idle sessions)
  }

  sendRaw(datagram: Buffer): void {
    if (!this.open || this.#socket === undefined) return;
    this.counters.sent += 1;
    this.#socket.send(datagram, this.remote.port, this.remote.host, (err) => {
      if (err && this.open) this.#onError(err);
    });
  }

  /**
   * Closes the link: sends CLOSE to the peer (unless `notifyPeer` is false, e.g. because the
   * peer closed first) and releases the socket. Idempotent; resolves once the socket is closed.
   */
  close(notifyPeer = true): Promise<void> {
    if (this.#closing) return this.#closing;
    const socket = this.#socket;
    if (socket === undefined) return Promise.resolve();
    socket.off('message', this.#onDatagram);
    this.#closing = new Promise<void>((resolve) => {
      const release = (): void => {
        socket.close(() => {
          socket.off('error', this.#onError);
          this.#socket = undefined;
          this.emit('close');
          resolve();
        });
      };
      if (!notifyPeer) return release();
      // Wait for CLOSE to leave before closing the socket, or the send is dropped.
      this.counters.sent += 1;
      socket.send(encodeOnce({ type: 'CLOSE' }), this.remote.port, this.remote.host, () => release());
    });
    return this.#closing;
  }

  readonly #onDatagram = (datagram: Buffer, rinfo: { address: string; port: number }): void => {
    if (rinfo.address !== this.remote.host || rinfo.port !== this.remote.port) {
      this.counters.foreign += 1;
      return;
    }
    if (this.listenerCount('message') === 0) {
      // Nobody reads messages yet: only an ALIVE or a P2P_RDY copy, to answer it, needs its type,
      // and the header tells it. Decoding the camera's P2P_RDY and `ACK` DRW copies for nobody cost ~6 % of the
      // engine's CPU in a burst of 1,000 cameras whose links were held (issue 16).
      const code = peekCode(datagram);
      if (code === undefined) {
        this.counters.malformed += 1;
        return;
      }
      this.counters.received += 1;
      if (code === MessageCode.ALIVE && this.autoAnswerAlive) this.send({ type: 'ALIVE_ACK' });
      else if (code === MessageCode.P2P_RDY && this.autoAnswerAlive) this.send({ type: 'ALIVE' });
      return;
    }
    let message: Message;
    try {
      message = decode(datagram);
    } catch (err) {
      if (err instanceof DecodeError) {
        this.counters.malformed += 1;
        return;
      }
      throw err;
    }
    this.counters.received += 1;
    if (message.type === 'ALIVE' && this.autoAnswerAlive) this.send({ type: 'ALIVE_ACK' });
    else if (message.type === 'P2P_RDY' && this.autoAnswerAlive) this.send({ type: 'ALIVE' });
    this.emit('message', message);
  };

  readonly #onError = (err: Error): void => {
    if (this.listenerCount('error') > 0) this.emit('error', err);
    void this.close(false);
  };
}
