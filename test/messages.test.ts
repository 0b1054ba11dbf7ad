/**
 * Messages that point at the user's code: bad yields say what was meant, the
 * would-wait-forever error says what each parked task waits on and shows a
 * deadlock, debug mode names a slow task and a coroutine never awaited.
 */
import { describe, expect, it } from 'vitest';
import {
  Event,
  Lock,
  Queue,
  Task,
  createTask,
  currentTask,
  ensureFuture,
  gather,
  run,
  sleep,
  type Coroutine,
} from '../lib/index';
import { BACKENDS, captureErrors, makeLoop } from './helpers';

function* child(): Coroutine<number> {
  yield;
  return 1;
}

describe.each(BACKENDS)('messages (%s)', (backend) => {
  it('`yield child()` (missing star) says that yield* was meant and names the task', () => {
    const loop = makeLoop(backend);
    const t = loop.createTask(
      (function* () {
        yield child() as never;
      })(),
      { name: 'forgot-the-star' },
    );
    expect(() => loop.runUntilComplete(t)).toThrow(/yield\* gen\(\)/);
    expect(String(t.exception())).toMatch(/forgot-the-star/);
  });

  it('`yield promise` points at ensureFuture and hosted mode', () => {
    const loop = makeLoop(backend);
    const t = loop.createTask(
      (function* () {
        yield Promise.resolve(1) as never;
      })(),
    );
    expect(() => loop.runUntilComplete(t)).toThrow(/ensureFuture\(promise\).*hosted mode/);
  });

  it('a promise inside gather in a blocking run gets the hosted-mode hint', () => {
    const loop = makeLoop(backend);
    let message = '';
    try {
      loop.runUntilComplete(
        (function* () {
          yield* gather(ensureFuture(new Promise(() => {})), sleep(0));
        })(),
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/would wait forever/);
    expect(message).toMatch(/gather of 2/);
    expect(message).toMatch(/run this in hosted mode/);
  });

  it('the would-wait-forever error names the Lock, Event and Queue tasks wait on', () => {
    const loop = makeLoop(backend);
    const lock = new Lock();
    const event = new Event();
    const queue = new Queue<number>();
    let message = '';
    try {
      loop.runUntilComplete(
        (function* () {
          yield* lock.acquire();
          createTask(lock.hold(() => sleep(0)), { name: 'wants-the-lock' });
          createTask(event.wait(), { name: 'wants-the-event' });
          createTask(queue.get(), { name: 'wants-an-item' });
          yield* new Event().wait();
        })(),
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/wants-the-lock: waiting for <Lock/);
    expect(message).toMatch(/wants-the-event: waiting for <Event/);
    expect(message).toMatch(/wants-an-item: waiting for <Queue/);
  });

  it('the would-wait-forever error shows tasks that wait on each other', () => {
    const loop = makeLoop(backend);
    let message = '';
    try {
      loop.runUntilComplete(
        (function* () {
          const holder: { a?: Task<unknown>; b?: Task<unknown> } = {};
          holder.a = createTask(
            (function* () {
              yield;
              yield* holder.b!;
            })(),
            { name: 'alpha' },
          );
          holder.b = createTask(
            (function* () {
              yield;
              yield* holder.a!;
            })(),
            { name: 'beta' },
          );
          yield* holder.a;
        })(),
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/deadlock\): (alpha -> beta -> alpha|beta -> alpha -> beta)/);
  });

  it('a slow step in debug mode is named by its task', () => {
    const loop = makeLoop(backend, { debug: true });
    loop.slowCallbackDuration = 0.001;
    const seen = captureErrors(loop);
    loop.runUntilComplete(
      loop.createTask(
        (function* () {
          const end = performance.now() + 5;
          while (performance.now() < end);
          yield;
        })(),
        { name: 'slowpoke' },
      ),
    );
    const slow = seen.filter((c) => /^Executing/.test(String(c.message)));
    expect(slow.length).toBeGreaterThan(0);
    expect(String(slow[0].message)).toMatch(/^Executing the step of <Task .*name='slowpoke'/);
  });

  it('a task factory that returns a non-Task is named in the error', () => {
    const loop = makeLoop(backend);
    loop.setTaskFactory(function badFactory() {
      return 42 as never;
    });
    expect(() => loop.createTask(child())).toThrow(/task factory function badFactory returned 42, not a Task/);
  });

  it('a sleep never awaited is reported in debug mode when its loop closes', () => {
    const loop = makeLoop(backend, { debug: true });
    const seen = captureErrors(loop);
    loop.runUntilComplete(
      (function* () {
        sleep(1); // the missing yield*
        yield* sleep(0);
      })(),
    );
    loop.close();
    expect(seen.map((c) => c.message)).toContain("coroutine 'sleep' was never awaited");
  });

  it('1n and new Number(1) are described as what they are', () => {
    const loop = makeLoop(backend);
    expect(() => loop.callLater(1n as never, () => {})).toThrow(/delay must be a number, got 1n/);
    expect(() => loop.callLater(new Number(1) as never, () => {})).toThrow(/got a Number object \(1\)/);
  });

  it("run()'s main task is named Task-N, as asyncio names it", () => {
    const name = run(function* () {
      yield;
      return currentTask()!.getName();
    }, { backend });
    expect(name).toMatch(/^Task-\d+$/);
  });
});
