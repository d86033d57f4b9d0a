/**
 * The rules and the messages for every field a user types (the camera's editor dialog, msg.camera
 * overrides, CLI flags), in one place for both sides:
 *
 * - the runtime (src/engine/config.ts, src/runtime/settings.ts) reads its input with these readers
 *   and throws one ConfigError listing every problem;
 * - the Node-RED editor loads the same compiled code from
 *   `resources/node-red-contrib-trailcam/trailcam-validation.js` (scripts/copy-assets.js wraps this
 *   file's output for the browser as `window.TrailcamValidation`) and shows the same message at the
 *   field.
 *
 * So a value is invalid in the editor exactly when the runtime rejects it, with the same words
 * (test/nodes/validation.test.ts). The messages live here, in English and German, rather than in
 * the nodes' locale catalogues: the runtime (also used by the CLI, outside Node-RED) has no access to
 * those catalogues, and one table read by both sides cannot drift.
 *
 * This file must not import anything at run time (type imports only): the browser has no require.
 */

/** One bad field: where (`ports[0]`, `camera.host`), the value as given, and what is wrong. */
export interface FieldProblem {
  /** Path of the field in the input, e.g. `ports[0]`, `servers[1]`, `attemptTimeoutMs.lan`. */
  field: string;
  value: unknown;
  code: ProblemCode;
  /** What the field is, in words: a key of SUBJECTS (or the field name itself for internal fields). */
  subject: string;
  params?: Record<string, string | number>;
}

/** A number's bounds (inclusive) and the unit shown in messages. */
export interface Bounds {
  min: number;
  max: number;
  unit?: string;
}

/** An endpoint (rendezvous or relay server). */
export interface FieldEndpoint {
  host: string;
  port: number;
}

/** A DID's parts as read from its text form (normalised to upper case). */
export interface DidParts {
  prefix: string;
  serial: number;
  check: string;
}

