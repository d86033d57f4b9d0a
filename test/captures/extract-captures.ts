/*
 * Turns the real KJK230 logs in ../shared/captures (or the folder given as argument) into JSON
 * fixtures under test/fixtures/captures/, one per log: the datagrams in order with direction,
 * addresses/ports and times where the log has them, and the hex. Run by hand when a capture is
 * added (`npm run extract-captures [-- <captures folder>]`); the tests read only the committed
 * fixtures. Each datagram the codec rejects is named with its reason; a rejection no rule
 * explains is written as UNEXPLAINED, which the capture tests fail on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decode, HEADER_SIZE, MessageCode, REPORT_SIZE } from '../../src/protocol';
import type { CaptureFixture, CapturedDatagram, CaptureFormat, SkippedRecord } from './fixture';
import { UNEXPLAINED } from './fixture';

/** Log lines parsed so far, before rejection reasons are filled in. */
interface Parsed {
  format: CaptureFormat;
  description: string;
  localAddress?: string;
  datagrams: Omit<CapturedDatagram, 'n' | 'tMs'>[];
  skipped: SkippedRecord[];
  events?: CaptureFixture['events'];
}

type Raw = Parsed['datagrams'][number];

const FRIDA_HEADER = /^⚡ \[(?:UDP )?(RX|TX)\] (?:Empfange|Sende)(?: UDP)? \((\d+) bytes\)(?: FD:(\d+))?/;
const FRIDA_DUMP = /^[0-9a-f]{8,16} {2}((?:[0-9a-f]{2} ?)+)/;
const BLE_HEADER = /^🔵 \[BLE (RX|TX)\] (?:Notification von|Write an) UUID: ([0-9a-f-]+)/;

/** Frida sendto/recvfrom hex dumps (udp_traffic_*, frida_udp_traffic, *_thumpnail, ble_udp_*). */
export function parseFridaHexdump(text: string): Parsed {
  const lines = text.split(/\r?\n/);
  const datagrams: Raw[] = [];
  const skipped: SkippedRecord[] = [];
  let ble = 0;
  for (let i = 0; i < lines.length; i += 1) {
    const header = FRIDA_HEADER.exec(lines[i]);
    if (header) {
      const bytes: string[] = [];
      let j = i + 1;
      for (; j < lines.length; j += 1) {
        const dump = FRIDA_DUMP.exec(lines[j]);
        if (!dump) break;
        // Hex columns only (16 × "xx "), never the ASCII column.
        bytes.push(
          ...lines[j]
            .slice(lines[j].indexOf('  ') + 2, lines[j].indexOf('  ') + 2 + 48)
            .trim()
            .split(/\s+/)
            .filter((b) => /^[0-9a-f]{2}$/.test(b)),
        );
      }
      datagrams.push({
        line: i + 1,
        dir: header[1] === 'RX' ? 'rx' : 'tx',
        size: Number(header[2]),
        ...(header[3] === undefined ? {} : { fd: Number(header[3]) }),
        hex: bytes.join(''),
      });
      i = j - 1;
      continue;
    }
    const bleHeader = BLE_HEADER.exec(lines[i]);
    if (bleHeader) {
      ble += 1;
      const data = /^\s*Data: ((?:[0-9A-Fa-f]{2} ?)+)/.exec(lines[i + 1] ?? '');
      skipped.push({
        line: i + 1,
        reason: `BLE ${bleHeader[1]} on characteristic ${bleHeader[2]}: Bluetooth LE wake-up traffic (protocol/ble-wake.md), not UDP`,
        ...(data ? { hex: data[1].replace(/\s+/g, '').toLowerCase() } : {}),
      });
    }
  }
  return {
    format: 'frida-hexdump',
    description:
      'Frida sendto/recvfrom hook of the vendor app (TrailCam Go) on the phone: hex of each datagram, no addresses or times; ' +
      'the hook filters on 0xF1 and logs no 4-byte datagrams (LAN_SEARCH, ALIVE, ALIVE_ACK, CLOSE) and none over ~500 bytes' +
      (ble > 0 ? `; also ${ble} BLE GATT records (listed in skipped)` : ''),
    datagrams,
    skipped,
  };
}

