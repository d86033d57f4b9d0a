import { EventEmitter } from 'node:events';
import { AbortError, ConfigError, toAbortError, TrailcamError } from '../errors';
import { race, RaceError, type Mode, type RaceConfig, type RaceResult } from '../engine';
import { CameraTelemetry, deriveTuning, recordRace, validateTuning, type TelemetryJSON, type Tuning } from '../telemetry';
import type { ArtemisCallOptions, DeviceInfo, JsonObject, MediaListPage, MediaListRequest } from '../artemis';
import { CameraCommands } from './camera-commands';
import { RuntimeClosedError } from './errors';
import { applyOverrides } from './overrides';
import type { CameraSettings } from './settings';
import { openLiveSession, type LiveSession } from './live-session';
import { SESSION_DEFAULTS } from '../session';
import { SharedTask } from './shared-task';
import { reportTuning, tuneRaceConfig, type RaceTuningReport, type TuningSource } from './tuning';
import { runMonitor, untilAborted } from './availability';
import type { Availability, AvailabilityState, ConnectResult, RaceRecord, RuntimeState } from './types';
import { commandOutcome, UNRESPONSIVE_AFTER_FAILURES, type CommandHealth } from './command-health';
import { SYSTEM_TIMERS, type RuntimeTimers } from './timers';

export interface CameraRuntimeEvents {
  /** The connection state changed (racing, connected, failed, idle, closed). */
  state: [RuntimeState];
  /** A race finished (won or failed) and was recorded in the telemetry. */
  race: [RaceRecord];
  /** The telemetry changed (a race, an import or a reset): persist it if you keep it. */
  telemetry: [];
  /** Availability changed (emitted on change only: never the same state twice in a row). */
  availability: [Availability];
  /** The monitor waits `delayMs` before its next attempt (`failures` failed races in a row; 0 after a lost session). */
  backoff: [{ delayMs: number; failures: number }];
  /** The count of consecutive failed commands changed (a failure, an answer after failures, a new session). */
  commands: [CommandHealth];
}

export interface ConnectOptions {
  signal?: AbortSignal;
  /** Race fields to override for this race only (`msg.camera`); validated, see applyOverrides. */
  overrides?: unknown;
}

export interface CameraRuntimeOptions {
  /** Wall clock (ms since the epoch) for telemetry and `since` fields. Default Date.now. */
  now?: () => number;
  /** Random source in [0, 1) for the monitor's back-off jitter (seed it in tests). Default Math.random. */
  random?: () => number;
  /** Timers for the battery idle close (a fake clock in tests). Default setTimeout/clearTimeout. */
  timers?: RuntimeTimers;
}

/** The live session on the won link, its race result and its command channel (once used). */
interface LiveEntry {
  session: LiveSession;
  result: ConnectResult;
  commands?: CameraCommands;
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
  readonly #random: () => number;
  #telemetry = new CameraTelemetry();
  #applied: Tuning | null = null;
  #state: RuntimeState = { phase: 'idle', reason: null };
  #racing: Racing | undefined;
  #live: LiveEntry | undefined;
  #closing: Promise<void> | undefined;
  #availability: Availability;
  #monitor: { controller: AbortController; done: Promise<void> } | undefined;
  readonly #monitorHolders = new Set<unknown>();
  #health: CommandHealth = { consecutiveFailures: 0, lastError: null };
  readonly #timers: RuntimeTimers;
  /** Battery mode: commands in flight (the idle time counts from the last one's end). */
  #uses = 0;
  #idleTimer: unknown;
  #lastSeen: number | null = null;

  constructor(settings: CameraSettings, options: CameraRuntimeOptions = {}) {
    super();
    this.settings = settings;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#timers = options.timers ?? SYSTEM_TIMERS;
    this.#availability = { state: 'unknown', mode: null, since: this.#now(), reason: null, commandFailures: 0, lastSeen: null };
  }

  /** True in the battery power mode: sessions on demand, closed after `settings.idleCloseMs` without use. */
  get onBattery(): boolean {
    return this.settings.powerMode === 'battery';
  }

