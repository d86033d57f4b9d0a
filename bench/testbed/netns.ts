import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Linux network namespaces for the network test tier: names unique per run, every namespace
 * (and every process started in one) released on every path — `release()` from the tests'
 * `after`, and a synchronous sweep on exit, SIGINT and SIGTERM of the test process. A run that
 * was killed (SIGKILL) leaves its namespaces behind; the next run's `sweepStale()` deletes every
 * namespace with this prefix whose creating process is gone.
 *
 * Nothing here ever touches the root namespace's interfaces: links are created inside a test
 * namespace (`ip -n NS link add … peer … netns OTHER`), so a test bed can never be connected to
 * the host's own network.
 */

/** Prefix of every namespace this tier creates: tcN<pid>.<process start time>-<host>. */
export const NETNS_PREFIX = 'tcN';

const NAME_PATTERN = new RegExp(`^${NETNS_PREFIX}(\\d+)\\.(\\d+)-`);

/**
 * The start time of a live process (clock ticks since boot, /proc/PID/stat field 22), or null if
 * it is gone or a zombie (a SIGKILLed run whose parent has not reaped it yet is dead too).
 */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** This run's namespace name prefix: pid and start time, so a reused pid never claims old namespaces. */
export const RUN_PREFIX = `${NETNS_PREFIX}${process.pid}.${processStartTime(process.pid) ?? '0'}-`;

/** Thrown when a command of the test bed fails: names the command and its output. */
export class NetCommandError extends Error {
  constructor(
    readonly command: string,
    readonly status: number | null,
    readonly output: string,
  ) {
    super(`network test bed: \`${command}\` failed (exit ${status ?? 'signal'}): ${output.trim() || '(no output)'}`);
    this.name = 'NetCommandError';
  }
}

/** Runs a command synchronously (10 s limit); returns stdout, throws NetCommandError on failure. */
export function sh(command: string, args: readonly string[], input?: string): string {
  // A large buffer: `conntrack -L` (listing, or zeroing the counters) prints every flow of a busy bed.
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000, input, maxBuffer: 64 * 1024 * 1024 });
  const line = [command, ...args].join(' ');
  if (result.error) throw new NetCommandError(line, null, result.error.message);
  if (result.status !== 0) throw new NetCommandError(line, result.status, `${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** Runs `args` inside namespace `ns` (ip netns exec). */
export function inNs(ns: string, command: string, args: readonly string[], input?: string): string {
  return sh('ip', ['netns', 'exec', ns, command, ...args], input);
}

/** Every namespace name on this machine (`ip netns list` prints "name (id: N)"). */
export function listNamespaces(): string[] {
  return sh('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((name): name is string => name !== undefined && name !== '');
}

/** Kills every process inside `ns` (only test-bed processes run there), then deletes it. */
function deleteNamespace(ns: string): void {
  let pids: number[] = [];
  try {
    pids = sh('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // The namespace may already be gone.
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already exited.
    }
  }
  spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
}

const created = new Set<string>();

/** Creates a namespace of this run (name = RUN_PREFIX + host) with `lo` up; released by release(). */
export function addNamespace(host: string): string {
  const ns = `${RUN_PREFIX}${host}`;
  installExitSweep();
  created.add(ns);
  sh('ip', ['netns', 'add', ns]);
  sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  return ns;
}

/** Deletes the given namespaces of this run (default: all of them), killing what runs inside. */
export function release(namespaces: Iterable<string> = [...created]): void {
  for (const ns of [...namespaces]) {
    deleteNamespace(ns);
    created.delete(ns);
  }
}

/**
 * Deletes every namespace with NETNS_PREFIX whose creating process is gone (or is another
 * process with a reused pid). Namespaces of live runs, including concurrent CI runs, are kept.
 * Returns the names it deleted.
 */
export function sweepStale(): string[] {
  const stale = listNamespaces().filter((ns) => {
    const match = NAME_PATTERN.exec(ns);
    if (!match) return false;
    return processStartTime(Number(match[1])) !== match[2];
  });
  for (const ns of stale) deleteNamespace(ns);
  return stale;
}

let sweepInstalled = false;

/** On exit, SIGINT and SIGTERM of this process: release every namespace of this run, synchronously. */
function installExitSweep(): void {
  if (sweepInstalled) return;
  sweepInstalled = true;
  process.on('exit', () => release());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      release();
      process.removeListener(signal, onSignal);
      // Keep the signal's default meaning (end the process) unless someone else handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** The Debian package that provides each tool the bed needs. */
const TOOLS = [
  ['ip', ['netns', 'list'], 'iproute2'],
  ['nft', ['--version'], 'nftables'],
  ['conntrack', ['--version'], 'conntrack'],
] as const;

/**
 * Everything this machine lacks for the test bed, one entry each (empty when it can run):
 * root, and each of `ip netns`, `nft`, `conntrack` that does not work, with the package to install.
 */
export function missingRequirements(): string[] {
  if (process.platform !== 'linux') return [`Linux network namespaces (this is ${process.platform})`];
  const missing: string[] = [];
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  if (uid !== 0) missing.push(`root (running as uid ${uid ?? 'unknown'})`);
  for (const [tool, args, pkg] of TOOLS) {
    const result = spawnSync(tool, args, { encoding: 'utf8', timeout: 10_000 });
    if (result.error || result.status !== 0) {
      missing.push(`a working \`${tool} ${args.join(' ')}\` (${result.error?.message ?? result.stderr.trim()}; package ${pkg})`);
    }
  }
  return missing;
}

/** Why this machine cannot run the bed (null when it can): "needs A + B + …", naming only what is missing. */
export function unavailableReason(): string | null {
  const missing = missingRequirements();
  return missing.length === 0 ? null : `needs ${missing.join(' + ')}`;
}
