import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  EventLoopError,
  Future,
  InvalidStateError,
  Task,
  allTasks,
  createTask,
  currentTask,
  ensureFuture,
  sleep,
  type Coroutine,
} from '../lib/index';
import { BACKENDS, captureErrors, makeLoop } from './helpers';

function* returns<T>(value: T): Coroutine<T> {
  return value;
}

describe.each(BACKENDS)('Task (%s)', (backend) => {
  describe('running a coroutine', () => {
    it('schedules its first step with callSoon at creation', () => {
      const loop = makeLoop(backend);
      const seen: string[] = [];
      loop.callSoon(() => seen.push('before'));
      const t = loop.createTask(
        (function* () {
          seen.push('task');
        })(),
      );
      loop.callSoon(() => seen.push('after'));
      expect(seen).toEqual([]);
      loop.runOnce();
      expect(seen).toEqual(['before', 'task', 'after']);
      expect(t.done()).toBe(true);
    });

    it('finishes with the coroutine return value', () => {
      const loop = makeLoop(backend);
      const t = loop.createTask(returns(5));
      expect(loop.runUntilComplete(t)).toBe(5);
      expect(t.result()).toBe(5);
    });

    it('finishes with the exception the coroutine throws', () => {
      const loop = makeLoop(backend);
      const err = new Error('inside');
      const t = loop.createTask(
        (function* () {
          throw err;
        })(),
      );
      expect(() => loop.runUntilComplete(t)).toThrow(err);
      expect(t.exception()).toBe(err);
    });

    it('yield* fut parks the task until the Future is done', () => {
      const loop = makeLoop(backend);
      const f = loop.createFuture<string>();
      const seen: string[] = [];
      const t = loop.createTask(
        (function* () {
          seen.push('start');
          const v = yield* f;
          seen.push(`got ${v}`);
          return v;
        })(),
      );
      loop.runOnce();
      loop.runOnce();
      expect(seen).toEqual(['start']);
      expect(t.done()).toBe(false);
      f.setResult('x');
      loop.runOnce();
      expect(seen).toEqual(['start', 'got x']);
      expect(t.result()).toBe('x');
    });

    it('yield fut (without the star) receives the result too', () => {
      const loop = makeLoop(backend);
      const f = loop.createFuture<number>();
      loop.callSoon(() => f.setResult(9));
      const t = loop.createTask(
        (function* (): Coroutine<number> {
          const v = (yield f) as number;
          return v * 2;
        })(),
      );
      expect(loop.runUntilComplete(t)).toBe(18);
    });

    it('an exception set on the awaited Future is thrown at the yield', () => {
      const loop = makeLoop(backend);
      const f = loop.createFuture<number>();
      loop.callSoon(() => f.setException(new RangeError('r')));
      const t = loop.createTask(
        (function* () {
          try {
            yield* f;
            return 'no';
          } catch (e) {
            return `caught ${(e as Error).message}`;
          }
        })(),
      );
      expect(loop.runUntilComplete(t)).toBe('caught r');
    });

    it('a bare yield gives the loop exactly one turn', () => {
      const loop = makeLoop(backend);
      const seen: string[] = [];
      loop.createTask(
        (function* () {
          seen.push('t1');
          yield;
          seen.push('t2');
        })(),
      );
      loop.createTask(
        (function* () {
          seen.push('u1');
          yield;
          seen.push('u2');
        })(),
      );
      loop.runOnce();
      expect(seen).toEqual(['t1', 'u1']);
      loop.runOnce();
      expect(seen).toEqual(['t1', 'u1', 't2', 'u2']);
    });

    it('yield* delegates to a sub-coroutine', () => {
      const loop = makeLoop(backend);
      function* inner(): Coroutine<number> {
        yield;
        return 20;
      }
      function* outer(): Coroutine<number> {
        const a = yield* inner();
        const b = yield* inner();
        return a + b + 2;
      }
      expect(loop.runUntilComplete(outer())).toBe(42);
    });

    it('a task can await another task', () => {
      const loop = makeLoop(backend);
      function* child(): Coroutine<string> {
        yield* sleep(0);
        return 'child done';
      }
      function* parent(): Coroutine<string> {
        const t = createTask(child());
        return `parent saw ${yield* t}`;
      }
      expect(loop.runUntilComplete(parent())).toBe('parent saw child done');
    });

    it('yielding a non-Future throws "Task got bad yield" into the coroutine', () => {
      const loop = makeLoop(backend);
      const t = loop.createTask(
        (function* () {
          try {
            yield 42;
          } catch (e) {
            return (e as Error).message;
          }
          return 'no error';
        })(),
      );
      expect(loop.runUntilComplete(t)).toMatch(/^Task got bad yield: 42/);
    });

    it('yielding a promise is a bad yield too (use ensureFuture)', () => {
      const loop = makeLoop(backend);
      const t = loop.createTask(
        (function* () {
          yield Promise.resolve(1);
        })(),
      );
      expect(() => loop.runUntilComplete(t)).toThrow(/^Task got bad yield/);
    });

    it('a task awaiting itself gets "Task cannot await on itself"', () => {
      const loop = makeLoop(backend);
      let self: Task<unknown> | null = null;
      self = loop.createTask(
        (function* (): Coroutine<unknown> {
          return yield* self!;
        })(),
      );
      expect(() => loop.runUntilComplete(self)).toThrow(/Task cannot await on itself/);
    });

    it('awaiting a Future of another loop throws an error saying so', () => {
      const loop = makeLoop(backend);
      const other = makeLoop(backend);
      const foreign = other.createFuture();
      const t = loop.createTask(
        (function* () {
          yield* foreign;
        })(),
      );
      expect(() => loop.runUntilComplete(t)).toThrow(/attached to a different loop/);
    });

    it('refuses setResult and setException', () => {
      const loop = makeLoop(backend);
      const t = loop.createTask(returns(1));
      expect(() => t.setResult(2)).toThrow(InvalidStateError);
      expect(() => t.setException(new Error())).toThrow(InvalidStateError);
      loop.runUntilComplete(t);
    });
  });

  describe('names and introspection', () => {
    it('default names are Task-N from a process-wide counter', () => {
      const loop = makeLoop(backend);
      const a = loop.createTask(returns(1));
      const b = loop.createTask(returns(2));
      const na = Number(a.getName().replace('Task-', ''));
      const nb = Number(b.getName().replace('Task-', ''));
      expect(a.getName()).toMatch(/^Task-\d+$/);
      expect(nb).toBe(na + 1);
      loop.runOnce();
    });

    it('takes a name and can be renamed', () => {
      const loop = makeLoop(backend);
      const t = loop.createTask(returns(1), { name: 'worker' });
      expect(t.getName()).toBe('worker');
      t.setName('renamed');
      expect(t.getName()).toBe('renamed');
      expect(String(t)).toMatch(/name='renamed'/);
      loop.runOnce();
    });

    it('getCoro returns the coroutine', () => {
      const loop = makeLoop(backend);
      const coro = returns(1);
      const t = loop.createTask(coro);
      expect(t.getCoro()).toBe(coro);
      loop.runOnce();
    });

    it('currentTask is the running task inside, null between steps', () => {
      const loop = makeLoop(backend);
      let inside: unknown = undefined;
      let between: unknown = undefined;
      const t = loop.createTask(
        (function* () {
          inside = currentTask();
        })(),
      );
      loop.callSoon(() => (between = currentTask()));
      loop.runOnce();
      expect(inside).toBe(t);
      expect(between).toBe(null);
      expect(currentTask(loop)).toBe(null);
    });

    it('currentTask with no running loop throws', () => {
      expect(() => currentTask()).toThrow('no running event loop');
    });

    it('allTasks lists the tasks that are not done', () => {
      const loop = makeLoop(backend);
      const f = loop.createFuture();
      const a = loop.createTask(
        (function* () {
          yield* f;
        })(),
      );
      const b = loop.createTask(returns(1));
      loop.runOnce();
      expect(allTasks(loop)).toEqual(new Set([a]));
      expect(b.done()).toBe(true);
      f.setResult(null);
      loop.runOnce();
      expect(allTasks(loop).size).toBe(0);
    });

    it('createTask with no running loop throws', () => {
      expect(() => createTask(returns(1))).toThrow('no running event loop');
    });
  });

  describe('cancellation', () => {
    it('cancel before the first step: the coroutine body never runs', () => {
      const loop = makeLoop(backend);
      let ran = false;
      const t = loop.createTask(
        (function* () {
          ran = true;
        })(),
      );
      expect(t.cancel()).toBe(true);
      loop.runOnce();
      expect(ran).toBe(false);
      expect(t.cancelled()).toBe(true);
    });

    it('cancel on a done task returns false', () => {
      const loop = makeLoop(backend);
      const t = loop.createTask(returns(1));
      loop.runOnce();
      expect(t.cancel()).toBe(false);
      expect(t.cancelled()).toBe(false);
      expect(t.result()).toBe(1);
    });

    it('cancel on a parked task cancels the awaited Future and throws CancelledError at the yield', () => {
      const loop = makeLoop(backend);
      const f = loop.createFuture();
      let caught: unknown = null;
      const t = loop.createTask(
        (function* () {
          try {
            yield* f;
          } catch (e) {
            caught = e;
            throw e;
          }
        })(),
      );
      loop.runOnce();
      expect(t.cancel('why')).toBe(true);
      expect(f.cancelled()).toBe(true);
      loop.runOnce();
      expect(caught).toBeInstanceOf(CancelledError);
      expect((caught as Error).message).toBe('why');
      expect(t.cancelled()).toBe(true);
    });

    it("result() of a cancelled task throws CancelledError with cancel's message", () => {
      const loop = makeLoop(backend);
      const f = loop.createFuture();
      const t = loop.createTask(
        (function* () {
          yield* f;
        })(),
      );
      loop.runOnce();
      t.cancel('the message');
      loop.runOnce();
      for (let i = 0; i < 2; i++) {
        let err: unknown = null;
        try {
          t.result();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(CancelledError);
        expect((err as Error).message).toBe('the message');
      }
    });

    // A Task keeps one field for its result, its exception and its cancel
    // message (lib/futures.ts): a message waiting to be delivered must never
    // show up as a result or hide one.
    it('a cancel taken back with uncancel leaves the result alone', () => {
      const loop = makeLoop(backend);
      const t = loop.createTask(
        (function* () {
          const me = currentTask()!;
          me.cancel('not delivered'); // while running: the next step would throw it
          me.uncancel();
          yield;
          return 5;
        })(),
      );
      expect(loop.runUntilComplete(t)).toBe(5);
      expect(t.exception()).toBe(null);
      expect(String(t)).toContain('result=5');
    });

    it('a failure after a pending cancel is the failure, not the message', () => {
      const loop = makeLoop(backend);
      const boom = new Error('boom');
      const t = loop.createTask(
        (function* () {
          currentTask()!.cancel('pending');
          throw boom;
        })(),
      );
      loop.runOnce();
      expect(t.cancelled()).toBe(false);
      expect(t.exception()).toBe(boom);
      expect(String(t)).toContain('exception=');
    });

    it('a coroutine that throws its own CancelledError is cancelled with that very error', () => {
      const loop = makeLoop(backend);
      const own = new CancelledError('own');
      const t = loop.createTask(
        (function* () {
          yield;
          throw own;
        })(),
      );
      loop.runOnce();
      loop.runOnce();
      expect(t.cancelled()).toBe(true);
      let got: unknown = null;
      try {
        t.result();
      } catch (e) {
        got = e;
      }
      expect(got).toBe(own);
      expect(() => t.exception()).toThrow(own);
    });

    it('runUntilComplete of a cancelled task throws CancelledError', () => {
      const loop = makeLoop(backend);
      const t = loop.createTask(
        (function* () {
          yield* sleep(10);
        })(),
      );
      loop.callSoon(() => t.cancel('bye'));
      expect(() => loop.runUntilComplete(t)).toThrow(CancelledError);
    });

    it('a coroutine may catch CancelledError and go on', () => {
      const loop = makeLoop(backend);
      const f = loop.createFuture();
      const t = loop.createTask(
        (function* () {
          try {
            yield* f;
          } catch (e) {
            if (!(e instanceof CancelledError)) throw e;
          }
          yield;
          return 'survived';
        })(),
      );
      loop.runOnce();
      t.cancel();
      expect(loop.runUntilComplete(t)).toBe('survived');
      expect(t.cancelled()).toBe(false);
      expect(t.cancelling()).toBe(1);
    });

    it('cancelling() counts requests and uncancel() takes one back', () => {
      const loop = makeLoop(backend);
      const f = loop.createFuture();
      const t = loop.createTask(
        (function* () {
          yield* f;
        })(),
      );
      loop.runOnce();
      expect(t.cancelling()).toBe(0);
      t.cancel();
      t.cancel();
      expect(t.cancelling()).toBe(2);
      expect(t.uncancel()).toBe(1);
      expect(t.uncancel()).toBe(0);
      expect(t.uncancel()).toBe(0);
      loop.runOnce();
    });

    it('cancel while the task is scheduled after a bare yield throws at its next step', () => {
      const loop = makeLoop(backend);
      const seen: string[] = [];
      const t = loop.createTask(
        (function* () {
          seen.push('step1');
          try {
            yield;
          } catch (e) {
            seen.push(`caught ${(e as Error).name}`);
            throw e;
          }
          seen.push('never');
        })(),
      );
      loop.runOnce();
      t.cancel();
      loop.runOnce();
      expect(seen).toEqual(['step1', 'caught CancelledError']);
      expect(t.cancelled()).toBe(true);
    });

    it('a task that cancels itself is cancelled at its next yield', () => {
      const loop = makeLoop(backend);
      let self: Task<unknown> | null = null;
      self = loop.createTask(
        (function* () {
          self!.cancel('self');
          yield;
          return 'never';
        })(),
      );
      expect(() => loop.runUntilComplete(self!)).toThrow(CancelledError);
      expect(self.cancelled()).toBe(true);
    });

    it('cancel requested right before the coroutine returns still cancels the task', () => {
      const loop = makeLoop(backend);
      let self: Task<unknown> | null = null;
      self = loop.createTask(
        (function* () {
          self!.cancel();
          return 'value';
        })(),
      );
      loop.runOnce();
      expect(self.cancelled()).toBe(true);
    });

    it('cancelling an outer task cancels the task it awaits', () => {
      const loop = makeLoop(backend);
      const f = loop.createFuture();
      const inner = loop.createTask(
        (function* () {
          yield* f;
        })(),
      );
      const outer = loop.createTask(
        (function* () {
          yield* inner;
        })(),
      );
      loop.runOnce();
      outer.cancel('stop');
      loop.runOnce(); // inner wakes with CancelledError
      loop.runOnce(); // outer wakes
      expect(inner.cancelled()).toBe(true);
      expect(outer.cancelled()).toBe(true);
      expect(f.cancelled()).toBe(true);
    });

    it('an inner task that swallows cancellation leaves the outer one running', () => {
      const loop = makeLoop(backend);
      const inner = loop.createTask(
        (function* () {
          try {
            yield* sleep(100);
          } catch {
            // swallowed
          }
          return 'inner value';
        })(),
      );
      const outer = loop.createTask(
        (function* () {
          return yield* inner;
        })(),
      );
      loop.runOnce();
      outer.cancel();
      // The outer task was not cancelled: its awaited task swallowed the request.
      expect(loop.runUntilComplete(outer)).toBe('inner value');
    });

    it('sleep is cancellable and removes its timer', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      const t = loop.createTask(
        (function* () {
          yield* sleep(1000);
        })(),
      );
      loop.runOnce();
      expect(loop._core.nextWhen()).toBe(1000);
      t.cancel();
      loop.runOnce();
      expect(t.cancelled()).toBe(true);
      expect(loop._core.nextWhen()).toBe(Infinity);
    });

    it('a CancelledError thrown by the coroutine itself cancels the task', () => {
      const loop = makeLoop(backend);
      const t = loop.createTask(
        (function* () {
          throw new CancelledError('manual');
        })(),
      );
      loop.runOnce();
      expect(t.cancelled()).toBe(true);
      expect(() => t.result()).toThrow('manual');
    });
  });

  describe('sleep', () => {
    it('sleep(delay, result) gives result after delay', () => {
      const loop = makeLoop(backend, { clock: 'virtual' });
      const t = loop.createTask(
        (function* () {
          const v = yield* sleep(5, 'done');
          return [v, loop.time()];
        })(),
      );
      expect(loop.runUntilComplete(t)).toEqual(['done', 5]);
    });

    it('sleep(0) is one bare yield', () => {
      const loop = makeLoop(backend);
      const seen: string[] = [];
      loop.createTask(
        (function* () {
          seen.push('a');
          yield* sleep(0);
          seen.push('b');
        })(),
      );
      loop.runOnce();
      expect(seen).toEqual(['a']);
      loop.runOnce();
      expect(seen).toEqual(['a', 'b']);
    });

    it('sleep on the monotonic clock really waits', () => {
      const loop = makeLoop(backend);
      const t0 = loop.time();
      loop.runUntilComplete(sleep(0.03));
      expect(loop.time() - t0).toBeGreaterThanOrEqual(0.03 - 1e-3);
    });

    it('sleep rejects bad delays', () => {
      const loop = makeLoop(backend);
      expect(() => loop.runUntilComplete(sleep('1' as unknown as number))).toThrow(TypeError);
      expect(() => loop.runUntilComplete(sleep(NaN))).toThrow(RangeError);
      expect(() => loop.runUntilComplete(sleep(NaN))).toThrow(/delay/);
    });
  });

  describe('ensureFuture', () => {
    it('returns a Future as is', () => {
      const loop = makeLoop(backend);
      const f = loop.createFuture();
      expect(ensureFuture(f)).toBe(f);
      expect(ensureFuture(f, { loop })).toBe(f);
    });

    it('rejects a Future of another loop when a loop is given', () => {
      const loop = makeLoop(backend);
      const other = makeLoop(backend);
      expect(() => ensureFuture(other.createFuture(), { loop })).toThrow(/different loop/);
    });

    it('wraps a coroutine in a Task of the given loop', () => {
      const loop = makeLoop(backend);
      const t = ensureFuture(returns(3), { loop });
      expect(t).toBeInstanceOf(Task);
      expect(t.getLoop()).toBe(loop);
      expect(loop.runUntilComplete(t)).toBe(3);
    });

    it('wraps a promise in a Future that settles with it', async () => {
      const loop = makeLoop(backend);
      const f = ensureFuture(Promise.resolve('p'), { loop });
      expect(f).toBeInstanceOf(Future);
      await Promise.resolve();
      await Promise.resolve();
      expect(f.result()).toBe('p');
    });

    it('rejects anything else with a TypeError', () => {
      const loop = makeLoop(backend);
      for (const bad of [1, 'x', null, {}, () => {}]) {
        expect(() => ensureFuture(bad as never, { loop })).toThrow(TypeError);
      }
    });
  });

  describe('errors reported by the loop', () => {
    it('an exception in a done callback of a task goes to the handler', () => {
      const loop = makeLoop(backend);
      const errors = captureErrors(loop);
      const t = loop.createTask(returns(1));
      t.addDoneCallback(() => {
        throw new Error('cb');
      });
      loop.runOnce();
      loop.runOnce();
      expect(errors).toHaveLength(1);
      expect((errors[0].exception as Error).message).toBe('cb');
    });
  });

  describe('a blocking run that can never make progress', () => {
    it('throws an EventLoopError naming the parked tasks instead of hanging', () => {
      const loop = makeLoop(backend);
      const never = loop.createFuture();
      const t = loop.createTask(
        (function* () {
          yield* never;
        })(),
        { name: 'stuck' },
      );
      let err: unknown = null;
      try {
        loop.runUntilComplete(t);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EventLoopError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/would wait forever/);
      expect(msg).toMatch(/stuck: waiting for <Future pending>/);
    });

    it('runForever with nothing to do throws the same error', () => {
      const loop = makeLoop(backend);
      expect(() => loop.runForever()).toThrow(/would wait forever/);
    });

    it('only Infinity timers count as waiting forever', () => {
      const loop = makeLoop(backend);
      loop.callLater(Infinity, () => {});
      expect(() => loop.runForever()).toThrow(/would wait forever/);
    });

    it('a pending Node promise is named, with hosted mode as the way out', () => {
      const loop = makeLoop(backend);
      const t = loop.createTask(
        (function* () {
          yield* ensureFuture(new Promise(() => {}));
        })(),
        { name: 'waiter' },
      );
      expect(() => loop.runUntilComplete(t)).toThrow(/waiter: waiting for .*Node promise/);
      expect(() => loop.runUntilComplete(t)).toThrow(/hosted mode/);
    });
  });

  it('the task stepping machinery refuses to step a done task', () => {
    const loop = makeLoop(backend);
    const t = loop.createTask(returns(1));
    loop.runOnce();
    expect(() => t._step(false, undefined)).toThrow(InvalidStateError);
  });
});

describe.each(BACKENDS)('sleep(0) as a coroutine (%s)', (backend) => {
  it('yields once, then returns its result', () => {
    const co = sleep(0, 'r');
    expect(co.next()).toEqual({ value: undefined, done: false });
    expect(co.next()).toEqual({ value: 'r', done: true });
  });

  it('a throw() into it surfaces at the yield* that awaits it', () => {
    const loop = makeLoop(backend);
    const t = loop.createTask(
      (function* () {
        yield* sleep(0);
        return 'not reached';
      })(),
    );
    loop.runOnce();
    t.cancel('stop');
    loop.runOnce();
    expect(t.cancelled()).toBe(true);
  });

  it('can itself be scheduled as a task', () => {
    const loop = makeLoop(backend);
    expect(loop.runUntilComplete(sleep(0, 7))).toBe(7);
  });

  it('checks the delay when called, before anything runs', () => {
    expect(() => sleep(NaN)).toThrow(RangeError);
    expect(() => sleep('1' as never)).toThrow(/delay must be a number/);
  });
});
