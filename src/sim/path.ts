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
 * One impaired path. Every datagram through it (inbound and outbound at the simulated side)
 * passes `transmit`, which drops, delays or duplicates it with a seeded random source. Pending
 * delayed deliveries are owned here and cancelled by `close()`.
 */
export class Path {
  readonly name: PathName;
  settings: PathSettings;
  readonly counters: PathCounters = { seen: 0, dropped: 0, delivered: 0, duplicated: 0, malformed: 0 };
  readonly #random: () => number;
  readonly #pending = new Set<NodeJS.Timeout>();
  readonly #refuseListeners = new Set<(refuse: boolean) => void>();

  constructor(name: PathName, settings: Partial<PathSettings>, random: () => number) {
    this.name = name;
    this.settings = validatePathSettings(name, settings);
    this.#random = random;
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

  /** Runs `deliver` (once, twice or never; now or later) according to the settings; `dropped` when never. */
  transmit(deliver: () => void, dropped?: () => void): void {
    const s = this.settings;
    this.counters.seen += 1;
    if (s.down || s.refuse || (s.loss > 0 && this.#random() < s.loss)) {
      this.counters.dropped += 1;
      dropped?.();
      return;
    }
    const copies = s.duplicate > 0 && this.#random() < s.duplicate ? 2 : 1;
    if (copies === 2) this.counters.duplicated += 1;
    for (let i = 0; i < copies; i += 1) {
      const delay = Math.max(0, s.delayMs + (s.jitterMs > 0 ? (this.#random() * 2 - 1) * s.jitterMs : 0));
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

  close(): void {
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
    this.#refuseListeners.clear();
  }
}
