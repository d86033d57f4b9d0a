/**
 * Constants of the ARTEMIS application layer (artemis.md §1–§5). Every number here comes from
 * the captures or the disassembly of libArLink.so unless its comment says otherwise.
 */

/** The 8 bytes every ARTEMIS frame starts with: "ARTEMIS" and a NUL. */
export const ARTEMIS_MAGIC: Buffer = Buffer.from('ARTEMIS\0', 'latin1');

/** Size of the little-endian frame header: magic(8) msgType(4) seq(4) length(4). */
export const ARTEMIS_HEADER_LENGTH = 20;

/** Offsets of the header fields (all u32 little-endian). */
export const HEADER_OFFSET = { msgType: 8, seq: 12, length: 16 } as const;

/** The fixed AES-128 key of the vendor library (`.rodata` 0x16ada of libArLink.so). */
export const ARTEMIS_AES_KEY: Buffer = Buffer.from('xs38nul7cqf7m1va', 'latin1');

/** AES block size: plaintexts are zero-padded to a multiple of it. */
export const AES_BLOCK_LENGTH = 16;

/** Frame message types (artemis.md §1 table). */
export const ArtemisMsgType = {
  liveAv: 0,
  talkAudio: 1,
  request: 2,
  response: 3,
  playback: 4,
  fileDownload: 5,
  event: 9,
} as const;

/** NULs after the base64 text: one in requests (app → camera), 21 in responses (camera → app). */
export const REQUEST_NUL_COUNT = 1;
export const RESPONSE_NUL_COUNT = 21;

/** Command sequence numbers count 1, 2, 3, … per session; the login is always 1. */
export const FIRST_COMMAND_SEQ = 1;
/** Heartbeats use their own counter starting at 0x00010001. */
export const FIRST_HEARTBEAT_SEQ = 65537;

/** Command ids seen on the wire and in the app log (artemis.md §5). */
export const ArtemisCmd = {
  login: 0,
  ack258: 258,
  ack259: 259,
  deviceInfo: 512,
  heartbeat: 525,
  mediaList: 768,
  thumbnails: 772,
} as const;

/** The app's heartbeat period (app log timestamps: about every 3 s). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 3000;
/** Our choice: the camera answered 512 in ~130 ms and 768 in ~1.1 s in the app log. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
/** The app's page size for the media list (cmdId 768). */
export const DEFAULT_MEDIA_PAGE_SIZE = 45;
/** Our upper bound for a media page, so one response stays far below the frame-length limit. */
export const MAX_MEDIA_PAGE_SIZE = 1000;
/**
 * Our bound on the length field of one frame (the largest real response seen, cmdId 512, is
 * about 3.1 KB; a 45-item media list about 7 KB). Longer length fields are treated as corrupt.
 */
export const DEFAULT_MAX_FRAME_LENGTH = 256 * 1024;
