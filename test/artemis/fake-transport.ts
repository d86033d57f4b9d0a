import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AbortError } from '../../src/errors';
import type { ChannelTransport, SessionEndReason } from '../../src/session/types';
import {
  decodeCommandFrame,
  decryptPayload,
  encodeResponse,
  FrameReassembler,
  payloadText,
  type ArtemisMessage,
  type ArtemisRawFrame,
  type JsonObject,
} from '../../src/artemis';
import { repoRoot } from '../helpers/fixtures';

/** What the tests fake: only timers and the clock (faking nextTick/queueMicrotask would make countTimers count stdout writes). */
export const FAKED: ('setTimeout' | 'clearTimeout' | 'setInterval' | 'clearInterval' | 'Date')[] = [
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'Date',
];

/** Answers the data sent on a channel with the bytes the peer sends back on it. */
export type FakePeer = (channel: number, data: Buffer) => Buffer[];

/** How `send` settles: `ack` at once, `hang` until aborted or the session ends, `fail` with an error. */
export type SendMode = 'ack' | 'hang' | { fail: Error };

/**
 * An in-memory ChannelTransport: records every send, hands it to an optional peer, and delivers
 * the peer's answers as 'data' events in 1024-byte pieces (like the camera's DRW packets) on a
 * later microtask (never through timers, so sinon fake timers do not hold them back).
 */
export class FakeTransport extends EventEmitter implements ChannelTransport {
  open = true;
  peer: FakePeer | undefined;
  sendMode: SendMode = 'ack';
  readonly sent: { channel: number; data: Buffer }[] = [];
  #hanging = 0;

  constructor(peer?: FakePeer) {
    super();
    this.peer = peer;
  }

  /** Sends whose promise has not settled (sendMode `hang`). */
  get hangingSends(): number {
    return this.#hanging;
  }

  send(channel: number, data: Buffer, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.open) return Promise.reject(new Error('fake session has ended'));
    if (options.signal?.aborted) return Promise.reject(new AbortError('fake send aborted'));
    this.sent.push({ channel, data: Buffer.from(data) });
    const peer = this.peer;
    if (peer) {
      void Promise.resolve().then(() => {
        for (const answer of peer(channel, data)) this.deliver(channel, answer);
      });
    }
    const mode = this.sendMode;
    if (mode === 'ack') return Promise.resolve();
    if (mode !== 'hang') return Promise.reject(mode.fail);
    return new Promise<void>((resolve, reject) => {
      this.#hanging += 1;
      const settle = (error?: Error): void => {
        this.#hanging -= 1;
        options.signal?.removeEventListener('abort', onAbort);
        this.off('end', onEnd);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = (): void => settle(new AbortError('fake send aborted'));
      const onEnd = (): void => settle(new Error('fake session has ended'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.on('end', onEnd);
    });
  }

  /** Emits `bytes` as 'data' on `channel`, in pieces of at most 1024 bytes. */
  deliver(channel: number, bytes: Buffer): void {
    for (let offset = 0; offset < bytes.length; offset += 1024) this.emit('data', channel, bytes.subarray(offset, offset + 1024));
  }

  /** Ends the session as the Session would. */
  end(reason: SessionEndReason = { kind: 'lost', reason: 'timeout' }): void {
    this.open = false;
    this.emit('end', reason);
  }

  /** Every ARTEMIS frame sent on channel 0. */
  rawRequests(): ArtemisRawFrame[] {
    const reassembler = new FrameReassembler();
    const out: ArtemisRawFrame[] = [];
    for (const { channel, data } of this.sent) {
      if (channel !== 0) continue;
      for (const item of reassembler.push(data)) if (item.kind === 'frame') out.push(item.frame);
    }
    return out;
  }

  /** Every ARTEMIS request sent on channel 0, decoded. */
  requests(): ArtemisMessage[] {
    return this.rawRequests().map(decodeCommandFrame);
  }

  /** The decrypted plaintexts of the requests sent, exactly as on the wire. */
  requestTexts(): string[] {
    return this.rawRequests().map((frame) => decryptPayload(payloadText(frame)));
  }
}

/** A real camera response from test/artemis/fixtures (copied from the app log). */
export function loadRealResponse(name: 'device-info-512' | 'media-list-768'): JsonObject {
  return JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test', 'artemis', 'fixtures', `${name}.json`), 'utf8')) as JsonObject;
}

/** Lets queued microtasks (fake deliveries and promise chains) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

/** A peer that decodes each request and answers with `answer(request)` (undefined: no answer). */
export function answeringPeer(answer: (request: ArtemisMessage) => JsonObject | undefined): FakePeer {
  const reassembler = new FrameReassembler();
  return (channel, data) => {
    if (channel !== 0) return [];
    const out: Buffer[] = [];
    for (const item of reassembler.push(data)) {
      if (item.kind !== 'frame') continue;
      const request = decodeCommandFrame(item.frame);
      const body = answer(request);
      if (body !== undefined) out.push(encodeResponse(request.seq, body));
    }
    return out;
  };
}
