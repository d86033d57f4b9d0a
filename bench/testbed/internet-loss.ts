import { execFile } from 'node:child_process';

/**
 * UDP loss on the bed's two internet links (natcli ↔ inet and natcam ↔ inet), each direction,
 * in one of two ways:
 *
 * - **random** (`runKey` undefined): nftables `numgen random` in the internet router, drawn anew
 *   for every datagram. The network test tier uses it: its races are independent.
 * - **keyed** (`runKey` a number): the benchmark begins every run of a trial (cold race, warm
 *   race, oracle steps) with the trial's key, so those runs meet the same losses where they send
 *   the same datagrams (common random numbers, as the loopback simulator's keyed paths do).
 *   A datagram's fate is then a hash of the run key and of where it sits: the link and
 *   direction, the flow's remote end that is the same in every run (a server's address and
 *   port, the camera's public address and port, the client's public address; never the
 *   client's own port, which the OS picks anew for every socket), its message type (the first
 *   two payload bytes, pppp.md §3) and its index in its conntrack flow and direction.
 *
 *   That key cannot tell a run's sockets to one remote end apart, so only the **first** flow of a
 *   run to each remote end and first message type is keyed; a later one (a retry from a fresh
 *   socket) meets loss drawn at random, as independent sockets do on a real network. Keying
 *   every flow made each fresh socket repeat the first one's losses: a dropped first request
 *   was dropped on every retry socket (one warm race took 19 s). Flows older than the run (the
 *   camera's registration with the server) are keyed too, with the routers' conntrack counters
 *   zeroed at the start of every run, so they count from the run's start.
 *
 * How keyed loss is built. nftables has no `ct` in the netdev family, and a datagram dropped
 * before conntrack confirms its new flow leaves no flow, so its retry would count as the first
 * again and meet the same fate for ever. So in each router's `inet keyedloss` table: the first
 * datagram of a new flow marks it first (ct mark FIRST_FLOW, its key added to a set of first
 * keys, which every run starts empty) or later (ct mark LATER_FLOW); a postrouting rule sets the packet
 * mark to the draw (`jhash … mod 100 offset MARK_BASE`, or `numgen random` for a later flow);
 * conntrack confirms the flow; and the netdev egress hook of the link's device drops marks below
 * MARK_BASE + percent. A packet mark never leaves its namespace (the kernel clears it when a
 * packet crosses a veth into another one). Needs conntrack accounting (nf_conntrack_acct=1, set by the bed).
 */

/** The three routers whose links carry internet loss (namespace names), and the client's public address. */
export interface LossRouters {
  natcam: string;
  natcli: string;
  inet: string;
  /** natcli's wan address: what the camera side sees of the client. */
  clientPublic: string;
}

/** One command to run in a namespace. */
export interface LossStep {
  ns: string;
  command: 'nft' | 'conntrack';
  args: string[];
  input?: string;
}

/** Marks in [MARK_BASE, MARK_BASE + 100) carry a keyed draw; nothing else in the bed sets a mark. */
export const MARK_BASE = 0x4c000000;

