import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AbortError, ConfigError } from '../../src/errors';
import { activeSsids, HotspotError, joinHotspot } from '../../src/ble';
import { createNmcliStandIn, type NmcliStandIn } from './nmcli-stand-in';
import { settledHandles } from '../helpers/udp';

const CREDENTIALS = { ssid: 'KJK_E0FF', bssid: '1C:4E:A2:92:E0:FF', password: '85087127' };

describe('ble: joinHotspot with a stand-in nmcli', () => {
  let nmcli: NmcliStandIn;
  beforeEach(() => {
    nmcli = createNmcliStandIn();
  });
  afterEach(() => nmcli.remove());

  it('not on the hotspot: checks the active SSID, rescans, connects with ssid, password, bssid and ifname', async () => {
    const result = await joinHotspot({ credentials: CREDENTIALS, ifname: 'wlan0', env: nmcli.env({ STANDIN_ACTIVE_SSID: 'HomeWifi' }) });
    assert.deepEqual(result, { outcome: 'joined', ssid: 'KJK_E0FF' });
    assert.deepEqual(nmcli.calls(), [
      ['-t', '-f', 'ACTIVE,SSID', 'device', 'wifi', 'list', '--rescan', 'no'],
      ['device', 'wifi', 'rescan'],
      ['device', 'wifi', 'connect', 'KJK_E0FF', 'password', '85087127', 'bssid', '1C:4E:A2:92:E0:FF', 'ifname', 'wlan0'],
    ]);
  });

  it('already on the hotspot: only the check, no rescan, no connect', async () => {
    const result = await joinHotspot({ credentials: CREDENTIALS, env: nmcli.env({ STANDIN_ACTIVE_SSID: 'KJK_E0FF' }) });
    assert.deepEqual(result, { outcome: 'already', ssid: 'KJK_E0FF' });
    assert.equal(nmcli.calls().length, 1);
  });

  it('already on the hotspot with a German nmcli: still "already" (nmcli runs with LC_ALL=C)', async () => {
    const result = await joinHotspot({
      credentials: CREDENTIALS,
      env: nmcli.env({ STANDIN_ACTIVE_SSID: 'KJK_E0FF', STANDIN_LANG: 'de', LC_ALL: 'de_DE.UTF-8' }),
    });
    assert.deepEqual(result, { outcome: 'already', ssid: 'KJK_E0FF' });
    assert.equal(nmcli.calls().length, 1, 'no rescan and no connect of an active connection');
  });

  it('a refused rescan is not fatal (NetworkManager refuses scans in quick succession)', async () => {
    const result = await joinHotspot({ credentials: CREDENTIALS, env: nmcli.env({ STANDIN_REFUSE_RESCAN: '1' }) });
    assert.equal(result.outcome, 'joined');
    assert.equal(nmcli.calls().length, 3);
  });

  it('nmcli refuses the connect: HotspotError "refused" with its exit status and stderr, the password masked', async () => {
    await assert.rejects(joinHotspot({ credentials: CREDENTIALS, env: nmcli.env({ STANDIN_REFUSE_CONNECT: '1' }) }), (e: unknown) => {
      assert.ok(e instanceof HotspotError);
      assert.equal(e.kind, 'refused');
      assert.equal(e.code, 'ERR_HOTSPOT_JOIN');
      assert.match(
        e.message,
        /nmcli device wifi connect KJK_E0FF password \*\*\* bssid 1C:4E:A2:92:E0:FF failed \(exit 4\): Error: Connection activation failed: Secrets were required/,
      );
      assert.doesNotMatch(e.message, /85087127/);
      return true;
    });
  });

  it('an argument nmcli cannot be given (a NUL in the password): HotspotError at once, the password not shown, nothing left armed', async () => {
    const before = await settledHandles();
    await assert.rejects(
      joinHotspot({ credentials: { ...CREDENTIALS, password: '85087127\u0000' }, env: nmcli.env({ STANDIN_ACTIVE_SSID: 'HomeWifi' }) }),
      (e: unknown) => {
        assert.ok(e instanceof HotspotError, String(e));
        assert.doesNotMatch(e.message, /8508/);
        return true;
      },
    );
    assert.deepEqual(await settledHandles(), before, 'no timer armed for a child that never started (it used to fire and throw a ReferenceError)');
  });

  it('no nmcli on PATH: HotspotError "missing" that says what to install', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'trailcam-empty-'));
    try {
      await assert.rejects(
        joinHotspot({ credentials: CREDENTIALS, env: { PATH: empty } }),
        (e: unknown) =>
          e instanceof HotspotError && e.kind === 'missing' && /nmcli \(NetworkManager\) was not found on PATH: install NetworkManager/.test(e.message),
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('a hanging nmcli: killed at the timeout (HotspotError "timeout"); an abort kills it too (AbortError)', async () => {
    await assert.rejects(
      joinHotspot({ credentials: CREDENTIALS, timeoutMs: 300, env: nmcli.env({ STANDIN_HANG: '1' }) }),
      (e: unknown) => e instanceof HotspotError && e.kind === 'timeout' && !e.message.includes('85087127'),
    );
    const controller = new AbortController();
    const join = joinHotspot({ credentials: CREDENTIALS, signal: controller.signal, env: nmcli.env({ STANDIN_HANG: '1' }) });
    // abort once the connect call has started (the stand-in logged it)
    await nmcli.waitForCalls((calls) => calls.filter((c) => c.includes('connect')).length >= 2);
    controller.abort();
    await assert.rejects(join, AbortError);
    // The join rejects only once the killed child has exited: its handle is gone by the next loop turns.
    await settledHandles();
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap').length, 0, 'no nmcli child left');
  });

  it('an nmcli that ignores SIGTERM gets SIGKILL after the grace time, at the timeout and on an abort; no child is left', async () => {
    const env = nmcli.env({ STANDIN_IGNORE_TERM: '1' });
    await assert.rejects(
      joinHotspot({ credentials: CREDENTIALS, timeoutMs: 100, killGraceMs: 50, env }),
      (e: unknown) => e instanceof HotspotError && e.kind === 'timeout',
    );
    const controller = new AbortController();
    const join = joinHotspot({ credentials: CREDENTIALS, signal: controller.signal, killGraceMs: 50, env });
    await nmcli.waitForCalls((calls) => calls.filter((c) => c.includes('connect')).length >= 2);
    controller.abort();
    await assert.rejects(join, AbortError);
    await settledHandles();
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap').length, 0, 'no nmcli child left');
    await assert.rejects(joinHotspot({ credentials: CREDENTIALS, killGraceMs: 0, env }), (e: unknown) => e instanceof ConfigError && e.field === 'killGraceMs');
  });

  it('bad input: an interface name that is not one', async () => {
    await assert.rejects(joinHotspot({ credentials: CREDENTIALS, ifname: 'wlan0; reboot', env: nmcli.env() }), ConfigError);
    assert.deepEqual(nmcli.calls(), [], 'nmcli never ran');
  });

  it('activeSsids reads terse output with escaped colons', () => {
    assert.deepEqual(activeSsids('no:Neighbour\\:5G\nyes:KJK\\:E0FF\n\nyes:\n'), ['KJK:E0FF', '']);
  });
});
