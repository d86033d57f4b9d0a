/** The parallel connection engine: race LAN, P2P and relay; first success wins. */
export * from './types';
export * from './defaults';
export * from './errors';
export * from './config';
export { Link, type LinkCounters } from './link';
export { race, RACERS, type RaceOptions, type RaceResult } from './race';
export { firstSuccess, AllFailedError, type Contender } from './first-success';
export type { Racer, RacerContext } from './racers/racer';
export { RELAY_TRANSPORTS, type RelayTransport } from './racers/relay';
export { sequentialRace, SEQUENTIAL_ATTEMPT_TIMEOUT_MS } from './sequential';
