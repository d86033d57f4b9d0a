import { didEquals, parseDid, type Did, type Message } from '../protocol';
import { CameraChannelReceiver, CameraChannelSender } from './channels';
import { SimEndpoint, type Address } from './endpoint';
import type { Path } from './path';
import { ECHO_CHANNEL, echoService, silentService, type ChannelService, type ChannelServiceFactory } from './services';

/** Behaviour of a simulated camera; defaults follow the real KJK230 (pppp.md §6). */
export interface CameraOptions {
  did?: string;
  /** Port for LAN_SEARCH (real: 32108; 0 = ephemeral). */
  searchPort?: number;
  /** LAN session port the camera answers from (real: 40611; 0 = ephemeral). */
  sessionPort?: number;
  /**
   * Port of the camera's internet socket (0 = ephemeral): ONE socket for registration (DEV_LGN),
   * hole punching, the P2P session and relay traffic, as a real device behind NAT (the server
   * learns the public mapping from the DEV_LGN's source address; network-testbed.md).
   */
  wanPort?: number;
  /**
   * Address the LAN-search socket binds (default: the camera's host on loopback, 0.0.0.0 on any
   * other address, so that broadcast LAN_SEARCH reaches it: a socket bound to 10.1.0.2 does not
   * receive datagrams sent to 255.255.255.255).
   */
  searchHost?: string;
  /** 0x43 (TryLanTcp) datagrams sent before P2P_RDY on LAN (real: ~51, pppp.md §6.1 step 4). */
  tryLanTcpCount?: number;
  /** Time over which those are spread, i.e. from the echo to P2P_RDY (real: ~330 ms). */
  tryLanTcpSpanMs?: number;
  /** Copies of PUNCH_PKT per answer (real: 2). */
  punchRepeats?: number;
  /**
   * At most this many P2P_RDY copies per session: the real camera repeats P2P_RDY every ~40-50 ms
   * for seconds until the client answers one with ALIVE (pppp.md §6.1 step 7, §6.1b step 3).
   */
  readyRepeats?: number;
  /** Gap between those P2P_RDY copies (real: ~40-50 ms). */
  readyRepeatMs?: number;
  /** Gap between repeated PUNCH_PKT copies. */
  repeatGapMs?: number;
  /**
   * Answer a PUNCH_PKT(DID) that arrives on the LAN session socket from an address the camera
   * did not punch with P2P_RDY at once, no PUNCH_PKT, no 0x43 burst (the real KJK230,
   * pppp.md §6.1b). false: answer it with PUNCH_PKT and wait for the echo (the older model).
   */
  directPunch?: boolean;
  /** Extra time before that direct answer (the real answer comes one round trip later: 0). */
  directPunchDelayMs?: number;
  /** Answer LAN_SEARCH sent straight to the session port (unknown for the real camera, §6.1b). */
  searchOnSessionPort?: boolean;
  /** ALIVE after this long without sending (pppp.md §6.4: ~1 s). */
  keepaliveMs?: number;
  /** A silent peer is dead after this long; the camera sends CLOSE (vendor library: ~7 s). */
  deadAfterMs?: number;
  /** DEV_LGN refresh interval towards the rendezvous servers. */
  registerIntervalMs?: number;
  /** A DEV_LGN that got no DEV_LGN_ACK is resent to that server after this long (our choice: 1 s). */
  registerRetryMs?: number;
  /** Resend interval of unacknowledged DRW (real camera/app: tens of ms, pppp.md §4). */
  drwResendMs?: number;
  /** Services per DRW channel; default: channel 0 silent (ARTEMIS plugs in here), channel 2 echo. */
  services?: Record<number, ChannelServiceFactory>;
}

export const REALISTIC_CAMERA: Required<Omit<CameraOptions, 'did' | 'services' | 'searchPort' | 'sessionPort' | 'wanPort' | 'searchHost'>> = {
  tryLanTcpCount: 51,
  tryLanTcpSpanMs: 330,
  punchRepeats: 2,
  readyRepeats: 100,
  readyRepeatMs: 45,
  repeatGapMs: 20,
  directPunch: true,
  directPunchDelayMs: 0,
  searchOnSessionPort: true,
  keepaliveMs: 1000,
  deadAfterMs: 7000,
  registerIntervalMs: 10_000,
  registerRetryMs: 1000,
  drwResendMs: 45,
};

