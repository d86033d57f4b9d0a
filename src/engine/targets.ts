import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Endpoint } from './types';

const toInt = (host: string): number => host.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;

/** How long the interface list is reused (issue 16: one networkInterfaces() per PUNCH_TO was ~1.5 % of a 1,000-camera burst). */
const BROADCASTS_TTL_MS = 1_000;
let broadcasts: { at: number; set: Set<number> } | undefined;

/**
 * Subnet broadcast addresses of this host's IPv4 interfaces (address | ~netmask), e.g.
 * 192.168.1.255; read again when the last reading is older than BROADCASTS_TTL_MS (interfaces
 * change between attempts, not within a second).
 */
function localBroadcasts(): Set<number> {
  const now = Date.now();
  if (broadcasts === undefined || now - broadcasts.at > BROADCASTS_TTL_MS || now < broadcasts.at) broadcasts = { at: now, set: readBroadcasts() };
  return broadcasts.set;
}

function readBroadcasts(): Set<number> {
  const out = new Set<number>();
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) {
      if (nic.family !== 'IPv4' || !isIPv4(nic.netmask)) continue;
      const mask = toInt(nic.netmask);
      if (mask === 0xffff_ffff) continue; // a /32 has no broadcast address
      out.add((toInt(nic.address) | ~mask) >>> 0);
    }
  }
  return out;
}

/**
 * Why a target named by the network (PUNCH_TO, a relay list entry, RLY_PORT_ACK) cannot be
 * sent to, or undefined when it can: port 0; not IPv4; 0.0.0.0/8 ("this host": the client would
 * punch its own host); multicast 224/4; 240/4 (reserved, and 255.255.255.255 broadcast); a
 * subnet broadcast address of one of our interfaces; or our own socket (the client would punch
 * itself, and then lock onto its own PUNCH_PKT). Loopback stays usable (the simulator lives there).
 */
export function unusableTarget(target: Endpoint, own?: { host: string; port: number }): string | undefined {
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) return `port ${target.port}`;
  if (!isIPv4(target.host)) return `not an IPv4 address: ${target.host}`;
  const first = Number(target.host.split('.')[0]);
  if (first === 0) return `${target.host} means this host`;
  if (first >= 224 && first <= 239) return `${target.host} is multicast`;
  if (first >= 240) return `${target.host} is reserved or broadcast`;
  if (localBroadcasts().has(toInt(target.host))) return `${target.host} is a subnet broadcast address`;
  if (own && target.port === own.port && (target.host === own.host || first === 127)) return `${target.host}:${target.port} is this attempt's own socket`;
  return undefined;
}
