/**
 * Trial and camera counts of a full and a quick (`--quick`) run. The full run (5 runs per scale)
 * took 430 s on 2026-12-04 on 2 cores at a load average of at most 0.82. --quick was last timed
 * on 2 loaded cores (load average ~4): 128 s, of which the NAT scenarios 87 s.
 */
export const FULL = { trials: 60, cameras: 1000, scaleRepeats: 5 } as const;
export const QUICK = { trials: 12, cameras: 200, scaleRepeats: 1 } as const;
