import { createSocket, type Socket } from 'node:dgram';
import { decode, encode, type Message, type MessageOf } from '../../src/protocol';

export interface Received<T extends Message = Message> {
  message: T;
  from: { host: string; port: number };
}

/**
 * A byte-level scripted client on 127.0.0.1 for driving the simulator without the engine:
 * `send` raw messages, `next(type)` waits (bounded) for the next datagram of that type.
 */
export class ScriptedClient {
  readonly received: Received[] = [];
  readonly #waiters: { type: string; resolve(r: Received): void }[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('message', (data, rinfo) => {
      let message: Message;
      try {
        message = decode(data);
      } catch {
        return;
      }
      const item: Received = { message, from: { host: rinfo.address, port: rinfo.port } };
      const i = this.#waiters.findIndex((w) => w.type === message.type);
      if (i >= 0) this.#waiters.splice(i, 1)[0].resolve(item);
      else this.received.push(item);
    });
  }

  static async open(): Promise<ScriptedClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new ScriptedClient(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(message: Message, port: number): void {
    this.sendRaw(encode(message), port);
  }

  sendRaw(datagram: Buffer, port: number): void {
    this.socket.send(datagram, port, '127.0.0.1');
  }

  /** The next datagram of `type` (already received or arriving within `timeoutMs`). */
  next<T extends Message['type']>(type: T, timeoutMs = 2000): Promise<Received<MessageOf<T>>> {
    const i = this.received.findIndex((r) => r.message.type === type);
    if (i >= 0) return Promise.resolve(this.received.splice(i, 1)[0] as Received<MessageOf<T>>);
    return new Promise((resolve, reject) => {
      const waiter = {
        type,
        resolve: (r: Received) => {
          clearTimeout(timer);
          resolve(r as Received<MessageOf<T>>);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** How many datagrams of `type` arrived and were not consumed by `next`. */
  count(type: Message['type']): number {
    return this.received.filter((r) => r.message.type === type).length;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