export const LANGUAGES = ['en-US', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * Bounds of every number field a user sets, with their units. The engine's and the runtime's
 * limits (src/engine/defaults.ts, src/runtime/settings.ts) are these.
 */
export const FIELD_BOUNDS = {
  port: { min: 1, max: 65535 },
  maxConnectionTimeMs: { min: 1, max: 10 * 60_000, unit: 'ms' },
  attemptTimeoutMs: { min: 1, max: 5 * 60_000, unit: 'ms' },
  startupDelayMs: { min: 0, max: 5 * 60_000, unit: 'ms' },
  keepaliveSilenceMs: { min: 1_000, max: 10 * 60_000, unit: 'ms' },
  reconnectMs: { min: 10, max: 60 * 60_000, unit: 'ms' },
  reconnectFactor: { min: 1, max: 10 },
  reconnectJitter: { min: 0, max: 1 },
  /** Battery power mode: a session unused for this long is closed so the camera can sleep. */
  idleCloseMs: { min: 1_000, max: 60 * 60_000, unit: 'ms' },
  /** trailcam-telemetry: seconds between reports; 0 (or empty): only on input. */
  telemetryIntervalS: { min: 1, max: 7 * 24 * 3600, unit: 's' },
  /** trailcam-command: how long one command may take. */
  commandTimeoutMs: { min: 1, max: 10 * 60_000, unit: 'ms' },
  /** trailcam-wake (and `trailcam wake`): the whole wake, from the adapter to the answer. */
  wakeTimeoutMs: { min: 1, max: 10 * 60_000, unit: 'ms' },
} as const satisfies Record<string, Bounds>;

/** How many entries a list may have. */
export const LIST_LIMITS = { ports: 64, servers: 8 } as const;

export const MODE_NAMES = ['lan', 'p2p', 'relay'] as const;

/** How a camera is powered: `mains` keeps a session up, `battery` opens them on demand (src/runtime/settings.ts). */
export const POWER_MODES = ['mains', 'battery'] as const;

export type ProblemCode =
  | 'port'
  | 'list'
  | 'list-empty'
  | 'list-long'
  | 'ipv4'
  | 'required-for-lan'
  | 'endpoint'
  | 'endpoint-host'
  | 'endpoint-port'
  | 'number'
  | 'range'
  | 'range-or-zero'
  | 'not-below'
  | 'did'
  | 'did-required'
  | 'mode'
  | 'modes-empty'
  | 'mode-key'
  | 'flag'
  | 'choice'
  | 'text';

/**
 * Message templates: `{subject}` is the field in words, `{value}` the value as given, the other
 * placeholders come from the problem's params.
 */
const MESSAGES: Record<Language, Record<ProblemCode, string>> = {
  'en-US': {
    port: '{subject} {value} is not 1–65535',
    list: '{subject} {value} is not a comma-separated list',
    'list-empty': '{subject} {value}: name at least one',
    'list-long': '{subject}: at most {max} entries, not {count}',
    ipv4: '{subject} {value} is not an IPv4 address such as 192.168.43.1',
    'required-for-lan': "{subject} is required for LAN mode (the camera's IPv4 address, e.g. 192.168.43.1)",
    endpoint: '{subject} {value} is not IPv4:port such as 10.0.0.5:32100',
    'endpoint-host': '{subject} {value}: {host} is not an IPv4 address',
    'endpoint-port': '{subject} {value}: port {port} is not 1–65535',
    number: '{subject} {value} is not a number',
    range: '{subject} {value} is not {min}–{max}{unit}',
    'range-or-zero': '{subject} {value} is neither 0 (only on input) nor {min}–{max}{unit}',
    'not-below': '{subject} {value} is below {other} ({limit})',
    did: '{subject} {value} is not PREFIX-SERIAL-CHECK such as LBCS-000000-CCCJJ (prefix and check code 1–7 letters or digits, serial up to 4294967295)',
    'did-required': '{subject} is required, e.g. LBCS-000000-CCCJJ',
    mode: '{subject} {value} is not lan, p2p or relay',
    'modes-empty': '{subject}: enable at least one of LAN, P2P, relay',
    'mode-key': '{subject} of {key}: {key} is not lan, p2p or relay',
    flag: '{subject} {value} is not true or false',
    choice: '{subject} {value} is not one of {choices}',
    text: '{subject} is not text ({value})',
  },
  de: {
    port: '{subject} {value} liegt nicht in 1–65535',
    list: '{subject} {value} ist keine kommagetrennte Liste',
    'list-empty': '{subject} {value}: mindestens einen angeben',
    'list-long': '{subject}: höchstens {max} Einträge, nicht {count}',
    ipv4: '{subject} {value} ist keine IPv4-Adresse wie 192.168.43.1',
    'required-for-lan': '{subject} wird für LAN gebraucht (die IPv4-Adresse der Kamera, z. B. 192.168.43.1)',
    endpoint: '{subject} {value} ist nicht IPv4:Port wie 10.0.0.5:32100',
    'endpoint-host': '{subject} {value}: {host} ist keine IPv4-Adresse',
    'endpoint-port': '{subject} {value}: Port {port} liegt nicht in 1–65535',
    number: '{subject} {value} ist keine Zahl',
    range: '{subject} {value} liegt nicht in {min}–{max}{unit}',
    'range-or-zero': '{subject} {value} ist weder 0 (nur bei Eingang) noch in {min}–{max}{unit}',
    'not-below': '{subject} {value} ist kleiner als {other} ({limit})',
    did: '{subject} {value} hat nicht die Form PRÄFIX-SERIE-PRÜFCODE wie LBCS-000000-CCCJJ (Präfix und Prüfcode 1–7 Buchstaben oder Ziffern, Serie bis 4294967295)',
    'did-required': '{subject} fehlt, z. B. LBCS-000000-CCCJJ',
    mode: '{subject} {value} ist nicht lan, p2p oder relay',
    'modes-empty': '{subject}: mindestens einen von LAN, P2P, Relay einschalten',
    'mode-key': '{subject} für {key}: {key} ist nicht lan, p2p oder relay',
    flag: '{subject} {value} ist nicht true oder false',
    choice: '{subject} {value} ist keiner von {choices}',
    text: '{subject} ist kein Text ({value})',
  },
};

/** The fields in words (keys: the field names without list indexes or prefixes). */
const SUBJECTS: Record<Language, Record<string, string>> = {
  'en-US': {
    host: 'host',
    did: 'camera id',
    port: 'port',
    ports: 'ports',
    modes: 'modes',
    mode: 'mode',
    server: 'server',
    servers: 'servers',
    relay: 'relay',
    relays: 'relays',
    maxConnectionTimeMs: 'max. connection time',
    attemptTimeoutMs: 'attempt timeout',
    startupDelayMs: 'start-up delay',
    keepaliveSilenceMs: 'silence limit',
    powerMode: 'power mode',
    idleCloseMs: 'idle close time',
    reconnectMinMs: 'first reconnect wait',
    reconnectMaxMs: 'longest reconnect wait',
    reconnectFactor: 'backoff factor',
    reconnectJitter: 'jitter',
    adaptive: 'adaptive',
    name: 'name',
    user: 'user',
    password: 'password',
    interval: 'interval',
    timeoutMs: 'timeout',
  },
  de: {
    host: 'Host',
    did: 'Kamera-ID',
    port: 'Port',
    ports: 'Ports',
    modes: 'Wege',
    mode: 'Weg',
    server: 'Server',
    servers: 'Server',
    relay: 'Relay',
    relays: 'Relays',
    maxConnectionTimeMs: 'Max. Verbindungszeit',
    attemptTimeoutMs: 'Versuchsdauer',
    startupDelayMs: 'Startverzögerung',
    keepaliveSilenceMs: 'Stille-Grenze',
    powerMode: 'Stromversorgung',
    idleCloseMs: 'Leerlauf bis zum Schließen',
    reconnectMinMs: 'erste Wartezeit',
    reconnectMaxMs: 'längste Wartezeit',
    reconnectFactor: 'Faktor',
    reconnectJitter: 'Zufallsanteil',
    adaptive: 'Adaptiv',
    name: 'Name',
    user: 'Benutzer',
    password: 'Passwort',
    interval: 'Intervall',
    timeoutMs: 'Zeitlimit',
  },
};

/** Every message code (for tests that check each language has each one). */
export function messageTemplates(language: Language): Readonly<Record<ProblemCode, string>> {
  return MESSAGES[language];
}

export function subjectWords(language: Language): Readonly<Record<string, string>> {
  return SUBJECTS[language];
}

/** A value as a user typed it: text as is (quoted only when empty or padded), the rest as JSON. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') {
    const text = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return text === '' || text.trim() !== text || /[\s,]/.test(text) ? JSON.stringify(text) : text;
  }
  if (value === undefined) return '(missing)';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    const text = JSON.stringify(value);
    return text === undefined ? typeof value : text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The message for one problem in `language` (English when not given or unknown). */
export function formatProblem(problem: FieldProblem, language: string = 'en-US'): string {
  const lang: Language = (LANGUAGES as readonly string[]).includes(language) ? (language as Language) : language.startsWith('de') ? 'de' : 'en-US';
  const subject = SUBJECTS[lang][problem.subject] ?? SUBJECTS['en-US'][problem.subject] ?? problem.subject;
  const params: Record<string, string | number> = { ...problem.params, subject, value: showValue(problem.value) };
  if (params.other !== undefined) params.other = SUBJECTS[lang][params.other] ?? params.other;
  if (params.unit !== undefined && params.unit !== '') params.unit = ` ${params.unit}`;
  return MESSAGES[lang][problem.code].replace(/\{(\w+)\}/g, (whole, name: string) => (params[name] === undefined ? '' : String(params[name])));
}

/** The editor's verdict for one field: true, or the messages of its problems joined by "; " (as in the runtime's error). */
export function verdict(problems: readonly FieldProblem[], language?: string): true | string {
  return problems.length === 0 ? true : problems.map((p) => formatProblem(p, language)).join('; ');
}

// ---------------------------------------------------------------------------------------------
// Readers. Each reads one field, appends what is wrong to `problems` and returns the value (or
// undefined when it is bad). Empty (undefined, null, '') means "not set": the caller's default.

type Sink = FieldProblem[];

function problem(sink: Sink, field: string, subject: string, value: unknown, code: ProblemCode, params?: Record<string, string | number>): undefined {
  sink.push({ field, value, code, subject, ...(params ? { params } : {}) });
  return undefined;
}

export function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** A comma-separated string (entries trimmed, empty entries dropped) or an array, as a list. */
function asList(value: unknown): unknown[] | undefined {
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
  return Array.isArray(value) ? value : undefined;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Decimal text (optionally signed, optionally with a fraction) or a number. */
function asNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return NaN;
}

/** A port number 1–65535 (a number or digits). */
export function readPort(sink: Sink, field: string, value: unknown, subject = 'port'): number | undefined {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < FIELD_BOUNDS.port.min || n > FIELD_BOUNDS.port.max)
    return problem(sink, field, subject, value, 'port');
  return n;
}

