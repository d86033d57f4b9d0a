import { ARTEMIS_HEADER_LENGTH, ARTEMIS_MAGIC, ArtemisMsgType, DEFAULT_MAX_FRAME_LENGTH } from './constants';
import { ArtemisFrameError } from './errors';
import { readFrameHeader, type ArtemisFrameHeader, type ArtemisRawFrame } from './frame';

/** What one `push` yields, in stream order: complete frames and rejected headers. */
export type ReassemblyItem = { kind: 'frame'; frame: ArtemisRawFrame } | { kind: 'error'; error: ArtemisFrameError };

export interface FrameReassemblerOptions {
  /** Largest accepted length field; a longer one is reported as an error and skipped. Default 256 KiB. */
  maxFrameLength?: number;
}

/** The largest msgType the vendor dispatcher knows (artemis.md §1: 0–5, 8, 9; 6 and 7 are read and dropped). */
export const MAX_ARTEMIS_MSG_TYPE = 9;

/** Bytes of a command frame's payload text: the standard base64 alphabet and `=`. */
function isBase64Byte(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x2b || // +
    byte === 0x2f || // /
    byte === 0x3d // =
  );
}

/** The frame being collected: its header (still at the front of the buffer) and how far its payload was checked. */
interface PartialFrame {
  header: ArtemisFrameHeader;
  /** Stream offset (bytes pushed before it) of the frame's first byte. */
  start: number;
  /** Payload bytes checked so far. */
  checked: number;
  /** Command frames only: the NUL padding after the base64 text has begun. */
  inPadding: boolean;
  /** The last up to 7 payload bytes checked, so a magic split across pushes is still seen. */
  tail: Buffer;
}

/**
 * Cuts a channel's byte stream (the DRW packets of one channel, in order) into ARTEMIS frames.
 * Pure: bytes in, frames out. Skips bytes before the "ARTEMIS\0" magic, joins a frame spread
 * over several chunks (the camera sends large responses in 1024-byte pieces), and never holds
 * more than `20 + maxFrameLength` bytes.
 *
 * It resynchronises (reports an `ArtemisFrameError` and looks for the next magic after the
 * rejected header) as soon as the frame being collected cannot be valid, so one corrupt
 * header never swallows the frames behind it:
 * - its length field is above `maxFrameLength` (stage `length`);
 * - its msgType is above 9, which no ARTEMIS peer sends (stage `msgType`);
 * - a command frame (msgType 2/3: base64 text, then NUL padding, artemis.md §2) holds a byte
 *   that is neither base64 nor padding, or text after its padding (stage `base64`);
 * - a new "ARTEMIS\0" magic starts inside its announced length (stage `length`).
 * `resync()` gives up on the frame being collected on request (the client calls it when a
 * command times out behind a frame that has been incomplete since before the command was sent).
 */
export class FrameReassembler {
  readonly maxFrameLength: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #partial: PartialFrame | undefined;
  #droppedBytes = 0;
  #received = 0;

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

  /** Every byte pushed so far (the stream offset of the next byte). */
  get bytesReceived(): number {
    return this.#received;
  }

  /**
   * Stream offset (see bytesReceived) where the frame being collected began, or undefined when
   * no frame is incomplete. A value below the offset recorded when a command was sent means the
   * frame has been incomplete for at least as long as the command waited.
   */
  get partialFrameStart(): number | undefined {
    return this.#partial?.start;
  }

  /** Forgets any partial frame (e.g. when the session restarts). */
  reset(): void {
    this.#chunks = [];
    this.#buffered = 0;
    this.#partial = undefined;
  }

  /** Adds the next piece of the stream and returns every frame (or rejected header) it completes. */
  push(chunk: Buffer): ReassemblyItem[] {
    if (chunk.length === 0) return [];
    this.#chunks.push(Buffer.from(chunk));
    this.#buffered += chunk.length;
    this.#received += chunk.length;
    return this.#scan([]);
  }

  /**
   * Gives up on the frame being collected (if any): reports it as an `ArtemisFrameError` (stage
   * `length`) and looks for the next magic after its header; returns what that finds.
   */
  resync(): ReassemblyItem[] {
    const partial = this.#partial;
    if (partial === undefined) return [];
    const { header } = partial;
    const reason = `gave up on a frame after ${partial.checked} of the ${header.length} bytes its length field announces; resynchronising at the next frame`;
    return this.#scan([this.#reject('length', reason, header)]);
  }

