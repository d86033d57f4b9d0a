import type { Did, SocketAddress } from '../protocol';

/** How a connection reached the camera. */
export type Mode = 'lan' | 'p2p' | 'relay';
export const MODES: readonly Mode[] = ['lan', 'p2p', 'relay'];

/** Vendor thread names, kept for familiarity (design.md). */
export const RACER_NAMES: Readonly<Record<Mode, string>> = {
  lan: 'lanConnectThread',
  p2p: 'p2pConnectThread',
  relay: 'relayConnectThread',
};

export type RacerState = 'pending' | 'running' | 'success' | 'failed' | 'cancelled';

/** A host and port (IPv4 text form). */
export interface Endpoint {
  host: string;
  port: number;
}

export type { Did, SocketAddress };