/** Ports: a comma-separated string or an array; one problem per bad entry. Duplicates are dropped. */
export function readPorts(sink: Sink, field: string, value: unknown): number[] | undefined {
  const list = asList(value);
  if (list === undefined) return problem(sink, field, 'ports', value, 'list');
  if (list.length === 0) return problem(sink, field, 'ports', value, 'list-empty');
  if (list.length > LIST_LIMITS.ports) return problem(sink, field, 'ports', value, 'list-long', { max: LIST_LIMITS.ports, count: list.length });
  const before = sink.length;
  const ports = list.map((p, i) => readPort(sink, `${field}[${i}]`, p));
  return sink.length > before ? undefined : [...new Set(ports as number[])];
}

/** An IPv4 address in dotted form (surrounding spaces are ignored). */
export function readIpv4(sink: Sink, field: string, value: unknown, subject = field): string | undefined {
  if (typeof value !== 'string' || !IPV4.test(value.trim())) return problem(sink, field, subject, value, 'ipv4');
  return value.trim();
}

/** The camera's host: an IPv4 address; required when LAN is raced (unless `optional`). */
export function readHost(sink: Sink, field: string, value: unknown, required: boolean): string | null | undefined {
  if (isEmpty(value)) return required ? problem(sink, field, 'host', value, 'required-for-lan') : null;
  return readIpv4(sink, field, value, 'host');
}

