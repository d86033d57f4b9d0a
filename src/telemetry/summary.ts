import { breakerStatus, type BreakerState } from './breaker';
import type { CameraTelemetry } from './camera-telemetry';
import { readNumber } from './fields';
import { resolveTuningOptions, type TuningOptions } from './options';
import type { PathStatsView } from './path-stats';
import { retransmissionTimeoutMs } from './rtt';
import type { Mode } from './types';

/** Figures of one mode or LAN port, ready for a Node-RED status or msg.payload. */
export interface PathSummary {
  wins: number;
  failures: number;
  cancellations: number;
  /** Laplace estimate over decayed wins/failures (0.5 without history). */
  successRate: number;
  srttMs: number | null;
  rttvarMs: number | null;
  /** SRTT + 4·RTTVAR, unclamped. */
  rtoMs: number | null;
  /** Nearest-rank percentiles of the sample window. */
  p50Ms: number | null;
  p95Ms: number | null;
  samples: number;
  consecutiveFailures: number;
  lastSuccessAtMs: number | null;
  lastFailureAtMs: number | null;
}

export interface TelemetrySummary {
  modes: Record<Mode, PathSummary & { breaker: BreakerState }>;
  lanPorts: Array<PathSummary & { port: number }>;
}

/** A read-only digest of a camera's telemetry at `nowMs` (breaker states use the tuning options). */
export function summarizeTelemetry(telemetry: CameraTelemetry, nowMs: number, options: Partial<TuningOptions> = {}): TelemetrySummary {
  const opts = resolveTuningOptions(options);
  const now = readNumber(nowMs, 'nowMs');
  const modeSummary = (mode: Mode): PathSummary & { breaker: BreakerState } => ({
    ...summarizePath(telemetry.mode(mode), now),
    breaker: opts.breaker ? breakerStatus(telemetry.mode(mode), now, opts).state : 'closed',
  });
  const modes = { lan: modeSummary('lan'), p2p: modeSummary('p2p'), relay: modeSummary('relay') };
  const lanPorts = telemetry.lanPorts().flatMap((port) => {
    const stats = telemetry.lanPort(port);
    return stats === undefined ? [] : [{ port, ...summarizePath(stats, now) }];
  });
  return { modes, lanPorts };
}

function summarizePath(stats: PathStatsView, nowMs: number): PathSummary {
  const rtt = stats.rtt;
  return {
    wins: stats.wins,
    failures: stats.failures,
    cancellations: stats.cancellations,
    successRate: stats.successRate(nowMs),
    srttMs: rtt?.srttMs ?? null,
    rttvarMs: rtt?.rttvarMs ?? null,
    rtoMs: rtt === null ? null : retransmissionTimeoutMs(rtt),
    p50Ms: stats.percentileMs(50),
    p95Ms: stats.percentileMs(95),
    samples: stats.samplesMs.length,
    consecutiveFailures: stats.consecutiveFailures,
    lastSuccessAtMs: stats.lastSuccessAtMs,
    lastFailureAtMs: stats.lastFailureAtMs,
  };
}
