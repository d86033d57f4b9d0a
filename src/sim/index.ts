/** Simulated KJK230 cameras, rendezvous and relay servers with path impairments: all in one process on loopback, or one part per host. */
export { createSimulation, cameraDid, SIM_PARTS, type SimPart, type Simulation, type SimulationOptions } from './simulation';
export { parseAddress, validateBindHost } from './address';
export { SimCamera, DEFAULT_DID, REALISTIC_CAMERA, FAST_CAMERA, REAL_LAN_PATH, type CameraOptions, type CameraCounters } from './camera';
export { Path, HEALTHY_PATH, type DatagramFlow, PATH_NAMES, validatePathSettings, type PathName, type PathSettings, type PathCounters } from './path';
export { ECHO_CHANNEL, echoService, silentService, type ChannelService, type ChannelServiceFactory } from './services';
export { seededRandom } from '../random';
export type { Address } from './endpoint';
export { SleepingCamera, REALISTIC_SLEEPING_CAMERA, sleeperAddress, type SleepingCameraOptions, type SleepingCounters } from './sleeping';
