import assert from 'node:assert/strict';
import { AbortError } from '../../src/errors';
import { InFlight } from '../../nodes/lib/inflight';
import type { Node } from '../../nodes/lib/red';

/** A node stand-in that records warnings (InFlight's last resort). */
function fakeNode(): Node & { warnings: unknown[] } {
  const warnings: unknown[] = [];
  return { warnings, warn: (w: unknown) => warnings.push(w) } as unknown as Node & { warnings: unknown[] };
}

/** A done function that resolves with its argument. */
function doneOnce(): { done: (err?: Error) => void; called: Promise<Error | undefined>; count: () => number } {
  let calls = 0;
  let resolve: (err: Error | undefined) => void = () => undefined;
  const called = new Promise<Error | undefined>((r) => (resolve = r));
  return {
    done: (err) => {
      calls += 1;
      resolve(err);
    },
    called,
    count: () => calls,
  };
}

describe('nodes/lib: InFlight (input jobs of a node)', () => {
  it('a job that resolves calls done() once; one that rejects calls done(err) after onError', async () => {
    const inflight = new InFlight();
    const node = fakeNode();
    const ok = doneOnce();
    inflight.run(node, {}, ok.done, async () => undefined);
    assert.equal(await ok.called, undefined);
    const failed = doneOnce();
    const shown: Error[] = [];
    inflight.run(
      node,
      {},
      failed.done,
      async () => Promise.reject(new Error('boom')),
      (err) => shown.push(err),
    );
    assert.equal((await failed.called)?.message, 'boom');
    assert.deepEqual(
      shown.map((e) => e.message),
      ['boom'],
    );
    await inflight.abortAll();
    assert.deepEqual([ok.count(), failed.count()], [1, 1]);
    assert.equal(inflight.size, 0);
  });

  it('a thrown non-Error, a synchronous throw and a throwing onError still end in done(err), never a rejection', async () => {
    const inflight = new InFlight();
    const node = fakeNode();
    const text = doneOnce();
    inflight.run(node, {}, text.done, () => Promise.reject('just text'));
    assert.equal((await text.called)?.message, 'just text');
    const sync = doneOnce();
    inflight.run(node, {}, sync.done, () => {
      throw new Error('sync');
    });
    assert.equal((await sync.called)?.message, 'sync');
    const badHandler = doneOnce();
    inflight.run(
      node,
      {},
      badHandler.done,
      () => Promise.reject(new Error('job')),
      () => {
        throw new Error('onError broke');
      },
    );
    assert.equal((await badHandler.called)?.message, 'job');
    await inflight.abortAll();
    assert.equal(node.warnings.length, 1, 'the throwing onError is only warned about');
  });

  it('abortAll() aborts every job, calls done() without an error and resolves once all have settled; later input is done at once', async () => {
    const inflight = new InFlight();
    const node = fakeNode();
    const jobs = [doneOnce(), doneOnce()];
    const signals: AbortSignal[] = [];
    for (const job of jobs) {
      inflight.run(node, {}, job.done, (signal) => {
        signals.push(signal);
        return new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
      });
    }
    assert.equal(inflight.size, 2);
    await inflight.abortAll('node closed');
    assert.ok(signals.every((s) => s.aborted && s.reason instanceof AbortError));
    assert.deepEqual(await Promise.all(jobs.map((j) => j.called)), [undefined, undefined]);
    assert.equal(inflight.size, 0);
    const late = doneOnce();
    let ran = false;
    inflight.run(node, {}, late.done, async () => {
      ran = true;
    });
    assert.equal(await late.called, undefined);
    assert.equal(ran, false);
  });
});
