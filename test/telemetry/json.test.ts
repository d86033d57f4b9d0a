import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CameraTelemetry,
  deriveTuning,
  MODES,
  summarizeTelemetry,
  TelemetryFormatError,
  UnsupportedVersionError,
  type Outcome,
  type TelemetryJSON,
} from '../../src/telemetry';
import { propertyOptions } from '../helpers/property';

type Step = { idle: (typeof MODES)[number] } | Outcome;

const outcomeArb: fc.Arbitrary<Outcome> = fc.record(
  {
    mode: fc.constantFrom(...MODES),
    result: fc.constantFrom('win' as const, 'fail' as const, 'cancelled' as const),
    elapsedMs: fc.oneof(fc.integer({ min: 0, max: 30_000 }), fc.double({ min: 0, max: 30_000, noNaN: true })),
    atMs: fc.oneof(fc.integer({ min: 0, max: 10 * 3_600_000 }), fc.double({ min: -1e6, max: 2e12, noNaN: true })),
    destinationPort: fc.constantFrom(40611, 32100, 32108, 10000, 80),
  },
  { requiredKeys: ['mode', 'result', 'elapsedMs', 'atMs'] },
);
const stepArb: fc.Arbitrary<Step> = fc.oneof({ weight: 6, arbitrary: outcomeArb }, { weight: 1, arbitrary: fc.record({ idle: fc.constantFrom(...MODES) }) });

function build(steps: Step[], windowSize = 8): CameraTelemetry {
  const telemetry = new CameraTelemetry({ windowSize, maxLanPorts: 4 });
  for (const step of steps) {
    if ('idle' in step) telemetry.recordIdle(step.idle);
    else telemetry.record(step);
  }
  return telemetry;
}

function validJson(): TelemetryJSON {
  const t = new CameraTelemetry();
  t.record({ mode: 'lan', destinationPort: 40611, result: 'win', elapsedMs: 80, atMs: 1_000 });
  t.record({ mode: 'p2p', result: 'fail', elapsedMs: 900, atMs: 2_000 });
  return t.toJSON();
}

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TelemetryFormatError, `expected TelemetryFormatError, got ${String(err)}`);
    return err.field;
  }
  return assert.fail('expected a TelemetryFormatError');
}