/** One endpoint: `IPv4:port` text or `{host, port}`. `subject` is `server` or `relay`. */
export function readEndpoint(sink: Sink, field: string, value: unknown, subject: string): FieldEndpoint | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'host' in value && 'port' in value) {
    const record = value as { host: unknown; port: unknown };
    const host = readIpv4(sink, `${field}.host`, record.host, 'host');
    const port = readPort(sink, `${field}.port`, record.port);
    return host === undefined || port === undefined ? undefined : { host, port };
  }
  const match = typeof value === 'string' ? /^\s*([^:\s]+):(\d+)\s*$/.exec(value) : null;
  if (!match) return problem(sink, field, subject, value, 'endpoint');
  if (!IPV4.test(match[1])) return problem(sink, field, subject, value, 'endpoint-host', { host: match[1] });
  const port = Number(match[2]);
  if (port < FIELD_BOUNDS.port.min || port > FIELD_BOUNDS.port.max) return problem(sink, field, subject, value, 'endpoint-port', { port: match[2] });
  return { host: match[1], port };
}

/** Servers or relays: comma-separated `IPv4:port` text, or an array of those or of {host, port}. */
export function readEndpoints(sink: Sink, field: string, value: unknown, subject: 'server' | 'relay'): FieldEndpoint[] | undefined {
  if (isEmpty(value)) return [];
  const list = asList(value);
  const plural = `${subject}s`;
  if (list === undefined) return problem(sink, field, plural, value, 'list');
  if (list.length > LIST_LIMITS.servers) return problem(sink, field, plural, value, 'list-long', { max: LIST_LIMITS.servers, count: list.length });
  const before = sink.length;
  const endpoints = list.map((entry, i) => readEndpoint(sink, `${field}[${i}]`, entry, subject));
  return sink.length > before ? undefined : (endpoints as FieldEndpoint[]);
}

/** A number within bounds (a number or decimal text); empty gives undefined without a problem. */
export function readNumber(sink: Sink, field: string, value: unknown, bounds: Bounds, subject = field): number | undefined {
  if (isEmpty(value)) return undefined;
  const n = asNumber(value);
  if (!Number.isFinite(n)) return problem(sink, field, subject, value, 'number');
  if (n < bounds.min || n > bounds.max) return problem(sink, field, subject, value, 'range', { min: bounds.min, max: bounds.max, unit: bounds.unit ?? '' });
  return n;
}

/** `value` must not be below `limit` (the value of the field `other`). */
export function readNotBelow(sink: Sink, field: string, value: number, other: string, limit: number, subject = field): number | undefined {
  if (value < limit) return problem(sink, field, subject, value, 'not-below', { other, limit });
  return value;
}

