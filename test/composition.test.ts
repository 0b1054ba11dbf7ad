import { describe, expect, it } from 'vitest';
import {
  allTasks,
  asCompleted,
  CancelledError,
  currentTask,
  eagerTaskFactory,
  Future,
  gather,
  shield,
  sleep,
  TimeoutError,
  wait,
  waitFor,
  type Coroutine,
  type Loop,
} from '../lib/index';
import { BACKENDS, captureErrors, makeLoop } from './helpers';

function* value<T>(v: T, delay = 0): Coroutine<T> {
  yield* sleep(delay);
  return v;
}

function* failing(err: unknown, delay = 0): Coroutine<never> {
  yield* sleep(delay);
  throw err;
}

/** Runs `main()` as a task to completion on `loop`. */
function runMain<T>(loop: Loop, main: () => Coroutine<T>): T {
  return loop.runUntilComplete(loop.createTask(main()));
}

describe.each(BACKENDS)('gather (%s)', (backend) => {
  const vloop = () => makeLoop(backend, { clock: 'virtual' });

  it('gives results in argument order, not completion order', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      return yield* gather(value('a', 0.3), value('b', 0.1), value('c', 0.2));
    });
    expect(r).toEqual(['a', 'b', 'c']);
  });

  it('takes an array and gives errors as results with returnExceptions', () => {
    const loop = vloop();
    const boom = new Error('boom');
    const r = runMain(loop, function* () {
      return yield* gather([value(1), failing(boom), value(3)], { returnExceptions: true });
    });
    expect(r).toEqual([1, boom, 3]);
  });

  it('fails with the first error and leaves the other children running', () => {
    const loop = vloop();
    const boom = new Error('boom');
    let slowFinished = false;
    function* slow() {
      yield* sleep(1);
      slowFinished = true;
      return 'slow';
    }
    const caught = runMain(loop, function* () {
      try {
        yield* gather(failing(boom, 0.1), slow());
        return null;
      } catch (err) {
        return err;
      }
    });
    expect(caught).toBe(boom);
    expect(slowFinished).toBe(false);
    loop.runUntilComplete(sleep(2));
    expect(slowFinished).toBe(true);
  });

  it('cancelling the gather cancels every child and fails it with CancelledError', () => {
    const loop = vloop();
    const children: Future<unknown>[] = [];
    const outcome = runMain(loop, function* () {
      const a = loop.createTask(value(1, 10));
      const b = loop.createTask(value(2, 10));
      children.push(a, b);
      const g = gather(a, b);
      yield* sleep(0.1);
      expect(g.cancel('stop')).toBe(true);
      try {
        yield* g;
        return 'no error';
      } catch (err) {
        return err;
      }
    });
    expect(outcome).toBeInstanceOf(CancelledError);
    expect(children.every((c) => c.cancelled())).toBe(true);
  });

  it('cancelling the task that awaits the gather cancels the children', () => {
    const loop = vloop();
    const children: Future<unknown>[] = [];
    const main = loop.createTask(
      (function* () {
        const a = loop.createTask(value(1, 10));
        const b = loop.createTask(value(2, 10));
        children.push(a, b);
        return yield* gather(a, b);
      })(),
    );
    loop.callLater(0.5, () => main.cancel());
    expect(() => loop.runUntilComplete(main)).toThrow(CancelledError);
    expect(main.cancelled()).toBe(true);
    expect(children.every((c) => c.cancelled())).toBe(true);
  });

  it('fails with CancelledError when a child is cancelled', () => {
    const loop = vloop();
    const outcome = runMain(loop, function* () {
      const a = loop.createTask(value(1, 10));
      loop.callLater(0.1, () => a.cancel('child stopped'));
      try {
        yield* gather(a, value(2, 1));
        return 'no error';
      } catch (err) {
        return err;
      }
    });
    expect(outcome).toBeInstanceOf(CancelledError);
    expect((outcome as Error).message).toBe('child stopped');
  });

  it('gives a CancelledError result for a cancelled child with returnExceptions', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      const a = loop.createTask(value(1, 10));
      loop.callLater(0.1, () => a.cancel('x'));
      return yield* gather([a, value(2, 1)], { returnExceptions: true });
    });
    expect(r[0]).toBeInstanceOf(CancelledError);
    expect((r[0] as Error).message).toBe('x');
    expect(r[1]).toBe(2);
  });

  it('cancels its children when waitFor times out on it', () => {
    const loop = vloop();
    const children: Future<unknown>[] = [];
    const err = (() => {
      try {
        runMain(loop, function* () {
          const a = loop.createTask(value(1, 10));
          const b = loop.createTask(value(2, 10));
          children.push(a, b);
          return yield* waitFor(gather(a, b), 0.5);
        });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(TimeoutError);
    expect(children.every((c) => c.cancelled())).toBe(true);
  });

  it('runs the same awaitable once when it is given twice', () => {
    const loop = vloop();
    let runs = 0;
    function* counted() {
      runs++;
      yield* sleep(0.1);
      return runs;
    }
    const r = runMain(loop, function* () {
      const c = counted();
      return yield* gather(c, c);
    });
    expect(r).toEqual([1, 1]);
    expect(runs).toBe(1);
  });

  it('runs each repeated coroutine once, wherever the repeats fall, beside repeated Futures', () => {
    const loop = vloop();
    const runs = new Map<number, number>();
    function* counted(k: number) {
      runs.set(k, (runs.get(k) ?? 0) + 1);
      yield* sleep(0.01 * (k % 3));
      return k;
    }
    const r = runMain(loop, function* () {
      const cs = Array.from({ length: 50 }, (_, k) => counted(k));
      const pending = loop.createFuture<string>();
      const done = loop.createFuture<string>();
      done.setResult('done');
      loop.callLater(0.05, () => pending.setResult('later'));
      // Repeats before and after the first repeat, of early and late
      // coroutines, and the same Futures (pending and done) several times.
      const extra = counted(99); // new after the first repeat, then repeated
      const args = [...cs, cs[49], pending, cs[0], extra, done, cs[10], cs[49], pending, done, extra, cs[10]];
      return yield* gather(args as any);
    });
    const expected: unknown[] = Array.from({ length: 50 }, (_, k) => k);
    expected.push(49, 'later', 0, 99, 'done', 10, 49, 'later', 'done', 99, 10);
    expect(r).toEqual(expected);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(runs.size).toBe(51);
  });

  it('fails once when a Future given twice fails, and reports nothing unretrieved', () => {
    const loop = vloop();
    const errors = captureErrors(loop);
    const boom = new Error('boom');
    const r = runMain(loop, function* () {
      const f = loop.createFuture<number>();
      loop.callLater(0.01, () => f.setException(boom));
      try {
        yield* gather(f, f);
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(r).toBe(boom);
    loop.close();
    expect(errors).toEqual([]);
  });

  it('gives [] at once when given nothing', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      const g = gather();
      expect(g.done()).toBe(true);
      return yield* g;
    });
    expect(r).toEqual([]);
  });

  it('is done when returned if every child finished eagerly', () => {
    const loop = vloop();
    loop.setTaskFactory(eagerTaskFactory);
    function* immediate(v: number) {
      return v;
    }
    const r = runMain(loop, function* () {
      const g = gather(immediate(1), immediate(2));
      expect(g.done()).toBe(true);
      return yield* g;
    });
    expect(r).toEqual([1, 2]);
  });

  it('retrieves the exceptions of children that fail after the gather failed', () => {
    const loop = vloop();
    const seen = captureErrors(loop);
    runMain(loop, function* () {
      try {
        yield* gather(failing(new Error('first'), 0.1), failing(new Error('second'), 0.2));
      } catch {
        // expected
      }
      yield* sleep(1);
    });
    expect(seen).toEqual([]);
  });

  it('rejects a non-awaitable with a TypeError naming its position, creating no task', () => {
    const loop = vloop();
    runMain(loop, function* () {
      const before = allTasks().size;
      expect(() => gather(value(1) as Coroutine<number>, 42 as never)).toThrow(/gather: awaitable 1 .* got 42/);
      expect(() => gather([value(1), 'x' as never])).toThrow(TypeError);
      expect(allTasks().size).toBe(before);
      yield;
    });
  });

  it('rejects bad options of the array form', () => {
    const loop = vloop();
    runMain(loop, function* () {
      expect(() => gather([], 5 as never)).toThrow(/options must be an object/);
      expect(() => gather([], { returnExceptions: 'yes' as never })).toThrow(/returnExceptions must be a boolean/);
      expect(() => (gather as (...a: unknown[]) => unknown)([], {}, 3)).toThrow(/array form/);
      yield;
    });
  });
});

describe.each(BACKENDS)('wait (%s)', (backend) => {
  const vloop = () => makeLoop(backend, { clock: 'virtual' });

  it('waits for all by default and gives [done, pending] as Sets', () => {
    const loop = vloop();
    const [done, pending, t] = runMain(loop, function* () {
      const a = loop.createTask(value(1, 0.1));
      const b = loop.createTask(value(2, 0.2));
      const [d, p] = yield* wait([a, b]);
      return [d, p, loop.time()] as const;
    });
    expect(done).toBeInstanceOf(Set);
    expect(done.size).toBe(2);
    expect(pending.size).toBe(0);
    expect(t).toBeCloseTo(0.2);
  });

  it('returns after the first completion with FIRST_COMPLETED', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      const a = loop.createTask(value(1, 0.1));
      const b = loop.createTask(value(2, 0.2));
      const [d, p] = yield* wait([a, b], { returnWhen: 'FIRST_COMPLETED' });
      return { d: [...d], p: [...p], a, b };
    });
    expect(r.d).toHaveLength(1);
    expect(r.d[0]).toBe(r.a);
    expect(r.p).toHaveLength(1);
    expect(r.p[0]).toBe(r.b);
  });

  it('returns at the first error with FIRST_EXCEPTION', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      const a = loop.createTask(failing(new Error('x'), 0.1));
      const b = loop.createTask(value(2, 0.2));
      const [d, p] = yield* wait(new Set([a, b]), { returnWhen: 'FIRST_EXCEPTION' });
      return { d, p, a, b };
    });
    expect(r.d.size).toBe(1);
    expect(r.d.has(r.a)).toBe(true);
    expect(r.p.size).toBe(1);
    expect(r.p.has(r.b)).toBe(true);
  });

  it('waits for all with FIRST_EXCEPTION when nothing fails', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      const a = loop.createTask(value(1, 0.1));
      const b = loop.createTask(value(2, 0.2));
      const [d, p] = yield* wait([a, b], { returnWhen: 'FIRST_EXCEPTION' });
      return { d: d.size, p: p.size };
    });
    expect(r).toEqual({ d: 2, p: 0 });
  });

  it('returns at the timeout without cancelling what is pending', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      const a = loop.createTask(value(1, 0.1));
      const b = loop.createTask(value(2, 5));
      const [d, p] = yield* wait([a, b], { timeout: 1 });
      return { d, p, a, b, t: loop.time() };
    });
    expect(r.d.size).toBe(1);
    expect(r.d.has(r.a)).toBe(true);
    expect(r.p.size).toBe(1);
    expect(r.p.has(r.b)).toBe(true);
    expect(r.b.cancelled()).toBe(false);
    expect(r.t).toBeCloseTo(1);
  });

  it('leaves the futures alone when the waiting task is cancelled', () => {
    const loop = vloop();
    const futs: Future<unknown>[] = [];
    const main = loop.createTask(
      (function* () {
        const a = loop.createTask(value(1, 5));
        futs.push(a);
        return yield* wait([a]);
      })(),
    );
    loop.callLater(1, () => main.cancel());
    expect(() => loop.runUntilComplete(main)).toThrow(CancelledError);
    expect(futs[0].cancelled()).toBe(false);
    expect(loop.runUntilComplete(futs[0])).toBe(1);
  });

  it('rejects a lone Future, coroutines, promises, an empty set and bad options', () => {
    const loop = vloop();
    runMain(loop, function* () {
      const f = loop.createFuture();
      expect(() => wait(f as never)).toThrow(/not a lone Future/);
      expect(() => wait(value(1) as never)).toThrow(/not a lone coroutine/);
      expect(() => wait([value(1)] as never)).toThrow(/item 0 is a coroutine/);
      expect(() => wait([Promise.resolve(1)] as never)).toThrow(/item 0 must be a Future/);
      expect(() => wait([])).toThrow(RangeError);
      expect(() => wait([f], { returnWhen: 'SOMETIMES' as never })).toThrow(RangeError);
      expect(() => wait([f], { timeout: 'soon' as never })).toThrow(/timeout must be a number or null, got "soon"/);
      expect(() => wait([f], { timeout: NaN })).toThrow(RangeError);
      expect(() => wait(7 as never)).toThrow(TypeError);
      yield;
    });
  });
});

