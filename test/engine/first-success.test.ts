import assert from 'node:assert/strict';
import sinon from 'sinon';
import { AbortError } from '../../src/errors';
import { AllFailedError, firstSuccess, type Contender } from '../../src/engine';
import { ANOTHER_CONTENDER_WON } from '../../src/engine/first-success';

/** A contender whose outcome the test decides; records when it started and whether it was aborted. */
function scripted<T>(delayMs: number) {
  const record = { startedAt: undefined as number | undefined, aborted: false };
  let settle: { resolve(v: T): void; reject(e: unknown): void } | undefined;
  const contender: Contender<T> = {
    delayMs,
    start: (signal) => {
      record.startedAt = Date.now();
      return new Promise<T>((resolve, reject) => {
        settle = { resolve, reject };
        signal.addEventListener('abort', () => {
          record.aborted = true;
          reject(new AbortError('aborted'));
        });
      });
    },
  };
  return { contender, record, win: (v: T) => settle?.resolve(v), fail: (e: unknown) => settle?.reject(e) };
}

describe('engine: firstSuccess (Happy-Eyeballs race primitive)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 0 });
  });
  afterEach(() => clock.restore());

  /** A gate the test opens. */
  function gate() {
    const waiting = new Set<() => void>();
    let open = false;
    return {
      whenOpen: (fn: () => void) => {
        if (open) fn();
        else waiting.add(fn);
        return () => waiting.delete(fn);
      },
      open: () => {
        open = true;
        for (const fn of [...waiting]) fn();
        waiting.clear();
      },
      waiting: () => waiting.size,
    };
  }

  it('gates (the busy hold): a gated contender starts only once its gate is open and its delay has passed, counted from the start', async () => {
    const lead = scripted<string>(0);
    const held = scripted<string>(100);
    const g = gate();
    const done = firstSuccess([lead.contender, { ...held.contender, gate: g }], undefined, () => undefined);
    await clock.tickAsync(150);
    assert.equal(held.record.startedAt, undefined, 'started before its gate opened');
    g.open();
    await clock.tickAsync(0);
    assert.equal(held.record.startedAt, 150, 'the delay (100 ms) had passed: it starts when the gate opens');
    held.win('held');
    assert.equal((await done).value, 'held');
    assert.equal(lead.record.aborted, true);
  });

  it('gates: a win before the gate opens never starts the gated contender and unsubscribes it; a failure starts it at once', async () => {
    const lead = scripted<string>(0);
    const held = scripted<string>(0);
    const g = gate();
    const won = firstSuccess([lead.contender, { ...held.contender, gate: g }], undefined, () => undefined);
    lead.win('lan');
    assert.equal((await won).value, 'lan');
    assert.equal(held.record.startedAt, undefined);
    assert.equal(g.waiting(), 0, 'the finished race left its gate subscription');

    const failing = scripted<string>(0);
    const next = scripted<string>(0);
    const g2 = gate();
    const done = firstSuccess([failing.contender, { ...next.contender, gate: g2 }], undefined, () => undefined);
    await clock.tickAsync(10);
    failing.fail(new Error('socket error'));
    await clock.tickAsync(0);
    assert.equal(next.record.startedAt, 10, 'a failure starts the next waiting contender at once, gate or not');
    next.win('p2p');
    assert.equal((await done).value, 'p2p');
  });

  it('a dozen contenders (the LAN racer: two probes on each of six ports) print no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const all = Array.from({ length: 12 }, () => scripted<string>(0));
      const done = firstSuccess(
        all.map((c) => c.contender),
        new AbortController().signal,
        () => undefined,
      );
      await clock.tickAsync(0);
      all[11].win('last');
      assert.equal((await done).value, 'last');
      // process.emitWarning delivers on the next tick (faked here: tickAsync runs it).
      await clock.tickAsync(0);
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(
      warnings.map((w) => w.name),
      [],
    );
  });

  it('starts contenders at their delays, first success wins, the others are aborted', async () => {
    const a = scripted<string>(0);
    const b = scripted<string>(100);
    const c = scripted<string>(200);
    const late: string[] = [];
    const done = firstSuccess([a.contender, b.contender, c.contender], undefined, (v) => void late.push(v));
    await clock.tickAsync(150);
    assert.equal(a.record.startedAt, 0);
    assert.equal(b.record.startedAt, 100);
    assert.equal(c.record.startedAt, undefined);
    b.win('b');
    const result = await done;
    assert.deepEqual(result, { value: 'b', index: 1 });
    assert.equal(a.record.aborted, true);
    assert.equal(c.record.startedAt, undefined, 'a waiting contender never starts after the win');
    assert.equal(clock.countTimers(), 0, 'no timer left behind');
  });

  it('a failure starts the next waiting contender at once', async () => {
    const a = scripted<string>(0);
    const b = scripted<string>(1000);
    const done = firstSuccess([a.contender, b.contender], undefined, () => undefined);
    await clock.tickAsync(10);
    a.fail(new Error('refused'));
    await clock.tickAsync(0);
    assert.equal(b.record.startedAt, 10);
    b.win('b');
    assert.equal((await done).index, 1);
  });

  it('a stagger never cancels a running contender', async () => {
    const a = scripted<string>(0);
    const b = scripted<string>(50);
    const done = firstSuccess([a.contender, b.contender], undefined, () => undefined);
    await clock.tickAsync(60);
    assert.equal(a.record.aborted, false);
    a.win('a');
    assert.equal((await done).index, 0);
    assert.equal(b.record.aborted, true);
  });

  it('hands a success after the win to onLate', async () => {
    const a = scripted<string>(0);
    const b: Contender<string> = { delayMs: 0, start: () => Promise.resolve('b') };
    const late: [string, number][] = [];
    // b resolves in the same tick; a succeeds right after, ignoring its abort.
    const a2: Contender<string> = { delayMs: 0, start: () => Promise.resolve().then(() => 'a') };
    const result = await firstSuccess([b, a2], undefined, (v, i) => void late.push([v, i]));
    assert.deepEqual(result, { value: 'b', index: 0 });
    assert.deepEqual(late, [['a', 1]]);
    void a;
  });

  it('rejects with every error when all fail', async () => {
    const errors = [new Error('x'), new Error('y')];
    const contenders = errors.map((e, i): Contender<string> => ({ delayMs: i * 100, start: () => Promise.reject(e) }));
    await assert.rejects(
      firstSuccess(contenders, undefined, () => undefined),
      (err: unknown) => {
        assert.ok(err instanceof AllFailedError);
        assert.deepEqual(err.errors, errors);
        return true;
      },
    );
  });

  it("rejects with an AbortError on the caller's abort after every contender settled", async () => {
    const a = scripted<string>(0);
    const b = scripted<string>(500);
    const controller = new AbortController();
    const done = firstSuccess([a.contender, b.contender], controller.signal, () => undefined);
    await clock.tickAsync(10);
    controller.abort(new Error('user stop'));
    await assert.rejects(done, AbortError);
    assert.equal(a.record.aborted, true);
    assert.equal(b.record.startedAt, undefined);
    assert.equal(clock.countTimers(), 0);
  });

  it('a win with no other contender running aborts nothing: the waiting ones are stopped without an abort', async () => {
    const a = scripted<string>(0);
    const b = scripted<string>(100);
    const seen: AbortSignal[] = [];
    const done = firstSuccess([{ delayMs: 0, start: (signal) => (seen.push(signal), a.contender.start(signal)) }, b.contender], undefined, () => undefined);
    await clock.tickAsync(10);
    a.win('a');
    assert.equal((await done).index, 0);
    assert.equal(seen[0].aborted, false, 'an abort no one listens to was dispatched');
    await clock.tickAsync(200);
    assert.equal(b.record.startedAt, undefined);
    assert.equal(clock.countTimers(), 0);
  });

  describe('an owned controller (race() hands over its own)', () => {
    it('the contenders run on its signal and a win aborts it with ANOTHER_CONTENDER_WON', async () => {
      const owned = new AbortController();
      const signals: AbortSignal[] = [];
      const wrap = (s: ReturnType<typeof scripted<string>>): Contender<string> => ({
        delayMs: s.contender.delayMs,
        start: (signal) => {
          signals.push(signal);
          return s.contender.start(signal);
        },
      });
      const a = scripted<string>(0);
      const b = scripted<string>(0);
      const done = firstSuccess([wrap(a), wrap(b)], owned.signal, () => undefined, owned);
      await clock.tickAsync(0);
      assert.deepEqual(signals, [owned.signal, owned.signal]);
      b.win('b');
      assert.equal((await done).index, 1);
      assert.equal(owned.signal.reason, ANOTHER_CONTENDER_WON);
      assert.equal(a.record.aborted, true);
    });

    it("its abort before a win (race()'s deadline or caller) rejects with an AbortError carrying that reason", async () => {
      const owned = new AbortController();
      const a = scripted<string>(0);
      const done = firstSuccess([a.contender], owned.signal, () => undefined, owned);
      await clock.tickAsync(5);
      owned.abort(new Error('deadline'));
      await assert.rejects(done, (err: unknown) => err instanceof AbortError && /deadline/.test(err.message));
    });

    it('a controller that is not the signal’s is refused with a TypeError', () => {
      assert.throws(() => firstSuccess([], new AbortController().signal, () => undefined, new AbortController()), TypeError);
    });
  });
});
