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
 * One simulated UDP socket on loopback: datagrams in and out pass through its path's
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
    readonly path: Path | null,
    readonly onDatagram: DatagramHandler,
  ) {
    this.#unsubscribe = path ? path.onRefuseChange((refuse) => void (refuse ? this.#closeSocket() : this.#open(this.#port))) : () => undefined;
  }

  /** Binds `host:port` (0 = ephemeral) and starts delivering datagrams to `onDatagram`. */
  static async open(host: string, port: number, path: Path | null, onDatagram: DatagramHandler): Promise<SimEndpoint> {
    const endpoint = new SimEndpoint(host, path, onDatagram);
    if (path?.settings.refuse) {
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

  send(message: Message, to: Address): void {
    this.sendRaw(encode(message), to);
  }

  sendRaw(datagram: Buffer, to: Address): void {
    const go = (): void => {
      const socket = this.#socket;
      if (!socket) return;
      // Targets can come from datagrams (PUNCH_TO, DEV_LGN); dgram throws synchronously for port 0.
      if (!Number.isInteger(to.port) || to.port < 1 || to.port > 65535) {
        this.counters.unsendable += 1;
        return;
      }
      try {
        socket.send(datagram, to.port, to.host, () => undefined);
        this.counters.sent += 1;
      } catch {
        this.counters.unsendable += 1;
      }
    };
    if (this.path) this.path.transmit(go);
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
      if (this.path) this.path.transmit(receive);
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
      if (this.path) this.path.counters.malformed += 1;
    }
    this.onDatagram(message, from, raw);
  }
}