const DID_TEXT = /^([A-Za-z0-9]{1,7})-(\d{1,10})-([A-Za-z0-9]{1,7})$/;

/** A DID's text form `PREFIX-SERIAL-CHECK` (case-insensitive). */
export function readDidText(sink: Sink, field: string, value: unknown): DidParts | undefined {
  if (isEmpty(value)) return problem(sink, field, 'did', value, 'did-required');
  const match = typeof value === 'string' ? DID_TEXT.exec(value.trim()) : null;
  const serial = match ? Number(match[2]) : NaN;
  if (!match || serial > 0xffff_ffff) return problem(sink, field, 'did', value, 'did');
  return { prefix: match[1].toUpperCase(), serial, check: match[3].toUpperCase() };
}

/** Modes: a comma-separated string or an array of lan, p2p, relay; at least one. */
export function readModes(sink: Sink, field: string, value: unknown): (typeof MODE_NAMES)[number][] | undefined {
  const list = asList(value);
  if (list === undefined) return problem(sink, field, 'modes', value, 'list');
  const modes: (typeof MODE_NAMES)[number][] = [];
  const before = sink.length;
  list.forEach((mode, i) => {
    if (!(MODE_NAMES as readonly unknown[]).includes(mode)) problem(sink, `${field}[${i}]`, 'mode', mode, 'mode');
    else if (!modes.includes(mode as (typeof MODE_NAMES)[number])) modes.push(mode as (typeof MODE_NAMES)[number]);
  });
  if (sink.length > before) return undefined;
  if (modes.length === 0) return problem(sink, field, 'modes', value, 'modes-empty');
  return modes;
}

/** A boolean (or the text true/false); empty gives undefined. */
export function readFlag(sink: Sink, field: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return problem(sink, field, field, value, 'flag');
}

/** One of `choices` (text); empty gives undefined. */
export function readChoice<T extends string>(sink: Sink, field: string, value: unknown, choices: readonly T[]): T | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  return problem(sink, field, field, value, 'choice', { choices: choices.join(', ') });
}

/** Text; `secret` values are shown only by their type. Empty gives undefined. */
export function readText(sink: Sink, field: string, value: unknown, secret = false): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return problem(sink, field, field, secret ? typeof value : value, 'text');
  return value;
}

// ---------------------------------------------------------------------------------------------
// The camera editor's fields, as the dialog holds them (text and checkboxes).

/** The camera dialog's validated fields (the editor reads these from the dialog or the node). */
export const CAMERA_FORM_FIELDS = [
  'host',
  'did',
  'ports',
  'modeLan',
  'modeP2p',
  'modeRelay',
  'servers',
  'relays',
  'maxConnectionTimeMs',
  'attemptTimeoutMs',
  'startupDelayMs',
  'keepaliveSilenceMs',
  'reconnectMinMs',
  'reconnectMaxMs',
  'reconnectFactor',
  'reconnectJitter',
  'powerMode',
  'idleCloseMs',
] as const;

/** What the camera dialog holds; the editor passes the node's (or the open dialog's) values. */
export type CameraForm = Partial<Record<(typeof CAMERA_FORM_FIELDS)[number], unknown>>;

/** The first reconnect wait when the field is empty (src/runtime/settings.ts CAMERA_DEFAULTS). */
export const DEFAULT_RECONNECT_MIN_MS = 1_000;

/**
 * The problems of one field of the camera dialog, exactly as the runtime finds them for the same
 * value (the runtime reads each field with the same reader). `form` holds the other fields, for
 * the rules that involve two (host needs LAN; at least one mode; reconnect max ≥ min).
 */
