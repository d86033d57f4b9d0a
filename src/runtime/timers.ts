/**
 * The timer functions the camera runtime schedules its own waits with (battery idle close).
 * Injectable so tests drive them with a fake clock while sockets and the session layer keep
 * real time; the default is the global setTimeout/clearTimeout.
 */
export interface RuntimeTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_TIMERS: RuntimeTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
