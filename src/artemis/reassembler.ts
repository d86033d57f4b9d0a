import { ARTEMIS_HEADER_LENGTH, ARTEMIS_MAGIC, DEFAULT_MAX_FRAME_LENGTH } from './constants';
import { ArtemisFrameError } from './errors';
import { readFrameHeader, type ArtemisFrameHeader, type ArtemisRawFrame } from './frame';

/** What one `push` yields, in stream order: complete frames and rejected headers. */
export type ReassemblyItem = { kind: 'frame'; frame: ArtemisRawFrame } | { kind: 'error'; error: ArtemisFrameError };

export interface FrameReassemblerOptions {
  /** Largest accepted length field; a longer one is reported as an error and skipped. Default 256 KiB. */
  maxFrameLength?: number;
}

/**
 * Cuts a channel's byte stream (the DRW packets of one channel, in order) into ARTEMIS frames.
 * Pure: bytes in, frames out. Skips bytes before the "ARTEMIS\0" magic, joins a frame spread
 * over several chunks (the camera sends large responses in 1024-byte pieces), and never holds
 * more than `20 + maxFrameLength` bytes: a length field above the limit is reported as an
 * `ArtemisFrameError` and the reader resynchronises at the next magic.
 */
export class FrameReassembler {
  readonly maxFrameLength: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Header of the frame being collected; its bytes are still at the front of the buffer. */
  #header: ArtemisFrameHeader | undefined;
  #droppedBytes = 0;

  constructor(options: FrameReassemblerOptions = {}) {
    const max = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`maxFrameLength ${max} is not a non-negative integer`);
    this.maxFrameLength = max;
  }

  /** Bytes held while waiting for the rest of a header or frame. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Bytes skipped so far because they were not part of any frame. */
  get droppedBytes(): number {
    return this.#droppedBytes;
  }

  /** Forgets any partial frame (e.g. when the session restarts). */
  reset(): void {
    this.#chunks = [];
    this.#buffered = 0;
    this.#header = undefined;
  }

  /** Adds the next piece of the stream and returns every frame (or rejected header) it completes. */
  push(chunk: Buffer): ReassemblyItem[] {
    const out: ReassemblyItem[] = [];
    if (chunk.length === 0) return out;
    this.#chunks.push(Buffer.from(chunk));
    this.#buffered += chunk.length;
    for (;;) {
      const header = this.#header;
      const needed = ARTEMIS_HEADER_LENGTH + (header?.length ?? 0);
      if (this.#buffered < needed) break;
      const buffer = this.#flatten();
      if (header !== undefined) {
        const payload = Buffer.from(buffer.subarray(ARTEMIS_HEADER_LENGTH, needed));
        out.push({ kind: 'frame', frame: { msgType: header.msgType, seq: header.seq, payload } });
        this.#drop(needed, false);
        this.#header = undefined;
        continue;
      }
      const at = buffer.indexOf(ARTEMIS_MAGIC);
      if (at < 0) {
        // Keep a tail that may be the start of a magic split across chunks.
        this.#drop(Math.max(0, this.#buffered - (ARTEMIS_MAGIC.length - 1)), true);
        break;
      }
      this.#drop(at, true);
      if (this.#buffered < ARTEMIS_HEADER_LENGTH) break;
      const found = readFrameHeader(this.#flatten()) as ArtemisFrameHeader;
      if (found.length > this.maxFrameLength) {
        const error = new ArtemisFrameError(
          'length',
          `length field ${found.length} exceeds the limit of ${this.maxFrameLength} bytes; skipping to the next frame`,
          found,
        );
        out.push({ kind: 'error', error });
        this.#drop(ARTEMIS_MAGIC.length, true);
        continue;
      }
      this.#header = found;
    }
    return out;
  }

  #flatten(): Buffer {
    if (this.#chunks.length !== 1) this.#chunks = [Buffer.concat(this.#chunks, this.#buffered)];
    return this.#chunks[0];
  }

  #drop(count: number, asGarbage: boolean): void {
    if (count <= 0) return;
    const buffer = this.#flatten();
    const rest = buffer.subarray(count);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    if (asGarbage) this.#droppedBytes += count;
  }
}