describe.each(BACKENDS)('waitFor (%s)', (backend) => {
  const vloop = () => makeLoop(backend, { clock: 'virtual' });

  it('gives the result when the awaitable finishes in time', () => {
    const loop = vloop();
    expect(runMain(loop, () => waitFor(value(7, 0.5), 1))).toBe(7);
  });

  it('on timeout cancels the inner task, waits for it to finish, then throws TimeoutError', () => {
    const loop = vloop();
    const log: string[] = [];
    function* inner() {
      try {
        yield* sleep(10);
      } finally {
        log.push('inner cleanup started');
        yield* sleep(0.5); // cleanup that takes time
        log.push('inner cleanup done');
      }
    }
    const r = runMain(loop, function* () {
      const t = loop.createTask(inner());
      try {
        yield* waitFor(t, 1);
      } catch (err) {
        log.push('waitFor threw');
        return { err, t, time: loop.time() };
      }
      return null;
    });
    expect(r!.err).toBeInstanceOf(TimeoutError);
    expect(r!.t.cancelled()).toBe(true);
    expect(log).toEqual(['inner cleanup started', 'inner cleanup done', 'waitFor threw']);
    expect(r!.time).toBeCloseTo(1.5);
  });

  it('cancels a coroutine at its waiting point on timeout', () => {
    const loop = vloop();
    let cancelledInside = false;
    function* inner() {
      try {
        yield* sleep(10);
      } catch (err) {
        cancelledInside = err instanceof CancelledError;
        throw err;
      }
    }
    expect(() => runMain(loop, () => waitFor(inner(), 0.1))).toThrow(TimeoutError);
    expect(cancelledInside).toBe(true);
  });

  it('runs a coroutine in the calling task', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      const me = currentTask();
      const inside = yield* waitFor(
        (function* () {
          yield* sleep(0.1);
          return currentTask();
        })(),
        1,
      );
      return inside === me;
    });
    expect(r).toBe(true);
  });

  it('gives an already-done awaitable its result with a zero or negative timeout', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      const f = loop.createFuture<number>();
      f.setResult(3);
      const g = loop.createFuture<number>();
      g.setResult(4);
      return [yield* waitFor(f, 0), yield* waitFor(g, -1)];
    });
    expect(r).toEqual([3, 4]);
  });

  it('throws TimeoutError at once with a zero timeout on a pending awaitable, cancelling it', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      const t = loop.createTask(value(1, 5));
      try {
        yield* waitFor(t, 0);
      } catch (err) {
        return { err, t, time: loop.time() };
      }
      return null;
    });
    expect(r!.err).toBeInstanceOf(TimeoutError);
    expect(r!.t.cancelled()).toBe(true);
    expect(r!.time).toBe(0);
  });

  it('waits without limit with a null timeout', () => {
    const loop = vloop();
    expect(runMain(loop, () => waitFor(value('late', 1000), null))).toBe('late');
  });

  it('gives the value of an inner task that swallows the cancellation', () => {
    const loop = vloop();
    function* stubborn() {
      try {
        yield* sleep(10);
      } catch {
        return 'caught';
      }
      return 'slept';
    }
    expect(runMain(loop, () => waitFor(loop.createTask(stubborn()), 1))).toBe('caught');
  });

  it('cancels the inner awaitable when the caller is cancelled', () => {
    const loop = vloop();
    let innerTask: Future<unknown> | null = null;
    const main = loop.createTask(
      (function* () {
        innerTask = loop.createTask(value(1, 10));
        return yield* waitFor(innerTask as Future<number>, 5);
      })(),
    );
    loop.callLater(1, () => main.cancel());
    expect(() => loop.runUntilComplete(main)).toThrow(CancelledError);
    expect(main.cancelled()).toBe(true);
    expect(innerTask!.cancelled()).toBe(true);
  });

  it('propagates the inner error', () => {
    const loop = vloop();
    const boom = new Error('boom');
    expect(() => runMain(loop, () => waitFor(failing(boom, 0.1), 1))).toThrow(boom);
  });

  it('times out on the real clock too', () => {
    const loop = makeLoop(backend);
    expect(() => runMain(loop, () => waitFor(sleep(1), 0.003))).toThrow(TimeoutError);
  });

  it('rejects bad input with a TypeError/RangeError naming the argument', () => {
    const loop = vloop();
    expect(() => waitFor(5 as never, 1)).toThrow(/waitFor: aw must be a Future, a coroutine or a promise, got 5/);
    const f = loop.createFuture();
    expect(() => waitFor(f, '1' as never)).toThrow(/waitFor: timeout must be a number or null, got "1"/);
    expect(() => waitFor(f, undefined as never)).toThrow(TypeError);
    expect(() => waitFor(f, NaN)).toThrow(RangeError);
  });
});

