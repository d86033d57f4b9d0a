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
 * host:port is the session. The encoded datagrams are built once. It is the conversation of the
 * engine's LAN racer on one port (pppp.md §6.1, §6.1b) without the P2P and relay racers, the
 * second socket per port, attempts and timeouts.
 */
export function floorConnect(target: FloorTarget): Promise<FloorLink> {
  const did: Did = parseDid(target.did);
  const punch = encode({ type: 'PUNCH_PKT', did });
  const search = encode({ type: 'LAN_SEARCH' });
  const close = encode({ type: 'CLOSE' });
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
        const elapsedMs = performance.now() - started;
        resolve({
          elapsedMs,
          sent,
          close: () =>
            new Promise<void>((done) => {
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
