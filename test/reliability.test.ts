/**
 * Nothing lost: any thrown value is carried as a failure, reporting never
 * throws, and a failure nobody retrieved reaches a person — by the time the
 * loop closes at the latest, and when collected during a run.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  Future,
  Lock,
  Queue,
  asCompleted,
  createTask,
  ensureFuture,
  gather,
  getRunningLoop,
  run,
  runAsync,
  shield,
  sleep,
  taskGroup,
  wait,
  waitFor,
  type Coroutine,
} from '../lib/index';
import { BACKENDS, captureErrors, makeLoop } from './helpers';
import { exposeGc } from './gc';

/** The hostile values a coroutine can throw. */
function hostileValues(): Array<[string, () => unknown]> {
  return [
    ['null', () => null],
    ['undefined', () => undefined],
    ['a string', () => 'just a string'],
    ['a number', () => 0],
    [
      'a revoked Proxy',
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      },
    ],
    [
      'an Error whose message getter throws',
      () => {
        const e = new Error('x');
        Object.defineProperty(e, 'message', {
          get() {
            throw new Error('message getter');
          },
        });
        return e;
      },
    ],
    [
      'an object whose inspection throws',
      () =>
        new Proxy(
          {},
          {
            get() {
              throw new Error('no property may be read');
            },
            ownKeys() {
              throw new Error('no keys either');
            },
            getPrototypeOf() {
              throw new Error('no prototype');
            },
          },
        ),
    ],
  ];
}

function* thrower(value: unknown, delay = 0): Coroutine<never> {
  yield* sleep(delay);
  throw value;
}

describe.each(BACKENDS)('any thrown value is carried (%s)', (backend) => {
  for (const [what, make] of hostileValues()) {
    it(`a task that throws ${what} fails with that very value`, () => {
      const loop = makeLoop(backend);
      const value = make();
      const t = loop.createTask(thrower(value));
      let caught: unknown = 'nothing';
      loop.runUntilComplete(
        (function* () {
          try {
            yield* t;
          } catch (err) {
            caught = err;
          }
        })(),
      );
      expect(t.done()).toBe(true);
      expect(t.failed()).toBe(true);
      expect(t.cancelled()).toBe(false);
      expect(caught === value).toBe(true);
      expect(t.exception() === value).toBe(true);
      let rethrown: unknown = 'nothing';
      try {
        t.result();
      } catch (err) {
        rethrown = err;
      }
      expect(rethrown === value).toBe(true);
      expect(() => String(t)).not.toThrow();
    });

    it(`gather fails with ${what}, and returnExceptions gives it as a result`, () => {
      const loop = makeLoop(backend);
      const value = make();
      const out = loop.runUntilComplete(
        (function* () {
          let failedWith: unknown = 'nothing';
          try {
            yield* gather(thrower(value), sleep(0.01, 'ok'));
          } catch (err) {
            failedWith = err;
          }
          const results = yield* gather([thrower(value), sleep(0, 'ok')], { returnExceptions: true });
          return { failedWith, results };
        })(),
      );
      expect(out.failedWith === value).toBe(true);
      expect(out.results[0] === value).toBe(true);
      expect(out.results[1]).toBe('ok');
    });

    it(`taskGroup does not drop ${what}`, () => {
      const loop = makeLoop(backend);
      const value = make();
      const err = loop.runUntilComplete(
        (function* () {
          try {
            yield* taskGroup(function* (tg) {
              tg.createTask(thrower(value));
              tg.createTask(sleep(10));
            });
          } catch (e) {
            return e;
          }
          return 'returned normally';
        })(),
      );
      expect(err).toBeInstanceOf(AggregateError);
      const errors = (err as AggregateError).errors;
      expect(errors.length).toBe(1);
      expect(errors[0] === value).toBe(true); // toBe/toEqual would inspect a hostile value

    });

    it(`wait(FIRST_EXCEPTION), waitFor, shield and asCompleted treat ${what} as a failure`, () => {
      const loop = makeLoop(backend);
      const value = make();
      const out = loop.runUntilComplete(
        (function* () {
          const bad = createTask(thrower(value, 0.01));
          const slow = createTask(sleep(10));
          const [done, pending] = yield* wait([bad, slow], { returnWhen: 'FIRST_EXCEPTION' });
          slow.cancel();
          const caught: unknown[] = [];
          for (const make of [
            () => waitFor(thrower(value), 1),
            () => shield(thrower(value)),
            () => asCompleted([thrower(value)])[Symbol.iterator]().next().value as Coroutine<unknown>,
          ]) {
            try {
              yield* make();
              caught.push('no error');
            } catch (err) {
              caught.push(err);
            }
          }
          return { done: [...done], pending: [...pending], caught };
        })(),
      );
      expect(out.done).toHaveLength(1);
      expect(out.pending).toHaveLength(1);
      expect(out.caught.length).toBe(3);
      expect(out.caught.every((c) => c === value)).toBe(true);
    });
  }

  it('a revoked Proxy yielded is a bad yield thrown into the coroutine, not a task left pending', () => {
    const loop = makeLoop(backend);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const t = loop.createTask(
      (function* () {
        yield proxy;
      })(),
    );
    expect(() => loop.runUntilComplete(t)).toThrow(/^Task got bad yield/);
    expect(t.failed()).toBe(true);
  });

  it('a promise rejected with undefined fails its Future with undefined', async () => {
    const loop = makeLoop(backend);
    const fut = ensureFuture(Promise.reject(undefined), { loop });
    await loop.runUntilCompleteAsync(
      (function* () {
        try {
          yield* fut;
        } catch {
          // seen below
        }
      })(),
    );
    expect(fut.failed()).toBe(true);
    expect(fut.exception()).toBe(undefined);
  });

  it('failed() is false while pending, after a result and after cancellation', () => {
    const loop = makeLoop(backend);
    const a = loop.createFuture();
    expect(a.failed()).toBe(false);
    a.setResult(null);
    expect(a.failed()).toBe(false);
    const b = loop.createFuture();
    b.cancel();
    expect(b.failed()).toBe(false);
    const c = loop.createFuture();
    c.setException(null);
    expect(c.failed()).toBe(true);
    expect(c.exception()).toBe(null);
  });

  it('queues and locks keep working around a task that throws null while holding them', () => {
    const loop = makeLoop(backend);
    const lock = new Lock();
    const q = new Queue<number>();
    const got = loop.runUntilComplete(
      (function* () {
        const bad = createTask(
          lock.hold(function* () {
            yield* sleep(0.01);
            throw null;
          }),
        );
        const good = createTask(
          lock.hold(function* () {
            yield* q.put(1);
            return yield* q.get();
          }),
        );
        const [r] = yield* gather([bad, good], { returnExceptions: true });
        return [r, yield* good, lock.locked()];
      })(),
    );
    expect(got).toEqual([null, 1, false]);
  });
});

