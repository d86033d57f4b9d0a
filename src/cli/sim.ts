import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../errors';
import { DidError, formatDid, parseDid, type Did } from '../protocol';
import {
  createSimulation,
  DEFAULT_DID,
  HEALTHY_PATH,
  parseAddress,
  PATH_NAMES,
  REAL_LAN_PATH,
  SIM_PARTS,
  validateBindHost,
  validatePathSettings,
  type Address,
  type CameraOptions,
  type SimPart,
  type PathName,
  type PathSettings,
  type Simulation,
} from '../sim';
import { ArtemisCameraService } from '../artemis';
import { ExitCode, type CliIo, type Command } from './io';
import { runRace } from './race';

/** Production ports of the KJK230 and its servers (pppp.md §5): what `trailcam sim` binds by default. */
export const SIM_CLI_DEFAULTS = {
  host: '127.0.0.1',
  searchPort: 32108,
  sessionPort: 40611,
  wanPort: 0,
  serverPort: 32100,
  relayPort: 0,
  servers: 1,
  relays: 1,
  cameras: 1,
  seed: 1,
} as const;

/** Upper bounds for the counts (the simulator is tested with 1,000 cameras in one process). */
export const SIM_CLI_LIMITS = { cameras: 1000, servers: 8, relays: 8 } as const;

export const SIM_HELP = `Usage: trailcam sim [options]

Runs simulated KJK230 camera(s), rendezvous server(s) and relay server(s) with per-path
impairments, until SIGINT (Ctrl-C) or SIGTERM: all in one process on 127.0.0.1 by default, or
one part per process on any host address (e.g. hosts in network namespaces). Prints one ready
line with every address first (once the cameras are registered; a camera part waits at most
2 s for remote servers), and a line of counters when it stops.

Parts (each on its own host, as in the network test bed):
  --part all|camera|server|relay   what this process runs (default all)
  --bind ADDR           IPv4 address to bind (default 127.0.0.1; alias --host). Off loopback
                        the camera's LAN-search socket binds 0.0.0.0 so broadcasts reach it
  --server HOST:PORT    --part camera: a rendezvous server to register with (repeat for more)
  --relay HOST:PORT     --part server: a relay to hand out in LIST_REQ_ACK (repeat for more)
  A part takes only its own counts, ids, ports and login (camera: --cameras --did --*-port of
  the camera --user --password; server: --servers --server-port; relay: --relays --relay-port);
  another part's is an error. Timing and path flags act where the part runs.
  e.g. trailcam sim --part relay  --bind 203.0.113.20 --relay-port 32200
       trailcam sim --part server --bind 203.0.113.10 --relay 203.0.113.20:32200
       trailcam sim --part camera --bind 10.1.0.2 --server 203.0.113.10:32100 --did ${DEFAULT_DID}

Options:
  --did DID             first camera's id (default ${DEFAULT_DID}); camera i gets serial + i
  --cameras N           number of cameras, 1-${SIM_CLI_LIMITS.cameras} (default 1)
  --servers N           rendezvous servers, 0-${SIM_CLI_LIMITS.servers} (default 1; the real app talks to 3)
  --relays N            relay servers, 0-${SIM_CLI_LIMITS.relays} (default 1)
  --search-port P       first camera's LAN-search port (default 32108; 0 = any free port)
  --session-port P      first camera's LAN session port (default 40611; 0 = any free port)
  --wan-port P          first camera's internet socket: registration, punching, P2P session
                        and relay traffic, one socket as a real device (default 0 = any free)
  --server-port P       first rendezvous server's port (default 32100; 0 = any free port)
  --relay-port P        first relay server's port (default 0 = any free port)
                        (further cameras and servers always get free ports)
  --user NAME           ARTEMIS login the simulated cameras accept (default admin)
  --password PASS       ARTEMIS password they accept (default admin); every camera answers
                        device info (512) and the media list (768) on channel 0
  --fast                fast camera timings (2 x 0x43 instead of a ~330 ms burst of 51)
  --real-timing         the real camera's timing: 51 x 0x43 over ~330 ms after LAN_SEARCH,
                        direct punch answered at once, LAN 1.5 +/- 1 ms each way (not with --fast)
  --seed N              seed of every random decision: loss, jitter, relay magic (default 1)
  --PATH-delay MS       added one-way delay on PATH (lan, p2p or relay), 0-60000
  --PATH-jitter MS      delay varies by +/- this much, 0-60000
  --PATH-loss P         probability 0-1 that a datagram is dropped, each direction
  --PATH-duplicate P    probability 0-1 that a datagram arrives twice
  --PATH-down           black hole: every datagram on PATH is dropped, ports stay open
  --PATH-refuse         PATH's ports are closed: senders get a fast "port unreachable"
                        (p2p: the camera's internet socket also registers, so it drops instead)
                        e.g. --lan-down --p2p-loss 0.2 --relay-delay 50
  --race                demo (--part all only): race the first camera once (every mode, like
                        \`trailcam race\`, at most 5 s), print the result and stop; ports
                        default to free ones
  --json                print the ready line (and the stop line) as JSON
  -h, --help            show this help

Exit codes: 0 stopped by a signal (with --race: connected), 1 could not start (e.g. a port in
use; with --race: unreachable), 2 bad input.

Example (then, in another terminal):
  trailcam sim
  trailcam race --host 127.0.0.1 --did ${DEFAULT_DID} --server 127.0.0.1:32100
`;

