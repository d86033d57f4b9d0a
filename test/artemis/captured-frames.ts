import { loadFixture } from '../helpers/fixtures';

/** One entry of test/fixtures/artemis_frames.json (a copy of shared/protocol/artemis_frames.json). */
export interface CapturedFrame {
  file: string;
  seq: number | null;
  msgType: number;
  ciphertext_b64: string;
  plaintext: string;
  direction: 'TX' | 'RX';
  drw_channel: number;
  drw_index: number;
  length_field?: number;
  bytes_after_nul_hex?: string;
  reencrypt_matches_capture?: boolean;
  partial?: boolean;
}

export const capturedFrames = loadFixture<CapturedFrame[]>('artemis_frames.json');
/** Every complete captured frame (not the `partial: true` fragments). */
export const completeFrames = capturedFrames.filter((frame) => frame.partial !== true);
export const fragments = capturedFrames.filter((frame) => frame.partial === true);

/**
 * The frame bytes as they were on the wire, rebuilt from the fixture: the captured base64 plus
 * its NULs (1 for TX requests, 21 for RX responses, artemis.md §2) behind a 20-byte LE header
 * whose length field is the captured one.
 */
export function rebuildWireFrame(frame: CapturedFrame): Buffer {
  const nuls = frame.msgType === 2 ? 1 : 21;
  const header = Buffer.alloc(20);
  header.write('ARTEMIS\0', 0, 'latin1');
  header.writeUInt32LE(frame.msgType, 8);
  header.writeUInt32LE(frame.seq as number, 12);
  header.writeUInt32LE(frame.length_field as number, 16);
  return Buffer.concat([header, Buffer.from(frame.ciphertext_b64, 'latin1'), Buffer.alloc(nuls)]);
}
