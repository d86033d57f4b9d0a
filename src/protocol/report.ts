import { readDid, writeDid } from './did';
import { proprietaryDecrypt, proprietaryEncrypt, REPORT_KEY } from './cipher';
import type { SessionReport } from './messages';
import { readSocketAddress, writeSocketAddress } from './sockaddr';

/** Size of the REPORT_SESSION_READY payload (pppp.md §7.2). */
export const REPORT_SIZE = 84;

/** Decrypts and parses an 84-byte REPORT_SESSION_READY payload. */
export function readSessionReport(payload: Buffer): SessionReport {
  const plain = proprietaryDecrypt(payload, REPORT_KEY);
  return {
    did: readDid(plain, 0, 0xf9),
    result: plain.readInt32BE(20),
    unknown24: plain.readUInt32BE(24),
    elapsedMs: plain.readUInt16BE(28),
    unknown30: plain.readUInt16BE(30),
    lanSearchFlags: plain[32],
    unknown33: plain.readUIntBE(33, 3),
    localAddress: readSocketAddress(plain, 36, 0xf9),
    wanAddress: readSocketAddress(plain, 52, 0xf9),
    peerAddress: readSocketAddress(plain, 68, 0xf9),
  };
}

/** Builds and encrypts an 84-byte REPORT_SESSION_READY payload. */
export function writeSessionReport(report: SessionReport): Buffer {
  const plain = Buffer.alloc(REPORT_SIZE);
  writeDid(report.did, plain, 0);
  plain.writeInt32BE(report.result, 20);
  plain.writeUInt32BE(report.unknown24, 24);
  plain.writeUInt16BE(report.elapsedMs, 28);
  plain.writeUInt16BE(report.unknown30, 30);
  plain[32] = report.lanSearchFlags;
  plain.writeUIntBE(report.unknown33, 33, 3);
  writeSocketAddress(report.localAddress, plain, 36);
  writeSocketAddress(report.wanAddress, plain, 52);
  writeSocketAddress(report.peerAddress, plain, 68);
  return proprietaryEncrypt(plain, REPORT_KEY);
}