const PATH_FLAGS = {
  delay: 'delayMs',
  jitter: 'jitterMs',
  loss: 'loss',
  duplicate: 'duplicate',
  down: 'down',
  refuse: 'refuse',
} as const satisfies Record<string, keyof PathSettings>;

const OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  did: { type: 'string' },
  cameras: { type: 'string' },
  servers: { type: 'string' },
  relays: { type: 'string' },
  host: { type: 'string' },
  bind: { type: 'string' },
  part: { type: 'string' },
  server: { type: 'string', multiple: true },
  relay: { type: 'string', multiple: true },
  'wan-port': { type: 'string' },
  'real-timing': { type: 'boolean', default: false },
  'search-port': { type: 'string' },
  'session-port': { type: 'string' },
  'server-port': { type: 'string' },
  'relay-port': { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  fast: { type: 'boolean', default: false },
  race: { type: 'boolean', default: false },
  seed: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};
for (const path of PATH_NAMES) {
  for (const [suffix, field] of Object.entries(PATH_FLAGS)) {
    OPTIONS[`${path}-${suffix}`] = { type: typeof HEALTHY_PATH[field] === 'boolean' ? 'boolean' : 'string' };
  }
}

/** What the flags ask for, validated. */
export interface SimCliConfig {
  part: SimPart;
  host: string;
  /** --part camera: the servers to register with; --part server: the relays to list. */
  remoteServers: Address[];
  remoteRelays: Address[];
  wanPort: number;
  realTiming: boolean;
  did: Did;
  cameras: number;
  servers: number;
  relays: number;
  searchPort: number;
  sessionPort: number;
  serverPort: number;
  relayPort: number;
  fast: boolean;
  seed: number;
  /** ARTEMIS login the simulated cameras accept. */
  user: string;
  password: string;
  paths: Record<PathName, PathSettings>;
  json: boolean;
  /** Race the first camera once, then stop (the demo). */
  race: boolean;
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * Flags that only one part uses (besides --part all): counts, ids, ports and the login. The timing
 * switches (--fast, --real-timing) and the path flags may go to every part of a bed alike.
 */
const PART_FLAGS: Readonly<Record<string, SimPart>> = {
  cameras: 'camera',
  did: 'camera',
  'search-port': 'camera',
  'session-port': 'camera',
  'wan-port': 'camera',
  user: 'camera',
  password: 'camera',
  servers: 'server',
  'server-port': 'server',
  relays: 'relay',
  'relay-port': 'relay',
};

/** Validates parsed flags; throws ConfigError naming the flag (field `--flag`) and its value. */
export function simConfigFromFlags(values: Values): SimCliConfig {
  const hostFlag = stringFlag(values, 'bind') !== undefined ? 'bind' : 'host';
  if (stringFlag(values, 'bind') !== undefined && stringFlag(values, 'host') !== undefined && values.bind !== values.host) {
    throw new ConfigError('--bind', values.bind, `differs from --host "${String(values.host)}" (one address per process)`);
  }
  const host = validateBindHost(`--${hostFlag}`, stringFlag(values, hostFlag) ?? SIM_CLI_DEFAULTS.host);
  const part = (stringFlag(values, 'part') ?? 'all') as SimPart;
  if (!SIM_PARTS.includes(part)) throw new ConfigError('--part', part, `must be one of ${SIM_PARTS.join(', ')}`);
  const addresses = (flag: 'server' | 'relay', allowed: SimPart): Address[] => {
    const list = Array.isArray(values[flag]) ? (values[flag] as string[]) : [];
    if (list.length > 0 && part !== allowed) {
      throw new ConfigError(
        `--${flag}`,
        list[0],
        `only with --part ${allowed} (${flag === 'server' ? 'the camera registers with it' : 'the server lists it'}; --part ${part} ${part === 'all' ? 'runs its own' : 'does not use it'})`,
      );
    }
    if (list.length > SIM_CLI_LIMITS[`${flag}s`]) throw new ConfigError(`--${flag}`, list.length, `at most ${SIM_CLI_LIMITS[`${flag}s`]}`);
    return list.map((text) => parseAddress(`--${flag}`, text));
  };
  const remoteServers = addresses('server', 'camera');
  const remoteRelays = addresses('relay', 'server');
  // A flag for a piece this part does not run would be ignored without a word (and the ready line
  // would look as if it acted): an error instead. The path flags act where the part runs.
  if (part !== 'all') {
    for (const [flag, owner] of Object.entries(PART_FLAGS)) {
      if (owner !== part && values[flag] !== undefined && values[flag] !== false)
        throw new ConfigError(
          `--${flag}`,
          flag === 'password' ? '(hidden)' : values[flag],
          `only with --part ${owner} or all (--part ${part} does not run ${owner === 'camera' ? 'cameras' : `a ${owner}`})`,
        );
    }
  }
  if (values.race === true && part !== 'all') throw new ConfigError('--race', true, 'needs --part all (every part in this process)');
  if (values['real-timing'] === true && values.fast === true) throw new ConfigError('--real-timing', true, 'cannot be combined with --fast');
  const didText = stringFlag(values, 'did') ?? DEFAULT_DID;
  let did: Did;
  try {
    did = parseDid(didText);
  } catch (err) {
    throw new ConfigError('--did', didText, err instanceof DidError ? err.problem : String(err));
  }
  const cameras = intFlag(values, 'cameras', SIM_CLI_DEFAULTS.cameras, 1, SIM_CLI_LIMITS.cameras);
  if (did.serial + cameras - 1 > 0xffff_ffff) {
    throw new ConfigError('--cameras', String(cameras), `camera serials would pass 4294967295 starting at ${did.serial} (--did)`);
  }
  const paths = {} as Record<PathName, PathSettings>;
  for (const path of PATH_NAMES) {
    const settings: Partial<Record<keyof PathSettings, number | boolean>> = {};
    for (const [suffix, field] of Object.entries(PATH_FLAGS)) {
      const flag = `${path}-${suffix}`;
      const value = values[flag];
      if (value === undefined) continue;
      if (typeof value === 'boolean') settings[field] = value;
      else settings[field] = numberFlag(flag, String(value));
    }
    try {
      paths[path] = validatePathSettings(path, settings as Partial<PathSettings>);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const suffix = Object.entries(PATH_FLAGS).find(([, field]) => `${path}.${field}` === err.field)?.[0];
      const flag = suffix ? `--${path}-${suffix}` : `--${path}`;
      throw new ConfigError(flag, suffix ? values[`${path}-${suffix}`] : err.value, err.message.replace(/^invalid \S+ \S+: /, ''));
    }
  }
  if (values['real-timing'] === true) {
    // The real LAN's round trips unless --lan-delay/--lan-jitter say otherwise.
    if (values['lan-delay'] === undefined) paths.lan.delayMs = REAL_LAN_PATH.delayMs;
    if (values['lan-jitter'] === undefined) paths.lan.jitterMs = REAL_LAN_PATH.jitterMs;
  }
  // A one-shot demo race needs no well-known ports: default to free ones.
  const race = values.race === true;
  const port = (name: string, production: number): number => intFlag(values, name, race ? 0 : production, 0, 65535);
  return {
    part,
    host,
    remoteServers,
    remoteRelays,
    wanPort: port('wan-port', SIM_CLI_DEFAULTS.wanPort),
    realTiming: values['real-timing'] === true,
    did,
    cameras,
    servers: intFlag(values, 'servers', SIM_CLI_DEFAULTS.servers, 0, SIM_CLI_LIMITS.servers),
    relays: intFlag(values, 'relays', SIM_CLI_DEFAULTS.relays, 0, SIM_CLI_LIMITS.relays),
    searchPort: port('search-port', SIM_CLI_DEFAULTS.searchPort),
    sessionPort: port('session-port', SIM_CLI_DEFAULTS.sessionPort),
    serverPort: port('server-port', SIM_CLI_DEFAULTS.serverPort),
    relayPort: port('relay-port', SIM_CLI_DEFAULTS.relayPort),
    fast: values.fast === true,
    user: loginFlag(values, 'user'),
    password: loginFlag(values, 'password'),
    seed: intFlag(values, 'seed', SIM_CLI_DEFAULTS.seed, 0, 0xffff_ffff),
    paths,
    json: values.json === true,
    race,
  };
}

/** --user / --password: any non-empty text up to 64 characters (default admin, as the app). */
function loginFlag(values: Values, name: 'user' | 'password'): string {
  const text = stringFlag(values, name);
  if (text === undefined) return 'admin';
  if (text.length === 0 || text.length > 64) {
    throw new ConfigError(`--${name}`, name === 'password' ? '(hidden)' : text, 'must be 1-64 characters');
  }
  return text;
}

function stringFlag(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function intFlag(values: Values, name: string, fallback: number, min: number, max: number): number {
  const text = stringFlag(values, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text.trim()) || Number(text) < min || Number(text) > max) {
    throw new ConfigError(`--${name}`, text, `must be a whole number ${min}-${max}`);
  }
  return Number(text);
}

function numberFlag(flag: string, text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text.trim())) throw new ConfigError(`--${flag}`, text, 'must be a non-negative number');
  return Number(text);
}

