/**
 * Async context follows the task (asyncio's contextvars, on Node's
 * AsyncLocalStorage): a Task runs every step in the context of its creation,
 * a scheduled callback in the context of its scheduling, in blocking and in
 * hosted runs alike; and cancellation reaches abortable Node work.
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  abortable,
  createTask,
  currentTask,
  gather,
  getRunningLoop,
  runAsync,
  sleep,
  type Coroutine,
  type Loop,
} from '../lib/index';
import { BACKENDS, makeLoop } from './helpers';

const als = new AsyncLocalStorage<string>();

/** A coroutine that records the store it sees at each step, across sleeps. */
function* observe(log: string[], tag: string, delays: number[]): Coroutine<void> {
  log.push(`${tag}:${als.getStore() ?? '-'}`);
  for (const d of delays) {
    yield* sleep(d);
    log.push(`${tag}:${als.getStore() ?? '-'}`);
  }
}

/** The program both run modes run: tasks and callbacks made in two stores. */
function program(loop: Loop, log: string[]): Coroutine<void> {
  return (function* () {
    const a = als.run('A', () => createTask(observe(log, 'a', [0.002, 0, 0.001])));
    const b = als.run('B', () => createTask(observe(log, 'b', [0.001, 0.002])));
    const c = createTask(observe(log, 'c', [0.001]));
    als.run('S', () => loop.callSoon(() => log.push(`soon:${als.getStore() ?? '-'}`)));
    als.run('L', () => loop.callLater(0.001, () => log.push(`later:${als.getStore() ?? '-'}`)));
    als.run('T', () => loop.callAt(loop.time(), () => log.push(`at:${als.getStore() ?? '-'}`)));
    loop.callSoon(() => log.push(`plain:${als.getStore() ?? '-'}`));
    yield* gather(a, b, c);
  })();
}

