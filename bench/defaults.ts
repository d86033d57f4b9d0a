/**
 * Trial and camera counts of a full and a quick (`--quick`) run. Measured on 2 loaded cores
 * (load average ~4): --quick 128 s, of which the NAT scenarios 87 s; the full run 383 s, of which
 * the NAT scenarios 256 s.
 */
export const FULL = { trials: 60, cameras: 1000, scaleRepeats: 5 } as const;
export const QUICK = { trials: 12, cameras: 200, scaleRepeats: 1 } as const;
