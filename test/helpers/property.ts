import type { Parameters } from 'fast-check';

/**
 * The options every fast-check property in the suite passes to fc.assert, so that
 *
 * - the normal run (`npm test`) is deterministic: one fixed seed, the given number of runs;
 * - a failure names what to replay: fast-check's error starts with `{ seed: …, path: "…" }`, and
 *   `TRAILCAM_SEED=<seed> TRAILCAM_PATH=<path>` replays exactly that counterexample;
 * - `npm run test:fuzz` (TRAILCAM_FUZZ=1) hunts for bugs instead: a fresh random seed per property
 *   and TRAILCAM_FUZZ_RUNS (default 20) times as many runs.
 *
 * `nested` is for a property run inside another property's predicate: it keeps its run count in
 * fuzz mode (the outer property is already scaled).
 */
export function propertyOptions<Ts = unknown>(numRuns = 100, { nested = false }: { nested?: boolean } = {}): Parameters<Ts> {
  const env = process.env;
  const fuzz = env.TRAILCAM_FUZZ === '1';
  const scale = fuzz && !nested ? positiveInteger('TRAILCAM_FUZZ_RUNS', env.TRAILCAM_FUZZ_RUNS ?? '20') : 1;
  const seed = env.TRAILCAM_SEED !== undefined ? integer('TRAILCAM_SEED', env.TRAILCAM_SEED) : fuzz ? undefined : PROPERTY_SEED;
  return {
    numRuns: numRuns * scale,
    ...(seed === undefined ? {} : { seed }),
    ...(env.TRAILCAM_PATH ? { path: env.TRAILCAM_PATH } : {}),
  };
}

/** The seed of the normal run (any fixed value: what matters is that it never changes by itself). */
export const PROPERTY_SEED = 20_261_202;

function integer(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got "${text}"`);
  return value;
}

function positiveInteger(name: string, text: string): number {
  const value = integer(name, text);
  if (value < 1) throw new Error(`${name} must be at least 1, got "${text}"`);
  return value;
}
