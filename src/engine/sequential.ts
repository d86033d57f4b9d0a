import { performance } from 'node:perf_hooks';
import { toAbortError } from '../errors';
import { validateRaceConfig, type RaceConfig, type RaceConfigInput } from './config';
import { RaceError, type RacerInfo } from './errors';
import { race, type RaceResult } from './race';
import type { Mode } from './types';

/** The seed's fixed per-attempt timeout ("Attempt 1: port=40611 → Timeout (5s)"). */
export const SEQUENTIAL_ATTEMPT_TIMEOUT_MS = 5_000;

/**
 * The seed's "before" behaviour, kept ONLY as the benchmark baseline: modes one after another
 * (lan, p2p, relay), LAN destination ports one after another, one attempt each with a fixed
 * timeout. Each step is a one-racer, one-port race, so the baseline uses exactly the same
 * handshakes as the engine and differs only in strategy.
 */
export async function sequentialRace(
  input: RaceConfigInput | RaceConfig,
  options: { signal?: AbortSignal; attemptTimeoutMs?: number } = {},
): Promise<RaceResult> {
  const config = validateRaceConfig(input);
  const timeout = options.attemptTimeoutMs ?? SEQUENTIAL_ATTEMPT_TIMEOUT_MS;
  const start = performance.now();
  const steps = config.modes.flatMap((mode): { mode: Mode; ports: number[] }[] =>
    mode === 'lan' ? config.ports.map((port) => ({ mode, ports: [port] })) : [{ mode, ports: config.ports }],
  );
  const history: RacerInfo[] = [];
  for (const step of steps) {
    if (options.signal?.aborted) throw toAbortError(options.signal.reason, 'sequential race');
    if (performance.now() - start >= config.maxConnectionTimeMs) break;
    try {
      const result = await race(
        { ...config, modes: [step.mode], ports: step.ports, attemptTimeoutMs: timeout, maxConnectionTimeMs: timeout, staggerMs: undefined, startupDelayMs: 0 },
        { signal: options.signal },
      );
      return { ...result, elapsedMs: Math.round(performance.now() - start), racers: [...history, ...result.racers] };
    } catch (err) {
      if (!(err instanceof RaceError)) throw err;
      history.push(...err.racers);
    }
  }
  const elapsedMs = Math.round(performance.now() - start);
  throw new RaceError(`camera unreachable: the sequential baseline tried ${history.length} steps`, [], history, elapsedMs);
}
