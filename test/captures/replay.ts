import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { decode, MESSAGE_NAMES, type MessageName } from '../../src/protocol';
import type { CapturedDatagram } from './fixture';

/*
 * A replaying fake camera: the camera's side of a captured session, cut into cues. A cue is a
 * point of the real session (the client's first datagram of a type, arriving at one of the
 * camera's sockets) and the camera datagrams that followed it, each at its captured offset
 * from that point. The fake camera fires a cue when the client under test reaches the same
 * point, and sends the cue's datagrams (exact captured bytes) from its session socket to the
 * client, on real timers with the real gaps (scale 1). Everything it receives and sends is
 * logged in order, for comparison with what the real client sent at the same points.
 */

/** The camera's two sockets: `search` stands for UDP 32108 (LAN_SEARCH), `session` for 40611. */
export type CameraSocket = 'search' | 'session';

export interface CueSend {
  /** ms after the cue's point, as captured. */
  atMs: number;
  type: MessageName;
  hex: string;
}

export interface Cue {
  /** The point: the client's first `type` arriving at `socket`. */
  on: { socket: CameraSocket; type: MessageName };
  sends: CueSend[];
}

export interface ReplayScript {
  cues: Cue[];
  /** The real client's own datagrams (type, and when, from the capture's first one), for comparison. */
  client: { tMs: number; type: MessageName; to?: string }[];
}

/** A trigger: the client datagrams of this type start a cue at that socket (first occurrence only). */
export interface Trigger {
  type: MessageName;
  socket: CameraSocket;
  /** Only the client's datagrams with this logged destination count (e.g. the session port), when the log has one. */
  to?: string;
}

/**
 * Builds a script from a capture's datagrams (in order, with `tMs`): each camera datagram (rx)
 * belongs to the cue of the latest trigger before it; datagrams before the first trigger and
 * after `until` (inclusive end) are left out. `hexOf` supplies bytes when the log has none.
 */
export function scriptFromCapture(
  datagrams: readonly CapturedDatagram[],
  triggers: readonly Trigger[],
  until: (d: CapturedDatagram) => boolean,
  hexOf: (d: CapturedDatagram) => string = (d) => {
    if (d.hex === undefined) throw new Error(`line ${d.line}: no hex for a camera datagram`);
    return d.hex;
  },
): ReplayScript {
  const cues: Cue[] = [];
  const client: ReplayScript['client'] = [];
  const fired = new Set<string>();
  let current: { cue: Cue; tMs: number } | undefined;
  const origin = datagrams[0]?.tMs ?? 0;
  for (const d of datagrams) {
    if (d.tMs === undefined) throw new Error(`line ${d.line}: the capture has no time for this datagram`);
    const type = typeOf(d);
    if (d.dir === 'tx') {
      client.push({ tMs: d.tMs - origin, type, ...(d.to ? { to: d.to } : {}) });
      const trigger = triggers.find((t) => t.type === type && (t.to === undefined || d.to === undefined || t.to === d.to));
      const key = trigger && `${trigger.socket}:${trigger.type}`;
      if (trigger && key && !fired.has(key)) {
        fired.add(key);
        current = { cue: { on: { socket: trigger.socket, type }, sends: [] }, tMs: d.tMs };
        cues.push(current.cue);
      }
    } else if (current) {
      current.cue.sends.push({ atMs: Math.round((d.tMs - current.tMs) * 1000) / 1000, type, hex: hexOf(d) });
    }
    if (until(d)) break;
  }
  return { cues, client };
}

export function typeOf(d: Pick<CapturedDatagram, 'hex' | 'code' | 'line'>): MessageName {
  const code = d.hex !== undefined ? Buffer.from(d.hex, 'hex')[1] : d.code;
  const name = code === undefined ? undefined : MESSAGE_NAMES.get(code);
  if (name === undefined) throw new Error(`line ${d.line}: unknown message code ${String(code)}`);
  return name;
}

/** One datagram the fake camera received or sent; `t` is performance.now(). */
export interface ReplayEvent {
  t: number;
  dir: 'in' | 'out';
  socket: CameraSocket;
  type: MessageName | 'UNDECODABLE';
  peer: string;
}

export class ReplayCamera {
  readonly events: ReplayEvent[] = [];
  readonly #sockets: Record<CameraSocket, Socket>;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #fired = new Set<Cue>();
  readonly #script: ReplayScript;

  private constructor(script: ReplayScript, sockets: Record<CameraSocket, Socket>) {
    this.#script = script;
    this.#sockets = sockets;
    for (const name of ['search', 'session'] as const) {
      sockets[name].on('message', (data, rinfo) => this.#onDatagram(name, data, rinfo));
    }
  }

  /** Binds both sockets on 127.0.0.1 (fresh ports). */
  static async start(script: ReplayScript): Promise<ReplayCamera> {
    const bind = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const socket = createSocket('udp4');
        socket.once('error', reject);
        socket.bind(0, '127.0.0.1', () => {
          socket.off('error', reject);
          resolve(socket);
        });
      });
    const search = await bind();
    try {
      return new ReplayCamera(script, { search, session: await bind() });
    } catch (err) {
      search.close();
      throw err;
    }
  }

  port(socket: CameraSocket): number {
    return this.#sockets[socket].address().port;
  }

  /** Cues fired so far, in script order. */
  get firedCues(): number {
    return this.#fired.size;
  }

  received(socket?: CameraSocket): ReplayEvent[] {
    return this.events.filter((e) => e.dir === 'in' && (socket === undefined || e.socket === socket));
  }

  sent(type?: MessageName): ReplayEvent[] {
    return this.events.filter((e) => e.dir === 'out' && (type === undefined || e.type === type));
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all(Object.values(this.#sockets).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  #onDatagram(socket: CameraSocket, data: Buffer, rinfo: { address: string; port: number }): void {
    let type: ReplayEvent['type'];
    try {
      const message = decode(data);
      type = message.type === 'UNKNOWN' ? 'UNDECODABLE' : message.type;
    } catch {
      type = 'UNDECODABLE';
    }
    const peer = `${rinfo.address}:${rinfo.port}`;
    this.events.push({ t: performance.now(), dir: 'in', socket, type, peer });
    for (const cue of this.#script.cues) {
      if (this.#fired.has(cue) || cue.on.socket !== socket || cue.on.type !== type) continue;
      this.#fired.add(cue);
      for (const send of cue.sends) {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.events.push({ t: performance.now(), dir: 'out', socket: 'session', type: send.type, peer });
          this.#sockets.session.send(Buffer.from(send.hex, 'hex'), rinfo.port, rinfo.address);
        }, send.atMs);
        this.#timers.add(timer);
      }
    }
  }
}
