/**
 * Async-context capture turns on only when an AsyncLocalStorage is really in
 * use (lib/context.ts). This file must use no AsyncLocalStorage before its
 * last test: capture, once on, stays on for the process (each test file runs
 * in its own process).
 *
 * The probe used to take any symbol-keyed property of the current async
 * resource for a store; every Immediate, Timeout and AsyncResource has such
 * properties (their ids), so every hosted run — its slices run inside an
 * AsyncResource — turned capture on and paid an AsyncResource per callSoon.
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { _captureForTask, _contextTracking, _nextContextEpoch } from '../lib/context';
import { BACKENDS, makeLoop } from './helpers';

/** Whether a Task made now would capture a context (the probe runs once per epoch). */
function wouldCapture(): boolean {
  _nextContextEpoch();
  return _captureForTask() !== null;
}

describe.each(BACKENDS)('async-context probe (%s)', (backend) => {
  it('stays off in hosted runs, Node timers and AsyncResource scopes when no store is in use', async () => {
    const seen: boolean[] = [];
    seen.push(wouldCapture());
    new AsyncResource('test').runInAsyncScope(() => seen.push(wouldCapture()));
    await new Promise<void>((resolve) => setImmediate(() => (seen.push(wouldCapture()), resolve())));
    await new Promise<void>((resolve) => setTimeout(() => (seen.push(wouldCapture()), resolve()), 1));
    const loop = makeLoop(backend);
    let n = 0;
    const cb = (): void => {
      if (++n % 100 === 0) seen.push(wouldCapture());
      if (n < 1000) loop.callSoon(cb);
      else loop.stop();
    };
    loop.callSoon(cb);
    await loop.runForeverAsync();
    loop.close();
    expect(seen.length).toBe(14);
    expect(seen.every((x) => x === false)).toBe(true);
    expect(_contextTracking()).toBe(false);
  });
});

describe.each(BACKENDS)('async-context probe, the first store entered (%s)', (backend) => {
  it('turns capture on at once, even right after a probe found nothing', () => {
    // A chain of callbacks: the callback probe runs once per 256 iterations,
    // so when the store is first entered below, the last probe (which found
    // nothing) is recent and no new one is due. (Once on, capture stays on:
    // on the second backend this checks only that the context arrives.)
    const loop = makeLoop(backend);
    const als = new AsyncLocalStorage<string>();
    const got: Array<string | undefined> = [];
    let n = 0;
    const cb = (): void => {
      if (++n < 1000) {
        loop.callSoon(cb);
        return;
      }
      als.run('first', () => loop.callSoon(() => got.push(als.getStore())));
      loop.callSoon(() => loop.stop());
    };
    loop.callSoon(cb);
    loop.runForever();
    loop.close();
    expect(got).toEqual(['first']);
  });
});

describe('async-context probe, once a store is used', () => {
  it('turns on inside a store, and a hosted callback then sees its context', async () => {
    const als = new AsyncLocalStorage<string>();
    const loop = makeLoop('js');
    const got: Array<string | undefined> = [];
    als.run('request-1', () => {
      expect(wouldCapture()).toBe(true);
      loop.callSoon(() => got.push(als.getStore()));
    });
    loop.callSoon(() => loop.stop());
    await loop.runForeverAsync();
    loop.close();
    expect(_contextTracking()).toBe(true);
    expect(got).toEqual(['request-1']);
  });
});
