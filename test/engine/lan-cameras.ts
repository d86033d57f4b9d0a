import { createSocket, type Socket } from 'node:dgram';
import { decode, didEquals, encode, parseDid, type Did, type Message } from '../../src/protocol';

export const CAMERA_DID = 'LBCS-000000-CCCJJ';
export const cameraDid = parseDid(CAMERA_DID);

/** What a scripted KJK230 does with the probes it gets (pppp.md §6.1, §6.1b). */
export interface CameraBehaviour {
  /** Answers a LAN_SEARCH arriving on its session port (unknown for the real camera) as one on its search port. */
  searchOnSessionPort: boolean;
  /** Answers a PUNCH_PKT(DID) from an address it never punched with P2P_RDY at once (the real camera, §6.1b). */
  answersDirectPunch: boolean;
  /** After the echo of its own PUNCH_PKT: P2P_RDY (true) or only the 0x43 burst and then nothing (false). */
  slowPathCompletes: boolean;
  /** Holds the direct answer until it has answered a LAN_SEARCH (both probes then run at the same time). */
  directAnswerAfterSearch?: boolean;
}

/** One datagram the camera got: on which socket, from which client port. */
export interface Heard {
  socket: 'session' | 'search';
  type: Message['type'];
  fromPort: number;
}

const bind = async (host = '127.0.0.1'): Promise<Socket> => {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  return socket;
};

/** A silent sender bound to another loopback address (e.g. 127.0.0.2: "not the camera's address"). */
export async function loopbackPeer(host: string): Promise<{ port: number; send(message: Message, port: number, to: string): void; close(): Promise<void> }> {
  const socket = await bind(host);
  return {
    port: socket.address().port,
    send: (message, port, to) => socket.send(encode(message), port, to),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

const ours = (message: Message, did: Did): boolean => 'did' in message && didEquals(message.did as Did, did);

/**
 * A KJK230 played with raw dgram sockets on 127.0.0.1: a session socket (its 40611) and a search
 * socket (its 32108), both answering from the session socket as the real camera does. Records
 * every datagram it hears and every session it opened (a P2P_RDY sent = a session, as on the
 * camera); a CLOSE from the client ends that client's session.
 */
export class ScriptedKjk {
  readonly heard: Heard[] = [];
  /** Client ports with a live session (P2P_RDY sent, no CLOSE yet). */
  readonly sessions = new Set<number>();
  /** Client ports whose PUNCH_PKT the camera took for the echo of its own (slow path started). */
  readonly echoes: number[] = [];
  readonly #punched = new Set<number>();
  readonly #heldDirect: number[] = [];
  #searched = false;

  private constructor(
    readonly session: Socket,
    readonly search: Socket,
    readonly behaviour: CameraBehaviour,
    readonly did: Did,
  ) {
    session.on('message', (data, rinfo) => this.#onDatagram('session', data, rinfo.port));
    search.on('message', (data, rinfo) => this.#onDatagram('search', data, rinfo.port));
  }

  static async open(behaviour: CameraBehaviour, did: Did = cameraDid): Promise<ScriptedKjk> {
    return new ScriptedKjk(await bind(), await bind(), behaviour, did);
  }

  get sessionPort(): number {
    return this.session.address().port;
  }
  get searchPort(): number {
    return this.search.address().port;
  }

  /** Client ports that sent both LAN_SEARCH and PUNCH_PKT to the session socket (the trap of issue 13). */
  portsThatSearchedAndPunched(): number[] {
    const searched = new Set(this.heard.filter((h) => h.socket === 'session' && h.type === 'LAN_SEARCH').map((h) => h.fromPort));
    return [...new Set(this.heard.filter((h) => h.socket === 'session' && h.type === 'PUNCH_PKT' && searched.has(h.fromPort)).map((h) => h.fromPort))];
  }

  send(message: Message, port: number): Promise<void> {
    return new Promise((resolve) => this.session.send(encode(message), port, '127.0.0.1', () => resolve()));
  }

  close(): Promise<void> {
    return Promise.all([this.session, this.search].map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined);
  }

  #onDatagram(socket: 'session' | 'search', data: Buffer, fromPort: number): void {
    let message: Message;
    try {
      message = decode(data);
    } catch {
      return;
    }
    this.heard.push({ socket, type: message.type, fromPort });
    if (message.type === 'LAN_SEARCH' && (socket === 'search' || this.behaviour.searchOnSessionPort)) {
      this.#punched.add(fromPort);
      void this.send({ type: 'PUNCH_PKT', did: this.did }, fromPort);
      this.#searched = true;
      for (const port of this.#heldDirect.splice(0)) this.#ready(port);
      return;
    }
    if (socket !== 'session') return;
    if (message.type === 'PUNCH_PKT' && ours(message, this.did)) {
      if (this.#punched.has(fromPort)) {
        // The echo of our own PUNCH_PKT: the slow path (0x43 burst, then P2P_RDY or nothing).
        if (this.echoes.includes(fromPort)) return;
        this.echoes.push(fromPort);
        void this.send({ type: 'TRY_LAN_TCP', did: this.did, address: { host: '127.0.0.1', port: this.sessionPort } }, fromPort);
        if (this.behaviour.slowPathCompletes) this.#ready(fromPort);
      } else if (this.behaviour.answersDirectPunch && !this.sessions.has(fromPort)) {
        if (this.behaviour.directAnswerAfterSearch && !this.#searched) this.#heldDirect.push(fromPort);
        else this.#ready(fromPort);
      }
    } else if (message.type === 'ALIVE') {
      void this.send({ type: 'ALIVE_ACK' }, fromPort);
    } else if (message.type === 'CLOSE') {
      this.sessions.delete(fromPort);
    }
  }

  #ready(port: number): void {
    this.sessions.add(port);
    void this.send({ type: 'P2P_RDY', did: this.did }, port);
  }
}
