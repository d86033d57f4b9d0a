import { execFile } from 'node:child_process';
import { ConfigError, throwIfAborted, toAbortError } from '../errors';
import { parseMs } from '../engine/config';
import type { HotspotCredentials } from './codec';
import { HotspotError } from './errors';

export const DEFAULT_JOIN_TIMEOUT_MS = 45_000;
/** How long nmcli gets to exit after SIGTERM (abort or timeout) before it is sent SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 2_000;

export interface JoinHotspotOptions {
  credentials: HotspotCredentials;
  /** Wi-Fi interface (nmcli `ifname`); default: NetworkManager chooses. */
  ifname?: string;
  /** Bound of each nmcli call (default 45000; a connect took 5.6 s in the real log). */
  timeoutMs?: unknown;
  signal?: AbortSignal;
  /** After SIGTERM (abort or timeout), how long nmcli gets to exit before SIGKILL (default 2000). */
  killGraceMs?: unknown;
  /** The environment nmcli runs in (its PATH is searched for `nmcli`). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface JoinHotspotResult {
  /** `joined` now, or `already` on it (nothing changed). */
  outcome: 'joined' | 'already';
  ssid: string;
}

/**
 * Joins the camera's hotspot with NetworkManager (Linux): `nmcli -t -f ACTIVE,SSID device wifi list
 * --rescan no` first, and nothing else when that SSID is already active; else `nmcli device wifi
 * rescan` (failure ignored: NetworkManager refuses scans in quick succession) and `nmcli device wifi
 * connect <ssid> password <pwd> bssid <bssid> [ifname <if>]`. Each call is bounded by `timeoutMs`
 * and the signal. HotspotError `missing` (no nmcli), `refused` (nmcli's exit status and stderr, with
 * the password masked) or `timeout`. Called only when asked for: nothing here runs on import.
 *
 * The password is in nmcli's argv for the lifetime of that call (visible to local `ps`), as with
 * pi_trailcam; it never appears in an error message or a result.
 */
export async function joinHotspot(options: JoinHotspotOptions): Promise<JoinHotspotResult> {
  const { credentials } = options;
  const timeoutMs = parseMs('timeoutMs', options.timeoutMs, DEFAULT_JOIN_TIMEOUT_MS, 1, 10 * 60_000);
  const killGraceMs = parseMs('killGraceMs', options.killGraceMs, DEFAULT_KILL_GRACE_MS, 1, 60_000);
  if (options.ifname !== undefined && !/^[A-Za-z0-9_.:-]{1,15}$/.test(options.ifname))
    throw new ConfigError('ifname', options.ifname, 'must be a network interface name such as wlan0');
  throwIfAborted(options.signal, 'hotspot join');
  const run = (args: string[]): Promise<string> => nmcli(args, credentials.password, { timeoutMs, killGraceMs }, options.signal, options.env ?? process.env);

  const active = await run(['-t', '-f', 'ACTIVE,SSID', 'device', 'wifi', 'list', '--rescan', 'no']);
  if (activeSsids(active).includes(credentials.ssid)) return { outcome: 'already', ssid: credentials.ssid };
  await run(['device', 'wifi', 'rescan']).catch((err: unknown) => {
    if (err instanceof HotspotError && err.kind === 'refused') return ''; // "Scanning not allowed immediately following previous scan"
    throw err;
  });
  const args = ['device', 'wifi', 'connect', credentials.ssid, 'password', credentials.password, 'bssid', credentials.bssid];
  if (options.ifname !== undefined) args.push('ifname', options.ifname);
  await run(args);
  return { outcome: 'joined', ssid: credentials.ssid };
}

/** SSIDs marked active in `nmcli -t -f ACTIVE,SSID` output (terse: `:` and `\` in values are backslash-escaped). */
export function activeSsids(terse: string): string[] {
  const out: string[] = [];
  for (const line of terse.split('\n')) {
    const fields = splitTerse(line);
    if (fields.length >= 2 && fields[0] === 'yes') out.push(fields.slice(1).join(':'));
  }
  return out;
}

function splitTerse(line: string): string[] {
  const fields: string[] = [''];
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && i + 1 < line.length) fields[fields.length - 1] += line[++i];
    else if (ch === ':') fields.push('');
    else fields[fields.length - 1] += ch;
  }
  return fields;
}

/**
 * One nmcli call. An abort or the timeout sends the child SIGTERM, and SIGKILL if it has not
 * exited `killGraceMs` later; the call rejects only once the child has exited (execFile's own
 * `signal` option reports the abort at once, while the child may still be running), so whoever
 * awaits the join (a node's close handler) knows that no nmcli process is left.
 */
function nmcli(
  args: string[],
  password: string,
  bounds: { timeoutMs: number; killGraceMs: number },
  signal: AbortSignal | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const { timeoutMs, killGraceMs } = bounds;
  const shown = args.map((a) => (a === password ? '***' : a)).join(' ');
  if (signal?.aborted) return Promise.reject(toAbortError(signal.reason, 'hotspot join'));
  return new Promise<string>((resolve, reject) => {
    let timedOut = false;
    let grace: NodeJS.Timeout | undefined;
    let timeout: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (grace !== undefined) return;
      child.kill('SIGTERM');
      grace = setTimeout(() => child.kill('SIGKILL'), killGraceMs);
    };
    const onAbort = (): void => stop();
    let child: ReturnType<typeof execFile>;
    try {
      // LC_ALL=C: nmcli translates even its terse output (ACTIVE "yes" is "ja" in German), and the
      // check for the active hotspot reads "yes".
      child = execFile('nmcli', args, { env: { ...env, LC_ALL: 'C' }, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
        clearTimeout(timeout);
        clearTimeout(grace);
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) {
          reject(toAbortError(signal.reason, 'hotspot join'));
          return;
        }
        if (!error) {
          resolve(stdout);
          return;
        }
        const e = error as NodeJS.ErrnoException & { code?: unknown };
        if (e.code === 'ENOENT')
          reject(
            new HotspotError(
              'missing',
              "nmcli (NetworkManager) was not found on PATH: install NetworkManager (sudo apt-get install network-manager) or join the camera's Wi-Fi yourself",
            ),
          );
        else if (timedOut) reject(new HotspotError('timeout', `nmcli ${shown} did not finish within ${timeoutMs} ms`));
        else {
          const detail = mask(String(stderr || stdout).trim(), password).slice(0, 500) || 'no message';
          reject(new HotspotError('refused', `nmcli ${shown} failed (exit ${String(e.code)}): ${detail}`));
        }
      });
    } catch (err) {
      // execFile throws at once for an argument it cannot pass (a NUL byte). Its message quotes
      // that argument (the password, maybe), so only its code is shown; no timer is armed yet.
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      reject(new HotspotError('refused', `nmcli ${shown} could not start (${code}): an argument cannot be passed to a program`));
      return;
    }
    timeout = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function mask(text: string, password: string): string {
  return password ? text.split(password).join('***') : text;
}
