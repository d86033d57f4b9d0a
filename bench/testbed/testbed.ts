import { internetLossSteps, replaceTable as tableScript, type LossRouters } from './internet-loss';
import { addNamespace, inNs, release, sh, sweepStale } from './netns';

/**
 * The test bed of ../shared/network-testbed.md, one namespace per host or router:
 *
 *   cam    10.1.0.2 ─┐                                           ┌ 203.0.113.10 rendezvous server
 *   lancli 10.1.0.3 ─┴ br0 10.1.0.1 [natcam] wan 198.51.100.2 ── 198.51.100.1 [inet] (router)
 *   cli    10.2.0.2 ─── 10.2.0.1 [natcli] wan 192.0.2.2 ──────── 192.0.2.1      └ 203.0.113.20 relay server
 *
 * Documentation ranges for the fake internet, 10.x only inside. No namespace is connected to
 * the root namespace and none has a route out of the bed: nothing a test sends can leave it.
 */

export const ADDRESSES = {
  cam: '10.1.0.2',
  lancli: '10.1.0.3',
  camLanGateway: '10.1.0.1',
  cli: '10.2.0.2',
  cliLanGateway: '10.2.0.1',
  natcamWan: '198.51.100.2',
  inetCamSide: '198.51.100.1',
  natcliWan: '192.0.2.2',
  inetCliSide: '192.0.2.1',
  server: '203.0.113.10',
  relay: '203.0.113.20',
} as const;

export type Host = 'cam' | 'lancli' | 'cli' | 'natcam' | 'natcli' | 'inet';
export type Router = 'natcam' | 'natcli';

/** How a home router translates: port-preserving masquerade, or a new random port per 5-tuple (symmetric). */
export type NatKind = 'preserving' | 'symmetric';

export interface RouterSetup {
  nat: NatKind;
  /** Drop unsolicited inbound on wan (OpenWrt's wan zone); without it the router answers port unreachable. */
  firewall: boolean;
}

export interface Testbed {
  readonly ns: Readonly<Record<Host, string>>;
  /** Replaces a router's NAT and firewall tables. */
  setRouter(router: Router, setup: RouterSetup): void;
  /**
   * UDP loss in percent on both internet links, each direction (0 removes it): drawn at random
   * for every datagram, or keyed by `runKey` (common random numbers, bench/testbed/internet-loss.ts).
   */
  setInternetLoss(percent: number, runKey?: number): void;
  /** The routers that carry the loss, for a client process that keys it by run (applyLossSteps). */
  readonly lossRouters: LossRouters;
  /** nf_conntrack_udp_timeout (and _stream) in both routers, seconds. */
  setUdpTimeout(seconds: number): void;
  /** While on, natcam drops every DEV_LGN (registration) on its way to the internet, and counts them. */
  dropCameraRegistrations(on: boolean): void;
  /** How many DEV_LGN the rule above has dropped so far. */
  droppedRegistrations(): number;
  /** Forgets every conntrack entry (NAT mappings, firewall state) in every router. */
  flushConntrack(): void;
  /** The conntrack entries of a router, as `conntrack -L -p udp` prints them. */
  conntrack(router: Router): string;
  /** Deletes every namespace (and kills what runs in them). */
  destroy(): void;
}

const HOSTS: readonly Host[] = ['cam', 'lancli', 'cli', 'natcam', 'natcli', 'inet'];

/** Default conntrack UDP timeouts of this kernel, restored by setUdpTimeout(DEFAULT_UDP_TIMEOUT). */
export const DEFAULT_UDP_TIMEOUT = { udp: 30, stream: 120 } as const;

/**
 * Builds the bed (stale namespaces of killed runs are swept first). Every router starts with
 * port-preserving NAT and the home-router firewall, no loss, default timeouts.
 */
