import { didEquals, type Did, type Message } from '../protocol';
import { SimEndpoint, type Address } from './endpoint';
import type { Path } from './path';

const same = (a: Address | undefined, b: Address): boolean => a !== undefined && a.host === b.host && a.port === b.port;

/** One relayed session: its own socket, the client and the device once both knocked. */
interface RelaySession {
  mark: number;
  endpoint: SimEndpoint;
  client?: Address;
  device?: Address;
  did?: Did;
  lastActive: number;
}

/**
 * A CS2 relay server (pppp.md §6.3): RLY_HELLO → RLY_HELLO_ACK; RLY_PORT → RLY_PORT_ACK with a
 * magic word and a fresh per-session port (a new socket); RLY_PKT with that magic from the
 * client and the device → RLY_RDY to both; then every datagram is forwarded between them.
 * Everything passes the `relay` path. A session ends on CLOSE or after `idleMs` of silence.
 */
export class RelayServer {
  readonly counters = { sessions: 0, forwarded: 0, unexpected: 0, sessionErrors: 0 };
  readonly #sessions = new Map<number, RelaySession>();
  #endpoint: SimEndpoint | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    readonly host: string,
    readonly path: Path,
    readonly random: () => number,
    readonly idleMs = 30_000,
  ) {}

  async start(port = 0): Promise<void> {
    this.#endpoint = await SimEndpoint.open(this.host, port, this.path, (m, from) => this.#onMain(m, from));
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(this.idleMs, 5_000));
    this.#sweeper.unref();
  }

  get address(): Address {
    return { host: this.host, port: this.#endpoint?.port ?? 0 };
  }

  get openSessions(): number {
    return this.#sessions.size;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#sweeper) clearInterval(this.#sweeper);
    await Promise.all([...this.#sessions.values()].map((s) => s.endpoint.close()));
    this.#sessions.clear();
    await this.#endpoint?.close();
  }

  #onMain(message: Message | undefined, from: Address): void {
    if (message?.type === 'RLY_HELLO') return this.#endpoint?.send({ type: 'RLY_HELLO_ACK' }, from);
    if (message?.type === 'RLY_PORT') {
      // A session socket that cannot be bound is counted; the client simply gets no RLY_PORT_ACK.
      this.#openSession(from).catch(() => void (this.counters.sessionErrors += 1));
      return;
    }
    this.counters.unexpected += 1;
  }

  async #openSession(client: Address): Promise<void> {
    let mark = Math.floor(this.random() * 0xffff_ffff) >>> 0;
    while (this.#sessions.has(mark)) mark = (mark + 1) >>> 0;
    const session: RelaySession = { mark, lastActive: Date.now() } as RelaySession;
    session.endpoint = await SimEndpoint.open(this.host, 0, this.path, (m, from, raw) => this.#onSession(session, m, from, raw));
    if (this.#closed) {
      // close() ran while the session socket was being bound: it must not outlive the server.
      await session.endpoint.close();
      return;
    }
    this.#sessions.set(mark, session);
    this.counters.sessions += 1;
    this.#endpoint?.send({ type: 'RLY_PORT_ACK', mark, port: session.endpoint.port }, client);
  }

  #onSession(session: RelaySession, message: Message | undefined, from: Address, raw: Buffer): void {
    session.lastActive = Date.now();
    if (message?.type === 'RLY_PKT' && message.mark === session.mark) {
      if (message.role === 'client') session.client = from;
      else session.device = from;
      session.did = message.did;
      if (session.client && session.device && session.did && didEquals(session.did, message.did)) {
        session.endpoint.send({ type: 'RLY_RDY', did: session.did }, from);
        const other = message.role === 'client' ? session.device : session.client;
        session.endpoint.send({ type: 'RLY_RDY', did: session.did }, other);
      }
      return;
    }
    const to = same(session.client, from) ? session.device : same(session.device, from) ? session.client : undefined;
    if (!to) {
      this.counters.unexpected += 1;
      return;
    }
    this.counters.forwarded += 1;
    // A CLOSE ends the session, but only once it has left the socket (closing in the same tick lost it).
    const closing = message?.type === 'CLOSE';
    session.endpoint.sendRaw(raw, to, closing ? () => void this.#end(session) : undefined);
  }

  async #end(session: RelaySession): Promise<void> {
    if (this.#sessions.get(session.mark) !== session) return;
    this.#sessions.delete(session.mark);
    await session.endpoint.close();
  }

  #sweep(): void {
    const now = Date.now();
    for (const session of this.#sessions.values()) if (now - session.lastActive > this.idleMs) void this.#end(session);
  }
}
