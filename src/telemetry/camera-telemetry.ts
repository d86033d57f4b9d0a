import { TelemetryFormatError } from './errors';
import { readArray, readMode, readNumber, readObject, readPort, readVersion } from './fields';
import { resolveTelemetryOptions, TELEMETRY_LIMITS, type TelemetryOptions } from './options';
import { PathStats, readPathStats, type PathStatsJSON, type PathStatsView } from './path-stats';
import { MODES, type Mode, type Outcome } from './types';

/** Version of the JSON form written by {@link CameraTelemetry.toJSON}. */
export const TELEMETRY_VERSION = 1;

/** JSON form of a camera's telemetry. */
export interface TelemetryJSON {
  version: typeof TELEMETRY_VERSION;
  modes: Record<Mode, PathStatsJSON>;
  lanPorts: Array<{ port: number; stats: PathStatsJSON }>;
}

const OUTCOME_RESULTS = ['win', 'fail', 'cancelled'] as const;

/**
 * Everything learnt about reaching one camera: statistics per mode and per LAN destination
 * port. Pure bookkeeping: time only enters through the outcomes' `atMs`.
 */
export class CameraTelemetry {
  readonly options: Readonly<TelemetryOptions>;
  private readonly modeStats: Record<Mode, PathStats>;
  private readonly portStats = new Map<number, PathStats>();

  constructor(options: Partial<TelemetryOptions> = {}) {
    this.options = resolveTelemetryOptions(options);
    this.modeStats = { lan: this.newPath(), p2p: this.newPath(), relay: this.newPath() };
  }

  /**
   * Records one outcome (in time order). Throws TelemetryFormatError naming the `outcome.*`
   * field when it is malformed. `destinationPort` is kept per port for LAN only.
   */
  record(outcome: Outcome): void {
    const checked = readOutcome(outcome);
    this.modeStats[checked.mode].record(checked.result, checked.elapsedMs, checked.atMs);
    if (checked.mode === 'lan' && checked.destinationPort !== undefined) {
      this.portPath(checked.destinationPort).record(checked.result, checked.elapsedMs, checked.atMs);
    }
  }

  /**
   * Notes that `mode` was raced but never started because the race ended during its stagger
   * (tuning uses this to give a long-idle follower a full chance now and then).
   */
  recordIdle(mode: Mode): void {
    this.modeStats[readMode(mode, 'mode')].recordIdle();
  }

  /** Statistics of one mode. */
  mode(mode: Mode): PathStatsView {
    return this.modeStats[mode];
  }

  /** Statistics of one LAN destination port, if any outcome named it. */
  lanPort(port: number): PathStatsView | undefined {
    return this.portStats.get(port);
  }

  /** LAN destination ports with statistics, in first-seen order. */
  lanPorts(): number[] {
    return [...this.portStats.keys()];
  }

  toJSON(): TelemetryJSON {
    return {
      version: TELEMETRY_VERSION,
      modes: { lan: this.modeStats.lan.toJSON(), p2p: this.modeStats.p2p.toJSON(), relay: this.modeStats.relay.toJSON() },
      lanPorts: [...this.portStats].map(([port, stats]) => ({ port, stats: stats.toJSON() })),
    };
  }

  /**
   * Rebuilds telemetry from {@link toJSON} output (an object or its JSON text), e.g. from a
   * Node-RED context store. Throws TelemetryFormatError naming the first bad field
   * (`telemetry.modes.lan.srttMs`, ...), UnsupportedVersionError for another `version`.
   * Sample windows longer than `options.windowSize` keep their newest samples.
   */
  static fromJSON(input: unknown, options: Partial<TelemetryOptions> = {}): CameraTelemetry {
    const value = typeof input === 'string' ? parseJsonText(input) : input;
    const record = readObject(value, 'telemetry', ['version', 'modes', 'lanPorts']);
    readVersion(record, 'telemetry', TELEMETRY_VERSION);
    const modes = readObject(record.modes, 'telemetry.modes', MODES);
    const telemetry = new CameraTelemetry(options);
    for (const mode of MODES) {
      telemetry.modeStats[mode] = telemetry.newPath(readPathStats(modes[mode], `telemetry.modes.${mode}`));
    }
    const ports = readArray(record.lanPorts, 'telemetry.lanPorts', TELEMETRY_LIMITS.lanPorts);
    ports.forEach((entry, i) => {
      const field = `telemetry.lanPorts[${i}]`;
      const portRecord = readObject(entry, field, ['port', 'stats']);
      const port = readPort(portRecord.port, `${field}.port`);
      if (telemetry.portStats.has(port)) throw new TelemetryFormatError(`${field}.port`, port, 'listed twice');
      telemetry.portStats.set(port, telemetry.newPath(readPathStats(portRecord.stats, `${field}.stats`)));
    });
    while (telemetry.portStats.size > telemetry.options.maxLanPorts) telemetry.evictStalestPort();
    return telemetry;
  }

  private newPath(initial?: PathStatsJSON): PathStats {
    return new PathStats(this.options.windowSize, this.options.halfLifeMs, initial);
  }

  private portPath(port: number): PathStats {
    let stats = this.portStats.get(port);
    if (stats === undefined) {
      if (this.portStats.size >= this.options.maxLanPorts) this.evictStalestPort();
      stats = this.newPath();
      this.portStats.set(port, stats);
    }
    return stats;
  }

  /** Drops the port whose last win/failure is oldest (never-active ports first, then first-seen). */
  private evictStalestPort(): void {
    let stalest: number | undefined;
    let stalestAt = Infinity;
    for (const [port, stats] of this.portStats) {
      const at = stats.lastActivityAtMs ?? -Infinity;
      if (stalest === undefined || at < stalestAt) {
        stalest = port;
        stalestAt = at;
      }
    }
    if (stalest !== undefined) this.portStats.delete(stalest);
  }
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new TelemetryFormatError('telemetry', text, `not valid JSON (${(err as Error).message})`);
  }
}

function readOutcome(outcome: Outcome): Outcome {
  const r = readObject(outcome, 'outcome', ['mode', 'destinationPort', 'result', 'elapsedMs', 'atMs']);
  if (!OUTCOME_RESULTS.includes(r.result as Outcome['result'])) {
    throw new TelemetryFormatError('outcome.result', r.result, 'must be win, fail or cancelled');
  }
  return {
    mode: readMode(r.mode, 'outcome.mode'),
    result: r.result as Outcome['result'],
    elapsedMs: readNumber(r.elapsedMs, 'outcome.elapsedMs', { min: 0 }),
    atMs: readNumber(r.atMs, 'outcome.atMs'),
    ...(r.destinationPort === undefined ? {} : { destinationPort: readPort(r.destinationPort, 'outcome.destinationPort') }),
  };
}
