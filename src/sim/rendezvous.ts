import { formatDid, ServerResult, type Message } from '../protocol';
import { SimEndpoint, type Address } from './endpoint';

interface Registration {
  /** Where the DEV_LGN came from: the device's public mapping (behind NAT, the router's address). */
  public: Address;
  /** The local address the device wrote into its DEV_LGN. */
  local: Address;
  seenAt: number;
}

const sameAddress = (a: Address, b: Address): boolean => a.host === b.host && a.port === b.port;
const usable = (a: Address): boolean => a.host !== '0.0.0.0' && a.port > 0;

/** A peer's public address, then its local one when that is another usable address (pppp.md §6.2 step 3). */
function punchTargets(publicAddress: Address, local: Address): Address[] {
  return usable(local) && !sameAddress(local, publicAddress) ? [publicAddress, local] : [publicAddress];
}

/**
 * A CS2 rendezvous ("P2P") server (pppp.md §6.2, §6.3): devices register with DEV_LGN (the
 * server keeps the source address it saw, i.e. the public mapping, and the local address in the
 * message); clients get HELLO_ACK, P2P_REQ_ACK + PUNCH_TO, LIST_REQ_ACK and RLY_REQ_ACK + RLY_TO
 * (to the device). On P2P_REQ the device is told first (PUNCH_TO with the client's public, then
 * local address), then the client (P2P_REQ_ACK, PUNCH_TO with the device's public, then local
 * address): the device's punches are under way when the client starts. Result codes: unknown DID → -1, registered but not heard from within the
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
        this.#devices.set(formatDid(message.did), { public: from, local: { host: message.address.host, port: message.address.port }, seenAt: Date.now() });
        return this.#send({ type: 'DEV_LGN_ACK', result: 0 }, from);
      case 'P2P_REQ': {
        const { result, device } = this.#lookup(formatDid(message.did));
        if (device) for (const address of punchTargets(from, message.address)) this.#send({ type: 'PUNCH_TO', address }, device.public);
        this.#send({ type: 'P2P_REQ_ACK', result }, from);
        if (device) for (const address of punchTargets(device.public, device.local)) this.#send({ type: 'PUNCH_TO', address }, from);
        return;
      }
      case 'LIST_REQ1':
        return this.#send({ type: 'LIST_REQ_ACK', relays: [...this.relays()] }, from);
      case 'RLY_REQ': {
        const { result, device } = this.#lookup(formatDid(message.did));
        if (device) this.#send({ type: 'RLY_TO', address: message.address, mark: message.mark }, device.public);
        this.#send({ type: 'RLY_REQ_ACK', result }, from);
        return;
      }
      case 'REPORT_SESSION_READY':
        return;
      default:
        this.counters.unexpected += 1;
    }
  }
}