  #scan(out: ReassemblyItem[]): ReassemblyItem[] {
    for (;;) {
      const partial = this.#partial;
      if (partial !== undefined) {
        const needed = ARTEMIS_HEADER_LENGTH + partial.header.length;
        const problem = this.#checkPayload(partial, Math.min(this.#buffered, needed) - ARTEMIS_HEADER_LENGTH);
        if (problem !== undefined) {
          out.push(this.#reject(problem.stage, problem.reason, partial.header));
          continue;
        }
        if (this.#buffered < needed) break;
        const payload = Buffer.from(this.#flatten().subarray(ARTEMIS_HEADER_LENGTH, needed));
        out.push({ kind: 'frame', frame: { msgType: partial.header.msgType, seq: partial.header.seq, payload } });
        this.#drop(needed, false);
        this.#partial = undefined;
        continue;
      }
      if (this.#buffered < ARTEMIS_HEADER_LENGTH) break;
      const buffer = this.#flatten();
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
        const reason = `length field ${found.length} exceeds the limit of ${this.maxFrameLength} bytes; skipping to the next frame`;
        out.push({ kind: 'error', error: new ArtemisFrameError('length', reason, found) });
        this.#drop(ARTEMIS_MAGIC.length, true);
        continue;
      }
      if (found.msgType > MAX_ARTEMIS_MSG_TYPE) {
        const reason = `msgType ${found.msgType} is not an ARTEMIS message type (0-${MAX_ARTEMIS_MSG_TYPE}); skipping to the next frame`;
        out.push({ kind: 'error', error: new ArtemisFrameError('msgType', reason, found) });
        this.#drop(ARTEMIS_MAGIC.length, true);
        continue;
      }
      const start = this.#received - this.#buffered;
      this.#partial = { header: found, start, checked: 0, inPadding: false, tail: Buffer.alloc(0) };
    }
    return out;
  }

  /** Drops the rejected header's magic (the rest is searched again) and reports why. */
  #reject(stage: 'length' | 'base64', reason: string, header: ArtemisFrameHeader): ReassemblyItem {
    this.#partial = undefined;
    this.#drop(ARTEMIS_MAGIC.length, true);
    return { kind: 'error', error: new ArtemisFrameError(stage, reason, header) };
  }

  /**
   * Checks payload bytes `partial.checked` .. `upTo` (exclusive) of the frame being collected.
   * Returns why the frame cannot be valid, or undefined.
   */
  #checkPayload(partial: PartialFrame, upTo: number): { stage: 'length' | 'base64'; reason: string } | undefined {
    if (upTo <= partial.checked) return undefined;
    const from = partial.checked;
    const bytes = this.#slice(ARTEMIS_HEADER_LENGTH + from, ARTEMIS_HEADER_LENGTH + upTo);
    const { header } = partial;
    const window = partial.tail.length > 0 ? Buffer.concat([partial.tail, bytes]) : bytes;
    const magicAt = window.indexOf(ARTEMIS_MAGIC);
    const magicOffset = magicAt < 0 ? Infinity : from - partial.tail.length + magicAt;
    let badOffset = Infinity;
    let badReason = '';
    if (header.msgType === ArtemisMsgType.request || header.msgType === ArtemisMsgType.response) {
      for (let i = 0; i < bytes.length && from + i < magicOffset; i += 1) {
        const byte = bytes[i];
        if (partial.inPadding) {
          if (byte === 0) continue;
          badOffset = from + i;
          badReason = `byte 0x${byte.toString(16).padStart(2, '0')} at payload offset ${badOffset} follows the NUL padding`;
          break;
        }
        if (byte === 0) partial.inPadding = true;
        else if (!isBase64Byte(byte)) {
          badOffset = from + i;
          badReason = `byte 0x${byte.toString(16).padStart(2, '0')} at payload offset ${badOffset} is neither base64 nor NUL padding`;
          break;
        }
      }
    }
    if (magicOffset < badOffset) {
      return {
        stage: 'length',
        reason: `a new frame magic starts at payload offset ${magicOffset}, inside the ${header.length} bytes the length field announces; resynchronising there`,
      };
    }
    if (badOffset < Infinity) return { stage: 'base64', reason: `${badReason}; resynchronising at the next frame` };
    partial.checked = upTo;
    partial.tail = Buffer.from(window.subarray(Math.max(0, window.length - (ARTEMIS_MAGIC.length - 1))));
    return undefined;
  }

  /** Bytes `start` .. `end` of what is buffered, copying only across chunk boundaries. */
  #slice(start: number, end: number): Buffer {
    const parts: Buffer[] = [];
    let offset = 0;
    for (const chunk of this.#chunks) {
      const next = offset + chunk.length;
      if (next > start && offset < end) parts.push(chunk.subarray(Math.max(0, start - offset), Math.min(chunk.length, end - offset)));
      offset = next;
      if (offset >= end) break;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
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
