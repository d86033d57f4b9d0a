import { ConfigError } from '../errors';
import { formatDid, parseDid } from '../protocol';
import { DEFAULT_DID, FAST_CAMERA, REAL_LAN_PATH, SimCamera, type CameraOptions } from './camera';
import type { Address } from './endpoint';
import { Path, PATH_NAMES, type PathCounters, type PathName, type PathSettings } from './path';
import { seededRandom } from '../random';
import { RelayServer } from './relay';
import { RendezvousServer } from './rendezvous';

export interface SimulationOptions {
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
  /** Loopback address to bind (127.0.0.1; the simulator never binds anything else). */
  host?: string;
  /** Fast camera timings for tests and benchmarks (no 330 ms 0x43 burst). */
  fast?: boolean;
  /**
   * The real camera's timing (the benchmark's "real timing" scenario): the default camera
   * (51 x 0x43 over ~330 ms on the search path, direct punch answered at once) and a LAN path of
   * 1.5 ± 1 ms each way (1-5 ms round trips) unless `paths.lan` sets its own. Not with `fast`.
   */
  realTiming?: boolean;
  /** Fixed ports for the first server/relay (0 = ephemeral). */
  serverPort?: number;
  relayPort?: number;
}

export interface Simulation {
  readonly cameras: readonly SimCamera[];
  readonly servers: readonly Address[];
  readonly relays: readonly Address[];
  readonly paths: Readonly<Record<PathName, Path>>;
  /** Sessions every camera holds now (e.g. 1 after a race whose losers sent CLOSE). */
  liveSessions(): number;
  /** Changes one path's impairments at run time. */
  setPath(name: PathName, settings: Partial<PathSettings>): void;
  counters(): Record<PathName, PathCounters>;
  /** Releases every socket and timer of every camera and server. */
  close(): Promise<void>;
}

const LOOPBACK = /^127\./;

/** Starts cameras, rendezvous servers and relays on loopback. */
export async function createSimulation(options: SimulationOptions = {}): Promise<Simulation> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.test(host)) throw new ConfigError('host', host, 'the simulator binds loopback addresses only (127.x.x.x)');
  if (options.realTiming && options.fast) throw new ConfigError('realTiming', true, 'cannot be combined with fast');
  const random = seededRandom(options.seed ?? 1);
  const pathSettings = (name: PathName): Partial<PathSettings> =>
    name === 'lan' && options.realTiming ? { ...REAL_LAN_PATH, ...(options.paths?.lan ?? {}) } : (options.paths?.[name] ?? {});
  const paths = Object.fromEntries(PATH_NAMES.map((name) => [name, new Path(name, pathSettings(name), random)])) as Record<PathName, Path>;
  const cameraOptions = expandCameras(options.cameras ?? 1, options.fast ?? false);

  const relays: RelayServer[] = [];
  const servers: RendezvousServer[] = [];
  const cameras: SimCamera[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(cameras.map((c) => c.stop()));
    await Promise.all([...servers, ...relays].map((s) => s.close()));
    for (const path of Object.values(paths)) path.close();
  };
  try {
    for (let i = 0; i < (options.relays ?? 1); i += 1) {
      const relay = new RelayServer(host, paths.relay, random);
      await relay.start(i === 0 ? (options.relayPort ?? 0) : 0);
      relays.push(relay);
    }
    for (let i = 0; i < (options.servers ?? 1); i += 1) {
      const server = new RendezvousServer(host, () => relays.map((r) => r.address));
      await server.start(i === 0 ? (options.serverPort ?? 0) : 0);
      servers.push(server);
    }
    const network = { host, lan: paths.lan, p2p: paths.p2p, servers: servers.map((s) => s.address) };
    for (const camera of cameraOptions) cameras.push(new SimCamera(camera, network));
    await Promise.all(cameras.map((c) => c.start()));
  } catch (err) {
    await close();
    throw err;
  }
  return {
    cameras,
    servers: servers.map((s) => s.address),
    relays: relays.map((r) => r.address),
    paths,
    liveSessions: () => cameras.reduce((sum, c) => sum + c.sessionCount, 0),
    setPath: (name, settings) => {
      if (!PATH_NAMES.includes(name)) throw new ConfigError('path', name, 'must be lan, p2p or relay');
      paths[name].set(settings);
    },
    counters: () => Object.fromEntries(PATH_NAMES.map((name) => [name, { ...paths[name].counters }])) as Record<PathName, PathCounters>,
    close,
  };
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