describe.each(BACKENDS)('shield (%s)', (backend) => {
  const vloop = () => makeLoop(backend, { clock: 'virtual' });

  it('keeps the inner task running when the outer is cancelled', () => {
    const loop = vloop();
    let inner: Future<string> | null = null;
    const main = loop.createTask(
      (function* () {
        inner = loop.createTask(value('done', 1));
        return yield* shield(inner);
      })(),
    );
    loop.callLater(0.5, () => main.cancel());
    expect(() => loop.runUntilComplete(main)).toThrow(CancelledError);
    expect(inner!.done()).toBe(false);
    expect(loop.runUntilComplete(inner!)).toBe('done');
  });

  it('follows the inner result and exception', () => {
    const loop = vloop();
    expect(runMain(loop, function* () {
      return yield* shield(value(5, 0.1));
    })).toBe(5);
    const boom = new Error('boom');
    expect(() => runMain(loop, function* () {
      return yield* shield(failing(boom, 0.1));
    })).toThrow(boom);
  });

  it('keeps the inner task running when waitFor times out on the shield', () => {
    const loop = vloop();
    let inner: Future<string> | null = null;
    expect(() =>
      runMain(loop, function* () {
        inner = loop.createTask(value('done', 1));
        return yield* waitFor(shield(inner), 0.1);
      }),
    ).toThrow(TimeoutError);
    expect(inner!.done()).toBe(false);
    expect(loop.runUntilComplete(inner!)).toBe('done');
  });

  it('is cancelled when the inner one is cancelled', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      const inner = loop.createTask(value(1, 5));
      const outer = shield(inner);
      inner.cancel();
      try {
        yield* outer;
      } catch (err) {
        return { err, outer };
      }
      return null;
    });
    expect(r!.err).toBeInstanceOf(CancelledError);
    expect(r!.outer.cancelled()).toBe(true);
  });

  it('gives back an inner Future that is already done', () => {
    const loop = vloop();
    const f = loop.createFuture<number>();
    f.setResult(1);
    expect(shield(f)).toBe(f);
  });

  it('rejects a non-awaitable', () => {
    expect(() => shield(null as never)).toThrow(/shield: aw must be a Future, a coroutine or a promise, got null/);
  });
});

