/**
 * Telemetry and adaptive tuning: pure arithmetic over race outcomes (no sockets, timers or
 * clocks; time comes in as `atMs`/`nowMs`). The engine records every race with recordRace()
 * and asks deriveTuning() before the next one; Node-RED nodes persist toJSON()/fromJSON() and
 * may feed a user's tuning through validateTuning().
 */
export { MODES, type Mode, type Outcome, type OutcomeResult, type RaceSummary, type RacerSummary, type RacerState } from './types';
export { TelemetryFormatError, UnsupportedVersionError } from './errors';
export { RTT_ALPHA, RTT_BETA, RTT_K, updateRtt, retransmissionTimeoutMs, type RttEstimate } from './rtt';
export { nearestRankPercentile } from './percentile';
export {
  TELEMETRY_DEFAULTS,
  TELEMETRY_LIMITS,
  TUNING_DEFAULTS,
  resolveTelemetryOptions,
  resolveTuningOptions,
  type TelemetryOptions,
  type TuningOptions,
} from './options';
export { type PathStatsJSON, type PathStatsView } from './path-stats';
export { CameraTelemetry, TELEMETRY_VERSION, type TelemetryJSON } from './camera-telemetry';
export { recordRace } from './record-race';
export { breakerStatus, breakerCooldownMs, type BreakerState, type BreakerStatus, type BreakerOptions } from './breaker';
export { deriveTuning, expectedCostMs, attemptTimeoutMs, TUNING_VERSION, type Tuning } from './tuning';
export { validateTuning } from './validate-tuning';
export { summarizeTelemetry, type PathSummary, type TelemetrySummary } from './summary';