/**
 * The real KJK230's LAN timing (pppp.md §6.1, §6.1b) for the benchmark: the camera defaults
 * above (0x43 burst of 51 over ~330 ms before P2P_RDY on the search path; direct punch answered
 * at once, i.e. after one round trip) plus a LAN path with 1-5 ms round trips (1.5 ± 1 ms each way).
 */
export const REAL_LAN_PATH = { delayMs: 1.5, jitterMs: 1 } as const;

/** Fast timings for tests and the benchmark: same messages, no waiting. */
export const FAST_CAMERA: Partial<CameraOptions> = { tryLanTcpCount: 2, tryLanTcpSpanMs: 0, repeatGapMs: 5, drwResendMs: 50 };

export const DEFAULT_DID = 'LBCS-000000-CCCJJ';

export interface CameraCounters {
  sessions: number;
  /** DEV_LGN sent (refreshes and resends) and DEV_LGN_ACK received from a server. */
  registrations: number;
  registrationAcks: number;
  unexpected: number;
  closedByTimeout: number;
  closedByPeer: number;
}

export interface CameraNetwork {
  host: string;
  lan: Path;
  p2p: Path;
  servers: readonly Address[];
}

type SocketRole = 'search' | 'session' | 'wan';

const key = (role: SocketRole, a: Address): string => `${role}|${a.host}:${a.port}`;

/** The search socket's address for a camera on `host` (see CameraOptions.searchHost). */
export function defaultSearchHost(host: string): string {
  return /^127\./.test(host) ? host : '0.0.0.0';
}

/**
 * A simulated KJK230. Sockets: LAN search and LAN session (impaired by the `lan` path), and one
 * internet socket ("wan") for registration, hole punching, P2P sessions and relay traffic: its
 * punches and P2P sessions pass the `p2p` path, its servers and relays none (the `relay` path is
 * applied at the relay server). PUNCH_TO and RLY_TO are taken from its servers only.
 */
export class SimCamera {
  readonly did: string;
  readonly didValue: Did;
  readonly options: Required<Omit<CameraOptions, 'did' | 'services'>> & { services: Record<number, ChannelServiceFactory> };
  /** Registration state per server (host:port → acknowledged since the last DEV_LGN, and when that was sent). */
  readonly #registered = new Map<string, { acked: boolean; sentAt: number }>();
  /** Relay session addresses named by an RLY_TO from a server. */
  readonly #relays = new Set<string>();
  #starting: Promise<void> | undefined;
  readonly #registeredWaiters: (() => void)[] = [];
  readonly counters: CameraCounters = { sessions: 0, registrations: 0, registrationAcks: 0, unexpected: 0, closedByTimeout: 0, closedByPeer: 0 };
  readonly #network: CameraNetwork;
  readonly #endpoints = new Map<SocketRole, SimEndpoint>();
  readonly #punched = new Set<string>();
  readonly #readying = new Set<string>();
  readonly #sessions = new Map<string, CameraSession>();
  /** The serial (`counters.sessions` when it opened, from 1) of each live session, by session key. */
  readonly #serials = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #sessionListeners = new Set<(count: number) => void>();
  #running = false;

  constructor(options: CameraOptions, network: CameraNetwork) {
    this.didValue = parseDid(options.did ?? DEFAULT_DID);
    this.did = options.did ?? DEFAULT_DID;
    this.#network = network;
    this.options = {
      ...REALISTIC_CAMERA,
      searchPort: 0,
      sessionPort: 0,
      wanPort: 0,
      searchHost: defaultSearchHost(network.host),
      ...options,
      services: { 0: silentService, [ECHO_CHANNEL]: echoService, ...(options.services ?? {}) },
    } as SimCamera['options'];
  }

