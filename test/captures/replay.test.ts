import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { race, type RaceResult } from '../../src/engine';
import { MessageCode } from '../../src/protocol';
import { loadCapture, type CapturedDatagram } from './fixture';
import { ReplayCamera, scriptFromCapture, type ReplayEvent, type ReplayScript } from './replay';

/*
 * Sequence-level replays of two real sessions against the engine's race() (LAN only, loopback).
 * The fake camera sends the camera's captured datagrams, byte for byte, at the captured gaps
 * (real timers, scale 1) after the client reaches the same point as the real client did.
 * Bounds: event order (the win comes after the camera's P2P_RDY was sent, the client's answers
 * follow the camera datagrams they answer) and one timing bound that cannot flake: the race
 * takes at least the camera's captured gaps (a timer fires early only by libuv's cached loop clock: 5 ms slack).
 * No upper wall-clock bound: that is the benchmark's job.
 */

const DID = 'LBCS-000000-CCCJJ';
const PROBE_INTERVAL_MS = 100;
const CLOCK_SLACK_MS = 5;

/** A LAN-only race to one port of the replaying camera; `limitMs` bounds the whole race (a miss fails, it never hangs). */
const raceAgainst = (port: number, limitMs: number): Promise<RaceResult> =>
  race({
    host: '127.0.0.1',
    did: DID,
    ports: [port],
    modes: ['lan'],
    bindAddress: '127.0.0.1',
    probeIntervalMs: PROBE_INTERVAL_MS,
    attemptTimeoutMs: limitMs,
    maxConnectionTimeMs: limitMs,
  });

/** What the client sent to the camera before `t`, as `TYPE@socket`, repeats kept. */
const clientBefore = (camera: ReplayCamera, t: number): string[] =>
  camera
    .received()
    .filter((e) => e.t < t)
    .map(label);
const label = (e: ReplayEvent): string => `${e.type}@${e.socket}`;

describe('captures: replay of the vendor app LAN_SEARCH flow (traffic_port_get_pictures + udp_traffic_1, App_Log)', () => {
  const tlog = loadCapture('traffic_port_get_pictures.json');
  const hexLog = loadCapture('udp_traffic_1.json');

  /** The timed log has no hex: take the bytes of the same camera datagram (type and size) from udp_traffic_1. */
  const hexOf = (d: CapturedDatagram): string => {
    const candidates = new Set(
      hexLog.datagrams.filter((h) => h.dir === 'rx' && h.hex && Buffer.from(h.hex, 'hex')[1] === d.code && h.size === d.size).map((h) => h.hex!),
    );
    assert.equal(candidates.size, 1, `exactly one camera datagram of type 0x${d.code!.toString(16)} and ${d.size} bytes in udp_traffic_1`);
    return [...candidates][0];
  };
  const script: ReplayScript = scriptFromCapture(
    tlog.datagrams,
    [
      { type: 'LAN_SEARCH', socket: 'search' },
      { type: 'PUNCH_PKT', socket: 'session' },
    ],
    (d) => d.dir === 'rx' && d.code === MessageCode.P2P_RDY,
    hexOf,
  );
  const [onSearch, onEcho] = script.cues;
  const rdyAtMs = onEcho.sends[onEcho.sends.length - 1].atMs;

  it('the script is the capture: LAN_SEARCH → camera PUNCH_PKT; echo → PUNCH_PKT, ~51 × 0x43 over ~330 ms, P2P_RDY', () => {
    assert.equal(script.cues.length, 2);
    assert.deepEqual(
      onSearch.sends.map((s) => s.type),
      ['PUNCH_PKT'],
    );
    assert.equal(onSearch.sends[0].atMs, 57);
    const types = onEcho.sends.map((s) => s.type);
    assert.equal(types[0], 'PUNCH_PKT');
    assert.equal(types.filter((t) => t === 'TRY_LAN_TCP').length, 51);
    assert.equal(types[types.length - 1], 'P2P_RDY');
    assert.equal(rdyAtMs, 330);
    // The real client: servers and LAN_SEARCH first, then one PUNCH_PKT echo per camera PUNCH_PKT; never P2P_RDY.
    const real = script.client.map((c) => c.type);
    assert.deepEqual([...new Set(real)], ['HELLO', 'LAN_SEARCH', 'PUNCH_PKT']);
    assert.equal(real.filter((t) => t === 'PUNCH_PKT').length, 2);
    assert.equal(real.indexOf('PUNCH_PKT'), real.indexOf('LAN_SEARCH') + 2);
  });

  it("is App_Log's fourth LAN connect (same start within 5 ms; the app's connect took 487 ms)", () => {
    const events = loadCapture('App_Log_2025-12-23log.json').events!;
    const start = events.find((e) => e.at.endsWith('23:53:58.135') && e.localPort !== undefined);
    const win = events.find((e) => e.at.endsWith('23:53:58.622'));
    assert.ok(start && win, 'the 23:53:58 connect is in the app log');
    assert.equal(win.local, `192.168.43.1:${start.localPort}`);
    assert.ok(Math.abs(Date.parse('1970-01-01T23:53:58.138Z') - Date.parse(`1970-01-01T${start.at.slice(11)}Z`)) <= 5);
  });

  it('race() answers at the same points as the real client and wins on the P2P_RDY, not before', async () => {
    const camera = await ReplayCamera.start(script);
    let result: RaceResult | undefined;
    try {
      result = await raceAgainst(camera.port('search'), 3_000);
      const wonAt = performance.now();
      const rdy = camera.sent('P2P_RDY')[0];
      assert.ok(rdy, 'the camera sent its P2P_RDY');
      assert.ok(wonAt >= rdy.t, 'the race resolved after the camera sent P2P_RDY');
      assert.equal(camera.sent('TRY_LAN_TCP').length, 51, 'the whole 0x43 burst went out before the win');
      assert.equal(result.mode, 'lan');
      assert.deepEqual(result.remote, { host: '127.0.0.1', port: camera.port('session') }, "locked onto the camera's session socket");

      const firstPunch = camera.sent('PUNCH_PKT')[0];
      const before = clientBefore(camera, firstPunch.t);
      // Point 1, before the camera's PUNCH_PKT: the client searched, as the real one (which sent only LAN_SEARCH there;
      // ours may also punch that port directly, pppp.md §6.1b; the replay camera, like 32108, does not answer a punch).
      assert.ok(before.includes('LAN_SEARCH@search'), before.join(', '));
      assert.ok(
        before.every((l) => l === 'LAN_SEARCH@search' || l === 'PUNCH_PKT@search'),
        before.join(', '),
      );
      // Point 2, after it: the client's first datagram to the camera's session address is the PUNCH_PKT echo, as the real one.
      const toSession = camera.received('session');
      assert.equal(toSession[0]?.type, 'PUNCH_PKT');
      assert.ok(toSession[0].t >= firstPunch.t);
      // Until P2P_RDY only echoes go to the session socket (the real app: 2 echoes, then silence through the burst;
      // ours repeats its echo every probe interval: at most one per interval since the first, plus the first two).
      const echoes = toSession.filter((e) => e.t < rdy.t);
      assert.ok(
        echoes.every((e) => e.type === 'PUNCH_PKT'),
        echoes.map(label).join(', '),
      );
      assert.ok(echoes.length <= 2 + Math.floor((rdy.t - echoes[0].t) / PROBE_INTERVAL_MS) + 1, `${echoes.length} echoes`);
      // Never P2P_RDY, DRW or ALIVE from the client before the camera's P2P_RDY (the real app never sends P2P_RDY).
      assert.ok(!clientBefore(camera, rdy.t).some((l) => /^(P2P_RDY|DRW|ALIVE)/.test(l)));
      // Timing: at least the camera's gaps (PUNCH_PKT 57 ms after LAN_SEARCH, P2P_RDY 330 ms after the echo).
      assert.ok(result.elapsedMs >= onSearch.sends[0].atMs + rdyAtMs - CLOCK_SLACK_MS, `elapsed ${result.elapsedMs} ms`);
    } finally {
      await result?.link.close();
      await camera.close();
    }
  });
});