/** A 32-bit seed per run key and rule (an integer mix; jhash does the rest). */
export function lossSeed(runKey: number, rule: number): number {
  let h = Math.imul((runKey | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(rule + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

/** `add` then `delete` makes the delete succeed whether or not the table existed. */
export function replaceTable(family: string, name: string, body: string | null): string {
  return `add table ${family} ${name}\ndelete table ${family} ${name}\n${body === null ? '' : `table ${family} ${name} {\n${body}\n}\n`}`;
}

/** The payload's first two bytes: 0xf1 and the message type (pppp.md §3). */
const TYPE = '@th,64,16';

/**
 * Datagrams that pass one device: `match` picks them ('' for all), `remote` is the part of the
 * datagram that names the same remote end in every run.
 */
interface Via {
  device: string;
  match: string;
  remote: string;
}

/** ct marks of a run's flows: the first to its remote end and first message type, or a later one. */
export const FIRST_FLOW = 1;
export const LATER_FLOW = 2;

/**
 * The rules that mark a new flow first or later (its key: remote end and the type of its first
 * datagram), with the set `set` of this run's first keys.
 */
function classify(hook: 'iifname' | 'oifname', { device, match, remote }: Via, set: string): string[] {
  const key = `${remote} . ${TYPE}`;
  // ct mark 0: not classified yet. (Not `ct state new`: that holds for every datagram of a flow
  // until the first reply.) A flow older than keyed loss is classified by its next datagram.
  const at = `${hook} "${device}" meta l4proto udp ${match}ct mark 0`;
  return [`${at} ${key} @${set} ct mark set ${LATER_FLOW}`, `${at} ${key} != @${set} add @${set} { ${key} } ct mark set ${FIRST_FLOW}`];
}

/**
 * One router's keyed loss: the set of first flows, the rules that classify new flows (datagrams
 * `leaving` by a device in postrouting, `arriving` for the router's own servers in input), the
 * draws (keyed per conntrack direction, each with a seed of its own; random for a later flow)
 * and the egress drop on each device the datagrams leave by.
 */
function keyedTables(leaving: readonly Via[], arriving: readonly Via[], runKey: number, router: number, percent: number): string {
  const draws = leaving.flatMap((via, i) => {
    const at = `oifname "${via.device}" meta l4proto udp ${via.match}`;
    return [
      `${at}ct mark ${LATER_FLOW} meta mark set numgen random mod 100 offset ${MARK_BASE}`,
      ...(['original', 'reply'] as const).map((direction, d) => {
        const seed = lossSeed(runKey, 100 * router + 2 * i + d);
        return `${at}ct mark != ${LATER_FLOW} ct direction ${direction} meta mark set jhash ct ${direction} packets . ${via.remote} . ${TYPE} mod 100 seed 0x${seed.toString(16)} offset ${MARK_BASE}`;
      }),
    ];
  });
  const chain = (name: string, hook: string, rules: readonly string[]): string =>
    `chain ${name} {\ntype filter hook ${hook} priority 300; policy accept;\n${rules.join('\n')}\n}`;
  const devices = [...new Set(leaving.map((l) => l.device))];
  const drops = devices.map(
    (device) =>
      `chain ${device} { type filter hook egress device "${device}" priority filter; policy accept; meta mark ${MARK_BASE}-${MARK_BASE + percent - 1} counter drop; }`,
  );
  // One set of first keys per kind of datagram, named after its place in `leaving` or `arriving`.
  const sets = [...leaving.map((via, i) => ({ via, name: `firsts_out${i}` })), ...arriving.map((via, i) => ({ via, name: `firsts_in${i}` }))];
  const body = [
    ...sets.map(({ via, name }) => `set ${name} { typeof ${via.remote} . ${TYPE}; flags dynamic; size 65536; }`),
    chain('post', 'postrouting', [...leaving.flatMap((via, i) => classify('oifname', via, `firsts_out${i}`)), ...draws]),
    ...(arriving.length > 0
      ? [
          chain(
            'input',
            'input',
            arriving.flatMap((via, i) => classify('iifname', via, `firsts_in${i}`)),
          ),
        ]
      : []),
  ];
  return replaceTable('inet', 'keyedloss', body.join('\n')) + replaceTable('netdev', 'keyedloss', drops.join('\n'));
}

/** Before conntrack (priority raw - 100), so a dropped datagram leaves no state behind. */
function randomTable(percent: number): string {
  return replaceTable(
    'inet',
    'loss',
    percent === 0
      ? null
      : [
          `chain inbound { type filter hook prerouting priority -400; policy accept; iifname { "tocam", "tocli" } meta l4proto udp numgen random mod 100 < ${percent} drop; }`,
          `chain outbound { type filter hook postrouting priority 400; policy accept; oifname { "tocam", "tocli" } meta l4proto udp numgen random mod 100 < ${percent} drop; }`,
        ].join('\n'),
  );
}

const NO_KEYED = replaceTable('inet', 'keyedloss', null) + replaceTable('netdev', 'keyedloss', null);

/** Throws RangeError unless `percent` is an integer 0-100 and `runKey` (if given) a safe integer. */
export function checkLoss(percent: number, runKey?: number): void {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new RangeError(`loss must be 0-100 %, got ${percent}`);
  if (runKey !== undefined && !Number.isSafeInteger(runKey)) throw new RangeError(`loss run key must be an integer, got ${runKey}`);
}

/**
 * The commands that set the loss: random (`runKey` undefined) or keyed by `runKey`; percent 0
 * removes both kinds. Each kind's steps remove the other kind's tables.
 */
export function internetLossSteps(routers: LossRouters, percent: number, runKey?: number): LossStep[] {
  checkLoss(percent, runKey);
  const nft = (ns: string, script: string): LossStep => ({ ns, command: 'nft', args: ['-f', '-'], input: script });
  if (runKey === undefined || percent === 0) {
    return [nft(routers.inet, randomTable(percent) + NO_KEYED), nft(routers.natcam, NO_KEYED), nft(routers.natcli, NO_KEYED)];
  }
  const cli = routers.clientPublic;
  const zero = (ns: string): LossStep => ({ ns, command: 'conntrack', args: ['-L', '-z'] });
  // Towards a server (its address and port are the remote end), as the client's router, the
  // camera's router and the internet router's own servers see it.
  const toServer = (device: string, match = ''): Via => ({ device, match, remote: 'ip daddr . udp dport' });
  return [
    // Leaving the client's router: the destination is the remote end.
    nft(routers.natcli, keyedTables([toServer('wan')], [], runKey, 1, percent)),
    // Leaving the camera's router: towards the client, the camera's own public port names the
    // flow (the client's port is new in every run); towards a server, the server's address and port.
    nft(
      routers.natcam,
      keyedTables(
        [{ device: 'wan', match: `ip daddr ${cli} `, remote: 'ip daddr . udp sport' }, toServer('wan', `ip daddr != ${cli} `)],
        [],
        runKey,
        2,
        percent,
      ),
    ),
    // Leaving the internet router: towards the client, the sender is the remote end; towards the
    // camera, the camera's port when the client sent it, else the sending server. Flows to its
    // own servers are classified where they arrive.
    nft(
      routers.inet,
      randomTable(0) +
        keyedTables(
          [
            { device: 'tocli', match: '', remote: 'ip saddr . udp sport' },
            { device: 'tocam', match: `ip saddr ${cli} `, remote: 'ip saddr . udp dport' },
            { device: 'tocam', match: `ip saddr != ${cli} `, remote: 'ip saddr . udp sport' },
          ],
          [toServer('tocli'), toServer('tocam')],
          runKey,
          3,
          percent,
        ),
    ),
    zero(routers.natcli),
    zero(routers.natcam),
    zero(routers.inet),
  ];
}

/** Runs the steps (each `ip netns exec NS COMMAND …`), one namespace's in order, different namespaces' at once. */
export async function applyLossSteps(steps: readonly LossStep[], signal?: AbortSignal): Promise<void> {
  const byNs = new Map<string, LossStep[]>();
  for (const step of steps) byNs.set(step.ns, [...(byNs.get(step.ns) ?? []), step]);
  await Promise.all(
    [...byNs.values()].map(async (list) => {
      for (const step of list) await execStep(step, signal);
    }),
  );
}

function execStep(step: LossStep, signal?: AbortSignal): Promise<void> {
  const line = `ip netns exec ${step.ns} ${step.command} ${step.args.join(' ')}`;
  return new Promise((done, fail) => {
    // `conntrack -L -z` prints every flow while it zeroes their counters: a large buffer for a busy bed.
    const child = execFile(
      'ip',
      ['netns', 'exec', step.ns, step.command, ...step.args],
      { timeout: 10_000, signal, maxBuffer: 64 * 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (err) fail(new Error(`internet loss: \`${line}\` failed: ${err.message.trim()} ${stderr.trim()}`.trim()));
        else done();
      },
    );
    // A command that exits before reading its input (or fails at once) closes the pipe: the EPIPE
    // of this write is no failure of its own (the exit status above reports the command's), and
    // unheard it would crash the process (it did: nat-client, scenario 10, in a quick run).
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(step.input ?? '');
  });
}
