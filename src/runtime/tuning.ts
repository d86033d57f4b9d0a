import type { Mode, RaceConfig } from '../engine';
import type { Tuning } from '../telemetry';

/** Where the tuning of a race came from. */
export type TuningSource = 'applied' | 'derived' | 'none';

/** What a race actually used (reported in every connect result). */
export interface RaceTuningReport {
  source: TuningSource;
  /** Modes raced, in start order. */
  modes: Mode[];
  attemptTimeoutMs: Record<Mode, number>;
  staggerMs: Record<Mode, number>;
  /** LAN destination ports in the order they were tried. */
  ports: number[];
}

/**
 * Applies a tuning object to a race config (pure): the configured modes in the tuning's order
 * without the skipped ones (but never none: if every configured mode is skipped, all of them
 * race), the tuning's per-mode attempt timeouts and start delays, and the LAN ports that have
 * won first (only ports the config lists; the others follow in configured order).
 */
export function tuneRaceConfig(config: RaceConfig, tuning: Tuning): RaceConfig {
  const ordered = [...tuning.order.filter((mode) => config.modes.includes(mode)), ...config.modes.filter((mode) => !tuning.order.includes(mode))];
  const raced = ordered.filter((mode) => !tuning.skip.includes(mode));
  const preferred = (tuning.lanPortOrder ?? []).filter((port) => config.ports.includes(port));
  return {
    ...config,
    modes: raced.length > 0 ? raced : ordered,
    attemptTimeoutMs: { ...tuning.attemptTimeoutMs },
    staggerMs: { ...tuning.staggerMs },
    ports: [...preferred, ...config.ports.filter((port) => !preferred.includes(port))],
  };
}

/** The part of a race config a result reports. */
export function reportTuning(config: RaceConfig, source: TuningSource): RaceTuningReport {
  return {
    source,
    modes: [...config.modes],
    attemptTimeoutMs: { ...config.attemptTimeoutMs },
    staggerMs: { ...config.staggerMs },
    ports: [...config.ports],
  };
}
