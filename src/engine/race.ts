import { performance } from 'node:perf_hooks';
import { AbortError, toAbortError } from '../errors';
import { Attempt } from './attempt';
import { answeredWithin, enterRace, FollowerHold, leaderAnswered, othersBusy } from './busy';
import { validateRaceConfig, type RaceConfig, type RaceConfigInput } from './config';
import { RaceError, RacerError, type RacerFailure, type RacerInfo } from './errors';
import { AllFailedError, firstSuccess } from './first-success';
import { Link } from './link';
import { lanRacer } from './racers/lan';
import { p2pRacer } from './racers/p2p';
import type { Racer, RacerContext } from './racers/racer';
import { relayRacer } from './racers/relay';
import { LeaderPunch } from './racers/leader-punch';
import { SourceCounter } from './racers/sources';
import { abortWith, delay, whenAborted } from './signals';
import type { Endpoint, Mode } from './types';

export const RACERS: Readonly<Record<Mode, Racer>> = { lan: lanRacer, p2p: p2pRacer, relay: relayRacer };

/** What a won race gives back. `link` is the caller's: close it (or hand it to a Session). */
export interface RaceResult {
  mode: Mode;
  /** Name of the winning racer (lanConnectThread, p2pConnectThread, relayConnectThread). */
  winner: string;
  elapsedMs: number;
  localPort: number;
  remote: Endpoint;
  destinationPort: number | null;
  racers: RacerInfo[];
  link: Link;
}

export interface RaceOptions {
  signal?: AbortSignal;
  /** Called whenever a racer's state changes (for status displays and telemetry). */
  onUpdate?: (racers: readonly RacerInfo[]) => void;
}

/** Aborts the race when the maximum connection time is reached. */
class DeadlineReached extends Error {
  constructor(readonly ms: number) {
    super(`no racer connected within ${ms} ms`);
  }
}

/**
 * Races the enabled modes in parallel; the first racer to reach the camera wins, the others
 * are aborted and their sockets closed before this resolves. A racer that succeeds after the
 * win has its link closed and is marked `late`. Rejects with ConfigError (bad config, before any
 * socket), AbortError (caller's signal) or RaceError (every racer failed or the maximum
 * connection time passed), which lists every racer's reason.
 */
export async function race(input: RaceConfigInput | RaceConfig, options: RaceOptions = {}): Promise<RaceResult> {
  const config = validateRaceConfig(input);
  const { signal } = options;
  if (signal?.aborted) throw toAbortError(signal.reason, 'race');
  if (config.startupDelayMs > 0) await delay(config.startupDelayMs, signal, 'race start-up delay');
  const run = new RaceRun(config, options);
  try {
    // A race with a hold starts with its first port's direct punch alone, on one bare socket
    // (leader-punch.ts): in a burst it wins before anything else would have started; a race that
    // is not busy starts the rest when its hold opens at the end of this tick, as before.
    const { hold } = run;
    const alone = hold !== undefined && leaderPunchFits(config);
    // The deadline's timer waits for the racers unless the race could end before its hold opens
    // (at the latest attemptTimeoutMs.lan after the punch opened): one timer less per race in a burst.
    if (!alone || config.maxConnectionTimeMs <= config.attemptTimeoutMs.lan) run.armDeadline();
    if (!hold || !alone) return await raceAll(run, undefined);
    const lanIndex = config.modes.indexOf('lan');
    const info = run.infos[lanIndex];
    info.state = 'running';
    run.update();
    const leader = new LeaderPunch(config, info, new SourceCounter(config.host, config.did, info), () => {
      hold.leaderStarted();
      run.update();
    });
    const link = await leaderPhase(leader, hold, signal, (fn) => (run.wake = fn));
    if (!link) {
      try {
        return await raceAll(run, leader);
      } finally {
        await leader.close(); // the adopting probe has closed it or handed it over already; this makes sure on every path
      }
    }
    info.state = 'success';
    info.lanPath = 'direct';
    info.elapsedMs = run.elapsed();
    return run.result(lanIndex, link);
  } finally {
    run.dispose();
  }
}

/**
 * One race's state, shared by race() and raceAll(): its config, hold, racer records and deadline.
 * A class, not the locals of one long async function: a suspended async function keeps every
 * local of its frame, and a race in flight in a burst should hold little (issue 16).
 */
class RaceRun {
  readonly start = performance.now();
  readonly load = enterRace();
  readonly racers: Racer[];
  readonly infos: RacerInfo[];
  /**
   * A busy race (issue 16, busy.ts) holds P2P, relay and the held LAN probes until the LAN punch
   * had its chance. A race that was not busy when it started has a hold too, opened at the end of
   * this tick unless a burst of races started in it (FollowerHold.unlessBusy): its followers start
   * then, all at once as in the vendor library, one loop phase after its first LAN punch.
   */
  readonly hold: FollowerHold | undefined;
  /** The racers' controller (caller's signal and deadline), built when they start: a race won by its leader punch has none. */
  controller: AbortController | undefined;
  /** Set when the deadline passed. */
  reached: DeadlineReached | undefined;
  /** Called when the deadline passes before the racers started (leaderPhase's wake-up). */
  wake: (() => void) | undefined;
  #deadline: NodeJS.Timeout | undefined;

