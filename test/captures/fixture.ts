import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/fixtures';

/** Prefix of a rejection or skip reason that no extractor rule explains; the capture tests fail on it. */
export const UNEXPLAINED = 'UNEXPLAINED';

export type CaptureFormat = 'frida-hexdump' | 'frida-timed' | 'python-debug' | 'wireshark-text' | 'app-log';

/** One datagram as the log shows it. `dir` is seen from the logging client: rx = from the camera. */
export interface CapturedDatagram {
  /** 0-based ordinal in the log (the "hex log ordinal" of pppp.md's vector indices). */
  n: number;
  /** 1-based line of the log where the datagram starts. */
  line: number;
  dir: 'rx' | 'tx';
  /** The log's own time stamp, when it has one; `tMs` is ms since the log's first time stamp. */
  at?: string;
  tMs?: number;
  /** Addresses as logged (host:port), when the log has them. */
  from?: string;
  to?: string;
  /** Socket fd of a Frida TX record; Wireshark frame number. */
  fd?: number;
  frame?: number;
  /** Size of the datagram as the log states it (may exceed the hex shown when the log truncates). */
  size: number;
  /** The datagram's bytes; absent when the log has no hex (timed log). */
  hex?: string;
  /** Message code from the log's label when there is no hex. */
  code?: number;
  /** The log's own label for the datagram, when it has one. */
  label?: string;
  /** Set when the codec rejects the datagram: why (a named cause), and the codec's error. */
  rejected?: { reason: string; decodeError: string };
}

/** A log record that is not a (complete, separate) UDP datagram, with why it is left out. */
export interface SkippedRecord {
  line: number;
  reason: string;
  hex?: string;
  text?: string;
}

/** A connect event of the vendor app's own log. */
export interface CaptureEvent {
  line: number;
  at: string;
  tMs?: number;
  text: string;
  local?: string;
  remote?: string;
  localPort?: number;
}

export interface CaptureFixture {
  source: string;
  format: CaptureFormat;
  description: string;
  extractedBy: string;
  timed: boolean;
  localAddress?: string;
  counts: { datagrams: number; distinct: number; rejected: number; skipped: number };
  datagrams: CapturedDatagram[];
  skipped: SkippedRecord[];
  events?: CaptureEvent[];
}

export const CAPTURE_FIXTURES_DIR = (): string => path.join(repoRoot(), 'test', 'fixtures', 'captures');

/** Names of the committed capture fixtures (sorted). */
export function captureFixtureNames(): string[] {
  return fs
    .readdirSync(CAPTURE_FIXTURES_DIR())
    .filter((name) => name.endsWith('.json'))
    .sort();
}

export function loadCapture(name: string): CaptureFixture {
  return JSON.parse(fs.readFileSync(path.join(CAPTURE_FIXTURES_DIR(), name), 'utf8')) as CaptureFixture;
}