/** The ready line's content: every address the simulation listens on. */
export function readyInfo(sim: Simulation, config: SimCliConfig): Record<string, unknown> {
  return {
    ready: true,
    part: config.part,
    host: config.host,
    seed: config.seed,
    fast: config.fast,
    servers: sim.servers.map((s) => ({ host: s.host, port: s.port })),
    relays: sim.relays.map((r) => ({ host: r.host, port: r.port })),
    cameras: sim.cameras.map((c) => ({
      did: c.did,
      host: c.host,
      searchPort: c.searchPort,
      sessionPort: c.sessionPort,
      wanPort: c.wanPort,
      searchHost: c.options.searchHost,
      // Every server acknowledged its DEV_LGN before this line (a camera part waits at most 2 s).
      registered: c.isRegistered,
    })),
    // Addresses given on the command line: the servers the cameras register with (--part camera)
    // or the relays the servers list (--part server).
    remote: { servers: sim.remoteServers, relays: sim.remoteRelays },
    paths: Object.fromEntries(PATH_NAMES.map((name) => [name, { ...sim.paths[name].settings }])),
  };
}

function readyLine(sim: Simulation, config: SimCliConfig): string {
  const list = (label: string, addresses: readonly { host: string; port: number }[]): string =>
    addresses.length === 0 ? `no ${label}` : `${label} ${addresses.map((a) => `${a.host}:${a.port}`).join(', ')}`;
  const end = `${describePaths(sim)}; seed ${config.seed}.` + (config.race ? ' Racing it once.' : ' Ctrl-C to stop.');
  if (sim.part === 'server') return `trailcam sim ready (server part): ${list('rendezvous', sim.servers)}, listing ${list('relay', sim.remoteRelays)}; ${end}`;
  if (sim.part === 'relay') return `trailcam sim ready (relay part): ${list('relay', sim.relays)}; ${end}`;
  const first = sim.cameras[0];
  const who =
    sim.cameras.length === 1 ? `camera ${first.did}` : `${sim.cameras.length} cameras ${first.did}..${sim.cameras[sim.cameras.length - 1].did}, the first`;
  const camera = `${who} on ${first.host} (LAN search port ${first.searchPort}, session port ${first.sessionPort}, internet port ${first.wanPort})`;
  if (sim.part === 'camera') return `trailcam sim ready (camera part): ${camera}; registers with ${list('rendezvous', sim.remoteServers)}; ${end}`;
  return `trailcam sim ready: ${camera}; ${list('rendezvous', sim.servers)}; ${list('relay', sim.relays)}; ${end}`;
}