  constructor(
    readonly config: RaceConfig,
    readonly options: RaceOptions,
  ) {
    this.racers = config.modes.map((mode) => RACERS[mode]);
    this.infos = this.racers.map(newInfo);
    this.hold =
      config.host !== null && config.modes.includes('lan')
        ? new FollowerHold(config.probeIntervalMs, config.attemptTimeoutMs.lan, undefined, () => answeredWithin(config.probeIntervalMs))
        : undefined;
    if (!this.load.busy) this.hold?.unlessBusy(othersBusy);
  }

  elapsed(): number {
    return Math.round((performance.now() - this.start) * 10) / 10;
  }

  update(): void {
    this.options.onUpdate?.(this.infos);
  }

  /** Starts the deadline's timer (idempotent), counted from the race's start. */
  armDeadline(): void {
    const { maxConnectionTimeMs } = this.config;
    this.#deadline ??= setTimeout(
      () => {
        this.reached = new DeadlineReached(maxConnectionTimeMs);
        if (this.controller) this.controller.abort(this.reached);
        else this.wake?.();
      },
      Math.max(0, maxConnectionTimeMs - (performance.now() - this.start)),
    );
  }

  /** The result of a won race: the winner's info and link, every racer's info as it ended (those still pending or running lost). */
  result(index: number, link: Link): RaceResult {
    for (const info of this.infos) {
      if (info.state === 'pending' || info.state === 'running') {
        info.state = 'cancelled';
        info.error = 'another racer won';
      }
    }
    this.update();
    const winner = this.infos[index];
    // A busy race won by its first port's punch tells the others that punches are being answered (busy.ts).
    if (this.hold?.startedAt !== undefined && winner.mode === 'lan' && winner.lanPath === 'direct' && winner.destinationPort === this.config.ports[0]) {
      leaderAnswered();
    }
    return {
      mode: winner.mode,
      winner: winner.name,
      elapsedMs: winner.elapsedMs ?? this.elapsed(),
      localPort: link.localPort,
      remote: { ...link.remote },
      destinationPort: winner.destinationPort,
      racers: this.infos.map((info) => ({ ...info })),
      link,
    };
  }

  dispose(): void {
    clearTimeout(this.#deadline);
    this.hold?.dispose();
    this.load.leave();
  }
}

/** Every racer of the race (a busy race's P2P and relay behind the hold); the LAN racer adopts `leader`, the punch that went alone. */
async function raceAll(run: RaceRun, leader: LeaderPunch | undefined): Promise<RaceResult> {
  const { config, hold, racers, infos } = run;
  const { signal } = run.options;
  const controller = (run.controller = new AbortController());
  run.armDeadline();
  const contextFor = (racer: Racer, info: RacerInfo, racerSignal: AbortSignal): RacerContext => ({
    config,
    signal: racerSignal,
    info,
    hold,
    leader: racer.mode === 'lan' ? leader : undefined,
    openAttempt: async (destinationPort, attemptSignal) => {
      if (racer.mode !== 'lan' && hold && !hold.open) await untilOpen(hold, attemptSignal);
      const attempt = await Attempt.open(config.bindAddress, attemptSignal);
      if (racer.mode === 'lan') hold?.leaderStarted();
      info.attempts += 1;
      info.localPort = attempt.localPort;
      info.destinationPort = destinationPort;
      run.update();
      return attempt;
    },
  });

  // A racer's own typed error, also when the deadline ended the race (firstSuccess then reports an abort).
  const racerErrors: (RacerError | undefined)[] = racers.map(() => undefined);
  const startedMs = performance.now() - run.start; // the racers' staggers count from the race's start
  const contenders = racers.map((racer, i) => ({
    delayMs: Math.max(0, config.staggerMs[racer.mode] - startedMs),
    // A busy race's held followers are not started (pending, elapsedMs null, like a stagger): telemetry records them idle.
    gate: racer.mode === 'lan' || !run.load.busy ? undefined : hold,
    start: async (racerSignal: AbortSignal): Promise<Link> => {
      const info = infos[i];
      info.state = 'running';
      run.update();
      try {
        const link = await racer.connect(contextFor(racer, info, racerSignal));
        info.state = 'success';
        return link;
      } catch (err) {
        if (racer.mode === 'lan') hold?.release(); // the LAN racer is out: nothing to wait for
        const reason: unknown = controller.signal.reason;
        if (err instanceof RacerError) racerErrors[i] = err;
        if (reason instanceof DeadlineReached) {
          info.state = 'failed';
          // A racer that knows why it never got through (e.g. every server kept refusing) says so.
          const why = err instanceof RacerError ? `; ${err.message}` : '';
          info.error = `timeout: ${reason.message} (${info.attempts} attempt${info.attempts === 1 ? '' : 's'})${why}`;
        } else if (racerSignal.aborted) {
          info.state = 'cancelled';
          info.error = signal?.aborted ? 'aborted by the caller' : 'another racer won';
        } else {
          info.state = 'failed';
          info.error = err instanceof Error ? err.message : String(err);
        }
        throw err;
      } finally {
        info.elapsedMs = run.elapsed();
        run.update();
      }
    },
  }));

  // The race's controller serves only this race (caller's signal and deadline): firstSuccess runs the racers on it.
  const racing = firstSuccess(
    contenders,
    controller.signal,
    async (late, lateIndex) => {
      infos[lateIndex].state = 'cancelled';
      infos[lateIndex].late = true;
      infos[lateIndex].error = 'succeeded after another racer had won; its link was closed';
      await late.close();
    },
    controller,
  );
  // Linked once the racers run, so a caller's abort or a deadline that ended the leader punch's
  // wait ends them as it would any race (an adopted punch is closed by its probe, with CLOSE).
  const unlink = abortWith(controller, signal);
  if (run.reached) controller.abort(run.reached);
  try {
    const { value: link, index } = await racing;
    return run.result(index, link);
  } catch (err) {
    throw raceFailure(err, controller.signal.reason, signal, infos, run.elapsed(), racerErrors);
  } finally {
    unlink();
  }
}