describe.each(BACKENDS)('reporting never throws (%s)', (backend) => {
  for (const [what, make] of hostileValues()) {
    it(`the default handler survives ${what}`, () => {
      const loop = makeLoop(backend);
      const printed = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
        // What a real console does first: format every argument.
        for (const a of args) require('node:util').inspect(a);
      });
      try {
        const value = make();
        expect(() => loop.callExceptionHandler({ message: 'boom', exception: value, extra: value })).not.toThrow();
        expect(printed).toHaveBeenCalled();
        expect(String(printed.mock.calls.at(-1)![0])).toMatch(/^boom/);
      } finally {
        printed.mockRestore();
      }
    });
  }

  it('a callback that throws an uninspectable value does not abort the iteration', () => {
    const loop = makeLoop(backend);
    const printed = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      for (const a of args) require('node:util').inspect(a);
    });
    try {
      const ran: number[] = [];
      const [, make] = hostileValues()[6];
      loop.callSoon(() => {
        ran.push(1);
        throw make();
      });
      loop.callSoon(() => ran.push(2));
      loop.runOnce();
      expect(ran).toEqual([1, 2]);
    } finally {
      printed.mockRestore();
    }
  });

  it('a handler that throws is reported once, safely, and the run goes on', () => {
    const loop = makeLoop(backend);
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      loop.setExceptionHandler(() => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        throw proxy;
      });
      const ran: number[] = [];
      loop.callSoon(() => {
        throw new Error('first');
      });
      loop.callSoon(() => ran.push(2));
      expect(() => loop.runOnce()).not.toThrow();
      expect(ran).toEqual([2]);
      expect(printed).toHaveBeenCalledTimes(1);
    } finally {
      printed.mockRestore();
    }
  });
});

