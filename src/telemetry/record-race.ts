import type { CameraTelemetry } from './camera-telemetry';
import type { OutcomeResult, RaceSummary, RacerState } from './types';

const RESULT_OF_STATE: Readonly<Partial<Record<RacerState, OutcomeResult>>> = {
  success: 'win',
  failed: 'fail',
  cancelled: 'cancelled',
};

/**
 * Records every racer of a finished race: `success` → win (a time-to-connect sample),
 * `failed` → failure, `cancelled` → cancellation (no sample). A racer cancelled before it
 * started (elapsedMs null: the race ended during its stagger) is recorded as idle. Racers still
 * `pending` or `running`, and failed ones that never started, teach nothing and are skipped.
 * Each racer's stagger (`summary.staggerMs[mode]`) is subtracted from its elapsedMs, since the
 * engine measures from the race start. Only a winner's `destinationPort` is kept per port:
 * for a loser it is merely the latest port tried, which says nothing about the others.
 */
export function recordRace(telemetry: CameraTelemetry, summary: RaceSummary): void {
  for (const racer of summary.racers) {
    const result = RESULT_OF_STATE[racer.state];
    if (result === 'cancelled' && racer.elapsedMs === null) telemetry.recordIdle(racer.mode);
    if (result === undefined || racer.elapsedMs === null) continue;
    const waitedMs = summary.staggerMs?.[racer.mode] ?? 0;
    const port = result === 'win' && racer.destinationPort != null ? { destinationPort: racer.destinationPort } : {};
    telemetry.record({
      mode: racer.mode,
      result,
      elapsedMs: Math.max(0, racer.elapsedMs - waitedMs),
      atMs: summary.atMs,
      ...port,
    });
  }
}