  get host(): string {
    return this.#network.host;
  }
  get searchPort(): number {
    return this.#endpoints.get('search')?.port ?? this.options.searchPort;
  }
  get sessionPort(): number {
    return this.#endpoints.get('session')?.port ?? this.options.sessionPort;
  }
  get wanPort(): number {
    return this.#endpoints.get('wan')?.port ?? this.options.wanPort;
  }
  get running(): boolean {
    return this.#running;
  }
  /** Sessions the camera holds now. */
  /**
   * Live sessions opened after the `counters.sessions` value `since` (e.g. read just before a
   * race): what that race left open, whatever earlier sessions do meanwhile.
   */
  liveSessionsOpenedAfter(since: number): number {
    let n = 0;
    for (const serial of this.#serials.values()) if (serial > since) n += 1;
    return n;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * Calls `listener` with the session count whenever a session opens or ends, and after stop()
   * (count 0). Returns the function that removes it.
   */
  onSessionsChanged(listener: (count: number) => void): () => void {
    this.#sessionListeners.add(listener);
    return () => this.#sessionListeners.delete(listener);
  }

  #sessionsChanged(): void {
    for (const listener of [...this.#sessionListeners]) listener(this.#sessions.size);
  }

  /** Opens the sockets (re-using the ports of a previous start) and registers with the servers. */
  start(): Promise<void> {
    if (this.#running) return Promise.resolve();
    this.#starting ??= this.#open().finally(() => (this.#starting = undefined));
    return this.#starting;
  }

  async #open(): Promise<void> {
    const { host, lan } = this.#network;
    const opening: [SocketRole, Promise<SimEndpoint>][] = [
      ['search', SimEndpoint.open(this.options.searchHost, this.searchPort, lan, (m, from) => this.#onDatagram('search', m, from))],
      ['session', SimEndpoint.open(host, this.sessionPort, lan, (m, from) => this.#onDatagram('session', m, from))],
      [
        'wan',
        SimEndpoint.open(
          host,
          this.wanPort,
          (peer) => this.#wanPath(peer),
          (m, from) => this.#onDatagram('wan', m, from),
        ),
      ],
    ];
    const results = await Promise.allSettled(opening.map(([, p]) => p));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // One bind failed: release the others instead of leaving them open.
      await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
      throw failed.reason;
    }
    results.forEach((r, i) => this.#endpoints.set(opening[i][0], (r as PromiseFulfilledResult<SimEndpoint>).value));
    // Remember the ports so a restart binds the same ones.
    this.options.searchPort = this.searchPort;
    this.options.sessionPort = this.sessionPort;
    this.options.wanPort = this.wanPort;
    this.#running = true;
    if (this.#network.servers.length > 0) {
      this.#register(true);
      this.#every(this.options.registerIntervalMs, () => this.#register(true));
      this.#every(this.options.registerRetryMs, () => this.#register(false));
    }
  }

  /** Resolves once every server has acknowledged a DEV_LGN (at once without servers; also when stopped). */
  registered(): Promise<void> {
    if (!this.#running || this.#allRegistered()) return Promise.resolve();
    return new Promise((resolve) => this.#registeredWaiters.push(resolve));
  }

  /** Every server has acknowledged a DEV_LGN (true without servers). */
  get isRegistered(): boolean {
    return this.#allRegistered();
  }

  #allRegistered(): boolean {
    return this.#network.servers.every((s) => this.#registered.get(`${s.host}:${s.port}`)?.acked === true);
  }

  /** Switches the camera off: sessions vanish without CLOSE (as when a battery camera sleeps). */
  async stop(): Promise<void> {
    // A start() under way finishes first, so that its sockets are closed here too.
    await this.#starting?.catch(() => undefined);
    this.#running = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const session of this.#sessions.values()) session.end('camera stopped', false);
    this.#sessions.clear();
    this.#sessionsChanged();
    this.#serials.clear();
    this.#punched.clear();
    this.#readying.clear();
    this.#registered.clear();
    this.#relays.clear();
    for (const resolve of this.#registeredWaiters.splice(0)) resolve();
    const endpoints = [...this.#endpoints.values()];
    this.#endpoints.clear();
    await Promise.all(endpoints.map((e) => e.close()));
  }

  /** The wan socket's impairment per peer: the p2p path except towards its servers and relays. */
  #wanPath(peer: Address): Path | null {
    return this.#isServer(peer) || this.#relays.has(`${peer.host}:${peer.port}`) ? null : this.#network.p2p;
  }

  /**
   * A relay session address is exempt from the p2p path only while it is one: once the session
   * with it ended (or the knocking gave up) the relay closes that socket, and the OS may hand its
   * port to a client socket, which would otherwise bypass the p2p path's impairments.
   */
  #forgetRelay(relay: Address): void {
    this.#relays.delete(`${relay.host}:${relay.port}`);
  }

  #isServer(peer: Address): boolean {
    return this.#network.servers.some((s) => s.host === peer.host && s.port === peer.port);
  }

  /** DEV_LGN to every server (`refresh`), or only to those that have not acknowledged the last one. */
  #register(refresh: boolean): void {
    const wan = this.#endpoints.get('wan');
    if (!wan) return;
    for (const server of this.#network.servers) {
      const id = `${server.host}:${server.port}`;
      const state = this.#registered.get(id);
      const now = Date.now();
      if (!refresh && (state === undefined || state.acked || now - state.sentAt < this.options.registerRetryMs)) continue;
      this.#registered.set(id, { acked: false, sentAt: now });
      this.counters.registrations += 1;
      wan.send({ type: 'DEV_LGN', did: this.didValue, nat: 0, apiVersion: 0, address: { host: this.host, port: this.wanPort } }, server);
    }
  }

  #after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#running) fn();
    }, ms);
    this.#timers.add(timer);
  }

  #every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    this.#timers.add(timer);
  }

  #repeat(count: number, gapMs: number, fn: (i: number) => void): void {
    for (let i = 0; i < count; i += 1) {
      if (i === 0 || gapMs === 0) fn(i);
      else this.#after(i * gapMs, () => fn(i));
    }
  }

  #onDatagram(role: SocketRole, message: Message | undefined, from: Address): void {
    if (!this.#running || message === undefined) return;
    const session = this.#sessions.get(key(role, from));
    if (session && message.type === 'LAN_SEARCH') {
      // A new search from the address of a live session: a new client reusing the port. Start over.
      session.end('superseded', false);
    } else if (session) {
      session.onMessage(message);
      return;
    }
    const ours = 'did' in message && didEquals(message.did as Did, this.didValue);
    if (role === 'wan' && this.#isServer(from)) return this.#onServerMessage(message, from);
    if (role === 'wan' && message.type === 'RLY_RDY' && ours && this.#relays.has(`${from.host}:${from.port}`)) return this.#openSession('wan', from);
    switch (role) {
      case 'search':
        if (message.type === 'LAN_SEARCH') return this.#answerProbe('session', from);
        break;
      case 'wan':
      case 'session':
        if (message.type === 'LAN_SEARCH' && role === 'session' && this.options.searchOnSessionPort) return this.#answerProbe('session', from);
        if (message.type === 'PUNCH_PKT' && ours) {
          // A PUNCH_PKT from an address we punched is the echo the camera waits for (pppp.md §6.1 step 3).
          // Model decision (issue 17): the camera sends P2P_RDY only after it received the client's
          // PUNCH_PKT, never unprompted right after its own punches to a PUNCH_TO address. Evidence:
          // [K] §6.1 steps 3-5 (P2P_RDY follows the app's echo), §6.1b (a PUNCH_PKT to the session port
          // is answered with P2P_RDY, 21 of 21 logs), §6.1 negative check (no echo, no P2P_RDY ever);
          // [O] §6.2 step 5 "device answers a PUNCH_PKT with P2P_RDY" (server path unverified, no
          // capture). Hence P2P through a server costs server round trip + 2 camera<->client crossings
          // (client punch -> camera, P2P_RDY -> client), not 1; the client's racer adds no punch interval.
          if (this.#punched.has(key(role, from))) {
            // Through a server (pppp.md §6.2) the camera is told first, so its own punches may reach the
            // client before the client knows where to expect them: it answers the client's punch with one
            // more PUNCH_PKT, then P2P_RDY.
            if (role === 'wan') this.#endpoints.get('wan')?.send({ type: 'PUNCH_PKT', did: this.didValue }, from);
            return this.#becomeReady(role, from);
          }
          // A direct punch to the session port: P2P_RDY at once, no burst (pppp.md §6.1b).
          if (role === 'session' && this.options.directPunch) return this.#answerDirectPunch(from);
          return this.#answerProbe(role, from);
        }
        break;
    }
    this.counters.unexpected += 1;
  }

  /** What the camera's servers tell it: DEV_LGN_ACK, PUNCH_TO (a client to punch), RLY_TO (a relay to knock on). */
  #onServerMessage(message: Message, from: Address): void {
    switch (message.type) {
      case 'DEV_LGN_ACK': {
        const state = this.#registered.get(`${from.host}:${from.port}`);
        if (state) state.acked = true;
        this.counters.registrationAcks += 1;
        if (this.#allRegistered()) for (const resolve of this.#registeredWaiters.splice(0)) resolve();
        return;
      }
      case 'PUNCH_TO':
        return this.#answerProbe('wan', message.address);
      case 'RLY_TO':
        this.#relays.add(`${message.address.host}:${message.address.port}`);
        if (this.#relays.size > 4096) this.#relays.delete(this.#relays.values().next().value as string);
        return this.#knockOnRelay(message.address, message.mark);
      default:
        this.counters.unexpected += 1;
    }
  }

  /** Answers a probe with PUNCH_PKT from the given socket (LAN: always the session socket). */
  #answerProbe(role: SocketRole, to: Address): void {
    const endpoint = this.#endpoints.get(role);
    if (!endpoint) return;
    this.#punched.add(key(role, to));
    if (this.#punched.size > 4096) this.#punched.delete(this.#punched.values().next().value as string);
    this.#repeat(this.options.punchRepeats, this.options.repeatGapMs, () => endpoint.send({ type: 'PUNCH_PKT', did: this.didValue }, to));
  }

  /** The client echoed our PUNCH_PKT: 0x43 burst (LAN only), then P2P_RDY and a session. */
  #becomeReady(role: SocketRole, to: Address): void {
    const id = key(role, to);
    if (this.#readying.has(id)) return;
    this.#readying.add(id);
    const endpoint = this.#endpoints.get(role);
    if (!endpoint) return;
    const { tryLanTcpCount, tryLanTcpSpanMs } = this.options;
    const burst = role === 'session' ? tryLanTcpCount : 0;
    const gap = burst > 1 ? tryLanTcpSpanMs / burst : 0;
    this.#repeat(burst, gap, () => endpoint.send({ type: 'TRY_LAN_TCP', did: this.didValue, address: endpoint.address }, to));
    const ready = (): void => this.#openSession(role, to, true);
    if (burst > 0 && tryLanTcpSpanMs > 0) this.#after(tryLanTcpSpanMs, ready);
    else ready();
  }

  /** PUNCH_PKT(DID) straight to the session port: a session announced by P2P_RDY, nothing else first. */
  #answerDirectPunch(from: Address): void {
    const id = key('session', from);
    if (this.#readying.has(id)) return;
    this.#readying.add(id);
    const ready = (): void => this.#openSession('session', from, true);
    if (this.options.directPunchDelayMs > 0) this.#after(this.options.directPunchDelayMs, ready);
    else ready();
  }

  #knockOnRelay(relay: Address, mark: number): void {
    const wan = this.#endpoints.get('wan');
    if (!wan) return;
    let knocks = 0;
    const knock = (): void => {
      if (this.#sessions.has(key('wan', relay))) return;
      if (knocks > 100) {
        this.#forgetRelay(relay); // given up: its session socket will close, and its port may be reused
        return;
      }
      knocks += 1;
      wan.send({ type: 'RLY_PKT', mark, did: this.didValue, role: 'device' }, relay);
      this.#after(100, knock);
    };
    knock();
  }

  /** Opens a session with `peer`; `announce`: it starts with P2P_RDY, repeated until the client answers with ALIVE. */
  #openSession(role: SocketRole, peer: Address, announce = false): void {
    const id = key(role, peer);
    const endpoint = this.#endpoints.get(role);
    if (!endpoint || this.#sessions.has(id)) return;
    this.counters.sessions += 1;
    this.#serials.set(id, this.counters.sessions);
    const session = new CameraSession(this, endpoint, peer, announce, (reason) => {
      this.#sessions.delete(id);
      this.#serials.delete(id);
      this.#readying.delete(id);
      this.#punched.delete(id);
      if (role === 'wan') this.#forgetRelay(peer);
      if (reason === 'timeout') this.counters.closedByTimeout += 1;
      if (reason === 'remote') this.counters.closedByPeer += 1;
      if (this.#running) this.#sessionsChanged();
    });
    this.#sessions.set(id, session);
    session.start();
    this.#sessionsChanged();
  }
}

/**
 * One client session on the camera (the same for LAN, P2P and relay): keepalive, DRW with
 * acknowledgements and resends, per-channel services, death after silence, CLOSE. One timer.
 */
class CameraSession {
  readonly #receivers = new Map<number, CameraChannelReceiver>();
  readonly #senders = new Map<number, CameraChannelSender>();
  readonly #services = new Map<number, ChannelService>();
  #lastHeard = Date.now();
  #lastSent = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #ended = false;
  /** P2P_RDY copies sent; repeating stops when the client sends ALIVE or at `readyRepeats`. */
  #readyCopies = 0;
  #readyAt = 0;
  #announcing: boolean;

  constructor(
    readonly camera: SimCamera,
    readonly endpoint: SimEndpoint,
    readonly peer: Address,
    announce: boolean,
    readonly onEnd: (reason: string) => void,
  ) {
    this.#announcing = announce;
  }

  start(): void {
    if (this.#announcing) this.#announce(Date.now());
    this.#sender(0).enqueue(Buffer.from('ACK'));
    this.#pump();
  }

  onMessage(message: Message): void {
    if (this.#ended) return;
    this.#lastHeard = Date.now();
    switch (message.type) {
      case 'ALIVE':
        // The vendor app answers the P2P_RDY copies with ALIVE (pppp.md §6.1 step 7): that ends them.
        this.#announcing = false;
        this.#send({ type: 'ALIVE_ACK' });
        break;
      case 'DRW': {
        let receiver = this.#receivers.get(message.channel);
        if (!receiver) this.#receivers.set(message.channel, (receiver = new CameraChannelReceiver()));
        // Every copy is acknowledged (duplicates too), but not one the receiver has to drop.
        if (!receiver.accepts(message.index)) break;
        this.#send({ type: 'DRW_ACK', channel: message.channel, indices: [message.index] });
        for (const data of receiver.receive(message.index, message.data))
          this.#service(message.channel)?.onData(data, (reply) => this.#reply(message.channel, reply));
        break;
      }
      case 'DRW_ACK':
        this.#senders.get(message.channel)?.acknowledge(message.indices);
        break;
      case 'CLOSE':
        this.end('remote', false);
        return;
      default:
        break;
    }
    this.#pump();
  }

  end(reason: string, notifyPeer: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    if (notifyPeer) this.#send({ type: 'CLOSE' });
    if (this.#timer) clearTimeout(this.#timer);
    for (const service of this.#services.values()) service.close?.();
    this.onEnd(reason);
  }

  #service(channel: number): ChannelService | undefined {
    let service = this.#services.get(channel);
    if (!service) {
      const factory = this.camera.options.services[channel];
      if (!factory) return undefined;
      this.#services.set(channel, (service = factory()));
    }
    return service;
  }

  #sender(channel: number): CameraChannelSender {
    let sender = this.#senders.get(channel);
    if (!sender) this.#senders.set(channel, (sender = new CameraChannelSender(64, this.camera.options.drwResendMs)));
    return sender;
  }

  /** A service's answer goes out at once, also when the service answers later than the request's tick. */
  #reply(channel: number, data: Buffer): void {
    if (this.#ended) return;
    this.#sender(channel).enqueue(data);
    this.#pump();
  }

  #send(message: Message): void {
    this.#lastSent = Date.now();
    this.endpoint.send(message, this.peer);
  }

  #announce(now: number): void {
    this.#readyCopies += 1;
    this.#readyAt = now;
    if (this.#readyCopies >= this.camera.options.readyRepeats) this.#announcing = false;
    this.#send({ type: 'P2P_RDY', did: this.camera.didValue });
  }

  /** Sends what is due and re-arms the single timer for the next deadline. */
  #pump(): void {
    if (this.#ended) return;
    const now = Date.now();
    const { keepaliveMs, deadAfterMs } = this.camera.options;
    if (now - this.#lastHeard >= deadAfterMs) {
      this.end('timeout', true);
      return;
    }
    const { readyRepeatMs } = this.camera.options;
    if (this.#announcing && now - this.#readyAt >= readyRepeatMs) this.#announce(now);
    for (const [channel, sender] of this.#senders) {
      for (const packet of sender.due(now)) this.#send({ type: 'DRW', channel, index: packet.index, data: packet.data });
    }
    if (now - this.#lastSent >= keepaliveMs) this.#send({ type: 'ALIVE' });
    let next = Math.min(this.#lastSent + keepaliveMs, this.#lastHeard + deadAfterMs);
    if (this.#announcing) next = Math.min(next, this.#readyAt + readyRepeatMs);
    for (const sender of this.#senders.values()) {
      const due = sender.nextDueMs();
      if (due !== undefined) next = Math.min(next, due);
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#pump(), Math.max(1, next - Date.now()));
  }
}