const TLOG_LINE = /^\[(\d\d:\d\d:\d\d\.\d{3})\] \S+ \[(RX|TX)\] (.+?) \((\d+) bytes\)\s*$/;

/** The analyzer's labels → message code (the timed log has no hex). */
function tlogCode(label: string): number | undefined {
  const unknown = /^UNKNOWN \(0x([0-9a-f]+)\)$/.exec(label);
  if (unknown) return parseInt(unknown[1], 16);
  if (label.startsWith('DATA ')) return MessageCode.DRW;
  if (label === 'RUDP_CONTROL' || label.startsWith('RUDP_ACK ')) return MessageCode.DRW_ACK;
  return undefined;
}

/** traffic_port_get_pictures.log: ms timestamps, direction, the analyzer's type label and size; no hex. */
export function parseTimedLog(text: string): Parsed {
  const lines = text.split(/\r?\n/);
  const datagrams: Raw[] = [];
  const skipped: SkippedRecord[] = [];
  lines.forEach((line, i) => {
    const m = TLOG_LINE.exec(line);
    if (!m) {
      if (/\[(RX|TX)\]/.test(line)) skipped.push({ line: i + 1, reason: 'UNEXPLAINED: unparsed packet line', text: line });
      return;
    }
    const code = tlogCode(m[3]);
    if (code === undefined) {
      skipped.push({ line: i + 1, reason: `UNEXPLAINED: unknown label ${m[3]}`, text: line });
      return;
    }
    datagrams.push({ line: i + 1, dir: m[2] === 'RX' ? 'rx' : 'tx', at: m[1], size: Number(m[4]), code, label: m[3] });
  });
  return {
    format: 'frida-timed',
    description:
      "Frida analyzer log of the vendor app: the hook's own ms timestamp, direction, type label and size of each datagram; " +
      'no hex and no addresses (the code comes from the label: DATA = 0xd0, RUDP_ACK/RUDP_CONTROL = 0xd1)',
    datagrams,
    skipped,
  };
}

const PY_LINE = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) - \w+ - (📤|📥) (.*)$/;

/** direct_punch/*.log: the Python client's debug log (one line per datagram, hex=…, to=/from=). */
export function parsePythonDebug(text: string): Parsed {
  const lines = text.split(/\r?\n/);
  const datagrams: Raw[] = [];
  const skipped: SkippedRecord[] = [];
  let localAddress: string | undefined;
  let pendingRaw: { line: number; at: string; from: string; size: number; hex: string } | undefined;
  const flushRaw = (): void => {
    if (!pendingRaw) return;
    datagrams.push({ line: pendingRaw.line, dir: 'rx', at: pendingRaw.at, from: pendingRaw.from, size: pendingRaw.size, hex: pendingRaw.hex, label: 'RAW RX' });
    pendingRaw = undefined;
  };
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    const socket = /- INFO - Socket: (\d+\.\d+\.\d+\.\d+:\d+)/.exec(line);
    if (socket) localAddress = socket[1];
    const raw = /^(\S+ \S+) - DEBUG - \S+ RAW RX from=(\S+) len=(\d+)/.exec(line);
    if (raw) {
      flushRaw();
      let hex = '';
      let j = i + 1;
      for (; j < lines.length && /^[0-9a-f]{4}: [0-9a-f]+/.test(lines[j]); j += 1) hex += lines[j].slice(6).trim();
      pendingRaw = { line: i + 1, at: raw[1], from: raw[2], size: Number(raw[3]), hex };
      i = j - 1;
      continue;
    }
    const m = PY_LINE.exec(line);
    // Long datagrams end in "…(+105b)": the log cut them (their size is still in BodyLen).
    const hexMatch = /\| hex=([0-9a-f]*)(?:…\(\+\d+b\))?\s*$/.exec(line);
    if (!m || !hexMatch) continue;
    const hex = hexMatch[1];
    const dir = m[2] === '📤' ? 'tx' : 'rx';
    const to = / to=(\d+\.\d+\.\d+\.\d+:\d+)/.exec(line)?.[1];
    const fromMatch = / from=\('([\d.]+)', (\d+)\)/.exec(line);
    const from = fromMatch ? `${fromMatch[1]}:${fromMatch[2]}` : undefined;
    const bodyLen = / BodyLen=(\d+)/.exec(line);
    const shortLen = /\(short,len=(\d+)\)/.exec(line);
    const size = bodyLen ? Number(bodyLen[1]) + HEADER_SIZE : shortLen ? Number(shortLen[1]) : hex.length / 2;
    const label = m[3]
      .replace(/\s*\|\s*hex=.*$/, '')
      .replace(/ (to|from)=\S+( \d+\))?/, '')
      .trim();
    if (pendingRaw) {
      if (dir === 'rx' && pendingRaw.hex === hex && pendingRaw.from === from) {
        skipped.push({ line: pendingRaw.line, reason: `RAW-RX-DUMP of the datagram logged again on line ${i + 1} (one datagram, logged twice)`, hex });
        pendingRaw = undefined;
      } else {
        flushRaw();
      }
    }
    datagrams.push({ line: i + 1, dir, at: m[1], ...(to ? { to } : {}), ...(from ? { from } : {}), size, hex, label });
  }
  flushRaw();
  return {
    format: 'python-debug',
    description:
      'Debug log of a second real client (a Python project, Jan 2026) against the same KJK230: it sends PUNCH_PKT(DID) straight to the ' +
      "camera's session port 40611 (and 3333) without LAN_SEARCH (pppp.md §6.1b). Times are the log's (ms, including its own logging); " +
      'long datagrams are cut at 101 bytes in the log',
    ...(localAddress ? { localAddress } : {}),
    datagrams,
    skipped,
  };
}

