/**
 * The network tier's client host program (run with `ip netns exec NS node dist/test/net/client.js JSON`):
 * races the camera with the library (for what the CLI does not expose, e.g. lanDiscovery), and
 * optionally holds the session: idle for `holdMs` (only keepalives cross the routers), then one
 * echoed DRW transfer of `echoBytes` on the simulated camera's echo channel. Prints one JSON line
 * and exits 0 when connected (and, with a transfer, when every byte came back in order), 1 otherwise.
 */
import { race, RaceError, type RaceConfigInput } from '../../src/engine';
import { Session, type SessionEndReason } from '../../src/session';
import { ECHO_CHANNEL } from '../../src/sim';
import { seededBytes } from '../helpers/fixtures';

export interface ClientJob {
  race: RaceConfigInput;
  /** Keep the session this long before the transfer (ms). */
  holdMs?: number;
  /** Bytes sent on the echo channel after the hold (0 = no session at all). */
  echoBytes?: number;
  /** Race this many times one after another (each link closed at once); the report lists them in `races`. */
  races?: number;
}

export interface ClientReport {
  connected: boolean;
  mode?: string;
  winner?: string;
  elapsedMs?: number;
  error?: string;
  racers?: unknown;
  /** With a transfer: bytes echoed back identical and in order. */
  echoedBytes?: number;
  echoIntact?: boolean;
  sessionEnded?: string;
  stats?: unknown;
}

async function holdAndEcho(session: Session, holdMs: number, bytes: number): Promise<Pick<ClientReport, 'echoedBytes' | 'echoIntact' | 'sessionEnded'>> {
  let ended: SessionEndReason | undefined;
  session.on('end', (reason) => (ended = reason));
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  if (ended) return { echoedBytes: 0, echoIntact: false, sessionEnded: `${ended.kind} ${ended.reason}` };
  const data = seededBytes(bytes, 0x2468ace1);
  const parts: Buffer[] = [];
  let length = 0;
  const back = new Promise<void>((resolve, reject) => {
    session.on('data', (channel, chunk) => {
      if (channel !== ECHO_CHANNEL) return;
      parts.push(chunk);
      length += chunk.length;
      if (length >= bytes) resolve();
    });
    session.on('end', (reason) => reject(new Error(`session ended during the transfer: ${reason.kind} ${reason.reason}`)));
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`echo incomplete after 20 s: ${length}/${bytes} bytes`)), 20_000).unref(),
  );
  await Promise.race([Promise.all([session.send(ECHO_CHANNEL, data), back]), timeout]);
  const echoed = Buffer.concat(parts);
  return { echoedBytes: echoed.length, echoIntact: echoed.equals(data) };
}

async function main(job: ClientJob): Promise<ClientReport> {
  let result;
  try {
    result = await race(job.race);
  } catch (err) {
    if (err instanceof RaceError) return { connected: false, error: err.message, elapsedMs: err.elapsedMs, racers: err.racers };
    throw err;
  }
  const report: ClientReport = { connected: true, mode: result.mode, winner: result.winner, elapsedMs: result.elapsedMs, racers: result.racers };
  if (!job.echoBytes) {
    await result.link.close();
    return report;
  }
  const session = new Session(result.link);
  try {
    Object.assign(report, await holdAndEcho(session, job.holdMs ?? 0, job.echoBytes));
  } catch (err) {
    Object.assign(report, { echoIntact: false, error: (err as Error).message });
  } finally {
    report.stats = session.stats;
    await session.close();
  }
  return report;
}

async function run(job: ClientJob): Promise<ClientReport | { connected: boolean; races: ClientReport[] }> {
  if (job.races === undefined) return main(job);
  const races: ClientReport[] = [];
  for (let i = 0; i < job.races; i += 1) {
    const { racers: _racers, ...report } = await main({ race: job.race });
    races.push(report);
  }
  return { connected: races.every((r) => r.connected), races };
}

if (require.main === module) {
  run(JSON.parse(process.argv[2] ?? '{}') as ClientJob).then(
    (report) => {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      process.exitCode = report.connected && (report as ClientReport).echoIntact !== false ? 0 : 1;
    },
    (err: unknown) => {
      process.stdout.write(`${JSON.stringify({ connected: false, error: err instanceof Error ? err.message : String(err) })}\n`);
      process.exitCode = 1;
    },
  );
}