describe('captures: replay of the direct punch flow (direct_punch/*.log)', () => {
  for (const name of [
    'direct_punch__debug05012026_4.json',
    'direct_punch__debug06012026_2.json',
    'direct_punch__debug09012026_8.json',
    'direct_punch__debug16012026_1.json',
  ]) {
    const capture = loadCapture(name);
    const script = scriptFromCapture(
      capture.datagrams,
      [{ type: 'PUNCH_PKT', socket: 'session', to: '192.168.43.1:40611' }],
      (d) => d.dir === 'rx' && d.hex !== undefined && Buffer.from(d.hex, 'hex')[1] === MessageCode.P2P_RDY,
    );

    describe(capture.source, () => {
      it('the script is the capture: PUNCH_PKT to 40611 → P2P_RDY in 21–40 ms, no camera PUNCH_PKT, no 0x43', () => {
        assert.equal(script.cues.length, 1);
        const sends = script.cues[0].sends;
        assert.deepEqual(
          sends.map((s) => s.type),
          ['P2P_RDY'],
        );
        assert.ok(sends[0].atMs >= 21 && sends[0].atMs <= 40, `${sends[0].atMs} ms`);
        // The real client: PUNCH_PKT to 40611, then to 3333 (never answered), nothing else before P2P_RDY.
        assert.deepEqual(
          script.client.map((c) => `${c.type}→${c.to}`),
          ['PUNCH_PKT→192.168.43.1:40611', 'PUNCH_PKT→192.168.43.1:3333'],
        );
      });

      it('race() wins on the P2P_RDY that answers its PUNCH_PKT, without a camera PUNCH_PKT', async () => {
        const camera = await ReplayCamera.start(script);
        let result: RaceResult | undefined;
        try {
          result = await raceAgainst(camera.port('session'), 1_500);
          const wonAt = performance.now();
          const rdy = camera.sent('P2P_RDY')[0];
          assert.ok(rdy && wonAt >= rdy.t, 'the race resolved after the camera sent P2P_RDY');
          assert.equal(camera.sent().length, 1, 'the camera sent nothing but its P2P_RDY');
          assert.deepEqual(result.remote, { host: '127.0.0.1', port: camera.port('session') });
          // Same point as the real client: a PUNCH_PKT reached the session port before the P2P_RDY (ours may also send
          // LAN_SEARCH there; the real camera's answer to that is unknown, the replay camera ignores it).
          const before = clientBefore(camera, rdy.t);
          assert.ok(before.includes('PUNCH_PKT@session'), before.join(', '));
          assert.ok(
            before.every((l) => l === 'PUNCH_PKT@session' || l === 'LAN_SEARCH@session'),
            before.join(', '),
          );
          assert.ok(result.elapsedMs >= script.cues[0].sends[0].atMs - CLOCK_SLACK_MS, `elapsed ${result.elapsedMs} ms`);
        } finally {
          await result?.link.close();
          await camera.close();
        }
      });
    });
  }
});