describe('telemetry: JSON form', () => {
  it('property: toJSON → JSON text → fromJSON gives the same telemetry, tuning and summary', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), fc.integer({ min: 0, max: 20 * 3_600_000 }), (steps, nowMs) => {
        const original = build(steps);
        const json = original.toJSON();
        const copy = CameraTelemetry.fromJSON(JSON.parse(JSON.stringify(json)), { windowSize: 8, maxLanPorts: 4 });
        assert.deepEqual(copy.toJSON(), json);
        assert.deepEqual(deriveTuning(copy, nowMs), deriveTuning(original, nowMs));
        assert.deepEqual(summarizeTelemetry(copy, nowMs), summarizeTelemetry(original, nowMs));
        // and both keep evolving identically
        const next: Outcome = { mode: 'lan', destinationPort: 80, result: 'win', elapsedMs: 42, atMs: nowMs };
        original.record(next);
        copy.record(next);
        assert.deepEqual(copy.toJSON(), original.toJSON());
      }),
      propertyOptions(),
    );
  });

  it('property: anything that is not valid telemetry is rejected with TelemetryFormatError, nothing else', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        try {
          CameraTelemetry.fromJSON(value);
        } catch (err) {
          assert.ok(err instanceof TelemetryFormatError, String(err));
        }
      }),
      propertyOptions(),
    );
  });

  it('property: one field of valid telemetry replaced by junk is accepted or rejected naming it (or a field it must agree with)', () => {
    const junk = fc.oneof(fc.constant(null), fc.constant(-1), fc.constant(1.5), fc.constant('7'), fc.constant([]), fc.constant({}), fc.constant(Number.NaN));
    fc.assert(
      fc.property(fc.nat(), junk, (pick, value) => {
        const json = validJson() as unknown as Record<string, unknown>;
        const paths = leafPaths(json);
        const path = paths[pick % paths.length];
        setPath(json, path, value);
        try {
          CameraTelemetry.fromJSON(json);
        } catch (err) {
          assert.ok(err instanceof TelemetryFormatError, String(err));
          const spoiled = `telemetry.${path.map((k) => String(k)).join('.')}`;
          const named = err.field.replace(/\[(\d+)\]/g, '.$1');
          const parent = (field: string): string => field.slice(0, field.lastIndexOf('.'));
          const related = spoiled.startsWith(named) || named.startsWith(spoiled) || parent(named) === parent(spoiled);
          assert.ok(related, `${err.field} should point at ${spoiled}`);
        }
      }),
      propertyOptions(),
    );
  });

  it('accepts its own JSON text as a string', () => {
    const text = JSON.stringify(validJson());
    assert.deepEqual(CameraTelemetry.fromJSON(text).toJSON(), validJson());
    assert.equal(
      fieldOf(() => CameraTelemetry.fromJSON('{"version": 1,')),
      'telemetry',
    );
  });

  it('names the bad field', () => {
    const DELETE = Symbol('delete');
    const cases: Array<[path: string, value: unknown, field: string]> = [
      ['modes.relay', DELETE, 'telemetry.modes.relay'],
      ['modes.lan.wins', -1, 'telemetry.modes.lan.wins'],
      ['modes.lan.wins', 1.5, 'telemetry.modes.lan.wins'],
      ['modes.p2p.srttMs', 'fast', 'telemetry.modes.p2p.srttMs'],
      ['modes.lan.rttvarMs', null, 'telemetry.modes.lan.rttvarMs'],
      ['modes.lan.samplesMs', [80, -3], 'telemetry.modes.lan.samplesMs[1]'],
      ['modes.lan.samplesMs', [80, 90], 'telemetry.modes.lan.samplesMs'],
      ['modes.p2p.consecutiveFailures', 2, 'telemetry.modes.p2p.consecutiveFailures'],
      ['modes.p2p.decayed.atMs', 'yesterday', 'telemetry.modes.p2p.decayed.atMs'],
      ['modes.p2p.rtoBackoff', 99, 'telemetry.modes.p2p.rtoBackoff'],
      ['modes.wifi', {}, 'telemetry.modes.wifi'],
      ['modes.lan.extra', 1, 'telemetry.modes.lan.extra'],
      ['lanPorts.0.port', 0, 'telemetry.lanPorts[0].port'],
      ['lanPorts.1', { port: 40611, stats: validJson().lanPorts[0].stats }, 'telemetry.lanPorts[1].port'],
      ['lanPorts', {}, 'telemetry.lanPorts'],
      ['version', DELETE, 'telemetry.version'],
    ];
    for (const [path, value, field] of cases) {
      const json = validJson() as unknown as Record<string, unknown>;
      const keys = path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
      if (value === DELETE) deletePath(json, keys);
      else setPath(json, keys, value);
      assert.equal(
        fieldOf(() => CameraTelemetry.fromJSON(json)),
        field,
        `case ${path}`,
      );
    }
    assert.equal(
      fieldOf(() => CameraTelemetry.fromJSON([])),
      'telemetry',
    );
  });

  it('an unknown future version is an UnsupportedVersionError', () => {
    const json = { ...validJson(), version: 2 };
    assert.throws(
      () => CameraTelemetry.fromJSON(json),
      (err: unknown) => err instanceof UnsupportedVersionError && err.field === 'telemetry.version' && err.supported === 1 && /version 1/.test(err.message),
    );
  });

  it('a smaller window keeps the newest samples; extra ports beyond maxLanPorts are dropped', () => {
    const t = new CameraTelemetry();
    for (const [i, ms] of [10, 20, 30, 40].entries()) t.record({ mode: 'lan', destinationPort: 1000 + i, result: 'win', elapsedMs: ms, atMs: i });
    const small = CameraTelemetry.fromJSON(t.toJSON(), { windowSize: 2, maxLanPorts: 2 });
    assert.deepEqual(small.mode('lan').samplesMs, [30, 40]);
    assert.deepEqual(small.lanPorts(), [1002, 1003]);
  });
});

type Path = Array<string | number>;

function leafPaths(value: unknown, prefix: Path = []): Path[] {
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const inner = entries.flatMap(([k, v]) => leafPaths(v, [...prefix, Array.isArray(value) ? Number(k) : k]));
    return prefix.length > 0 ? [prefix, ...inner] : inner;
  }
  return [prefix];
}

function parentOf(root: Record<string, unknown>, path: Path): Record<string | number, unknown> {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  return node;
}

function setPath(root: Record<string, unknown>, path: Path, value: unknown): void {
  parentOf(root, path)[path[path.length - 1]] = value;
}

function deletePath(root: Record<string, unknown>, path: Path): void {
  delete parentOf(root, path)[path[path.length - 1]];
}
