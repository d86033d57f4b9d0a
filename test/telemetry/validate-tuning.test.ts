import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CameraTelemetry, deriveTuning, MODES, TelemetryFormatError, UnsupportedVersionError, validateTuning, type Tuning } from '../../src/telemetry';
import { propertyOptions } from '../helpers/property';

const good: Tuning = {
  version: 1,
  order: ['p2p', 'lan', 'relay'],
  staggerMs: { lan: 120, p2p: 0, relay: 240 },
  attemptTimeoutMs: { lan: 400, p2p: 900, relay: 5_000 },
  skip: ['relay'],
  lanPortOrder: [32100, 40611],
};

function fieldOf(input: unknown): string {
  try {
    validateTuning(input);
  } catch (err) {
    assert.ok(err instanceof TelemetryFormatError, String(err));
    return err.field;
  }
  return assert.fail('expected a TelemetryFormatError');
}

describe('telemetry: validateTuning (msg.tuning from a user)', () => {
  it('accepts a valid tuning and returns an equal copy (object or JSON text)', () => {
    const result = validateTuning(good);
    assert.deepEqual(result, good);
    assert.notEqual(result.staggerMs, good.staggerMs);
    assert.deepEqual(validateTuning(JSON.stringify(good)), good);
    const { lanPortOrder: _omitted, ...withoutPorts } = good;
    assert.deepEqual(validateTuning(withoutPorts), withoutPorts);
  });

  it('completes a partial order with the remaining modes in lan, p2p, relay order', () => {
    assert.deepEqual(validateTuning({ ...good, order: ['relay'] }).order, ['relay', 'lan', 'p2p']);
  });

  it('property: every derived tuning passes validation unchanged', () => {
    const outcome = fc.record({
      mode: fc.constantFrom(...MODES),
      result: fc.constantFrom('win' as const, 'fail' as const, 'cancelled' as const),
      elapsedMs: fc.integer({ min: 0, max: 20_000 }),
      atMs: fc.integer({ min: 0, max: 100_000 }),
      destinationPort: fc.constantFrom(40611, 32100),
    });
    fc.assert(
      fc.property(fc.array(outcome, { maxLength: 40 }), fc.integer({ min: 0, max: 200_000 }), (outcomes, nowMs) => {
        const t = new CameraTelemetry();
        outcomes.forEach((o) => t.record(o));
        const tuning = deriveTuning(t, nowMs);
        assert.deepEqual(validateTuning(JSON.parse(JSON.stringify(tuning))), tuning);
      }),
      propertyOptions(),
    );
  });

  it('names the bad field', () => {
    assert.equal(fieldOf(null), 'tuning');
    assert.equal(fieldOf('{nope'), 'tuning');
    assert.equal(fieldOf({ ...good, version: undefined }), 'tuning.version');
    assert.equal(fieldOf({ ...good, order: ['lan', 'lan'] }), 'tuning.order[1]');
    assert.equal(fieldOf({ ...good, order: ['wifi'] }), 'tuning.order[0]');
    assert.equal(fieldOf({ ...good, order: 'lan' }), 'tuning.order');
    assert.equal(fieldOf({ ...good, staggerMs: { lan: 0, p2p: -5, relay: 0 } }), 'tuning.staggerMs.p2p');
    assert.equal(fieldOf({ ...good, staggerMs: { lan: 0, p2p: 0 } }), 'tuning.staggerMs.relay');
    assert.equal(fieldOf({ ...good, staggerMs: { ...good.staggerMs, relay: 600_000 } }), 'tuning.staggerMs.relay');
    assert.equal(fieldOf({ ...good, attemptTimeoutMs: { ...good.attemptTimeoutMs, lan: 0 } }), 'tuning.attemptTimeoutMs.lan');
    assert.equal(fieldOf({ ...good, attemptTimeoutMs: { ...good.attemptTimeoutMs, lan: '400' } }), 'tuning.attemptTimeoutMs.lan');
    assert.equal(fieldOf({ ...good, skip: ['lan', 'p2p', 'relay'] }), 'tuning.skip');
    assert.equal(fieldOf({ ...good, skip: undefined }), 'tuning.skip');
    assert.equal(fieldOf({ ...good, lanPortOrder: [40611, 65536] }), 'tuning.lanPortOrder[1]');
    assert.equal(fieldOf({ ...good, lanPortOrder: [40611, 40611] }), 'tuning.lanPortOrder[1]');
    assert.equal(fieldOf({ ...good, stager: { lan: 1 } }), 'tuning.stager');
  });

  it('another version is an UnsupportedVersionError', () => {
    assert.throws(
      () => validateTuning({ ...good, version: 2 }),
      (err: unknown) => err instanceof UnsupportedVersionError && err.field === 'tuning.version',
    );
  });
});