/**
 * Whether a race can start with a LeaderPunch: a camera address, LAN raced without a
 * stagger, and nothing the first punch would have to do besides punching (no broadcast
 * discovery among the leaders, no session report to the servers after it).
 */
function leaderPunchFits(config: RaceConfig): boolean {
  return (
    config.host !== null &&
    config.modes.includes('lan') &&
    config.staggerMs.lan === 0 &&
    !config.lanDiscovery &&
    !(config.reportSessionReady && config.servers.length > 0)
  );
}

/**
 * A race's wait on its leader punch alone: resolves with the punch's Link when the camera
 * answered it first, or undefined as soon as the hold opens, the punch ended without a win, the
 * caller aborted or the deadline passed (`onDeadline` gets the wake-up; race() then starts every
 * racer, and the LAN racer adopts the punch). Every subscription is dropped when it resolves.
 */
function leaderPhase(
  leader: LeaderPunch,
  hold: FollowerHold,
  signal: AbortSignal | undefined,
  onDeadline: (wake: (() => void) | undefined) => void,
): Promise<Link | undefined> {
  return new Promise((resolve) => {
    let unsubscribe = (): void => undefined;
    let unsubscribeAbort = (): void => undefined;
    const done = (link?: Link): void => {
      leader.onOutcome(undefined);
      unsubscribe();
      unsubscribeAbort();
      onDeadline(undefined);
      resolve(link);
    };
    if (signal) unsubscribeAbort = whenAborted(signal, () => done());
    onDeadline(() => done());
    unsubscribe = hold.whenOpen(() => done());
    leader.onOutcome((outcome) => done(outcome instanceof Link ? outcome : undefined));
  });
}

/** Resolves when the hold opens; rejects with an AbortError when `signal` aborts first (the subscription is dropped). */
function untilOpen(hold: FollowerHold, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(toAbortError(signal.reason, 'held attempt'));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      unsubscribe();
      reject(toAbortError(signal.reason, 'held attempt'));
    };
    const unsubscribe = hold.whenOpen(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function raceFailure(
  err: unknown,
  reason: unknown,
  caller: AbortSignal | undefined,
  infos: RacerInfo[],
  elapsedMs: number,
  racerErrors: readonly (RacerError | undefined)[],
): Error {
  if (caller?.aborted) {
    return err instanceof AbortError ? err : toAbortError(caller.reason, 'race');
  }
  for (const info of infos) {
    if (info.state === 'pending') {
      info.state = reason instanceof DeadlineReached ? 'failed' : 'cancelled';
      info.error = reason instanceof DeadlineReached ? `timeout: never started within ${reason.ms} ms` : 'not started';
    }
  }
  // One RacerError per racer, in racer order: the racer's own when it threw one (unknown-device,
  // not-configured, …), else one built from its final state (a racer ended by the deadline only
  // saw an abort; its reason is the timeout).
  const thrown: unknown[] = err instanceof AllFailedError ? err.errors : [];
  const detailed = infos.map((info, i): RacerError => {
    const own = thrown[i] ?? racerErrors[i];
    if (own instanceof RacerError) return own;
    const failure: RacerFailure = info.error?.startsWith('timeout') ? 'timeout' : info.state === 'cancelled' ? 'aborted' : 'socket-error';
    return new RacerError(info.name, info.mode, failure, info.error ?? info.state, own === undefined ? undefined : { cause: own });
  });
  const headline = reason instanceof DeadlineReached ? reason.message : 'every racer failed';
  const lines = infos.map((info) => `${info.name}: ${info.error ?? info.state}`).join('; ');
  return new RaceError(
    `camera unreachable: ${headline} (${lines})`,
    detailed,
    infos.map((i) => ({ ...i })),
    elapsedMs,
  );
}

function newInfo(racer: Racer): RacerInfo {
  return {
    name: racer.name,
    mode: racer.mode,
    state: 'pending',
    attempts: 0,
    localPort: null,
    destinationPort: null,
    elapsedMs: null,
    error: null,
    ignored: 0,
    sent: 0,
  };
}