/** export_packets.txt: Wireshark "export packet dissections" text (frame, time, addresses, ports, hex). */
export function parseWiresharkText(text: string): Parsed {
  const blocks = text.split(/\r?\n(?=No\.\s+Time)/);
  const datagrams: Raw[] = [];
  const skipped: SkippedRecord[] = [];
  let lineNo = 1;
  for (const block of blocks) {
    const lines = block.split(/\r?\n/);
    const summary = /^\s*(\d+) ([\d.]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+\d+\s+(.*)$/.exec(lines[1] ?? '');
    if (summary) {
      const [, frame, time, src, dst, proto, info] = summary;
      if (proto !== 'UDP') {
        skipped.push({ line: lineNo + 1, reason: `frame ${frame}: ${proto} ${info.trim()} from ${src} to ${dst}, not a UDP datagram` });
      } else {
        const ports = /Src Port: (\d+), Dst Port: (\d+)/.exec(block);
        const dataSize = /Data \((\d+) bytes\)/.exec(block);
        const hex = lines
          .filter((l) => /^[0-9a-f]{4} {2}/.test(l))
          .map((l) =>
            l
              .slice(6, 6 + 48)
              .trim()
              .split(/\s+/)
              .filter((b) => /^[0-9a-f]{2}$/.test(b))
              .join(''),
          )
          .join('');
        datagrams.push({
          line: lineNo + 1,
          dir: src === '192.168.43.1' ? 'rx' : 'tx', // seen from the app: rx = from the camera
          at: time,
          from: `${src}:${ports?.[1] ?? '?'}`,
          to: `${dst}:${ports?.[2] ?? '?'}`,
          frame: Number(frame),
          size: dataSize ? Number(dataSize[1]) : hex.length / 2,
          hex,
        });
      }
    }
    lineNo += lines.length;
  }
  return {
    format: 'wireshark-text',
    description:
      'Wireshark text export of a phone capture after the camera went away: the app (192.168.43.115) keeps sending ALIVE and DRW retries to ' +
      '192.168.43.1:40611, which answers with ICMP port unreachable, then CLOSE (pppp.md §6.4). Times are seconds since capture start',
    datagrams,
    skipped,
  };
}

const APP_EVENT =
  /^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\]\[\w+ *\](.*(?:Start lan connect|Start connect by lan|Lan connect to remote success|lan connect success|PPCS_Read fail|PPCS_Connect_Break|Close unnecessary).*)$/;

