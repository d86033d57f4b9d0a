import { formatDid, ServerResult, type Message } from '../protocol';
import { SimEndpoint, type Address } from './endpoint';

interface Registration {
  control: Address;
  wan: Address;
  seenAt: number;
}

/**
 * A CS2 rendezvous ("P2P") server (pppp.md §6.2, §6.3): devices register with DEV_LGN; clients
 * get HELLO_ACK, P2P_REQ_ACK + PUNCH_TO (to both sides), LIST_REQ_ACK and RLY_REQ_ACK + RLY_TO
 * (to the device). Result codes: unknown DID → -1, registered but not heard from within the
 * TTL → -2 (device offline).
 */
export class RendezvousServer {
  readonly counters = { requests: 0, unexpected: 0 };
  readonly #devices = new Map<string, Registration>();
  #endpoint: SimEndpoint | undefined;

  constructor(
    readonly host: string,
    readonly relays: () => readonly Address[],
    readonly ttlMs = 30_000,
  ) {}

  async start(port = 0): Promise<void> {
    this.#endpoint = await SimEndpoint.open(this.host, port, null, (m, from) => this.#onDatagram(m, from));
  }

  get address(): Address {
    return { host: this.host, port: this.#endpoint?.port ?? 0 };
  }

  get endpointCounters() {
    return this.#endpoint?.counters;
  }

  async close(): Promise<void> {
    await this.#endpoint?.close();
  }

  #send(message: Message, to: Address): void {
    this.#endpoint?.send(message, to);
  }

  #lookup(didText: string): { result: number; device?: Registration } {
    const device = this.#devices.get(didText);
    if (!device) return { result: ServerResult.INVALID_ID };
    if (Date.now() - device.seenAt > this.ttlMs) return { result: ServerResult.DEVICE_OFFLINE };
    return { result: ServerResult.OK, device };
  }

  #onDatagram(message: Message | undefined, from: Address): void {
    if (!message) return;
    this.counters.requests += 1;
    switch (message.type) {
      case 'HELLO':
        return this.#send({ type: 'HELLO_ACK', address: from }, from);
      case 'DEV_LGN':
        this.#devices.set(formatDid(message.did), { control: from, wan: { host: message.address.host, port: message.address.port }, seenAt: Date.now() });
        return this.#send({ type: 'DEV_LGN_ACK', result: 0 }, from);
      case 'P2P_REQ': {
        const { result, device } = this.#lookup(formatDid(message.did));
        this.#send({ type: 'P2P_REQ_ACK', result }, from);
        if (!device) return;
        this.#send({ type: 'PUNCH_TO', address: device.wan }, from);
        this.#send({ type: 'PUNCH_TO', address: from }, device.control);
        return;
      }
      case 'LIST_REQ1':
        return this.#send({ type: 'LIST_REQ_ACK', relays: [...this.relays()] }, from);
      case 'RLY_REQ': {
        const { result, device } = this.#lookup(formatDid(message.did));
        this.#send({ type: 'RLY_REQ_ACK', result }, from);
        if (device) this.#send({ type: 'RLY_TO', address: message.address, mark: message.mark }, device.control);
        return;
      }
      case 'REPORT_SESSION_READY':
        return;
      default:
        this.counters.unexpected += 1;
    }
  }
}
