import { resolve } from 'node:path';
import { runIn, type Run } from '../../bench/testbed/hosts';

/** dist/test/net/client.js (this file is dist/test/net/client-host.js). */
export const CLIENT = resolve(__dirname, 'client.js');

/** dist/test/net/client.js with a job (library race, optional held session), in namespace `ns`. */
export function raceClient(ns: string, job: unknown, timeoutMs = 120_000): Promise<Run> {
  return runIn(ns, [CLIENT, JSON.stringify(job)], timeoutMs);
}
