import { ConfigError } from '../errors';
import { FakeBleTransport } from '../ble/fake';
import { formatDid, parseDid } from '../protocol';
import { DEFAULT_DID, FAST_CAMERA, REAL_LAN_PATH, SimCamera, type CameraOptions } from './camera';
import type { Address } from './endpoint';
import { Path, PATH_NAMES, type PathCounters, type PathName, type PathSettings } from './path';
import { seededRandom } from '../random';
import { RelayServer } from './relay';
import { RendezvousServer } from './rendezvous';
import { parseAddress, validateBindHost } from './address';
import { REALISTIC_SLEEPING_CAMERA, SleepingCamera, sleeperAddress, type SleepingCameraOptions } from './sleeping';

/** Which parts one process runs: all (the default, one process) or one of them, as on separate hosts. */
export const SIM_PARTS = ['all', 'camera', 'server', 'relay'] as const;
export type SimPart = (typeof SIM_PARTS)[number];

export interface SimulationOptions {
  /** Run every part (default) or only the cameras, the rendezvous servers or the relays. */
  part?: SimPart;
  /** part 'camera': the (remote) rendezvous servers the cameras register with. */
  remoteServers?: readonly (string | Address)[];
  /** part 'server': the (remote) relays the servers hand out in LIST_REQ_ACK. */
  remoteRelays?: readonly (string | Address)[];
  /** Number of cameras (DIDs LBCS-000000-CCCJJ, LBCS-000001-CCCJJ, …) or one options object each. */
  cameras?: number | CameraOptions[];
  /** Rendezvous servers (0-3; the real app talks to three). */
  servers?: number;
  /** Relay servers. */
  relays?: number;
  /** Seed of every random decision (loss, jitter, relay magic words). */
  seed?: number;
  /** Initial impairments per path. */
  paths?: Partial<Record<PathName, Partial<PathSettings>>>;
  /**
   * IPv4 host address to bind (default 127.0.0.1). Off loopback (a test host inside a network
   * namespace) the camera's search socket binds 0.0.0.0 so that broadcast discovery reaches it.
   */
  host?: string;
  /** Fast camera timings for tests and benchmarks (no 330 ms 0x43 burst). */
  fast?: boolean;
  /**
   * The real camera's timing (the benchmark's "real timing" scenario): the default camera
   * (51 x 0x43 over ~330 ms on the search path, direct punch answered at once) and a LAN path of
   * 1.5 ± 1 ms each way (1-5 ms round trips) unless `paths.lan` sets its own. Not with `fast`.
   */
  realTiming?: boolean;
  /** part 'camera': how long start-up waits for the remote servers' DEV_LGN_ACK (default 2000 ms). */
  registerWaitMs?: number;
  /** Fixed ports for the first server/relay (0 = ephemeral). */
  serverPort?: number;
  relayPort?: number;
  /**
   * Battery cameras: every camera starts asleep (silent on every port) and wakes through its
   * fake BLE peripheral (`sleepers[i].ble`); camera i's BLE address is the given one (default
   * C6:1E:0D:E0:32:E8) plus i. `true` takes the realistic defaults (SleepingCameraOptions).
   */
  sleeping?: boolean | SleepingCameraOptions;
}

export interface Simulation {
  readonly part: SimPart;
  readonly cameras: readonly SimCamera[];
  /** Rendezvous servers and relays this process runs. */
  readonly servers: readonly Address[];
  readonly relays: readonly Address[];
  /** Servers the cameras register with and relays the servers list, when those run elsewhere. */
  readonly remoteServers: readonly Address[];
  readonly remoteRelays: readonly Address[];
  readonly paths: Readonly<Record<PathName, Path>>;
  /** With `sleeping`: one per camera, in the same order; empty otherwise. */
  readonly sleepers: readonly SleepingCamera[];
  /** A fake BLE central that sees every sleeping camera's peripheral. */
  bleTransport(): FakeBleTransport;
  /** Sessions every camera holds now (e.g. 1 after a race whose losers sent CLOSE). */
  liveSessions(): number;
  /**
   * Starts a run on every path: from now on a datagram's loss, delay and copies depend on `key`,
   * its flow and its index in that flow (Path's common random numbers), so two runs begun with
   * the same key face the same impairments.
   */
  beginRun(key: number): void;
  /** Changes one path's impairments at run time. */
  setPath(name: PathName, settings: Partial<PathSettings>): void;
  counters(): Record<PathName, PathCounters>;
  /** Releases every socket and timer of every camera and server. */
  close(): Promise<void>;
}

