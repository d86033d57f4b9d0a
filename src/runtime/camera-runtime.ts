import { EventEmitter } from 'node:events';
import { AbortError, ConfigError, TrailcamError } from '../errors';
import { race, RaceError, type RaceConfig, type RaceResult } from '../engine';
import { CameraTelemetry, deriveTuning, recordRace, validateTuning, type TelemetryJSON, type Tuning } from '../telemetry';
import { RuntimeClosedError } from './errors';
import { applyOverrides } from './overrides';
import type { CameraSettings } from './settings';
import { openLiveSession, type LiveSession } from './live-session';
import { SharedTask } from './shared-task';
import { reportTuning, tuneRaceConfig, type RaceTuningReport, type TuningSource } from './tuning';
import type { ConnectResult, RaceRecord, RuntimeState } from './types';

export interface CameraRuntimeEvents {
  /** The connection state changed (racing, connected, failed, idle, closed). */
  state: [RuntimeState];
  /** A race finished (won or failed) and was recorded in the telemetry. */
  race: [RaceRecord];
  /** The telemetry changed (a race, an import or a reset): persist it if you keep it. */
  telemetry: [];
}

export interface ConnectOptions {
  signal?: AbortSignal;
  /** Race fields to override for this race only (`msg.camera`); validated, see applyOverrides. */
  overrides?: unknown;
}

export interface CameraRuntimeOptions {
  /** Wall clock (ms since the epoch) for telemetry and `since` fields. Default Date.now. */
  now?: () => number;
}

/** A race in flight, shared by every caller that wants a session while it runs. */
interface Racing {
  task: SharedTask<ConnectResult>;
  /** True when the race runs with per-message overrides (others do not join it). */
  overridden: boolean;
}

/**
 * Everything one camera needs at run time, shared by every Node-RED node that uses the camera
 * (one per config node): the race (one at a time, shared by concurrent callers), the live
 * session on the winning link, the camera's telemetry (every race is recorded) and the tuning
 * applied to the next race. `close()` releases every socket, timer and listener it owns,
 * including a race in flight.
 */
export class CameraRuntime extends EventEmitter<CameraRuntimeEvents> {
  readonly settings: CameraSettings;
  readonly #now: () => number;
  #telemetry = new CameraTelemetry();
  #applied: Tuning | null = null;
  #state: RuntimeState = { phase: 'idle', reason: null };
  #racing: Racing | undefined;
  #live: { session: LiveSession; result: ConnectResult } | undefined;
  #closing: Promise<void> | undefined;

  constructor(settings: CameraSettings, options: CameraRuntimeOptions = {}) {
    super();
    this.settings = settings;
    this.#now = options.now ?? Date.now;
  }

  get name(): string {
    return this.settings.name;
  }

