import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  currentTask,
  eagerTaskFactory,
  EventLoopError,
  InvalidStateError,
  sleep,
  TaskGroup,
  taskGroup,
  timeout,
  TimeoutError,
  type Coroutine,
  type Loop,
  type Task,
} from '../lib/index';
import { BACKENDS, makeLoop } from './helpers';

function runMain<T>(loop: Loop, main: () => Coroutine<T>): T {
  return loop.runUntilComplete(loop.createTask(main()));
}

function caught(loop: Loop, main: () => Coroutine<unknown>): unknown {
  try {
    runMain(loop, main);
    return 'no error';
  } catch (err) {
    return err;
  }
}

function* value<T>(v: T, delay: number): Coroutine<T> {
  yield* sleep(delay);
  return v;
}

function* failing(err: unknown, delay: number): Coroutine<never> {
  yield* sleep(delay);
  throw err;
}

describe.each(BACKENDS)('taskGroup (%s)', (backend) => {
  const vloop = () => makeLoop(backend, { clock: 'virtual' });

  it('waits for every child and gives the body result', () => {
    const loop = vloop();
    const tasks: Task<number>[] = [];
    const r = runMain(loop, function* () {
      return yield* taskGroup(function* (tg) {
        tasks.push(tg.createTask(value(1, 0.3)), tg.createTask(value(2, 0.1)));
        return 'body';
      });
    });
    expect(r).toBe('body');
    expect(tasks.map((t) => t.result())).toEqual([1, 2]);
    expect(loop.time()).toBeCloseTo(0.3);
  });

  it('names a child with createTask(coro, { name })', () => {
    const loop = vloop();
    const name = runMain(loop, function* () {
      return yield* taskGroup(function* (tg) {
        return tg.createTask(value(1, 0), { name: 'worker-1' }).getName();
      });
    });
    expect(name).toBe('worker-1');
  });

  it('cancels the siblings and the body on the first child error, then throws an AggregateError', () => {
    const loop = vloop();
    const boom = new Error('boom');
    let sibling: Task<unknown> | null = null;
    let bodyCancelled = false;
    const err = caught(loop, () =>
      taskGroup(function* (tg) {
        sibling = tg.createTask(value('late', 10));
        tg.createTask(failing(boom, 0.1));
        try {
          yield* sleep(10);
        } catch (e) {
          bodyCancelled = e instanceof CancelledError;
          throw e;
        }
      }),
    );
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors).toEqual([boom]);
    expect(sibling!.cancelled()).toBe(true);
    expect(bodyCancelled).toBe(true);
    expect(loop.time()).toBeCloseTo(0.1);
  });

  it('collects every error that is not a cancellation', () => {
    const loop = vloop();
    const e1 = new Error('one');
    const e2 = new Error('two');
    const err = caught(loop, () =>
      taskGroup(function* (tg) {
        tg.createTask(failing(e1, 0.1));
        tg.createTask(failing(e2, 0.1));
        tg.createTask(value(3, 5));
      }),
    );
    expect((err as AggregateError).errors).toEqual([e1, e2]);
    expect((err as AggregateError).message).toMatch(/unhandled errors in a TaskGroup \(2 sub-errors\)/);
  });

  it('includes an error thrown by the body and cancels the children', () => {
    const loop = vloop();
    const bodyErr = new Error('body');
    let child: Task<unknown> | null = null;
    const err = caught(loop, () =>
      taskGroup(function* (tg) {
        child = tg.createTask(value(1, 10));
        yield* sleep(0.1);
        throw bodyErr;
      }),
    );
    expect((err as AggregateError).errors).toEqual([bodyErr]);
    expect(child!.cancelled()).toBe(true);
  });

  it('cancels the children when the task running the group is cancelled, and throws CancelledError', () => {
    const loop = vloop();
    const children: Task<unknown>[] = [];
    const main = loop.createTask(
      taskGroup(function* (tg) {
        children.push(tg.createTask(value(1, 10)), tg.createTask(value(2, 10)));
        return 'never';
      }),
    );
    loop.callLater(1, () => main.cancel());
    expect(() => loop.runUntilComplete(main)).toThrow(CancelledError);
    expect(main.cancelled()).toBe(true);
    expect(children.every((c) => c.cancelled())).toBe(true);
  });

  it('is cancelled, children first, by a timeout around it', () => {
    const loop = vloop();
    const children: Task<unknown>[] = [];
    const err = caught(loop, () =>
      timeout(0.5, () =>
        taskGroup(function* (tg) {
          children.push(tg.createTask(value(1, 10)), tg.createTask(value(2, 10)));
        }),
      ),
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(children.every((c) => c.cancelled())).toBe(true);
    expect(loop.time()).toBeCloseTo(0.5);
  });

  it('waits for children that delay their cancellation', () => {
    const loop = vloop();
    const log: string[] = [];
    function* slowToStop() {
      try {
        yield* sleep(10);
      } finally {
        yield* sleep(0.5);
        log.push('child stopped');
      }
    }
    const main = loop.createTask(
      (function* () {
        try {
          yield* taskGroup(function* (tg) {
            tg.createTask(slowToStop());
          });
        } finally {
          log.push('group left');
        }
      })(),
    );
    loop.callLater(1, () => main.cancel());
    expect(() => loop.runUntilComplete(main)).toThrow(CancelledError);
    expect(log).toEqual(['child stopped', 'group left']);
    expect(loop.time()).toBeCloseTo(1.5);
  });

  it('leaves the parent task free to go on after it handles the group error', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      try {
        yield* taskGroup(function* (tg) {
          tg.createTask(failing(new Error('x'), 0.1));
          yield* sleep(10);
        });
      } catch (e) {
        if (!(e instanceof AggregateError)) throw e;
      }
      yield* sleep(1); // must not be cancelled
      return currentTask()!.cancelling();
    });
    expect(r).toBe(0);
  });

  it('throws the AggregateError even if the body swallows its cancellation', () => {
    const loop = vloop();
    const boom = new Error('boom');
    const err = caught(loop, () =>
      taskGroup(function* (tg) {
        tg.createTask(failing(boom, 0.1));
        try {
          yield* sleep(10);
        } catch {
          return 'swallowed';
        }
        return 'slept';
      }),
    );
    expect((err as AggregateError).errors).toEqual([boom]);
  });

  it('does not count a child cancelled on its own as an error', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      return yield* taskGroup(function* (tg) {
        const t = tg.createTask(value(1, 10));
        tg.createTask(value(2, 0.1));
        yield* sleep(0.5);
        t.cancel();
        return 'ok';
      });
    });
    expect(r).toBe('ok');
  });

  it('nests: an inner group error is one error of the outer group', () => {
    const loop = vloop();
    const boom = new Error('boom');
    const err = caught(loop, () =>
      taskGroup(function* (outer) {
        outer.createTask(
          taskGroup(function* (inner) {
            inner.createTask(failing(boom, 0.1));
          }),
        );
      }),
    );
    expect(err).toBeInstanceOf(AggregateError);
    const innerErr = (err as AggregateError).errors[0];
    expect(innerErr).toBeInstanceOf(AggregateError);
    expect((innerErr as AggregateError).errors).toEqual([boom]);
  });

  it('lets a child add a sibling while the group waits', () => {
    const loop = vloop();
    const seen: string[] = [];
    runMain(loop, () =>
      taskGroup(function* (tg) {
        tg.createTask(
          (function* () {
            yield* sleep(0.1);
            tg.createTask(
              (function* () {
                yield* sleep(0.1);
                seen.push('sibling ran');
              })(),
            );
          })(),
        );
      }),
    );
    expect(seen).toEqual(['sibling ran']);
  });

  it('refuses createTask once finished, closing the coroutine', () => {
    const loop = vloop();
    let kept: TaskGroup | null = null;
    runMain(loop, () =>
      taskGroup(function* (tg) {
        kept = tg;
        yield;
      }),
    );
    let started = false;
    const coro = (function* () {
      started = true;
    })();
    expect(() => kept!.createTask(coro)).toThrow(InvalidStateError);
    expect(() => kept!.createTask(coro)).toThrow(/is finished/);
    expect(coro.next().done).toBe(true);
    expect(started).toBe(false);
  });

  it('refuses createTask while shutting down after an error', () => {
    const loop = vloop();
    let refusal: unknown = null;
    caught(loop, () =>
      taskGroup(function* (tg) {
        tg.createTask(failing(new Error('x'), 0.1));
        try {
          yield* sleep(10);
        } catch (e) {
          try {
            tg.createTask(value(1, 0));
          } catch (r) {
            refusal = r;
          }
          throw e;
        }
      }),
    );
    expect(refusal).toBeInstanceOf(InvalidStateError);
    expect((refusal as Error).message).toMatch(/shutting down/);
  });

  it('refuses createTask on a group that was never entered', () => {
    const tg = new TaskGroup();
    expect(() => tg.createTask((function* () {})())).toThrow(/has not been entered/);
  });

  it('handles children that finish eagerly', () => {
    const loop = vloop();
    loop.setTaskFactory(eagerTaskFactory);
    const boom = new Error('eager boom');
    const r = runMain(loop, function* () {
      const ok = yield* taskGroup(function* (tg) {
        const t = tg.createTask((function* () {
          return 5;
        })());
        expect(t.done()).toBe(true);
        return t.result();
      });
      const err = yield* (function* () {
        try {
          yield* taskGroup(function* (tg) {
            tg.createTask((function* () {
              throw boom;
            })());
            yield* sleep(1);
          });
        } catch (e) {
          return e;
        }
        return null;
      })();
      return { ok, err };
    });
    expect(r.ok).toBe(5);
    expect((r.err as AggregateError).errors).toEqual([boom]);
  });

  it('must run inside a task', () => {
    const loop = vloop();
    let err: unknown = null;
    loop.callSoon(() => {
      try {
        taskGroup(function* () {}).next();
      } catch (e) {
        err = e;
      }
    });
    loop.runOnce();
    expect(err).toBeInstanceOf(EventLoopError);
  });

  it('rejects bad arguments', () => {
    const loop = vloop();
    expect(() => taskGroup(null as never)).toThrow(/taskGroup: body must be a function, got null/);
    const err = caught(loop, () =>
      taskGroup(function* (tg) {
        tg.createTask((() => 1) as never);
      }),
    );
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors[0]).toBeInstanceOf(TypeError);
  });
});