/** Starts cameras, rendezvous servers and relays (all, or one part) on one host address. */
export async function createSimulation(options: SimulationOptions = {}): Promise<Simulation> {
  const host = validateBindHost('host', options.host ?? '127.0.0.1');
  const part = options.part ?? 'all';
  if (!SIM_PARTS.includes(part)) throw new ConfigError('part', part, `must be one of ${SIM_PARTS.join(', ')}`);
  const remoteServers = (options.remoteServers ?? []).map((a, i) => parseAddress(`remoteServers[${i}]`, a));
  const remoteRelays = (options.remoteRelays ?? []).map((a, i) => parseAddress(`remoteRelays[${i}]`, a));
  if (remoteServers.length > 0 && part !== 'camera')
    throw new ConfigError('remoteServers', options.remoteServers, 'only with part camera (the others use their own servers)');
  if (remoteRelays.length > 0 && part !== 'server')
    throw new ConfigError('remoteRelays', options.remoteRelays, 'only with part server (the others use their own relays)');
  const runs = (p: SimPart): boolean => part === 'all' || part === p;
  if (options.realTiming && options.fast) throw new ConfigError('realTiming', true, 'cannot be combined with fast');
  const random = seededRandom(options.seed ?? 1);
  const pathSettings = (name: PathName): Partial<PathSettings> =>
    name === 'lan' && options.realTiming ? { ...REAL_LAN_PATH, ...(options.paths?.lan ?? {}) } : (options.paths?.[name] ?? {});
  const paths = Object.fromEntries(PATH_NAMES.map((name) => [name, new Path(name, pathSettings(name), random)])) as Record<PathName, Path>;
  const cameraOptions = expandCameras(options.cameras ?? 1, options.fast ?? false);

  const relays: RelayServer[] = [];
  const servers: RendezvousServer[] = [];
  const cameras: SimCamera[] = [];
  const sleepers: SleepingCamera[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(sleepers.map((s) => s.close()));
    await Promise.all(cameras.map((c) => c.stop()));
    await Promise.all([...servers, ...relays].map((s) => s.close()));
    for (const path of Object.values(paths)) path.close();
  };
  try {
    for (let i = 0; i < (runs('relay') ? (options.relays ?? 1) : 0); i += 1) {
      const relay = new RelayServer(host, paths.relay, random);
      await relay.start(i === 0 ? (options.relayPort ?? 0) : 0);
      relays.push(relay);
    }
    for (let i = 0; i < (runs('server') ? (options.servers ?? 1) : 0); i += 1) {
      const server = new RendezvousServer(host, () => (part === 'server' ? remoteRelays : relays.map((r) => r.address)));
      await server.start(i === 0 ? (options.serverPort ?? 0) : 0);
      servers.push(server);
    }
    const network = { host, lan: paths.lan, p2p: paths.p2p, servers: part === 'camera' ? remoteServers : servers.map((s) => s.address) };
    if (runs('camera')) for (const camera of cameraOptions) cameras.push(new SimCamera(camera, network));
    if (options.sleeping) {
      // Bind once so that every port (ephemeral ones too) is fixed and known before the first
      // wake, then switch the Wi-Fi side off: a wake binds the same ports again.
      await Promise.all(cameras.map((c) => c.start()));
      await Promise.all(cameras.map((c) => c.stop()));
      const sleeping = options.sleeping === true ? {} : options.sleeping;
      const base = sleeping.address ?? REALISTIC_SLEEPING_CAMERA.address;
      cameras.forEach((camera, i) =>
        sleepers.push(new SleepingCamera(camera, { ...sleeping, address: sleeperAddress(base, i), name: i === 0 ? sleeping.name : undefined })),
      );
    } else await Promise.all(cameras.map((c) => c.start()));
    // Ready means registered, so a client racing at once finds the cameras (a DEV_LGN could
    // otherwise arrive after the client's first P2P_REQ). A camera part waits for remote servers
    // at most `registerWaitMs` (they may not be up yet); it keeps resending until they answer.
    const registered = Promise.all(cameras.map((c) => c.registered()));
    if (part === 'all') await registered;
    else if (cameras.length > 0) await untilOrAfter(registered, options.registerWaitMs ?? 2000);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    part,
    cameras,
    servers: servers.map((s) => s.address),
    relays: relays.map((r) => r.address),
    remoteServers,
    remoteRelays,
    paths,
    sleepers,
    bleTransport: () => new FakeBleTransport(sleepers.map((s) => s.ble)),
    liveSessions: () => cameras.reduce((sum, c) => sum + c.sessionCount, 0),
    beginRun: (key) => {
      for (const path of Object.values(paths)) path.beginRun(key);
    },
    setPath: (name, settings) => {
      if (!PATH_NAMES.includes(name)) throw new ConfigError('path', name, 'must be lan, p2p or relay');
      paths[name].set(settings);
    },
    counters: () => Object.fromEntries(PATH_NAMES.map((name) => [name, { ...paths[name].counters }])) as Record<PathName, PathCounters>,
    close,
  };
}

/** Waits for `promise`, but no longer than `ms` (the timer is cleared either way). */
async function untilOrAfter(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function expandCameras(cameras: number | CameraOptions[], fast: boolean): CameraOptions[] {
  const list = typeof cameras === 'number' ? Array.from({ length: cameras }, (_, i) => ({ did: cameraDid(i) })) : cameras;
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError('cameras', cameras, 'need at least one camera');
  return list.map((c) => (fast ? { ...FAST_CAMERA, ...c } : c));
}

/** The i-th simulated camera's DID: the KJK230's own id with serial i. */
export function cameraDid(i: number): string {
  const base = parseDid(DEFAULT_DID);
  return formatDid({ ...base, serial: i });
}