  get state(): RuntimeState {
    return this.#state;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** The live session's race result, or null when no session is up. */
  get session(): ConnectResult | null {
    return this.#live?.session.open ? { ...this.#live.result, reused: true } : null;
  }

  /**
   * Returns a live session's result: the one that is up (`reused: true`), the race another
   * caller has started (joined, `reused: true`), or a new race's. `overrides` are validated
   * first (ConfigError naming `camera.<field>`) and apply to a new race only. Rejects with
   * RaceError (unreachable; listing every racer), AbortError (the caller's signal) or
   * RuntimeClosedError. The caller's abort ends its wait; the race stops when no caller waits.
   */
  async connect(options: ConnectOptions = {}): Promise<ConnectResult> {
    const { signal } = options;
    this.#assertOpen('connect');
    const base = this.#tunedConfig();
    const overridden = options.overrides !== undefined && options.overrides !== null;
    const config = overridden ? applyOverrides(base.config, options.overrides) : base.config;
    for (;;) {
      this.#assertOpen('connect');
      if (signal?.aborted) throw new AbortError('connect aborted');
      const live = this.session;
      if (live) return live;
      const racing = this.#racing;
      if (racing === undefined) break;
      if (!overridden && !racing.overridden) return { ...(await racing.task.join(signal, 'connect')), reused: true };
      // A race with other settings is running: let it finish, then reuse its session or race anew.
      await racing.task.join(signal, 'connect').catch((err: unknown) => {
        if (signal?.aborted) throw err;
      });
    }
    const task = new SharedTask((raceSignal) => this.#race(config, base.source, raceSignal));
    const racing: Racing = { task, overridden };
    this.#racing = racing;
    const clear = (): void => {
      if (this.#racing === racing) this.#racing = undefined;
    };
    task.promise.then(clear, clear);
    return task.join(signal, 'connect');
  }

  /** Closes the live session (sends CLOSE to the camera); a race in flight is not affected. */
  async closeSession(reason = 'closed by the user'): Promise<void> {
    const live = this.#live;
    if (live === undefined) return;
    this.#live = undefined;
    await live.session.close();
    if (!this.closed) this.#setState({ phase: 'idle', reason });
  }

  /** Telemetry of this camera (read-only use: record through races). */
  get telemetry(): CameraTelemetry {
    return this.#telemetry;
  }

  exportTelemetry(): TelemetryJSON {
    return this.#telemetry.toJSON();
  }

  /** Replaces the telemetry with saved JSON; throws TelemetryFormatError naming the field. */
  importTelemetry(json: unknown): void {
    this.#telemetry = CameraTelemetry.fromJSON(json);
    this.emit('telemetry');
  }

  resetTelemetry(): void {
    this.#telemetry = new CameraTelemetry();
    this.emit('telemetry');
  }

  /** The tuning the telemetry suggests now for this camera's configured modes. */
  tuning(): Tuning {
    return deriveTuning(this.#telemetry, this.#now(), {
      modes: this.settings.race.modes,
      adaptiveTimeout: this.settings.adaptive,
      defaultAttemptTimeoutMs: Math.max(...Object.values(this.settings.race.attemptTimeoutMs)),
    });
  }

  /** The tuning applied with applyTuning(), if any. */
  get appliedTuning(): Tuning | null {
    return this.#applied;
  }

  /**
   * Uses `input` (a tuning object or its JSON text, validated: TelemetryFormatError names the
   * field) for every following race until replaced; null goes back to the configured or derived
   * values. Returns the clean copy.
   */
  applyTuning(input: unknown): Tuning | null {
    this.#applied = input === null ? null : validateTuning(input);
    return this.#applied;
  }

  /**
   * Closes everything: aborts a race in flight (its sockets are closed before this resolves),
   * closes the live session. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    const reason = new RuntimeClosedError('close');
    this.#closing = (async () => {
      const racing = this.#racing;
      racing?.task.abort(reason);
      const live = this.#live;
      this.#live = undefined;
      await Promise.allSettled([racing?.task.promise, live?.session.close()]);
      this.#setState({ phase: 'closed' });
    })();
    return this.#closing;
  }

  /** The configured race config with the applied or derived tuning. */
  #tunedConfig(): { config: RaceConfig; source: TuningSource } {
    if (this.#applied) return { config: tuneRaceConfig(this.settings.race, this.#applied), source: 'applied' };
    if (this.settings.adaptive) return { config: tuneRaceConfig(this.settings.race, this.tuning()), source: 'derived' };
    return { config: this.settings.race, source: 'none' };
  }

  /** Runs one race, records it, and opens the session on the winning link. */
  async #race(config: RaceConfig, source: TuningSource, signal: AbortSignal): Promise<ConnectResult> {
    const since = this.#now();
    this.#setState({ phase: 'racing', since });
    const tuning = reportTuning(config, source);
    let result: RaceResult;
    try {
      result = await race(config, { signal });
    } catch (err) {
      if (err instanceof RaceError) {
        this.#record(config, { ok: false, mode: null, elapsedMs: err.elapsedMs, racers: err.racers, atMs: this.#now(), error: err.message });
      }
      if (!this.closed) this.#setState({ phase: 'failed', reason: failureReason(err), since: this.#now() });
      throw err;
    }
    this.#record(config, { ok: true, mode: result.mode, elapsedMs: result.elapsedMs, racers: result.racers, atMs: this.#now(), error: null });
    if (this.closed || signal.aborted) {
      await result.link.close();
      throw new RuntimeClosedError('connect');
    }
    const connected = this.#now();
    const summary: ConnectResult = {
      camera: this.name,
      reused: false,
      mode: result.mode,
      winner: result.winner,
      elapsedMs: result.elapsedMs,
      localPort: result.localPort,
      remote: { ...result.remote },
      destinationPort: result.destinationPort,
      racers: result.racers,
      tuning,
      since: connected,
    };
    const session = openLiveSession(result.link, { silenceMs: this.settings.keepaliveSilenceMs });
    const live = { session, result: summary };
    this.#live = live;
    session.onEnd((reason) => {
      if (this.#live !== live) return;
      this.#live = undefined;
      if (!this.closed) this.#setState({ phase: 'idle', reason });
    });
    this.#setState({ phase: 'connected', mode: result.mode, elapsedMs: result.elapsedMs, since: connected });
    return summary;
  }

  #record(config: RaceConfig, record: RaceRecord): void {
    recordRace(this.#telemetry, { atMs: record.atMs, racers: record.racers, staggerMs: config.staggerMs });
    this.emit('race', record);
    this.emit('telemetry');
  }

  #setState(state: RuntimeState): void {
    this.#state = state;
    this.emit('state', state);
  }

  #assertOpen(what: string): void {
    if (this.closed) throw new RuntimeClosedError(what);
  }
}

/** A short reason for a status line. */
export function failureReason(err: unknown): string {
  if (err instanceof RaceError) return 'unreachable';
  if (err instanceof ConfigError) return `invalid ${err.field}`;
  if (err instanceof AbortError) return 'aborted';
  if (err instanceof TrailcamError) return err.code;
  return err instanceof Error ? err.message : String(err);
}

export type { RaceTuningReport };
