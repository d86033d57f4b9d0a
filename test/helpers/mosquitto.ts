import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto'];

/** The mosquitto binary (Debian: /usr/sbin/mosquitto; `TRAILCAM_MOSQUITTO` overrides), or null when it is not installed. */
export function mosquittoBinary(): string | null {
  const candidates = process.env.TRAILCAM_MOSQUITTO ? [process.env.TRAILCAM_MOSQUITTO] : CANDIDATES;
  return candidates.find((path) => existsSync(path)) ?? null;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; released again before mosquitto binds it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  /** Everything mosquitto wrote (for failure messages). */
  readonly log: string[];
  /** Connects a client (and waits for CONNACK); the caller ends it, `stop()` ends any left. */
  client(options?: IClientOptions): Promise<MqttClient>;
  /** Ends every client, kills mosquitto and removes its temp directory. Safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test process that exits any other way (an uncaught error, mocha's exit) takes mosquitto with it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts mosquitto on 127.0.0.1 on a free port with a temp config (anonymous, no persistence,
 * loopback only) and resolves once a client connected to it.
 */
export async function startMosquitto(binary: string): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'trailcam-mosquitto-'));
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const log: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      reject(new Error(`mosquitto exited (${code ?? signal}) before the test ended: ${log.join('').trim()}`));
    });
    child.once('error', (err) => reject(err));
  });
  exited.catch(() => undefined);
  const url = `mqtt://127.0.0.1:${port}`;
  const clients = new Set<MqttClient>();
  let stopped = false;

  const broker: Mosquitto = {
    port,
    url,
    log,
    async client(options: IClientOptions = {}) {
      // reconnectPeriod: retry until mosquitto listens (it was just started); a dead mosquitto rejects instead.
      const client = mqtt.connect(url, { reconnectPeriod: 50, connectTimeout: 5_000, ...options });
      clients.add(client);
      await Promise.race([new Promise<void>((resolve) => client.once('connect', () => resolve())), exited]);
      return client;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all([...clients].map((c) => c.endAsync(true).catch(() => undefined)));
      clients.clear();
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await gone;
      }
      running.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    const probe = await broker.client();
    await probe.endAsync();
    clients.delete(probe);
  } catch (err) {
    await broker.stop();
    throw err;
  }
  return broker;
}

/** One received publish. */
export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/**
 * Records every publish a client receives and resolves waits by event order: `next(match)`
 * resolves with the first message from now on that matches.
 */
export class Recorder {
  readonly messages: Received[] = [];
  readonly #waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];

  constructor(client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const m: Received = { topic, payload: payload.toString('utf8'), retain: packet.retain };
      this.messages.push(m);
      for (const waiter of [...this.#waiters]) {
        if (!waiter.match(m)) continue;
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(m);
      }
    });
  }

  next(match: (m: Received) => boolean): Promise<Received> {
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  /** Resolves once `count` messages matching `match` arrived from now on, with them. */
  collect(count: number, match: (m: Received) => boolean): Promise<Received[]> {
    const got: Received[] = [];
    return new Promise((resolve) => {
      // One waiter for all of them: messages of one TCP read are emitted in one synchronous
      // loop, so a waiter registered after the first resolved would miss the rest.
      this.#waiters.push({
        match: (m) => {
          if (!match(m)) return false;
          got.push(m);
          return got.length === count;
        },
        resolve: () => resolve(got),
      });
    });
  }
}

/**
 * What the broker retains under `filters` now: a fresh client subscribes, then publishes a
 * marker (not retained) to a topic it also subscribed to; the broker sends the retained messages
 * of a subscription before it handles the client's next publish, so everything before the
 * marker is the retained state. No sleeps.
 */
export async function retained(broker: Mosquitto, filters: string[]): Promise<Received[]> {
  const client = await broker.client();
  try {
    const recorder = new Recorder(client);
    const marker = `trailcam-test/marker/${process.pid}-${Date.now()}`;
    await client.subscribeAsync([...filters, marker], { qos: 1 });
    const seen = recorder.next((m) => m.topic === marker);
    await client.publishAsync(marker, 'x', { qos: 1 });
    await seen;
    return recorder.messages.filter((m) => m.topic !== marker);
  } finally {
    await client.endAsync();
  }
}