/** App_Log: the vendor app's own log; no datagrams, but the LAN connect events with ports and times. */
export function parseAppLog(text: string): Parsed {
  const events: NonNullable<CaptureFixture['events']> = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const m = APP_EVENT.exec(line);
    if (!m) return;
    const local = /localAddr:\(([\d.]+:\d+)\)/.exec(m[2])?.[1];
    const remote = /remoteAddr:\(([\d.]+:\d+)\)/.exec(m[2])?.[1];
    const port = /Start connect by lan, port:(\d+)/.exec(m[2])?.[1];
    events.push({
      line: i + 1,
      at: m[1],
      text: m[2].trim(),
      ...(local ? { local } : {}),
      ...(remote ? { remote } : {}),
      ...(port ? { localPort: Number(port) } : {}),
    });
  });
  return {
    format: 'app-log',
    description:
      "The vendor app's own log (TrailCam Go 2.5.2, CS2 wrapper): no datagrams; the LAN connect events with the app's local port, the " +
      "camera's session address and times (each 'Start connect by lan' → 'Lan connect to remote success' is one LAN connect)",
    datagrams: [],
    skipped: [],
    events,
  };
}

/** Picks the parser by what the log looks like. */
export function parseCapture(text: string): Parsed {
  if (/^No\.\s+Time\s+Source/m.test(text)) return parseWiresharkText(text);
  if (/ - DEBUG - /.test(text) && / hex=/.test(text)) return parsePythonDebug(text);
  if (/^\[\d\d:\d\d:\d\d\.\d{3}\] \S+ \[(RX|TX)\]/m.test(text)) return parseTimedLog(text);
  if (FRIDA_HEADER.test(text.split(/\r?\n/).find((l) => FRIDA_HEADER.test(l)) ?? '')) return parseFridaHexdump(text);
  if (/^\[\d{4}-\d\d-\d\d [\d:.]+\]\[\w+/m.test(text)) return parseAppLog(text);
  throw new Error('unknown capture format (no parser recognises it)');
}

/** Milliseconds of a log time stamp (same-day clock or seconds since capture start). */
export function timeMs(at: string): number {
  const clock = /(\d\d):(\d\d):(\d\d)[.,](\d{3})$/.exec(at);
  if (clock) return ((Number(clock[1]) * 60 + Number(clock[2])) * 60 + Number(clock[3])) * 1000 + Number(clock[4]);
  const day = /^(\d{4}-\d\d-\d\d)/.exec(at);
  if (day) return Date.parse(`${day[1]}T${at.slice(11).replace(',', '.')}Z`);
  return Math.round(Number(at) * 1e6) / 1e3;
}

/** Why the codec rejects a logged datagram, if a known rule says so; else UNEXPLAINED. */
export function rejectionReason(d: Pick<CapturedDatagram, 'hex' | 'size' | 'label' | 'dir'>): CapturedDatagram['rejected'] | undefined {
  if (d.hex === undefined) return undefined;
  const bytes = Buffer.from(d.hex, 'hex');
  try {
    decode(bytes);
    if (bytes.length < d.size) return { reason: `UNEXPLAINED: decodes, but the log says ${d.size} bytes and shows ${bytes.length}`, decodeError: '' };
    return undefined;
  } catch (err) {
    const decodeError = err instanceof Error ? err.message : String(err);
    if (bytes.length < d.size) {
      return { reason: `truncated log line: the log shows ${bytes.length} of the datagram's ${d.size} bytes`, decodeError };
    }
    if (d.dir === 'tx' && d.label !== undefined && bytes[1] === MessageCode.DRW_ACK && bytes.length === HEADER_SIZE + 6) {
      return {
        reason:
          `malformed DRW_ACK of the Python client ("${d.label}"): its count field holds the client's own packet counter ` +
          `(${bytes.readUInt16BE(6)}) while one index follows (pppp.md §4: count = number of indices)`,
        decodeError,
      };
    }
    if (bytes[0] === 0xf1 && bytes[1] === MessageCode.REPORT_SESSION_READY && bytes.length - HEADER_SIZE !== REPORT_SIZE) {
      return {
        reason:
          `0xF9 with a ${bytes.length - HEADER_SIZE}-byte payload ("${d.label ?? ''}" of the Python client, sent to the camera): not the ` +
          `${REPORT_SIZE}-byte CS2 REPORT_SESSION_READY (pppp.md §7.2); only its first 28 plaintext bytes follow that layout`,
        decodeError,
      };
    }
    return { reason: `${UNEXPLAINED}: ${decodeError}`, decodeError };
  }
}

/** Parses one log and returns its fixture (rejections named, times relative to the first datagram). */
export function extractFixture(source: string, text: string): CaptureFixture {
  const parsed = parseCapture(text);
  const first = parsed.datagrams.find((d) => d.at !== undefined)?.at ?? parsed.events?.[0]?.at;
  const origin = first === undefined ? undefined : timeMs(first);
  const datagrams = parsed.datagrams.map((d, n): CapturedDatagram => {
    const rejected = rejectionReason(d);
    return {
      n,
      ...d,
      ...(d.at !== undefined && origin !== undefined ? { tMs: Math.round((timeMs(d.at) - origin) * 1000) / 1000 } : {}),
      ...(rejected ? { rejected } : {}),
    };
  });
  const events = parsed.events?.map((e) => ({ ...e, tMs: origin === undefined ? 0 : timeMs(e.at) - origin }));
  return {
    source,
    format: parsed.format,
    description: parsed.description,
    extractedBy: 'test/captures/extract-captures.ts',
    timed: datagrams.some((d) => d.tMs !== undefined) || (events?.length ?? 0) > 0,
    ...(parsed.localAddress ? { localAddress: parsed.localAddress } : {}),
    counts: {
      datagrams: datagrams.length,
      distinct: new Set(datagrams.map((d) => d.hex ?? `${d.dir}:${d.code}:${d.size}`)).size,
      rejected: datagrams.filter((d) => d.rejected).length,
      skipped: parsed.skipped.length,
    },
    datagrams,
    skipped: parsed.skipped,
    ...(events ? { events } : {}),
  };
}

/** Fixture file name for a capture path: `direct_punch/debug05012026_4.log` → `direct_punch__debug05012026_4.json`. */
export function fixtureName(source: string): string {
  return `${source
    .replace(/\.(log|txt)$/, '')
    .replace(/[/\\]/g, '__')
    .replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
}

function listLogs(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) return listLogs(dir, rel);
      return /\.(log|txt)$/.test(entry.name) ? [rel] : [];
    });
}

/** JSON with one line per datagram, skipped record and event (diffable, and small enough to commit). */
export function formatFixture(fixture: CaptureFixture): string {
  const lists = ['datagrams', 'skipped', 'events'] as const;
  const head = Object.fromEntries(Object.entries(fixture).filter(([key]) => !(lists as readonly string[]).includes(key)));
  const parts = Object.entries(head).map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  for (const key of lists) {
    const list = fixture[key];
    if (list === undefined) continue;
    parts.push(
      list.length === 0 ? `  ${JSON.stringify(key)}: []` : `  ${JSON.stringify(key)}: [\n${list.map((item) => `    ${JSON.stringify(item)}`).join(',\n')}\n  ]`,
    );
  }
  return `{\n${parts.join(',\n')}\n}\n`;
}

/** Extracts every log in `from` into `to`; returns the written file names. */
export function extractAll(from: string, to: string, log: (line: string) => void = console.log): string[] {
  fs.mkdirSync(to, { recursive: true });
  const written: string[] = [];
  for (const source of listLogs(from)) {
    const fixture = extractFixture(source, fs.readFileSync(path.join(from, source), 'utf8'));
    const name = fixtureName(source);
    fs.writeFileSync(path.join(to, name), formatFixture(fixture));
    written.push(name);
    const unexplained = [...fixture.datagrams.map((d) => d.rejected?.reason ?? ''), ...fixture.skipped.map((s) => s.reason)].filter((r) =>
      r.startsWith(UNEXPLAINED),
    );
    log(
      `${source} → ${name}: ${fixture.counts.datagrams} datagrams (${fixture.counts.distinct} distinct), ${fixture.counts.rejected} rejected, ${fixture.counts.skipped} skipped${unexplained.length ? `, ${unexplained.length} UNEXPLAINED` : ''}`,
    );
  }
  return written;
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..', '..');
  const from = path.resolve(process.argv[2] ?? path.join(root, '..', 'shared', 'captures'));
  const to = path.join(root, 'test', 'fixtures', 'captures');
  if (!fs.existsSync(from)) {
    console.error(`extract-captures: no captures folder at ${from}; pass it as the first argument`);
    process.exit(2);
  }
  extractAll(from, to);
}
