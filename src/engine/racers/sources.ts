import { didEquals, type Did } from '../../protocol';
import type { Inbound } from '../attempt';
import type { RacerInfo } from '../errors';
import type { Endpoint } from '../types';
import { endpointKey, sameEndpoint } from './handshake';

/** Counts the distinct sources on the camera's address that sent PUNCH_PKT or P2P_RDY with our DID. */
export class SourceCounter {
  /** The first source (the real camera answers from one port only, so usually the only one). */
  #first: Endpoint | undefined;
  /** Every source, built when a second one shows up (issue 16: no set and no key per race otherwise). */
  #seen: Set<string> | undefined;

  constructor(
    readonly host: string | null,
    readonly did: Did,
    /** The LAN racer's info: `sources` is kept here. */
    readonly info: RacerInfo,
  ) {
    info.sources = 0;
  }

  readonly note = ({ message, from }: Inbound): void => {
    if (message.type !== 'PUNCH_PKT' && message.type !== 'P2P_RDY') return;
    if ((this.host !== null && from.host !== this.host) || !didEquals(message.did, this.did)) return;
    const first = this.#first;
    if (first === undefined) {
      this.#first = { host: from.host, port: from.port };
      this.info.sources = 1;
      return;
    }
    if (sameEndpoint(first, from) || (this.#seen?.size ?? 1) >= MAX_COUNTED_SOURCES) return;
    const seen = (this.#seen ??= new Set([endpointKey(first)]));
    seen.add(endpointKey(from));
    this.info.sources = seen.size;
  };
}

/** Bound of the source count (a flood of ports must not grow memory). */
const MAX_COUNTED_SOURCES = 64;
