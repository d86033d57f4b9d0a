import { FIELD_BOUNDS, LIST_LIMITS } from '../validation/fields';
import type { Mode } from './types';

/**
 * Every default of the race engine in one place, with where it comes from
 * (pppp.md = ../shared/protocol/pppp.md, seed = the project's design document).
 */
export const ENGINE_DEFAULTS = {
  /** LAN destination ports, tried in this order (seed's DESTINATION_PORTS; 40611 = KJK230 session port). */
  ports: [40611, 32100, 32108, 10000, 80, 57743] as readonly number[],
  /** Modes raced when the config does not say (the vendor library runs all three). */
  modes: ['lan', 'p2p', 'relay'] as readonly Mode[],
  /** Give up the whole race after this long (seed: MAX_CONNECTION_TIME = 30 s). */
  maxConnectionTimeMs: 30_000,
  /**
   * One attempt (one fresh socket) lasts this long before a new socket is opened
   * (pppp.md §6.1: the vendor library starts a new socket about every 1.5 s).
   */
  attemptTimeoutMs: 1_500,
  /** Delay before the race starts (seed: CAMERA_STARTUP_DELAY, here off by default). */
  startupDelayMs: 0,
  /** Happy-Eyeballs stagger between LAN destination ports (this project's choice). */
  portStaggerMs: 20,
  /** Resend interval of LAN_SEARCH/PUNCH_PKT probes (pppp.md §6.1: every ~100 ms). */
  probeIntervalMs: 100,
  /** Resend interval of requests to rendezvous and relay servers (S9 resends every 1 s; faster here). */
  serverRetryMs: 500,
  /** Bind address of attempt sockets (port is always 0: the OS picks a fresh one). */
  bindAddress: '0.0.0.0',
  /** The KJK230's LAN-search port for optional broadcast discovery (pppp.md §5). */
  lanSearchPort: 32108,
} as const;

/** Upper bounds that catch absurd values in config (those a user sets come from src/validation/fields.ts, shared with the editor). */
export const ENGINE_LIMITS = {
  maxConnectionTimeMs: FIELD_BOUNDS.maxConnectionTimeMs.max,
  attemptTimeoutMs: FIELD_BOUNDS.attemptTimeoutMs.max,
  startupDelayMs: FIELD_BOUNDS.startupDelayMs.max,
  staggerMs: 60_000,
  intervalMs: 60_000,
  ports: LIST_LIMITS.ports,
  servers: LIST_LIMITS.servers,
} as const;