export function createTestbed(): Testbed {
  sweepStale();
  const ns = {} as Record<Host, string>;
  try {
    for (const host of HOSTS) ns[host] = addNamespace(host);
    const ip = (n: string, ...args: string[]): void => void sh('ip', ['-n', n, ...args]);
    // A veth pair created inside namespace `a` with its peer moved straight into `b`: the root namespace never sees it.
    const veth = (a: string, nameA: string, b: string, nameB: string): void => {
      ip(a, 'link', 'add', nameA, 'type', 'veth', 'peer', 'name', nameB, 'netns', b);
      ip(a, 'link', 'set', nameA, 'up');
      ip(b, 'link', 'set', nameB, 'up');
    };
    const A = ADDRESSES;

    // The internet router, with the servers' addresses on its lo.
    veth(ns.inet, 'tocam', ns.natcam, 'wan');
    veth(ns.inet, 'tocli', ns.natcli, 'wan');
    ip(ns.inet, 'addr', 'add', `${A.inetCamSide}/24`, 'dev', 'tocam');
    ip(ns.inet, 'addr', 'add', `${A.inetCliSide}/24`, 'dev', 'tocli');
    ip(ns.inet, 'addr', 'add', `${A.server}/32`, 'dev', 'lo');
    ip(ns.inet, 'addr', 'add', `${A.relay}/32`, 'dev', 'lo');

    // Camera LAN: a bridge in natcam with the camera and a LAN client on it.
    ip(ns.natcam, 'link', 'add', 'br0', 'type', 'bridge');
    ip(ns.natcam, 'link', 'set', 'br0', 'up');
    ip(ns.natcam, 'addr', 'add', `${A.camLanGateway}/24`, 'dev', 'br0');
    for (const [host, port] of [
      ['cam', 'pcam'],
      ['lancli', 'plancli'],
    ] as const) {
      veth(ns.natcam, port, ns[host], 'eth0');
      ip(ns.natcam, 'link', 'set', port, 'master', 'br0');
      ip(ns[host], 'addr', 'add', `${A[host]}/24`, 'dev', 'eth0');
      ip(ns[host], 'route', 'add', 'default', 'via', A.camLanGateway);
    }
    ip(ns.natcam, 'addr', 'add', `${A.natcamWan}/24`, 'dev', 'wan');
    ip(ns.natcam, 'route', 'add', 'default', 'via', A.inetCamSide);

    // Client LAN.
    veth(ns.natcli, 'lan', ns.cli, 'eth0');
    ip(ns.natcli, 'addr', 'add', `${A.cliLanGateway}/24`, 'dev', 'lan');
    ip(ns.cli, 'addr', 'add', `${A.cli}/24`, 'dev', 'eth0');
    ip(ns.cli, 'route', 'add', 'default', 'via', A.cliLanGateway);
    ip(ns.natcli, 'addr', 'add', `${A.natcliWan}/24`, 'dev', 'wan');
    ip(ns.natcli, 'route', 'add', 'default', 'via', A.inetCliSide);

    for (const router of ['natcam', 'natcli', 'inet'] as const) inNs(ns[router], 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
  } catch (err) {
    release(Object.values(ns));
    throw err;
  }

  const nft = (n: string, script: string): void => void inNs(n, 'nft', ['-f', '-'], script);
  const replaceTable = (n: string, family: string, name: string, body: string | null): void => nft(n, tableScript(family, name, body));

  const testbed: Testbed = {
    ns,
    setRouter(router, setup) {
      const random = setup.nat === 'symmetric' ? ' fully-random' : '';
      replaceTable(ns[router], 'ip', 'nat', `chain post { type nat hook postrouting priority srcnat; policy accept; oifname "wan" masquerade${random}; }`);
      replaceTable(
        ns[router],
        'inet',
        'fw',
        setup.firewall
          ? [
              'chain input { type filter hook input priority filter; policy accept; iifname "wan" ct state established,related accept; iifname "wan" drop; }',
              'chain forward { type filter hook forward priority filter; policy accept; iifname "wan" ct state established,related accept; iifname "wan" drop; }',
            ].join('\n')
          : null,
      );
    },
    setInternetLoss(percent, runKey) {
      for (const step of internetLossSteps(testbed.lossRouters, percent, runKey)) inNs(step.ns, step.command, step.args, step.input);
    },
    lossRouters: { natcam: ns.natcam, natcli: ns.natcli, inet: ns.inet, clientPublic: ADDRESSES.natcliWan },
    setUdpTimeout(seconds) {
      for (const router of ['natcam', 'natcli'] as const) {
        const stream = seconds === DEFAULT_UDP_TIMEOUT.udp ? DEFAULT_UDP_TIMEOUT.stream : seconds;
        inNs(ns[router], 'sysctl', [
          '-q',
          '-w',
          `net.netfilter.nf_conntrack_udp_timeout=${seconds}`,
          `net.netfilter.nf_conntrack_udp_timeout_stream=${stream}`,
        ]);
      }
    },
    dropCameraRegistrations(on) {
      // DEV_LGN is message type 0x10 (pppp.md §3): bytes f1 10 at the start of the UDP payload (@th,64,16).
      replaceTable(
        ns.natcam,
        'inet',
        'droplgn',
        on
          ? 'chain lgn { type filter hook forward priority -10; policy accept; iifname "br0" oifname "wan" meta l4proto udp @th,64,16 0xf110 counter drop; }'
          : null,
      );
    },
    droppedRegistrations() {
      const listing = inNs(ns.natcam, 'nft', ['list', 'table', 'inet', 'droplgn']);
      const match = /counter packets (\d+)/.exec(listing);
      return match ? Number(match[1]) : 0;
    },
    flushConntrack() {
      for (const router of ['natcam', 'natcli', 'inet'] as const) {
        // `conntrack -F` exits 0 with "0 flow entries have been deleted" on an empty table.
        inNs(ns[router], 'conntrack', ['-F'], undefined);
      }
    },
    conntrack(router) {
      return inNs(ns[router], 'conntrack', ['-L', '-p', 'udp']);
    },
    destroy() {
      release(Object.values(ns));
    },
  };
  try {
    testbed.setRouter('natcam', { nat: 'preserving', firewall: true });
    testbed.setRouter('natcli', { nat: 'preserving', firewall: true });
    // Conntrack accounting (per-flow packet counts, what keyed loss draws by) must be on before the
    // first flow; the sysctl exists once the NAT tables above have loaded conntrack.
    for (const router of ['natcam', 'natcli', 'inet'] as const) inNs(ns[router], 'sysctl', ['-q', '-w', 'net.netfilter.nf_conntrack_acct=1']);
  } catch (err) {
    testbed.destroy();
    throw err;
  }
  return testbed;
}
