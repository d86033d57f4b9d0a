/** Trial and camera counts of a full and a quick (`--quick`, under a minute on 2 cores) run. */
export const FULL = { trials: 60, cameras: 1000 } as const;
export const QUICK = { trials: 12, cameras: 200 } as const;