  /**
   * Whether the camera is reachable: `online` while a session is up, `offline` after a failed
   * race or a lost session, `connecting` while the monitor makes its first attempt, `unknown`
   * before anything was tried. Battery mode: `asleep` once a session was closed on purpose (idle
   * time, closeSession) and while the monitor watches a camera nobody has needed yet.
   */
  get availability(): Availability {
    return { ...this.#availability, lastSeen: this.#lastSeen };
  }

  /** Consecutive failed commands on the current session and the last failure (see CommandHealth). */
  get commandHealth(): CommandHealth {
    return { ...this.#health };
  }

  /** Mains: the monitor loop runs. Battery: someone watches the availability (no loop, no session held). */
  get monitoring(): boolean {
    return this.#monitor !== undefined || (this.onBattery && this.#monitorHolders.size > 0);
  }

  /**
   * Mains power mode: keeps the camera's session up: races, waits for the session to end, retries with the
   * configured backoff (reconnectMinMs growing by reconnectFactor up to reconnectMaxMs, minus up
   * to reconnectJitter of it at random; reset by a successful race). The monitor runs while
   * at least one holder has started it (each Node-RED node is a holder); idempotent per holder.
   */
  startMonitor(holder: unknown = DEFAULT_HOLDER): void {
    this.#assertOpen('startMonitor');
    this.#monitorHolders.add(holder);
    if (this.onBattery) {
      // A battery camera is not kept awake: the availability follows the on-demand sessions
      // (online, asleep after the idle close, offline when asked for and unreachable). Before
      // anyone needed it, it is presumed asleep, its normal state.
      if (this.#availability.state === 'unknown') this.#setAvailability('asleep', null, NOT_NEEDED_YET);
      return;
    }
    if (this.#monitor) return;
    const controller = new AbortController();
    if (this.#availability.state === 'unknown') this.#setAvailability('connecting', null, null);
    const done = runMonitor(
      {
        connect: (signal) => this.connect({ signal }),
        sessionEnded: (signal) => (this.#live ? untilAborted(this.#live.session.ended, signal, 'monitor') : Promise.resolve('no session')),
      },
      {
        minBackoffMs: this.settings.reconnectMinMs,
        maxBackoffMs: this.settings.reconnectMaxMs,
        factor: this.settings.reconnectFactor,
        jitter: this.settings.reconnectJitter,
        random: this.#random,
        onBackoff: (delayMs, failures) => this.emit('backoff', { delayMs, failures }),
      },
      controller.signal,
    );
    this.#monitor = { controller, done };
  }

  /**
   * Releases `holder`'s hold on the monitor; the last release stops it (its race in flight
   * stops unless another caller waits for it). The session stays up.
   */
  async stopMonitor(holder: unknown = DEFAULT_HOLDER): Promise<void> {
    this.#monitorHolders.delete(holder);
    const monitor = this.#monitor;
    if (!monitor || this.#monitorHolders.size > 0) return;
    this.#monitor = undefined;
    monitor.controller.abort(new AbortError('monitor stopped'));
    await monitor.done;
    // Stopped before its first attempt ended: nothing is known of the camera (not `connecting` for ever).
    if (this.#availability.state === 'connecting' && !this.closed) this.#setAvailability('unknown', null, 'monitor stopped');
  }

  /** Checks once: online if a session is up or a race wins, offline if it fails. Never rejects for unreachability. */
  async check(options: { signal?: AbortSignal } = {}): Promise<Availability> {
    try {
      await this.connect(options);
    } catch (err) {
      if (!(err instanceof RaceError)) throw err;
    }
    return this.availability;
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

  /** The live session's race result (a copy), or null when no session is up. */
  get session(): ConnectResult | null {
    return this.#live?.session.open ? { ...structuredClone(this.#live.result), reused: true } : null;
  }

  /**
   * Returns a live session's result: the one that is up (`reused: true`), the race another
   * caller has started (joined, `reused: true`), or a new race's. `overrides` are validated
   * first (ConfigError naming `camera.<field>`) and apply to a new race only. Rejects with
   * RaceError (unreachable; listing every racer), AbortError (the caller's signal) or
   * RuntimeClosedError. The caller's abort ends its wait; the race stops when no caller waits.
   */
  async connect(options: ConnectOptions = {}): Promise<ConnectResult> {
    const result = await this.#connect(options);
    this.#armIdle(); // battery: a connect is a use; the idle time counts from now
    // Each caller gets its own copy: a flow that edits msg.payload in place must not change the
    // stored result that later callers and `session` get.
    return structuredClone(result);
  }

  async #connect(options: ConnectOptions): Promise<ConnectResult> {
    const { signal } = options;
    this.#assertOpen('connect');
    const base = this.#tunedConfig();
    const overridden = options.overrides !== undefined && options.overrides !== null;
    const config = overridden ? applyOverrides(base.config, options.overrides) : base.config;
    for (;;) {
      this.#assertOpen('connect');
      if (signal?.aborted) throw toAbortError(signal.reason, 'connect');
      const live = this.session;
      if (live) return live;
      const racing = this.#racing;
      if (racing === undefined) break;
      if (!overridden && !racing.overridden && !racing.task.aborted) return { ...(await racing.task.join(signal, 'connect')), reused: true };
      // A race with other settings is running, or an abandoned one (its last caller gave up) is
      // still closing its sockets: let it finish, then reuse its session or race anew. Joining the
      // abandoned one would reject this caller with the other caller's abort.
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
  async closeSession(): Promise<void> {
    await this.#live?.session.close(USER_CLOSED);
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

  /**
   * The tuning the telemetry suggests now for this camera's configured modes: order, start
   * delays and adaptive attempt timeouts (the configured attempt timeout stands in for a mode
   * without samples). With `adaptive` on, every race uses it; otherwise only when applied.
   */
  tuning(): Tuning {
    return deriveTuning(this.#telemetry, this.#now(), {
      modes: this.settings.race.modes,
      defaultAttemptTimeoutMs: Math.max(...Object.values(this.settings.race.attemptTimeoutMs)),
    });
  }

  /** The tuning applied with applyTuning(), if any (a copy: changing it changes nothing). */
  get appliedTuning(): Tuning | null {
    return this.#applied && structuredClone(this.#applied);
  }

  /**
   * Uses `input` (a tuning object or its JSON text, validated: TelemetryFormatError names the
   * field) for every following race until replaced; null goes back to the configured or derived
   * values. Returns the clean copy.
   */
  applyTuning(input: unknown): Tuning | null {
    this.#applied = input === null ? null : validateTuning(input);
    return this.appliedTuning;
  }

  /**
   * Sends an ARTEMIS command (`{"cmdId": cmdId, ...fields, "token": …}`) and resolves with the
   * camera's answer. Connects first if no session is up and logs in lazily with the camera's
   * credentials. Rejects with the ARTEMIS client's typed errors, RaceError, AbortError.
   */
  async command(cmdId: number, fields: JsonObject = {}, options: ArtemisCallOptions = {}): Promise<JsonObject> {
    return this.#tracked(options.signal, (commands) => commands.command(cmdId, fields, options));
  }

  /** Device info (cmdId 512): battery, SD card, firmware, … (see DeviceInfo). */
  async deviceInfo(options: ArtemisCallOptions = {}): Promise<DeviceInfo> {
    return this.#tracked(options.signal, (commands) => commands.deviceInfo(options));
  }

  /** One page of the media list (cmdId 768). */
  async mediaList(request: MediaListRequest = {}, options: ArtemisCallOptions = {}): Promise<MediaListPage> {
    return this.#tracked(options.signal, (commands) => commands.mediaList(request, options));
  }

  /**
   * Runs a command on the live session and counts its outcome (see commandOutcome) for that
   * session. In battery mode no idle close happens while it runs; the idle time restarts at its end.
   */
  async #tracked<T>(signal: AbortSignal | undefined, run: (commands: CameraCommands) => Promise<T>): Promise<T> {
    this.#uses += 1;
    this.#disarmIdle();
    try {
      const commands = await this.#commands(signal);
      const live = this.#live;
      try {
        const result = await run(commands);
        this.#countCommand(live, null);
        return result;
      } catch (err) {
        const outcome = commandOutcome(err);
        if (outcome !== 'neutral') this.#countCommand(live, outcome === 'failed' ? err : null);
        throw err;
      }
    } finally {
      this.#uses -= 1;
      this.#armIdle();
    }
  }

  /** Battery mode: (re)starts the idle close for the live session when nothing uses it. */
  #armIdle(): void {
    this.#disarmIdle();
    const live = this.#live;
    if (!this.onBattery || this.closed || this.#uses > 0 || live === undefined || !live.session.open) return;
    this.#idleTimer = this.#timers.setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#live !== live || this.#uses > 0 || this.closed) return;
      // Session.close never rejects; the end handler below reports `asleep`.
      void live.session.close(IDLE_CLOSED);
    }, this.settings.idleCloseMs);
  }

  #disarmIdle(): void {
    if (this.#idleTimer === undefined) return;
    this.#timers.clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  /** An answer (`failure` null) resets the count, a failure adds one; only for the session still live. */
  #countCommand(live: LiveEntry | undefined, failure: unknown): void {
    if (live === undefined || this.#live !== live || this.closed) return;
    if (failure === null) this.#lastSeen = this.#now();
    const health: CommandHealth =
      failure === null
        ? { consecutiveFailures: 0, lastError: null }
        : { consecutiveFailures: this.#health.consecutiveFailures + 1, lastError: failure instanceof Error ? failure.message : String(failure) };
    this.#setHealth(health);
  }

  #setHealth(health: CommandHealth): void {
    const before = this.#health.consecutiveFailures;
    this.#health = health;
    if (before === 0 && health.consecutiveFailures === 0) return;
    const failures = health.consecutiveFailures;
    const current = this.#availability.state;
    if (this.#live?.session.open && (current === 'online' || current === 'unresponsive')) {
      const unresponsive = failures >= UNRESPONSIVE_AFTER_FAILURES;
      this.#setAvailability(unresponsive ? 'unresponsive' : 'online', this.#live.result.mode, unresponsive ? health.lastError : null);
    } else {
      this.#availability = { ...this.#availability, commandFailures: failures };
    }
    this.emit('commands', this.commandHealth);
  }

  /**
   * Closes everything: aborts a race in flight (its sockets are closed before this resolves),
   * closes the live session. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    const reason = new RuntimeClosedError('close');
    this.#closing = (async () => {
      this.#disarmIdle();
      const monitor = this.#monitor;
      this.#monitor = undefined;
      this.#monitorHolders.clear();
      monitor?.controller.abort(reason);
      const racing = this.#racing;
      racing?.task.abort(reason);
      const live = this.#live;
      this.#live = undefined;
      await Promise.allSettled([monitor?.done, racing?.task.promise, live?.session.close()]);
      this.#setState({ phase: 'closed' });
    })();
    return this.#closing;
  }

  /** The command channel of the live session (connecting first if needed). */
  async #commands(signal: AbortSignal | undefined): Promise<CameraCommands> {
    await this.connect({ signal });
    const live = this.#live;
    if (live === undefined) throw new RuntimeClosedError('command');
    if (live.commands) return live.commands;
    // The camera's wrapper talks after its "ACK" on channel 0 (pppp.md §4): wait for it, but
    // not forever (a camera that never says it may still answer). Rejects if the session ends.
    await live.session.whenReady({ signal, timeoutMs: SESSION_DEFAULTS.readyWaitMs });
    if (live.commands) return live.commands; // another caller got here first
    const commands = new CameraCommands(live.session.transport, this.settings.credentials);
    live.commands = commands;
    return commands;
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
        if (!this.closed) this.#setAvailability('offline', null, 'unreachable');
      }
      if (!this.closed) this.#endUnwon(err);
      throw err;
    }
    this.#record(config, { ok: true, mode: result.mode, elapsedMs: result.elapsedMs, racers: result.racers, atMs: this.#now(), error: null });
    if (this.closed || signal.aborted) {
      // Won, but nobody takes the link: closed meanwhile, or the last caller gave up between the
      // win and here. Not closed: the race ends as an aborted one would, so the state does not stay `racing`.
      await result.link.close();
      if (this.closed) throw new RuntimeClosedError('connect');
      const aborted = toAbortError(signal.reason, 'connect');
      this.#endUnwon(aborted);
      throw aborted;
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
    const live: LiveEntry = { session, result: summary };
    this.#live = live;
    this.#lastSeen = connected;
    session.onEnd((reason) => {
      live.commands?.close();
      if (this.#live === live) {
        this.#live = undefined;
        this.#disarmIdle();
      }
      if (this.closed) return;
      const onPurpose = reason === USER_CLOSED || reason === IDLE_CLOSED;
      if (onPurpose) this.#lastSeen = this.#now();
      // A session the user closed says nothing about the camera's reachability (mains); a battery
      // camera whose session was closed on purpose goes to sleep. A lost session is `offline`.
      if (onPurpose && this.onBattery) this.#setAvailability('asleep', null, reason);
      else if (!onPurpose) this.#setAvailability('offline', null, reason);
      if (this.#state.phase === 'connected') this.#setState({ phase: 'idle', reason });
    });
    this.#setState({ phase: 'connected', mode: result.mode, elapsedMs: result.elapsedMs, since: connected });
    // A new session has a new command channel: earlier failures say nothing about it.
    if (this.#health.consecutiveFailures > 0) {
      this.#health = { consecutiveFailures: 0, lastError: null };
      this.#availability = { ...this.#availability, commandFailures: 0 };
      this.emit('commands', this.commandHealth);
    }
    this.#setAvailability('online', result.mode, null);
    this.#armIdle(); // battery: closed after the idle time even if no caller waits any more
    return summary;
  }

  /**
   * The state after a race that gave no session: `failed` with the reason, or `idle` when its
   * callers gave up (stopMonitor, a node closing, every waiter aborted): nothing failed then, and
   * the nodes do not show a red *aborted*.
   */
  #endUnwon(err: unknown): void {
    if (err instanceof AbortError) this.#setState({ phase: 'idle', reason: null });
    else this.#setState({ phase: 'failed', reason: failureReason(err), since: this.#now() });
  }

  #record(config: RaceConfig, record: RaceRecord): void {
    recordRace(this.#telemetry, { atMs: record.atMs, racers: record.racers, staggerMs: config.staggerMs });
    this.emit('race', record);
    this.emit('telemetry');
  }

  #setAvailability(state: AvailabilityState, mode: Mode | null, reason: string | null): void {
    const commandFailures = this.#health.consecutiveFailures;
    const lastSeen = this.#lastSeen;
    if (this.#availability.state === state) {
      // Same state, newer detail (e.g. offline: closed → unreachable): no new event.
      this.#availability = { ...this.#availability, mode, reason, commandFailures, lastSeen };
      return;
    }
    this.#availability = { state, mode, since: this.#now(), reason, commandFailures, lastSeen };
    this.emit('availability', this.availability);
  }

  #setState(state: RuntimeState): void {
    this.#state = state;
    this.emit('state', state);
  }

  #assertOpen(what: string): void {
    if (this.closed) throw new RuntimeClosedError(what);
  }
}

/** The holder of start/stopMonitor calls that name none. */
const DEFAULT_HOLDER = Symbol('default monitor holder');

/** The reason of a session the user closed (closeSession). */
export const USER_CLOSED = 'closed by the user';

/** The reason of a battery camera's session closed after `idleCloseMs` without use. */
export const IDLE_CLOSED = 'idle: closed so the camera can sleep';

/** The reason of a battery camera's `asleep` before anything needed it. */
export const NOT_NEEDED_YET = 'not needed yet';

/** A short reason for a status line. */
export function failureReason(err: unknown): string {
  if (err instanceof RaceError) return 'unreachable';
  if (err instanceof ConfigError) return `invalid ${err.field}`;
  if (err instanceof AbortError) return 'aborted';
  if (err instanceof TrailcamError) return err.code;
  return err instanceof Error ? err.message : String(err);
}

export type { RaceTuningReport };