describe.each(BACKENDS)('every failure reaches a person (%s)', (backend) => {
  it('a fire-and-forget task that fails is reported by the time run() returns', () => {
    const seen: Array<Record<string, unknown>> = [];
    run(
      function* () {
        getRunningLoop().setExceptionHandler((_l, ctx) => {
          seen.push(ctx);
        });
        createTask(
          (function* (): Coroutine<never> {
            yield* sleep(0.001);
            throw new Error('made inside the task');
          })(),
          { name: 'fire-and-forget' },
        );
        yield* sleep(0.01);
      },
      { backend },
    );
    expect(seen.map((c) => c.message)).toEqual(['Task exception was never retrieved']);
    expect((seen[0].exception as Error).message).toBe('made inside the task');
    expect(String(seen[0].future)).toMatch(/name='fire-and-forget'/);
  });

  it('a fire-and-forget task that fails is reported by the time runAsync() resolves', async () => {
    const seen: Array<Record<string, unknown>> = [];
    await runAsync(
      function* () {
        getRunningLoop().setExceptionHandler((_l, ctx) => {
          seen.push(ctx);
        });
        createTask(
          (function* (): Coroutine<never> {
            yield* sleep(0.001);
            throw new Error('hosted failure');
          })(),
        );
        yield* sleep(0.01);
      },
      { backend },
    );
    expect(seen.map((c) => c.message)).toEqual(['Task exception was never retrieved']);
  });

  it('a failure that was retrieved is not reported at close', () => {
    const loop = makeLoop(backend);
    const seen = captureErrors(loop);
    const t = loop.createTask(thrower(new Error('seen')));
    loop.runUntilComplete(sleep(0.001));
    expect(t.exception()).toBeInstanceOf(Error);
    const f = loop.createFuture();
    f.setException(null);
    f.failed();
    f.exception();
    loop.close();
    expect(seen).toEqual([]);
  });

  it('the default handler prints the task name and the stack of a lost failure', () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      run(
        function* () {
          createTask(thrower(new Error('lost')), { name: 'lost-one' });
          yield* sleep(0.001);
        },
        { backend },
      );
      expect(printed).toHaveBeenCalledTimes(1);
      const [text, exc] = printed.mock.calls[0] as [string, Error];
      expect(text).toMatch(/^Task exception was never retrieved/);
      expect(text).toMatch(/lost-one/);
      expect(exc.stack).toMatch(/lost/);
    } finally {
      printed.mockRestore();
    }
  });

  it('a failed task made inside the task is collectable and reported when collected (hosted)', async () => {
    const gc = exposeGc();
    const loop = makeLoop(backend);
    const seen = captureErrors(loop);
    await loop.runUntilCompleteAsync(
      (function* () {
        createTask(
          (function* (): Coroutine<never> {
            yield;
            throw new Error('error made inside the task, holding its frames');
          })(),
          { name: 'collect-me' },
        );
        yield* sleep(0.001);
      })(),
    );
    for (let i = 0; i < 10 && seen.length === 0; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    expect(seen.map((c) => c.message)).toEqual(['Task exception was never retrieved']);
    expect(String(seen[0].future)).toMatch(/collect-me/);
  });

  it('a failed Future collected during a blocking run is reported during the run', () => {
    const gc = exposeGc();
    const loop = makeLoop(backend);
    const seen = captureErrors(loop);
    let seenDuringRun = -1;
    loop.runUntilComplete(
      (function* () {
        (() => {
          new Future({ loop }).setException(new Error('dropped'));
        })();
        // Enough WeakRefs made for the driver's sweep to come due.
        for (let i = 0; i < 5000; i++) {
          const f = new Future({ loop });
          f.setException(i);
          f.exception();
        }
        yield;
        gc();
        yield;
        yield;
        for (let i = 0; i < 5000; i++) {
          const f = new Future({ loop });
          f.setException(i);
          f.exception();
        }
        yield;
        gc();
        yield;
        yield;
        seenDuringRun = seen.length;
      })(),
    );
    expect(seenDuringRun).toBe(1);
    expect((seen[0].exception as Error).message).toBe('dropped');
  });
});

describe.each(BACKENDS)('debug mode does not leak (%s)', (backend) => {
  it('tasks of a blocking run in debug mode are collectable during the run', () => {
    const gc = exposeGc();
    const loop = makeLoop(backend, { debug: true });
    let collected = 0;
    const registry = new FinalizationRegistry(() => collected++);
    const refs: WeakRef<object>[] = [];
    const alive = loop.runUntilComplete(
      (function* () {
        for (let round = 0; round < 4; round++) {
          const batch = [];
          for (let i = 0; i < 3000; i++) {
            const t = createTask(sleep(0));
            if (round === 0 && i < 100) refs.push(new WeakRef(t));
            batch.push(t);
          }
          yield* gather(...batch);
        }
        gc();
        return refs.filter((r) => r.deref() !== undefined).length;
      })(),
    );
    void registry;
    void collected;
    expect(alive).toBeLessThan(100);
  });

  it('a task destroyed while pending is reported while the blocking run goes on', () => {
    const gc = exposeGc();
    const loop = makeLoop(backend, { debug: true });
    const seen = captureErrors(loop);
    let seenDuringRun = -1;
    loop.runUntilComplete(
      (function* () {
        (() => {
          const orphan = loop.createFuture();
          createTask(
            (function* () {
              yield* orphan; // nothing can ever complete it
            })(),
            { name: 'orphaned' },
          );
        })();
        yield;
        yield;
        // Each round makes enough WeakRefs for the driver's sweep to come
        // due; a collection between two sweeps finds the orphan gone.
        const destroyed = () => seen.filter((c) => c.message === 'Task was destroyed but it is pending!').length;
        for (let round = 0; round < 12 && destroyed() === 0; round++) {
          const batch = [];
          for (let i = 0; i < 5000; i++) batch.push(createTask(sleep(0)));
          yield* gather(...batch);
          gc();
          yield;
        }
        seenDuringRun = destroyed();
      })(),
    );
    expect(seenDuringRun).toBe(1);
  });
});
