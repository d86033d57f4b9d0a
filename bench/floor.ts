import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { decode, didEquals, encode, parseDid, type Did } from '../src/protocol';

/** What the floor needs to reach one camera: its address, session port and DID. */
export interface FloorTarget {
  host: string;
  port: number;
  did: string;
  bindAddress: string;
  /** Resend interval of the probes (the engine's probeIntervalMs, 100 ms). */
  probeIntervalMs: number;
  /** Give up after this long (the engine's maxConnectionTimeMs). */
  maxConnectionTimeMs: number;
}

/** A floor session: the socket is held until `close()`, which sends CLOSE first (as a Link does). */
export interface FloorLink {
  elapsedMs: number;
  /** Datagrams this handshake sent (probes and echoes). */
  sent: number;
  /**
   * The idle floor (issue 16): keeps the session alive the least a client can until close():
   * ALIVE at once and to every P2P_RDY copy (ends the camera's repeats), DRW_ACK to the camera's
   * DRW (its ready data), ALIVE_ACK to its ALIVE, and ALIVE of its own only after `intervalMs`
   * without sending (a timer checks every `intervalMs`). Idempotent.
   */
  keepAlive(intervalMs: number): void;
  close(): Promise<void>;
}

/** The floor did not get P2P_RDY within its time (a failed sample, like a RaceError). */
export class FloorTimeout extends Error {
  constructor(readonly ms: number) {
    super(`floor handshake: no P2P_RDY within ${ms} ms`);
  }
}

/**
 * The floor strategy of issue 16: the least a client can do to open a LAN session with the
 * simulated camera, so the benchmark can show what the engine costs on top of the handshake
 * itself. One socket, no racing, no modes, no bookkeeping: PUNCH_PKT(DID) to host:port now and
 * every probe interval, LAN_SEARCH with it from the second probe on (a LAN_SEARCH in the same tick
 * as the first punch would supersede the session that punch opens, as on the camera); a PUNCH_PKT
 * with our DID from the camera's address is echoed; the first P2P_RDY with our DID from
 * host:port is the session, and from then on each P2P_RDY copy of the camera is answered with
 * ALIVE (pppp.md §6.1 step 7, as the engine's link does). The encoded datagrams are built once. It is the conversation of the
 * engine's LAN racer on one port (pppp.md §6.1, §6.1b) without the P2P and relay racers, the
 * second socket per port, attempts and timeouts.
 */
export function floorConnect(target: FloorTarget): Promise<FloorLink> {
  const did: Did = parseDid(target.did);
  const punch = encode({ type: 'PUNCH_PKT', did });
  const search = encode({ type: 'LAN_SEARCH' });
  const close = encode({ type: 'CLOSE' });
  const alive = encode({ type: 'ALIVE' });
  const aliveAck = encode({ type: 'ALIVE_ACK' });
  const started = performance.now();
  return new Promise<FloorLink>((resolve, reject) => {
    const socket = createSocket({ type: 'udp4' });
    let settled = false;
    let probe: NodeJS.Timeout | undefined;
    let deadline: NodeJS.Timeout | undefined;
    const stopTimers = (): void => {
      clearInterval(probe);
      clearTimeout(deadline);
    };
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      stopTimers();
      socket.close();
      reject(err);
    };
    let sent = 0;
    const send = (bytes: Buffer, port = target.port, host = target.host): void => {
      socket.send(bytes, port, host);
      sent += 1;
    };
    socket.on('error', fail);
    socket.on('message', (datagram, rinfo) => {
      if (settled || rinfo.address !== target.host) return;
      let message;
      try {
        message = decode(datagram);
      } catch {
        return; // not PPPP: ignored, as the engine does
      }
      if (message.type === 'PUNCH_PKT' && didEquals(message.did, did)) send(punch, rinfo.port, rinfo.address);
      else if (message.type === 'P2P_RDY' && didEquals(message.did, did) && rinfo.port === target.port) {
        settled = true;
        stopTimers();
        socket.removeAllListeners('message');
        // The camera repeats P2P_RDY every ~45 ms until a copy is answered with ALIVE (pppp.md §6.1
        // step 7): answered from the win on, as the engine's link does, so neither side leaves the
        // simulator repeating to a connected client while it still has cameras to answer.
        const answerCopies = (bytes: Buffer, from: { port: number }): void => {
          if (from.port === target.port && bytes.length >= 2 && bytes[1] === 0x42) socket.send(alive, target.port, target.host);
        };
        socket.on('message', answerCopies);
        const elapsedMs = performance.now() - started;
        let keepalive: NodeJS.Timeout | undefined;
        resolve({
          elapsedMs,
          sent,
          keepAlive: (intervalMs) => {
            if (keepalive) return;
            // The least that keeps both sides content: answer the camera's ALIVE (4 bytes, f1 e0 00 00)
            // with ALIVE_ACK at once; send our own ALIVE only after intervalMs without sending anything
            // (the camera's own rule, pppp.md §6.4), so an answered ALIVE is the only traffic.
            socket.off('message', answerCopies); // the keepalive's handler below answers the copies from now on
            let sentAt = performance.now();
            keepalive = setInterval(() => {
              if (performance.now() - sentAt < intervalMs) return;
              socket.send(alive, target.port, target.host);
              sentAt = performance.now();
            }, intervalMs);
            const answer = (bytes: Buffer): void => {
              socket.send(bytes, target.port, target.host);
              sentAt = performance.now();
            };
            socket.on('message', (bytes, from) => {
              if (from.port !== target.port || bytes.length < 2) return;
              if (bytes[1] === 0xe0)
                answer(aliveAck); // ALIVE
              else if (bytes[1] === 0x42)
                answer(alive); // a P2P_RDY copy: ALIVE ends the camera's repeats (pppp.md §6.1 step 7)
              else if (bytes[1] === 0xd0) {
                // DRW (the camera's ready data on channel 0): acknowledged, or the camera resends it
                let message;
                try {
                  message = decode(bytes);
                } catch {
                  return;
                }
                if (message.type === 'DRW') answer(encode({ type: 'DRW_ACK', channel: message.channel, indices: [message.index] }));
              }
            });
            answer(alive); // at once, as the vendor app does after P2P_RDY: the camera stops repeating it
          },
          close: () =>
            new Promise<void>((done) => {
              clearInterval(keepalive);
              socket.send(close, target.port, target.host, () => socket.close(() => done()));
            }),
        });
      }
    });
    socket.bind({ port: 0, address: target.bindAddress }, () => {
      if (settled) return;
      send(punch);
      probe = setInterval(() => {
        send(punch);
        send(search);
      }, target.probeIntervalMs);
      deadline = setTimeout(() => fail(new FloorTimeout(target.maxConnectionTimeMs)), target.maxConnectionTimeMs);
    });
  });
}
