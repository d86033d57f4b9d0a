/**
 * A probe for the keyed internet loss (test/net/internet-loss.test.ts), run in the client's
 * namespace: sends `count` datagrams (0xf1 0x20 …, a P2P_REQ's first bytes) from one fresh
 * socket to `target`, one at a time, and after each one's send callback reads natcli's egress
 * drop counter. The drop happens inside the send, in the sending namespace's router, so the
 * counter tells which datagrams were dropped. Prints `{"port": N, "dropped": [true, false, …]}`
 * (the socket's port).
 */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';

export interface ProbeJob {
  host: string;
  port: number;
  count: number;
  /** natcli's namespace name. */
  router: string;
}

function dropCounter(router: string): number {
  const listing = execFileSync('ip', ['netns', 'exec', router, 'nft', 'list', 'table', 'netdev', 'keyedloss'], { encoding: 'utf8' });
  const match = /counter packets (\d+)/.exec(listing);
  if (!match) throw new Error(`no drop counter in natcli's keyedloss table: ${listing}`);
  return Number(match[1]);
}

async function probe(job: ProbeJob): Promise<{ port: number; dropped: boolean[] }> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((done) => socket.bind(0, done));
    const dropped: boolean[] = [];
    let before = dropCounter(job.router);
    for (let i = 0; i < job.count; i += 1) {
      await new Promise<void>((done, fail) =>
        socket.send(Buffer.from([0xf1, 0x20, 0x00, 0x04, i & 0xff, 0, 0, 0]), job.port, job.host, (err) => (err ? fail(err) : done())),
      );
      const after = dropCounter(job.router);
      dropped.push(after > before);
      before = after;
    }
    return { port: socket.address().port, dropped };
  } finally {
    socket.close();
  }
}

if (require.main === module) {
  probe(JSON.parse(process.argv[2] ?? '') as ProbeJob).then(
    (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
    (err: unknown) => {
      process.stdout.write(`${JSON.stringify({ error: String(err) })}\n`);
      process.exitCode = 1;
    },
  );
}
