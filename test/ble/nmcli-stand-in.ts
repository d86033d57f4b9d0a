import { chmodSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * A stand-in `nmcli` in a temp dir: records each call's arguments (one line per call, arguments
 * separated by tabs) and behaves as the environment says: STANDIN_ACTIVE_SSID (the active Wi-Fi),
 * STANDIN_REFUSE_CONNECT=1 (connect fails with exit 4 and a NetworkManager-like message that
 * echoes its arguments, password included, to prove the masking), STANDIN_REFUSE_RESCAN=1,
 * STANDIN_HANG=1 (connect sleeps), STANDIN_IGNORE_TERM=1 (connect sleeps and ignores SIGTERM),
 * STANDIN_LANG=de (a German nmcli: ACTIVE says "ja"/"nein" unless LC_ALL=C, as the real one translates it).
 */
export interface NmcliStandIn {
  dir: string;
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  calls(): string[][];
  /** Resolves once the recorded calls satisfy `done` (watches the log: no polling). */
  waitForCalls(done: (calls: string[][]) => boolean): Promise<void>;
  remove(): void;
}

export function createNmcliStandIn(): NmcliStandIn {
  const dir = mkdtempSync(path.join(tmpdir(), 'trailcam-nmcli-'));
  const log = path.join(dir, 'calls.log');
  const script = `#!/bin/sh
for a in "$@"; do printf '%s\\t' "$a" >> "${log}"; done
printf '\\n' >> "${log}"
case "$*" in
  *"wifi list"*)
    Y=yes; N=no; if [ "$STANDIN_LANG" = de ] && [ "$LC_ALL" != C ]; then Y=ja; N=nein; fi
    printf '%s:Neighbour\\\\:5G\\n%s:%s\\n' "$N" "$Y" "$STANDIN_ACTIVE_SSID"; exit 0 ;;
  *"wifi rescan"*) if [ "$STANDIN_REFUSE_RESCAN" = 1 ]; then echo "Error: Scanning not allowed immediately following previous scan." >&2; exit 1; fi; exit 0 ;;
  *"wifi connect"*)
    if [ "$STANDIN_IGNORE_TERM" = 1 ]; then trap '' TERM; exec sleep 30; fi
    if [ "$STANDIN_HANG" = 1 ]; then exec sleep 30; fi
    if [ "$STANDIN_REFUSE_CONNECT" = 1 ]; then echo "Error: Connection activation failed: Secrets were required, but not provided ($*)." >&2; exit 4; fi
    echo "Device 'wlan0' successfully activated"; exit 0 ;;
esac
exit 2
`;
  writeFileSync(path.join(dir, 'nmcli'), script);
  chmodSync(path.join(dir, 'nmcli'), 0o755);
  const calls = (): string[][] =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => l.length > 0)
          .map((l) => l.replace(/\t$/, '').split('\t'))
      : [];
  return {
    dir,
    env: (extra = {}) => ({ ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}`, ...extra }),
    calls,
    waitForCalls: (done) =>
      new Promise<void>((resolve) => {
        const watcher = watch(dir, () => {
          if (done(calls())) {
            watcher.close();
            resolve();
          }
        });
        if (done(calls())) {
          watcher.close();
          resolve();
        }
      }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
