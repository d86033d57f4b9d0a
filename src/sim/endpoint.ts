import { createSocket, type Socket } from 'node:dgram';
import { decode, DecodeError, encode, type Message } from '../protocol';
import type { Path } from './path';

export interface Address {
  host: string;
  port: number;
}

/** Counters every simulated endpoint keeps. */
export interface EndpointCounters {
  received: number;
  sent: number;
  malformed: number;
  /** Sends skipped because the target was unusable (port 0 named in a datagram, socket closing). */
  unsendable: number;
}

export type DatagramHandler = (message: Message | undefined, from: Address, raw: Buffer) => void;

/**
 * The impairments of an endpoint: one path for everything it sends and receives, none, or one
 * chosen per peer (a camera's internet socket: punches and P2P sessions pass the p2p path, its
 * servers and relays none). Only a fixed path's `refuse` closes the port; per peer it drops.
 */
export type EndpointPath = Path | null | ((peer: Address) => Path | null);

const LOOPBACK = /^127\./;

/**
 * One simulated UDP socket: datagrams in and out pass through its path's
 * impairments; inbound ones are decoded (malformed ones are counted and passed as undefined,
 * never thrown). With the path's `refuse` set the port is really closed, and re-opened on the
 * same port when it is cleared.
 */
export class SimEndpoint {
  readonly counters: EndpointCounters = { received: 0, sent: 0, malformed: 0, unsendable: 0 };
  #socket: Socket | undefined;
  #port = 0;
  #closed = false;
  readonly #unsubscribe: () => void;

  private constructor(
    readonly host: string,
    readonly path: EndpointPath,
    readonly onDatagram: DatagramHandler,
  ) {
    this.#unsubscribe =
      path && typeof path !== 'function' ? path.onRefuseChange((refuse) => void (refuse ? this.#closeSocket() : this.#open(this.#port))) : () => undefined;
  }

  /**
   * Binds `host:port` (0 = ephemeral) and starts delivering datagrams to `onDatagram`. An
   * endpoint bound to a loopback address never sends outside 127.0.0.0/8 (counted unsendable).
   */
  static async open(host: string, port: number, path: EndpointPath, onDatagram: DatagramHandler): Promise<SimEndpoint> {
    const endpoint = new SimEndpoint(host, path, onDatagram);
    if (path && typeof path !== 'function' && path.settings.refuse) {
      // Reserve a port number anyway so the address is known; it stays closed until refuse is cleared.
      await endpoint.#open(port);
      await endpoint.#closeSocket();
    } else {
      await endpoint.#open(port);
    }
    return endpoint;
  }

  get port(): number {
    return this.#port;
  }

  get address(): Address {
    return { host: this.host, port: this.#port };
  }

  #pathFor(peer: Address): Path | null {
    return typeof this.path === 'function' ? this.path(peer) : this.path;
  }

  send(message: Message, to: Address, done?: () => void): void {
    this.sendRaw(encode(message), to, done);
  }

  /** Sends through the path; `done` runs once the datagram has left the socket, was dropped or could not be sent. */
  sendRaw(datagram: Buffer, to: Address, done?: () => void): void {
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      done?.();
    };
    const go = (): void => {
      const socket = this.#socket;
      if (!socket) return finish();
      // Targets can come from datagrams (PUNCH_TO, DEV_LGN); dgram throws synchronously for port 0.
      const usable = Number.isInteger(to.port) && to.port >= 1 && to.port <= 65535 && (!LOOPBACK.test(this.host) || LOOPBACK.test(to.host));
      if (!usable) {
        this.counters.unsendable += 1;
        return finish();
      }
      try {
        socket.send(datagram, to.port, to.host, finish);
        this.counters.sent += 1;
      } catch {
        this.counters.unsendable += 1;
        finish();
      }
    };
    const path = this.#pathFor(to);
    if (path) path.transmit(go, finish, path.keyed ? { port: this.#port, inbound: false, peer: to, datagram } : undefined);
    else go();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
    await this.#closeSocket();
  }

  async #open(port: number): Promise<void> {
    if (this.#closed || this.#socket) return;
    const socket = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        // A failed bind (e.g. EADDRINUSE) leaves the socket's handle open: release it.
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.bind({ port, address: this.host, exclusive: true }, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    socket.on('error', () => undefined); // e.g. ICMP errors surfacing on send: the simulator carries on
    socket.on('message', (raw, rinfo) => {
      const from = { host: rinfo.address, port: rinfo.port };
      const receive = (): void => this.#receive(raw, from);
      const path = this.#pathFor(from);
      if (path) path.transmit(receive, undefined, path.keyed ? { port: this.#port, inbound: true, peer: from, datagram: raw } : undefined);
      else receive();
    });
    this.#socket = socket;
    this.#port = socket.address().port;
  }

  #closeSocket(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }

  #receive(raw: Buffer, from: Address): void {
    if (!this.#socket) return;
    this.counters.received += 1;
    let message: Message | undefined;
    try {
      message = decode(raw);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.counters.malformed += 1;
      const path = this.#pathFor(from);
      if (path) path.counters.malformed += 1;
    }
    this.onDatagram(message, from, raw);
  }
}