export function cameraFieldProblems(field: keyof CameraForm, form: CameraForm): FieldProblem[] {
  const sink: Sink = [];
  const value = form[field];
  switch (field) {
    case 'host':
      readHost(sink, 'host', value, form.modeLan !== false);
      break;
    case 'did':
      readDidText(sink, 'did', value);
      break;
    case 'ports':
      // Only an empty field means the default ports (nodes/trailcam-camera.ts); blanks are an empty list.
      if (value !== '' && value !== undefined) readPorts(sink, 'ports', value);
      break;
    case 'modeLan':
    case 'modeP2p':
    case 'modeRelay':
      readModes(sink, 'modes', formModes(form));
      break;
    case 'servers':
      readEndpoints(sink, 'servers', value, 'server');
      break;
    case 'relays':
      readEndpoints(sink, 'relays', value, 'relay');
      break;
    case 'maxConnectionTimeMs':
    case 'attemptTimeoutMs':
    case 'startupDelayMs':
    case 'keepaliveSilenceMs':
    case 'reconnectFactor':
    case 'reconnectJitter':
    case 'idleCloseMs':
      readNumber(sink, field, value, FIELD_BOUNDS[field]);
      break;
    case 'powerMode':
      readChoice(sink, field, value, POWER_MODES);
      break;
    case 'reconnectMinMs':
      readNumber(sink, field, value, FIELD_BOUNDS.reconnectMs);
      break;
    case 'reconnectMaxMs': {
      const max = readNumber(sink, field, value, FIELD_BOUNDS.reconnectMs);
      const min = readNumber([], 'reconnectMinMs', form.reconnectMinMs, FIELD_BOUNDS.reconnectMs) ?? DEFAULT_RECONNECT_MIN_MS;
      if (max !== undefined) readNotBelow(sink, field, max, 'reconnectMinMs', min);
      break;
    }
  }
  return sink;
}

/** The modes the dialog's three checkboxes enable (unchecked only when explicitly false). */
export function formModes(form: CameraForm): string[] {
  return [form.modeLan !== false && 'lan', form.modeP2p !== false && 'p2p', form.modeRelay !== false && 'relay'].filter(
    (m): m is string => typeof m === 'string',
  );
}

/**
 * trailcam-telemetry's interval in seconds: 0 or empty (only on input), else 1 s to a week (each
 * report carries every statistic: a shorter interval would only flood the flow).
 */
export function telemetryIntervalProblems(value: unknown): FieldProblem[] {
  const sink: Sink = [];
  const { min, max, unit } = FIELD_BOUNDS.telemetryIntervalS;
  const n = readNumber(sink, 'interval', value, { min: 0, max, unit });
  const outside = sink.some((p) => p.code === 'range') || (n !== undefined && n !== 0 && n < min);
  if (!outside) return sink;
  return [{ field: 'interval', value, code: 'range-or-zero', subject: 'interval', params: { min, max, unit } }];
}

/** The telemetry interval's seconds once telemetryIntervalProblems found nothing (0: only on input). */
export function telemetryIntervalS(value: unknown): number {
  return readNumber([], 'interval', value, { ...FIELD_BOUNDS.telemetryIntervalS, min: 0 }) ?? 0;
}

/** trailcam-command's timeout (ms; empty: the default). */
export function commandTimeoutProblems(value: unknown): FieldProblem[] {
  const sink: Sink = [];
  readNumber(sink, 'timeoutMs', value, FIELD_BOUNDS.commandTimeoutMs);
  return sink;
}

/** trailcam-wake's timeout (ms; empty: the default). */
export function wakeTimeoutProblems(value: unknown): FieldProblem[] {
  const sink: Sink = [];
  readNumber(sink, 'timeoutMs', value, FIELD_BOUNDS.wakeTimeoutMs);
  return sink;
}

/**
 * A BLE address in its one form (C6:1E:0D:E0:32:E8), from six hex pairs separated by `:` or `-`,
 * or twelve hex digits; surrounding spaces are dropped. Undefined for anything else.
 */
export function normalizeBleAddress(address: string): string | undefined {
  const text = address.trim();
  const hex = text.replace(/[:-]/g, '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) return undefined;
  if (text.length !== 12 && !/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(text)) return undefined;
  return hex.toUpperCase().match(/../g)!.join(':');
}

/** The longest advertised name BLE allows, in UTF-8 bytes. */
export const MAX_BLE_NAME_BYTES = 248;

/** Whether `name` can be a camera's advertised BLE name as given: text, no surrounding spaces, at most 248 UTF-8 bytes. */
export function isBleName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && name.trim() === name && utf8Length(name) <= MAX_BLE_NAME_BYTES;
}

/** Bytes of `text` in UTF-8 (by code point; a lone surrogate counts 3, as Buffer writes U+FFFD). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}