function describePaths(sim: Simulation): string {
  const parts = PATH_NAMES.map((name) => {
    const s = sim.paths[name].settings;
    const bits: string[] = [];
    if (s.down) bits.push('down');
    if (s.refuse) bits.push('refused');
    if (s.delayMs > 0 || s.jitterMs > 0) bits.push(`delay ${s.delayMs}${s.jitterMs > 0 ? `±${s.jitterMs}` : ''} ms`);
    if (s.loss > 0) bits.push(`loss ${s.loss}`);
    if (s.duplicate > 0) bits.push(`duplicate ${s.duplicate}`);
    return `${name} ${bits.length === 0 ? 'healthy' : bits.join(' ')}`;
  });
  return parts.join(', ');
}

function stopInfo(sim: Simulation): Record<string, unknown> {
  const sessions = sim.cameras.reduce((sum, c) => sum + c.counters.sessions, 0);
  const unexpected = sim.cameras.reduce((sum, c) => sum + c.counters.unexpected, 0);
  return { stopped: true, counters: sim.counters(), cameras: { sessions, live: sim.liveSessions(), unexpected } };
}

function stopLine(sim: Simulation): string {
  const info = stopInfo(sim) as { counters: ReturnType<Simulation['counters']>; cameras: { sessions: number } };
  const paths = PATH_NAMES.map((name) => {
    const c = info.counters[name];
    return `${name} ${c.seen} seen, ${c.dropped} dropped, ${c.malformed} malformed`;
  });
  return `trailcam sim stopped: ${info.cameras.sessions} camera session(s); ${paths.join('; ')}.`;
}

