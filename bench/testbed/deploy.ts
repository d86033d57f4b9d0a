import { startPart, type Part } from './hosts';
import { ADDRESSES as A, DEFAULT_UDP_TIMEOUT, type NatKind, type Testbed } from './testbed';

/**
 * Deploys the simulator onto the test bed as real hosts would run it: relay and rendezvous
 * server as separate processes on the "internet" host, the camera on its LAN behind natcam,
 * after the routers were set up for one scene. Used by the network test tier and the bench's
 * NAT scenarios, so both measure the same deployment.
 */

export const DID = 'LBCS-000000-CCCJJ';
export const SERVER_PORT = 32100;
export const SERVER = `${A.server}:${SERVER_PORT}`;
export const RELAY_PORT = 32101;

/**
 * Every path in the bed has ~0 ms round trips, so P2P and relay would finish within a few ms of
 * each other (network-testbed.md, pitfalls). The relay part adds this one-way delay to its
 * traffic so that the winner means something: P2P (a few 20 ms crossings) must beat a relay whose
 * five request/reply steps take 80 ms each.
 */
export const RELAY_DELAY_MS = 40;
/**
 * The camera part adds this one-way delay to its P2P traffic (punches and P2P sessions, not its
 * registrations): P2P crosses "the internet", LAN does not, so on one LAN the LAN path must win.
 */
export const P2P_DELAY_MS = 20;

export interface Scene {
  camNat?: NatKind;
  cliNat?: NatKind;
  /** Home-router firewalls on both routers (default on). */
  firewall?: boolean;
  /** UDP loss in percent on both internet links, each direction (default 0). */
  loss?: number;
  udpTimeout?: number;
  /** Start the camera only after this (e.g. the DEV_LGN drop rule). */
  beforeCamera?: () => void | Promise<void>;
  /** One-way delays the parts add (default RELAY_DELAY_MS, P2P_DELAY_MS). */
  relayDelayMs?: number;
  p2pDelayMs?: number;
}

/**
 * Configures the routers, forgets old conntrack state, starts relay, server and camera on their
 * hosts. Each started part is pushed to `parts` at once, so the caller stops it on every path
 * (also when a later part fails to start).
 */
export async function deploy(bed: Testbed, parts: Part[], scene: Scene = {}): Promise<void> {
  const firewall = scene.firewall ?? true;
  bed.setRouter('natcam', { nat: scene.camNat ?? 'preserving', firewall });
  bed.setRouter('natcli', { nat: scene.cliNat ?? 'preserving', firewall });
  bed.setInternetLoss(scene.loss ?? 0);
  bed.setUdpTimeout(scene.udpTimeout ?? DEFAULT_UDP_TIMEOUT.udp);
  bed.dropCameraRegistrations(false);
  bed.flushConntrack();
  const relayDelay = String(scene.relayDelayMs ?? RELAY_DELAY_MS);
  const p2pDelay = String(scene.p2pDelayMs ?? P2P_DELAY_MS);
  parts.push(await startPart(bed.ns.inet, 'relay', ['--part', 'relay', '--bind', A.relay, '--relay-port', String(RELAY_PORT), '--relay-delay', relayDelay]));
  parts.push(
    await startPart(bed.ns.inet, 'rendezvous server', [
      '--part',
      'server',
      '--bind',
      A.server,
      '--server-port',
      String(SERVER_PORT),
      '--relay',
      `${A.relay}:${RELAY_PORT}`,
    ]),
  );
  await scene.beforeCamera?.();
  parts.push(await startPart(bed.ns.cam, 'camera', ['--part', 'camera', '--bind', A.cam, '--did', DID, '--server', SERVER, '--p2p-delay', p2pDelay, '--fast']));
}
