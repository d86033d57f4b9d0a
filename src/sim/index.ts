/** Simulated KJK230 cameras, rendezvous and relay servers with path impairments, on loopback only. */
export { createSimulation, cameraDid, type Simulation, type SimulationOptions } from './simulation';
export { SimCamera, DEFAULT_DID, REALISTIC_CAMERA, FAST_CAMERA, REAL_LAN_PATH, type CameraOptions, type CameraCounters } from './camera';
export { Path, HEALTHY_PATH, PATH_NAMES, validatePathSettings, type PathName, type PathSettings, type PathCounters } from './path';
export { ECHO_CHANNEL, echoService, silentService, type ChannelService, type ChannelServiceFactory } from './services';
export { seededRandom } from '../random';
export type { Address } from './endpoint';