describe.each(BACKENDS)('async context (%s)', (backend) => {
  it('a task sees the store current at its creation, at every step', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const log: string[] = [];
    loop.runUntilComplete(program(loop, log));
    for (const tag of ['a', 'b']) {
      const seen = log.filter((l) => l.startsWith(`${tag}:`));
      expect(seen.length).toBeGreaterThan(1);
      expect(new Set(seen)).toEqual(new Set([`${tag}:${tag.toUpperCase()}`]));
    }
    expect(log.filter((l) => l.startsWith('c:'))).toEqual(['c:-', 'c:-']);
  });

  it('callSoon, callLater and callAt run their callback in the context of the call', () => {
    const loop = makeLoop(backend, { clock: 'virtual' });
    const log: string[] = [];
    loop.runUntilComplete(program(loop, log));
    expect(log).toContain('soon:S');
    expect(log).toContain('later:L');
    expect(log).toContain('at:T');
    expect(log).toContain('plain:-');
  });

  it('a callback scheduled outside any run keeps its context', () => {
    const loop = makeLoop(backend);
    const seen: string[] = [];
    als.run('outside', () => loop.callSoon(() => seen.push(als.getStore() ?? '-')));
    loop.callSoon(() => seen.push(als.getStore() ?? '-'));
    loop.runOnce();
    expect(seen).toEqual(['outside', '-']);
  });

  it('hosted and blocking runs give the same context to the same callbacks', async () => {
    const blockingLog: string[] = [];
    const blocking = makeLoop(backend, { clock: 'virtual' });
    als.run('the caller', () => blocking.runUntilComplete(program(blocking, blockingLog)));
    const hostedLog: string[] = [];
    const hosted = makeLoop(backend, { clock: 'virtual' });
    await als.run('the caller', () => hosted.runUntilCompleteAsync(program(hosted, hostedLog)));
    expect(hostedLog).toEqual(blockingLog);
    expect(blockingLog).toContain('c:the caller');
  });

  it("two requests served by one hosted loop never see each other's store", async () => {
    const loop = makeLoop(backend);
    const log: string[] = [];
    const run = loop.runForeverAsync();
    const request = (user: string, delays: number[]) =>
      als.run(user, () => loop.runUntilCompleteAsync !== undefined && new Promise<void>((resolve) => {
        // As a request handler would: schedule work on the shared loop from Node code.
        const t = loop.createTask(observe(log, user, delays));
        t.addDoneCallback(() => resolve());
      }));
    await Promise.all([request('alice', [0.003, 0.001, 0]), request('bob', [0.001, 0.002, 0.001])]);
    loop.stop();
    await run;
    for (const user of ['alice', 'bob']) {
      const seen = log.filter((l) => l.startsWith(`${user}:`));
      expect(seen).toHaveLength(4);
      expect(new Set(seen)).toEqual(new Set([`${user}:${user}`]));
    }
  });

  it('runAsync: the main coroutine and its children run in the caller context', async () => {
    const seen = await als.run('request-7', () =>
      runAsync(
        function* () {
          const child = createTask(
            (function* () {
              yield* sleep(0.001);
              return als.getStore();
            })(),
          );
          yield* sleep(0.002);
          return [als.getStore(), yield* child];
        },
        { backend },
      ),
    );
    expect(seen).toEqual(['request-7', 'request-7']);
  });

  it('createTask(coro, { context }) runs the task in the given context', () => {
    const loop = makeLoop(backend);
    const resource = als.run('from-resource', () => new AsyncResource('test'));
    const snapshot = als.run('from-snapshot', () => AsyncLocalStorage.snapshot());
    const got = loop.runUntilComplete(
      (function* () {
        const a = createTask(
          (function* () {
            yield;
            return als.getStore();
          })(),
          { context: resource },
        );
        const b = createTask(
          (function* () {
            yield;
            return als.getStore();
          })(),
          { context: snapshot },
        );
        return yield* gather(a, b);
      })(),
    );
    expect(got).toEqual(['from-resource', 'from-snapshot']);
    expect(() => loop.createTask((function* () {})(), { context: 5 as never })).toThrow(/context must be/);
  });
});

describe.each(BACKENDS)('cancellation reaches Node work (%s)', (backend) => {
  it('abortable(start) aborts the signal when its Future is cancelled', async () => {
    const loop = makeLoop(backend);
    let signal: AbortSignal | null = null;
    const outcome = await loop.runUntilCompleteAsync(
      (function* () {
        const fut = abortable((s) => {
          signal = s;
          return new Promise((resolve, reject) => {
            const timer = setTimeout(resolve, 10_000);
            s.addEventListener('abort', () => {
              clearTimeout(timer);
              reject(s.reason);
            });
          });
        });
        const waiter = createTask(
          (function* () {
            yield* fut;
          })(),
        );
        yield* sleep(0.005);
        waiter.cancel('no longer needed');
        try {
          yield* waiter;
        } catch (err) {
          return err;
        }
        return 'not cancelled';
      })(),
    );
    expect(outcome).toBeInstanceOf(CancelledError);
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBeInstanceOf(CancelledError);
  });

  it("a task's signal aborts on the first cancellation request", () => {
    const loop = makeLoop(backend);
    const got = loop.runUntilComplete(
      (function* () {
        const t = createTask(
          (function* () {
            const signal = currentTask()!.signal;
            try {
              yield* sleep(10);
            } catch {
              return signal.aborted;
            }
            return 'slept';
          })(),
        );
        yield* sleep(0.001);
        t.cancel();
        return yield* t;
      })(),
    );
    expect(got).toBe(true);
  });

  it('abortable checks its arguments', () => {
    const loop = makeLoop(backend);
    expect(() => abortable(5 as never, { loop })).toThrow(/start must be a function/);
    expect(() => abortable(() => 5 as never, { loop })).toThrow(/start must return a promise/);
    void getRunningLoop;
  });
});
