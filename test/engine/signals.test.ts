import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import sinon from 'sinon';
import { abortWith, whenAborted } from '../../src/engine/signals';

describe('engine: abort subscriptions (whenAborted)', () => {
  afterEach(() => sinon.restore());

  it('many subscribers share one abort listener; abort calls each once, in order, and leaves none', () => {
    const controller = new AbortController();
    const calls: number[] = [];
    for (let i = 0; i < 50; i += 1) whenAborted(controller.signal, () => calls.push(i));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    controller.abort();
    controller.abort();
    assert.deepEqual(
      calls,
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  it('the last unsubscribe removes the shared listener; an unsubscribed fn is never called', () => {
    const controller = new AbortController();
    const fn = sinon.spy();
    const offs = [whenAborted(controller.signal, fn), whenAborted(controller.signal, fn)];
    offs[0]();
    offs[0](); // twice: no effect
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    offs[1]();
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    const later = sinon.spy();
    whenAborted(controller.signal, later);
    controller.abort();
    assert.equal(fn.callCount, 0);
    assert.equal(later.callCount, 1, 'a new subscriber after the last one left gets a listener again');
  });

  it('the same fn subscribed twice is called twice', () => {
    const controller = new AbortController();
    const fn = sinon.spy();
    whenAborted(controller.signal, fn);
    whenAborted(controller.signal, fn);
    controller.abort();
    assert.equal(fn.callCount, 2);
  });

  it('an already aborted signal calls fn on a microtask, unless unsubscribed first', async () => {
    const signal = AbortSignal.abort();
    const fn = sinon.spy();
    const skipped = sinon.spy();
    whenAborted(signal, fn);
    whenAborted(signal, skipped)();
    assert.equal(fn.callCount, 0, 'not synchronously');
    await Promise.resolve();
    assert.equal(fn.callCount, 1);
    assert.equal(skipped.callCount, 0);
  });

  it('a subscriber that throws does not keep the others from running; its error is rethrown on the next tick', () => {
    const deferred: (() => void)[] = [];
    sinon.stub(process, 'nextTick').callsFake(((cb: () => void) => void deferred.push(cb)) as typeof process.nextTick);
    const controller = new AbortController();
    const after = sinon.spy();
    whenAborted(controller.signal, () => {
      throw new Error('subscriber failed');
    });
    whenAborted(controller.signal, after);
    controller.abort();
    sinon.restore();
    assert.equal(after.callCount, 1);
    assert.equal(deferred.length, 1);
    assert.throws(deferred[0], /subscriber failed/);
  });

  it('abortWith links a child controller to its parents through whenAborted, and unlinks it', () => {
    const parent = new AbortController();
    const children = Array.from({ length: 30 }, () => new AbortController());
    const unlinks = children.map((child) => abortWith(child, parent.signal, undefined));
    assert.equal(getEventListeners(parent.signal, 'abort').length, 1);
    unlinks[0]();
    parent.abort(new Error('stop'));
    assert.equal(children[0].signal.aborted, false, 'unlinked');
    assert.ok(children.slice(1).every((c) => c.signal.aborted && (c.signal.reason as Error).message === 'stop'));
  });
});
