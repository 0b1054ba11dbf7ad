import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  currentTask,
  EventLoopError,
  InvalidStateError,
  sleep,
  Timeout,
  timeout,
  timeoutAt,
  TimeoutError,
  type Coroutine,
  type Loop,
} from '../lib/index';
import { BACKENDS, makeLoop } from './helpers';

function runMain<T>(loop: Loop, main: () => Coroutine<T>): T {
  return loop.runUntilComplete(loop.createTask(main()));
}

/** Runs `main` and gives what it threw (or 'no error'). */
function outcome(loop: Loop, main: () => Coroutine<unknown>): unknown {
  try {
    runMain(loop, main);
    return 'no error';
  } catch (err) {
    return err;
  }
}

describe.each(BACKENDS)('timeout (%s)', (backend) => {
  const vloop = () => makeLoop(backend, { clock: 'virtual' });

  it('throws TimeoutError when the deadline passes, and the Timeout says it expired', () => {
    const loop = vloop();
    let seen: Timeout | null = null;
    const err = outcome(loop, function* () {
      yield* timeout(0.5, function* (t) {
        seen = t;
        yield* sleep(10);
      });
    });
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error & { cause?: unknown }).cause).toBeInstanceOf(CancelledError);
    expect(seen!.expired()).toBe(true);
    expect(loop.time()).toBeCloseTo(0.5);
  });

  it('gives the body result when it finishes in time, unexpired', () => {
    const loop = vloop();
    let seen: Timeout | null = null;
    const r = runMain(loop, function* () {
      return yield* timeout(1, function* (t) {
        seen = t;
        yield* sleep(0.1);
        return 'ok';
      });
    });
    expect(r).toBe('ok');
    expect(seen!.expired()).toBe(false);
    expect(loop.time()).toBeCloseTo(0.1);
  });

  it('sets when() to the loop time plus the delay', () => {
    const loop = vloop();
    runMain(loop, function* () {
      yield* sleep(2);
      yield* timeout(3, function* (t) {
        expect(t.when()).toBe(5);
        yield;
      });
    });
  });

  it('expires at once with a zero delay, even around sleep(0)', () => {
    const loop = vloop();
    expect(outcome(loop, () => timeout(0, () => sleep(0)))).toBeInstanceOf(TimeoutError);
  });

  it('expires at once with a deadline in the past', () => {
    const loop = vloop();
    expect(
      outcome(loop, function* () {
        yield* sleep(1);
        yield* timeoutAt(0.5, () => sleep(0));
      }),
    ).toBeInstanceOf(TimeoutError);
  });

  it('has no deadline with null, and reschedule can set one', () => {
    const loop = vloop();
    const err = outcome(loop, function* () {
      yield* timeout(null, function* (t) {
        expect(t.when()).toBeNull();
        yield* sleep(1);
        t.reschedule(loop.time() + 0.5);
        yield* sleep(10);
      });
    });
    expect(err).toBeInstanceOf(TimeoutError);
    expect(loop.time()).toBeCloseTo(1.5);
  });

  it('moves the deadline later with reschedule', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      return yield* timeout(1, function* (t) {
        t.reschedule(loop.time() + 5);
        yield* sleep(3);
        return t.expired();
      });
    });
    expect(r).toBe(false);
  });

  it('removes the deadline with reschedule(null)', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      return yield* timeout(1, function* (t) {
        t.reschedule(null);
        yield* sleep(100);
        return 'survived';
      });
    });
    expect(r).toBe('survived');
  });

  it('refuses reschedule outside the block', () => {
    const loop = vloop();
    const fresh = new Timeout(3);
    expect(() => fresh.reschedule(4)).toThrow(/has not been entered/);
    let kept: Timeout | null = null;
    runMain(loop, () =>
      timeout(1, function* (t) {
        kept = t;
        yield;
      }),
    );
    expect(() => kept!.reschedule(2)).toThrow(InvalidStateError);
    expect(() => kept!.reschedule(2)).toThrow(/finished Timeout/);
  });

  it('passes a foreign error through', () => {
    const loop = vloop();
    const boom = new Error('boom');
    expect(
      outcome(loop, () =>
        timeout(1, function* () {
          yield* sleep(0.1);
          throw boom;
        }),
      ),
    ).toBe(boom);
  });

  it('lets an outside cancellation through as CancelledError', () => {
    const loop = vloop();
    const main = loop.createTask(timeout(10, () => sleep(5)));
    loop.callLater(1, () => main.cancel());
    expect(() => loop.runUntilComplete(main)).toThrow(CancelledError);
    expect(main.cancelled()).toBe(true);
  });

  it('gives CancelledError when cancelled from outside at the moment it expires', () => {
    const loop = vloop();
    const main = loop.createTask(timeout(1, () => sleep(5)));
    // Scheduled before the timeout's own timer at the same time: runs first.
    loop.callAt(1, () => main.cancel());
    expect(() => loop.runUntilComplete(main)).toThrow(CancelledError);
  });

  it('still times out inside cleanup that follows a handled cancellation', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      try {
        currentTask()!.cancel();
        yield* sleep(1);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      try {
        yield* timeout(0, () => sleep(1));
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(r).toBeInstanceOf(TimeoutError);
  });

  it('lets a cancellation made inside the block through after an earlier one', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      try {
        currentTask()!.cancel();
        yield* sleep(1);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      try {
        yield* timeout(1, function* () {
          currentTask()!.cancel();
          yield* sleep(2);
        });
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(r).toBeInstanceOf(CancelledError);
  });

  it('leaves the task uncancelled after a timeout it handled', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      try {
        yield* timeout(0.1, () => sleep(1));
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
      }
      yield* sleep(0.5); // would throw if a cancellation were left over
      return currentTask()!.cancelling();
    });
    expect(r).toBe(0);
  });

  it('nests: the inner deadline fires first and the outer block goes on', () => {
    const loop = vloop();
    const r = runMain(loop, function* () {
      return yield* timeout(2, function* (outer) {
        let innerErr: unknown = null;
        try {
          yield* timeout(0.5, () => sleep(10));
        } catch (e) {
          innerErr = e;
        }
        return { innerErr, outerExpired: outer.expired(), time: loop.time() };
      });
    });
    expect(r.innerErr).toBeInstanceOf(TimeoutError);
    expect(r.outerExpired).toBe(false);
    expect(r.time).toBeCloseTo(0.5);
  });

  it('nests: the outer deadline firing first is the outer TimeoutError', () => {
    const loop = vloop();
    let innerT: Timeout | null = null;
    let outerT: Timeout | null = null;
    const err = outcome(loop, () =>
      timeout(0.5, function* (o) {
        outerT = o;
        yield* timeout(2, function* (i) {
          innerT = i;
          yield* sleep(10);
        });
      }),
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(outerT!.expired()).toBe(true);
    expect(innerT!.expired()).toBe(false);
  });

  it('never fires with an infinite delay', () => {
    const loop = vloop();
    expect(runMain(loop, () => timeout(Infinity, () => sleep(1e6, 'ok')))).toBe('ok');
  });

  it('works on the real clock with a few milliseconds', () => {
    const loop = makeLoop(backend);
    expect(outcome(loop, () => timeout(0.003, () => sleep(1)))).toBeInstanceOf(TimeoutError);
  });

  it('must run inside a task', () => {
    const loop = vloop();
    let err: unknown = null;
    loop.callSoon(() => {
      try {
        timeout(1, () => sleep(0)).next();
      } catch (e) {
        err = e;
      }
    });
    loop.runOnce();
    expect(err).toBeInstanceOf(EventLoopError);
    expect((err as Error).message).toMatch(/inside a task/);
  });

  it('rejects bad arguments', () => {
    expect(() => timeout('1' as never, () => sleep(0))).toThrow(/timeout: delay must be a number or null, got "1"/);
    expect(() => timeout(NaN, () => sleep(0))).toThrow(RangeError);
    expect(() => timeout(1, 5 as never)).toThrow(/timeout: body must be a function, got 5/);
    expect(() => timeoutAt(undefined as never, () => sleep(0))).toThrow(/timeoutAt: when must be a number or null/);
    expect(() => new Timeout('x' as never)).toThrow(TypeError);
    const loop = vloop();
    expect(outcome(loop, () => timeout(1, (() => 42) as never))).toBeInstanceOf(TypeError);
  });
});
