import { ConfigError } from '../errors';

/** Impairments of one network path (lan, p2p or relay). */
export interface PathSettings {
  /** Added one-way delay per datagram, each direction. */
  delayMs: number;
  /** Uniform jitter: the delay varies by ± this much. */
  jitterMs: number;
  /** Probability 0..1 that a datagram is dropped, each direction. */
  loss: number;
  /** Probability 0..1 that a delivered datagram is delivered twice. */
  duplicate: number;
  /** Black hole: every datagram is dropped, the ports stay open. */
  down: boolean;
  /** The path's ports are closed, so a sender gets a fast error (ICMP port unreachable). */
  refuse: boolean;
}

export const PATH_NAMES = ['lan', 'p2p', 'relay'] as const;
export type PathName = (typeof PATH_NAMES)[number];

export const HEALTHY_PATH: Readonly<PathSettings> = { delayMs: 0, jitterMs: 0, loss: 0, duplicate: 0, down: false, refuse: false };

export interface PathCounters {
  /** Datagrams offered to the path (both directions). */
  seen: number;
  dropped: number;
  delivered: number;
  duplicated: number;
  /** Datagrams that did not decode as PPPP (counted by the endpoints of this path). */
  malformed: number;
}

/** Validates user settings (CLI flags, test options); names the field on error. */
export function validatePathSettings(name: string, input: Partial<PathSettings>): PathSettings {
  const out: PathSettings = { ...HEALTHY_PATH, ...input };
  const check = (field: keyof PathSettings, ok: boolean, reason: string): void => {
    if (!ok) throw new ConfigError(`${name}.${field}`, out[field], reason);
  };
  check('delayMs', Number.isFinite(out.delayMs) && out.delayMs >= 0 && out.delayMs <= 60_000, 'must be 0..60000 ms');
  check('jitterMs', Number.isFinite(out.jitterMs) && out.jitterMs >= 0 && out.jitterMs <= 60_000, 'must be 0..60000 ms');
  check('loss', Number.isFinite(out.loss) && out.loss >= 0 && out.loss <= 1, 'must be a probability 0..1');
  check('duplicate', Number.isFinite(out.duplicate) && out.duplicate >= 0 && out.duplicate <= 1, 'must be a probability 0..1');
  check('down', typeof out.down === 'boolean', 'must be true or false');
  check('refuse', typeof out.refuse === 'boolean', 'must be true or false');
  return out;
}

/**
 * Names a datagram for keyed draws: the simulated socket it passes, the direction, the peer on
 * the other side and the datagram itself (its second byte is the PPPP message type).
 */
export interface DatagramFlow {
  port: number;
  inbound: boolean;
  peer: { host: string; port: number };
  datagram: Buffer;
}

/**
 * One impaired path. Every datagram through it (inbound and outbound at the simulated side)
 * passes `transmit`, which drops, delays or duplicates it. Pending delayed deliveries are owned
 * here and cancelled by `close()`.
 *
 * Where the draws come from:
 * - By default, from the seeded random source in arrival order, so a seed replays a scenario.
 * - After `beginRun(key)` (`keyed`), a datagram's fate is a function of the run's key and of
 *   where the datagram sits in its run: its flow (the simulated socket's port, the direction,
 *   the message type) and its index in that flow, per peer. A peer that first appears in this
 *   run is named by its order of appearance on that socket (the run's first client socket is 0
 *   in every run); a peer known from earlier runs keeps its number from then (a previous run's
 *   late CLOSE or a camera's own server socket). Two runs begun with the same key thus see the
 *   same losses, delays and copies wherever they send the same datagrams (common random
 *   numbers). The benchmark uses this so that the engine's race and the oracle's runs of one
 *   trial face the same losses; without it, comparing the two measures luck. Sockets on
 *   ephemeral ports (a relay's session sockets) get other port numbers in every run, so their
 *   draws are not common between runs.
 */
export class Path {
  readonly name: PathName;
  settings: PathSettings;
  readonly counters: PathCounters = { seen: 0, dropped: 0, delivered: 0, duplicated: 0, malformed: 0 };
  readonly #random: () => number;
  readonly #stream = (): number => this.#random();
  readonly #pending = new Set<NodeJS.Timeout>();
  readonly #refuseListeners = new Set<(refuse: boolean) => void>();
  /** The key of the current run (`beginRun`), or undefined for the seeded stream. */
  #run: number | undefined;
  /** Drawn once from the seeded stream, so simulations with other seeds key their runs apart. */
  #salt = 0;
  /**
   * Every peer seen per simulated port ("port|host:port"), numbered in order of appearance; kept
   * for the path's life once runs began (a benchmark scenario's simulator: some thousand peers).
   */
  readonly #peers = new Map<string, number>();
  /** Peers seen so far per simulated port, and how many of them were known when the run began. */
  readonly #peerCount = new Map<number, number>();
  #runBase = new Map<number, number>();
  /** Datagrams seen since the run began, per flow and peer. */
  readonly #index = new Map<string, number>();