describe.each(BACKENDS)('asCompleted (%s)', (backend) => {
  const vloop = () => makeLoop(backend, { clock: 'virtual' });

  it('gives results in completion order', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      const out: string[] = [];
      for (const next of asCompleted([value('slow', 0.3), value('fast', 0.1), value('mid', 0.2)])) {
        out.push(yield* next);
      }
      return out;
    });
    expect(r).toEqual(['fast', 'mid', 'slow']);
  });

  it('gives one coroutine per distinct awaitable', () => {
    const loop = vloop();
    runMain(loop, function* () {
      const a = loop.createTask(value(1));
      const items = [...asCompleted([a, a, loop.createTask(value(2))])];
      expect(items).toHaveLength(2);
      for (const c of items) yield* c;
    });
  });

  it('throws the error of a failed awaitable from its item', () => {
    const loop = vloop();
    const boom = new Error('boom');
    const r = runMain(loop, function* () {
      const out: unknown[] = [];
      for (const next of asCompleted([failing(boom, 0.1), value('ok', 0.2)])) {
        try {
          out.push(yield* next);
        } catch (err) {
          out.push(err);
        }
      }
      return out;
    });
    expect(r).toEqual([boom, 'ok']);
  });

  it('throws TimeoutError from the items left at the timeout and cancels nothing', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      const slow = loop.createTask(value('slow', 5));
      const out: unknown[] = [];
      for (const next of asCompleted([value('fast', 0.1), slow], { timeout: 1 })) {
        try {
          out.push(yield* next);
        } catch (err) {
          out.push(err);
        }
      }
      return { out, slow };
    });
    expect(r.out[0]).toBe('fast');
    expect(r.out[1]).toBeInstanceOf(TimeoutError);
    expect(r.slow.cancelled()).toBe(false);
  });

  it('rejects a lone Future, a non-iterable, non-awaitable items and a bad timeout', () => {
    const loop = vloop();
    const f = loop.createFuture();
    expect(() => asCompleted(f as never)).toThrow(/not a lone Future/);
    expect(() => asCompleted(3 as never)).toThrow(TypeError);
    expect(() => asCompleted([f, 'x' as never])).toThrow(/item 1 must be/);
    expect(() => asCompleted([f], { timeout: 'x' as never })).toThrow(/timeout must be a number or null/);
  });
});