/** Camera options: the first camera on the requested ports, the others on free ports. */
function cameraOptions(config: SimCliConfig): CameraOptions[] {
  // Every session of every camera gets its own ARTEMIS service (tokens and media ids seeded per session).
  let sessions = 0;
  const artemis = { 0: () => new ArtemisCameraService({ user: config.user, password: config.password, seed: config.seed + (sessions += 1) }) };
  return Array.from({ length: config.cameras }, (_, i) => {
    const did = formatDid({ ...config.did, serial: config.did.serial + i });
    return i === 0
      ? { did, searchPort: config.searchPort, sessionPort: config.sessionPort, wanPort: config.wanPort, services: artemis }
      : { did, services: artemis };
  });
}

/** Waits until `signal` aborts (the CLI's main aborts it on SIGINT/SIGTERM). */
function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

export const simCommand: Command = {
  name: 'sim',
  summary: 'run simulated camera(s), rendezvous and relay servers (all on 127.0.0.1, or one part per host)',
  async run(argv: string[], io: CliIo, signal: AbortSignal): Promise<number> {
    let values: Values;
    try {
      ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
    } catch (err) {
      io.stderr.write(`trailcam sim: ${(err as Error).message}\n\n${SIM_HELP}`);
      return ExitCode.BAD_INPUT;
    }
    if (values.help === true) {
      io.stdout.write(SIM_HELP);
      return ExitCode.OK;
    }
    let config: SimCliConfig;
    try {
      config = simConfigFromFlags(values);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.stderr.write(`trailcam sim: ${err.message}\n`);
      return ExitCode.BAD_INPUT;
    }
    if (signal.aborted) return ExitCode.OK;

    let sim: Simulation;
    try {
      sim = await createSimulation({
        part: config.part,
        remoteServers: config.remoteServers,
        remoteRelays: config.remoteRelays,
        realTiming: config.realTiming,
        host: config.host,
        cameras: cameraOptions(config),
        servers: config.servers,
        relays: config.relays,
        seed: config.seed,
        fast: config.fast,
        paths: config.paths,
        serverPort: config.serverPort,
        relayPort: config.relayPort,
      });
    } catch (err) {
      io.stderr.write(`trailcam sim: could not start: ${startFailure(err)}\n`);
      return ExitCode.FAILED;
    }
    let code: number = ExitCode.OK;
    try {
      io.stdout.write(`${config.json ? JSON.stringify(readyInfo(sim, config)) : readyLine(sim, config)}\n`);
      if (config.race) code = await raceOnce(sim, config, io, signal);
      else await untilAborted(signal);
    } finally {
      await sim.close();
    }
    io.stdout.write(`${config.json ? JSON.stringify(stopInfo(sim)) : stopLine(sim)}\n`);
    return code;
  },
};

/** The demo: one race against the first camera with every mode, printed like `trailcam race`. */
function raceOnce(sim: Simulation, config: SimCliConfig, io: CliIo, signal: AbortSignal): Promise<number> {
  const camera = sim.cameras[0];
  return runRace(
    {
      host: camera.host,
      did: camera.did,
      ports: [camera.sessionPort, camera.searchPort],
      servers: sim.servers.map((s) => `${s.host}:${s.port}`),
      modes: sim.servers.length > 0 ? undefined : ['lan'],
      bindAddress: config.host,
      maxConnectionTimeMs: 5_000,
    },
    config.json,
    io,
    signal,
  );
}

function startFailure(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === 'EADDRINUSE' || e?.code === 'EACCES') {
    return (
      `${e.address ?? ''}:${e.port ?? ''} ${e.code === 'EADDRINUSE' ? 'is in use' : 'is not allowed'} ` +
      '(another simulator running?); choose other ports with --search-port, --session-port, --wan-port, --server-port, --relay-port (0 = any free port)'
    );
  }
  if (e?.code === 'EADDRNOTAVAIL') return `${e.address ?? ''}:${e.port ?? ''} is not an address of this host (--bind)`;
  return err instanceof Error ? err.message : String(err);
}