  constructor(name: PathName, settings: Partial<PathSettings>, random: () => number) {
    this.name = name;
    this.settings = validatePathSettings(name, settings);
    this.#random = random;
  }

  /** Whether draws are keyed (a run began): only then does `transmit` need a DatagramFlow. */
  get keyed(): boolean {
    return this.#run !== undefined;
  }

  /** Changes the impairments at run time; endpoints re-open or close their ports on `refuse`. */
  set(settings: Partial<PathSettings>): void {
    const before = this.settings.refuse;
    this.settings = validatePathSettings(this.name, { ...this.settings, ...settings });
    if (before !== this.settings.refuse) for (const listener of this.#refuseListeners) listener(this.settings.refuse);
  }

  onRefuseChange(listener: (refuse: boolean) => void): () => void {
    this.#refuseListeners.add(listener);
    return () => this.#refuseListeners.delete(listener);
  }

  /**
   * Starts a run: from now on the draws are keyed by `key` and by where each datagram sits in
   * the run (see the class comment); every flow starts again at index 0.
   */
  beginRun(key: number): void {
    if (!Number.isSafeInteger(key)) throw new ConfigError('run key', key, 'must be an integer');
    if (this.#run === undefined) this.#salt = Math.floor(this.#random() * 0x100000000);
    this.#run = key;
    this.#runBase = new Map(this.#peerCount);
    this.#index.clear();
  }

  /**
   * Runs `deliver` (once, twice or never; now or later) according to the settings; `dropped`
   * when never. `flow` names the datagram for keyed draws; without it they come from the stream.
   */
  transmit(deliver: () => void, dropped?: () => void, flow?: DatagramFlow): void {
    const s = this.settings;
    this.counters.seen += 1;
    const draw = flow && this.#run !== undefined ? this.#keyedDraws(this.#run, flow) : this.#stream;
    if (s.down || s.refuse || (s.loss > 0 && draw(0) < s.loss)) {
      this.counters.dropped += 1;
      dropped?.();
      return;
    }
    const copies = s.duplicate > 0 && draw(1) < s.duplicate ? 2 : 1;
    if (copies === 2) this.counters.duplicated += 1;
    for (let i = 0; i < copies; i += 1) {
      const delay = Math.max(0, s.delayMs + (s.jitterMs > 0 ? (draw(2 + i) * 2 - 1) * s.jitterMs : 0));
      if (delay === 0) {
        this.counters.delivered += 1;
        deliver();
      } else {
        const timer = setTimeout(() => {
          this.#pending.delete(timer);
          this.counters.delivered += 1;
          deliver();
        }, delay);
        this.#pending.add(timer);
      }
    }
  }

  /** The draws of one datagram of a run, by purpose (loss 0, copies 1, each copy's jitter 2+). */
  #keyedDraws(run: number, flow: DatagramFlow): (purpose: number) => number {
    const peerKey = `${flow.port}|${flow.peer.host}:${flow.peer.port}`;
    let ordinal = this.#peers.get(peerKey);
    if (ordinal === undefined) {
      ordinal = this.#peerCount.get(flow.port) ?? 0;
      this.#peerCount.set(flow.port, ordinal + 1);
      this.#peers.set(peerKey, ordinal);
    }
    const base = this.#runBase.get(flow.port) ?? 0;
    // New in this run: its order within the run; known before: its lasting number, kept apart.
    const peer = ordinal >= base ? ordinal - base : 0x40000000 + ordinal;
    const type = flow.datagram.length > 1 ? flow.datagram[1] : 0;
    const flowKey = (flow.inbound ? 0x10000 : 0) + flow.port;
    const indexKey = `${flowKey}|${type}|${peer}`;
    const index = this.#index.get(indexKey) ?? 0;
    this.#index.set(indexKey, index + 1);
    const path = PATH_NAMES.indexOf(this.name);
    const salt = this.#salt;
    return (purpose) => keyedDraw(salt, run, path, flowKey, type, peer, index, purpose);
  }

  close(): void {
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
    this.#refuseListeners.clear();
  }
}

/**
 * A float in [0, 1) that depends only on its integer arguments (their low 32 bits): murmur3's
 * 32-bit finaliser applied after mixing in each one, so neighbouring indices or keys give
 * unrelated values.
 */
function keyedDraw(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ part, 0x01000193) + 0x7f4a7c15;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return (h >>> 0) / 4294967296;
}
