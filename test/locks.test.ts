import { describe, expect, it } from 'vitest';
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  CancelledError,
  Condition,
  Event,
  gather,
  InvalidStateError,
  Lock,
  Semaphore,
  sleep,
  TimeoutError,
  waitFor,
  type Coroutine,
  type Loop,
  type Task,
} from '../lib/index';
import { BACKENDS, makeLoop } from './helpers';

function runMain<T>(loop: Loop, main: () => Coroutine<T>): T {
  return loop.runUntilComplete(loop.createTask(main()));
}

/** Lets the loop run `n` iterations from inside a coroutine. */
function* turns(n: number): Coroutine<void> {
  for (let i = 0; i < n; i++) yield;
}

describe.each(BACKENDS)('Lock (%s)', (backend) => {
  const vloop = () => makeLoop(backend, { clock: 'virtual' });

  it('acquires and releases', () => {
    const loop = vloop();
    const lock = new Lock();
    runMain(loop, function* () {
      expect(lock.locked()).toBe(false);
      expect(yield* lock.acquire()).toBe(true);
      expect(lock.locked()).toBe(true);
      lock.release();
      expect(lock.locked()).toBe(false);
    });
  });

  it('hands the lock to waiters in the order they asked', () => {
    const loop = vloop();
    const lock = new Lock();
    const order: number[] = [];
    runMain(loop, function* () {
      yield* lock.acquire();
      const ts = [1, 2, 3].map((i) =>
        loop.createTask(
          (function* () {
            yield* lock.acquire();
            order.push(i);
            lock.release();
          })(),
        ),
      );
      yield* turns(2);
      lock.release();
      yield* gather(...ts);
    });
    expect(order).toEqual([1, 2, 3]);
  });

  it('makes a newcomer queue behind a waiter being woken', () => {
    const loop = vloop();
    const lock = new Lock();
    const order: string[] = [];
    runMain(loop, function* () {
      yield* lock.acquire();
      const waiter = loop.createTask(lock.hold(function* () {
        order.push('waiter');
      }));
      yield* turns(2);
      lock.release(); // the waiter is woken but has not run yet
      expect(lock.locked()).toBe(false);
      // This task asks right away, before the woken waiter runs.
      yield* lock.hold(function* () {
        order.push('newcomer');
      });
      yield* waiter;
    });
    expect(order).toEqual(['waiter', 'newcomer']);
  });

  it('leaves the lock consistent when a waiter is cancelled while waiting', () => {
    const loop = vloop();
    const lock = new Lock();
    runMain(loop, function* () {
      yield* lock.acquire();
      const a = loop.createTask(lock.acquire());
      const b = loop.createTask(lock.acquire());
      yield* turns(2);
      a.cancel();
      yield* turns(2);
      expect(a.cancelled()).toBe(true);
      lock.release();
      expect(yield* b).toBe(true);
      expect(lock.locked()).toBe(true);
      expect(lock._waiters!.length).toBe(0);
    });
  });

  it('passes the lock on when the woken waiter is cancelled before it runs', () => {
    const loop = vloop();
    const lock = new Lock();
    runMain(loop, function* () {
      yield* lock.acquire();
      const b = loop.createTask(lock.acquire());
      yield* turns(2);
      const c = loop.createTask(lock.acquire());
      yield* turns(2);
      lock.release(); // wakes b
      b.cancel(); // ... which will not take it
      yield* turns(3);
      expect(b.cancelled()).toBe(true);
      expect(c.done()).toBe(true);
      expect(lock.locked()).toBe(true);
    });
  });

  it('times out an acquire with waitFor and stays usable', () => {
    const loop = vloop();
    const lock = new Lock();
    const r = runMain(loop, function* () {
      yield* lock.acquire();
      const other = loop.createTask(
        (function* () {
          try {
            yield* waitFor(lock.acquire(), 0.5);
          } catch (e) {
            return e;
          }
          return null;
        })(),
      );
      const err = yield* other;
      lock.release();
      const again = yield* waitFor(lock.acquire(), 0.5);
      return { err, again };
    });
    expect(r.err).toBeInstanceOf(TimeoutError);
    expect(r.again).toBe(true);
  });

  it('throws when releasing an unlocked lock', () => {
    expect(() => new Lock().release()).toThrow(InvalidStateError);
    expect(() => new Lock().release()).toThrow(/Lock is not acquired/);
  });

  it('hold releases after the body, even when it throws', () => {
    const loop = vloop();
    const lock = new Lock();
    const boom = new Error('boom');
    const r = runMain(loop, function* () {
      const v = yield* lock.hold(function* () {
        expect(lock.locked()).toBe(true);
        yield* sleep(0.1);
        return 'v';
      });
      let err: unknown = null;
      try {
        yield* lock.hold(function* () {
          yield;
          throw boom;
        });
      } catch (e) {
        err = e;
      }
      return { v, err, locked: lock.locked() };
    });
    expect(r).toEqual({ v: 'v', err: boom, locked: false });
  });

  it('hold releases when the task is cancelled inside the body', () => {
    const loop = vloop();
    const lock = new Lock();
    const t = loop.createTask(lock.hold(() => sleep(10)));
    loop.callLater(1, () => t.cancel());
    expect(() => loop.runUntilComplete(t)).toThrow(CancelledError);
    expect(lock.locked()).toBe(false);
  });

  it('rejects a hold body that is not a function', () => {
    expect(() => new Lock().hold('x' as never)).toThrow(/Lock.hold: body must be a function, got "x"/);
  });
});

describe.each(BACKENDS)('Event (%s)', (backend) => {
  const vloop = () => makeLoop(backend, { clock: 'virtual' });

  it('wakes every waiter on set', () => {
    const loop = vloop();
    const ev = new Event();
    const r = runMain(loop, function* () {
      const ts = [0, 1, 2].map(() => loop.createTask(ev.wait()));
      yield* turns(2);
      expect(ts.some((t) => t.done())).toBe(false);
      ev.set();
      return yield* gather(...ts);
    });
    expect(r).toEqual([true, true, true]);
    expect(ev.isSet()).toBe(true);
  });

  it('returns at once when already set, and blocks again after clear', () => {
    const loop = vloop();
    const ev = new Event();
    runMain(loop, function* () {
      ev.set();
      expect(yield* ev.wait()).toBe(true);
      ev.clear();
      expect(ev.isSet()).toBe(false);
      const t = loop.createTask(ev.wait());
      yield* turns(3);
      expect(t.done()).toBe(false);
      ev.set();
      yield* t;
    });
  });

  it('drops a cancelled waiter and still wakes the others', () => {
    const loop = vloop();
    const ev = new Event();
    runMain(loop, function* () {
      const a = loop.createTask(ev.wait());
      const b = loop.createTask(ev.wait());
      yield* turns(2);
      a.cancel();
      yield* turns(2);
      expect(ev._waiters.length).toBe(1);
      ev.set();
      expect(yield* b).toBe(true);
      expect(a.cancelled()).toBe(true);
    });
  });

  it('times out a wait with waitFor', () => {
    const loop = vloop();
    const ev = new Event();
    expect(() => runMain(loop, () => waitFor(ev.wait(), 1))).toThrow(TimeoutError);
    expect(ev._waiters.length).toBe(0);
  });
});

describe.each(BACKENDS)('Condition (%s)', (backend) => {
  const vloop = () => makeLoop(backend, { clock: 'virtual' });

  function waiterTask(loop: Loop, cond: Condition, log: string[], name: string): Task<void> {
    return loop.createTask(
      cond.hold(function* () {
        yield* cond.wait();
        log.push(name);
      }),
    );
  }

  it('notify wakes waiters one at a time, in order', () => {
    const loop = vloop();
    const cond = new Condition();
    const log: string[] = [];
    runMain(loop, function* () {
      const ts = ['a', 'b', 'c'].map((n) => waiterTask(loop, cond, log, n));
      yield* turns(3);
      yield* cond.hold(function* () {
        cond.notify();
      });
      yield* turns(3);
      expect(log).toEqual(['a']);
      yield* cond.hold(function* () {
        cond.notify(2);
      });
      yield* gather(...ts);
    });
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it('notifyAll wakes every waiter', () => {
    const loop = vloop();
    const cond = new Condition();
    const log: string[] = [];
    runMain(loop, function* () {
      const ts = ['a', 'b'].map((n) => waiterTask(loop, cond, log, n));
      yield* turns(3);
      yield* cond.hold(function* () {
        cond.notifyAll();
      });
      yield* gather(...ts);
    });
    expect(log.sort()).toEqual(['a', 'b']);
  });

  it('waitFor waits until the predicate holds and gives its value', () => {
    const loop = vloop();
    const cond = new Condition();
    let state = 0;
    const r = runMain(loop, function* () {
      const t = loop.createTask(cond.hold(() => cond.waitFor(() => (state >= 2 ? `state ${state}` : null))));
      for (let i = 0; i < 3; i++) {
        yield* turns(2);
        state++;
        yield* cond.hold(function* () {
          cond.notifyAll();
        });
      }
      return yield* t;
    });
    expect(r).toBe('state 2');
  });

  it('holds the lock again when a waiting task is cancelled', () => {
    const loop = vloop();
    const cond = new Condition();
    let lockedAtCancel: boolean | null = null;
    runMain(loop, function* () {
      const t = loop.createTask(
        (function* () {
          yield* cond.acquire();
          try {
            yield* cond.wait();
          } catch (e) {
            lockedAtCancel = cond.locked();
            cond.release();
            throw e;
          }
        })(),
      );
      yield* turns(2);
      // Hold the lock while cancelling, so the re-acquire must wait.
      yield* cond.acquire();
      t.cancel();
      yield* turns(2);
      expect(t.done()).toBe(false);
      cond.release();
      try {
        yield* t;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
    });
    expect(lockedAtCancel).toBe(true);
  });

  it('passes a notification on when the notified waiter is cancelled', () => {
    const loop = vloop();
    const cond = new Condition();
    const log: string[] = [];
    runMain(loop, function* () {
      const a = waiterTask(loop, cond, log, 'a');
      const b = waiterTask(loop, cond, log, 'b');
      yield* turns(3);
      yield* cond.acquire();
      cond.notify(1); // notifies a
      a.cancel(); // a will not use it
      cond.release();
      try {
        yield* a;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      yield* b;
    });
    expect(log).toEqual(['b']);
  });

  it('re-acquires the lock even when cancelled while re-acquiring it', () => {
    const loop = vloop();
    const cond = new Condition();
    let lockedAtCancel: boolean | null = null;
    runMain(loop, function* () {
      const t = loop.createTask(
        (function* () {
          yield* cond.acquire();
          try {
            yield* cond.wait();
          } catch (e) {
            lockedAtCancel = cond.locked();
            cond.release();
            throw e;
          }
        })(),
      );
      yield* turns(2);
      yield* cond.acquire();
      cond.notify(); // t wakes, then has to wait for the lock we hold
      yield* turns(3);
      expect(t.done()).toBe(false);
      t.cancel(); // cancelled inside the re-acquire
      yield* turns(3);
      expect(t.done()).toBe(false);
      cond.release();
      try {
        yield* t;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      expect(t.cancelled()).toBe(true);
      expect(cond.locked()).toBe(false);
    });
    expect(lockedAtCancel).toBe(true);
  });

  it('re-acquires the lock before a wait times out', () => {
    const loop = vloop();
    const cond = new Condition();
    const r = runMain(loop, function* () {
      yield* cond.acquire();
      let err: unknown = null;
      try {
        yield* waitFor(cond.wait(), 0.5);
      } catch (e) {
        err = e;
      }
      const locked = cond.locked();
      cond.release();
      return { err, locked };
    });
    expect(r.err).toBeInstanceOf(TimeoutError);
    expect(r.locked).toBe(true);
  });

  it('shares a lock given to it', () => {
    const loop = vloop();
    const lock = new Lock();
    const c1 = new Condition(lock);
    const c2 = new Condition(lock);
    runMain(loop, function* () {
      yield* c1.acquire();
      expect(lock.locked()).toBe(true);
      expect(c2.locked()).toBe(true);
      c2.release();
      expect(c1.locked()).toBe(false);
    });
  });

  it('refuses wait and notify without the lock, and bad arguments', () => {
    const loop = vloop();
    const cond = new Condition();
    expect(() => cond.notify()).toThrow(/cannot notify on un-acquired lock/);
    expect(() => runMain(loop, () => cond.wait())).toThrow(/cannot wait on un-acquired lock/);
    expect(() => new Condition({} as never)).toThrow(/Condition: lock must be a Lock, got/);
    expect(() => cond.waitFor(1 as never)).toThrow(/predicate must be a function/);
    expect(() => cond.notify('2' as never)).toThrow(TypeError);
    expect(() => cond.notify(-1)).toThrow(RangeError);
  });
});

describe.each(BACKENDS)('Semaphore (%s)', (backend) => {
  const vloop = () => makeLoop(backend, { clock: 'virtual' });

  it('lets value tasks in at once and makes the next wait', () => {
    const loop = vloop();
    const sem = new Semaphore(2);
    runMain(loop, function* () {
      yield* sem.acquire();
      expect(sem.locked()).toBe(false);
      yield* sem.acquire();
      expect(sem.locked()).toBe(true);
      const t = loop.createTask(sem.acquire());
      yield* turns(2);
      expect(t.done()).toBe(false);
      sem.release();
      expect(yield* t).toBe(true);
    });
  });

  it('limits concurrency with hold', () => {
    const loop = vloop();
    const sem = new Semaphore(3);
    let running = 0;
    let peak = 0;
    runMain(loop, function* () {
      const ts = Array.from({ length: 10 }, () =>
        loop.createTask(
          sem.hold(function* () {
            running++;
            peak = Math.max(peak, running);
            yield* sleep(1);
            running--;
          }),
        ),
      );
      yield* gather(...ts);
    });
    expect(peak).toBe(3);
    expect(loop.time()).toBeCloseTo(4);
  });

  it('serves waiters in order and makes newcomers queue behind them', () => {
    const loop = vloop();
    const sem = new Semaphore(0);
    const order: string[] = [];
    runMain(loop, function* () {
      const mk = (n: string) =>
        loop.createTask(
          (function* () {
            yield* sem.acquire();
            order.push(n);
          })(),
        );
      const a = mk('a');
      const b = mk('b');
      yield* turns(2);
      sem.release();
      const c = mk('c'); // a unit is charged to a: c must queue
      sem.release();
      sem.release();
      yield* gather(a, b, c);
    });
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('skips a waiter cancelled before the release', () => {
    const loop = vloop();
    const sem = new Semaphore(0);
    runMain(loop, function* () {
      const t1 = loop.createTask(sem.acquire());
      const t2 = loop.createTask(sem.acquire());
      yield* turns(1);
      t1.cancel();
      sem.release();
      yield* turns(3);
      expect(t1.cancelled()).toBe(true);
      expect(t2.done()).toBe(true);
      expect(sem.locked()).toBe(true);
      expect(sem._value).toBe(0);
    });
  });

  it('gives the unit back when a woken waiter is cancelled before it runs', () => {
    const loop = vloop();
    const sem = new Semaphore(0);
    runMain(loop, function* () {
      const t1 = loop.createTask(sem.acquire());
      const t2 = loop.createTask(sem.acquire());
      yield* turns(1);
      sem.release(); // charged to t1
      t1.cancel(); // ... which will not use it
      yield* turns(3);
      expect(t1.cancelled()).toBe(true);
      expect(t2.done()).toBe(true);
      expect(sem.locked()).toBe(true);
      expect(sem._value).toBe(0);
    });
  });

  it('does not hang when a waiter is cancelled after the holder releases', () => {
    const loop = vloop();
    const sem = new Semaphore(1);
    const r = runMain(loop, function* () {
      let t2: Task<void> | null = null;
      const t1 = loop.createTask(
        (function* () {
          yield* sem.hold(() => sleep(0));
          t2!.cancel();
        })(),
      );
      t2 = loop.createTask(
        sem.hold(function* (): Coroutine<void> {
          throw new Error('must not get the semaphore');
        }),
      );
      const results = yield* gather([t1, t2], { returnExceptions: true });
      yield* waitFor(sem.acquire(), 1);
      return results;
    });
    expect(r[0]).toBeUndefined();
    expect(r[1]).toBeInstanceOf(CancelledError);
  });

  it('times out an acquire with waitFor, leaving the count right', () => {
    const loop = vloop();
    const sem = new Semaphore(1);
    runMain(loop, function* () {
      yield* sem.acquire();
      let timedOut = false;
      try {
        yield* waitFor(sem.acquire(), 0.5);
      } catch (e) {
        timedOut = e instanceof TimeoutError;
      }
      expect(timedOut).toBe(true);
      sem.release();
      expect(sem._value).toBe(1);
      yield* sem.acquire();
    });
  });

  it('BoundedSemaphore refuses a release past its initial value', () => {
    const loop = vloop();
    const sem = new BoundedSemaphore(2);
    runMain(loop, function* () {
      yield* sem.acquire();
      sem.release();
      expect(() => sem.release()).toThrow(RangeError);
      expect(() => sem.release()).toThrow(/released too many times/);
    });
    const plain = new Semaphore(1);
    plain.release();
    expect(plain._value).toBe(2);
  });

  it('rejects a negative, fractional or non-numeric value', () => {
    expect(() => new Semaphore(-1)).toThrow(/Semaphore: value must be >= 0, got -1/);
    expect(() => new BoundedSemaphore(-1)).toThrow(/BoundedSemaphore: value must be >= 0/);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    expect(() => new Semaphore('2' as never)).toThrow(/value must be a number, got "2"/);
    expect(() => new Semaphore(NaN)).toThrow(RangeError);
  });
});

describe.each(BACKENDS)('Barrier (%s)', (backend) => {
  const vloop = () => makeLoop(backend, { clock: 'virtual' });

  it('releases the parties together once all have arrived, giving arrival indices', () => {
    const loop = vloop();
    const barrier = new Barrier(3);
    const r = runMain(loop, function* () {
      const ts = [0.3, 0.1, 0.2].map((d) =>
        loop.createTask(
          (function* () {
            yield* sleep(d);
            const index = yield* barrier.wait();
            return { index, t: loop.time() };
          })(),
        ),
      );
      return yield* gather(...ts);
    });
    expect(r.map((x) => x.index)).toEqual([2, 0, 1]);
    expect(r.every((x) => Math.abs(x.t - 0.3) < 1e-9)).toBe(true);
  });

  it('counts waiting parties and can be used again', () => {
    const loop = vloop();
    const barrier = new Barrier(2);
    runMain(loop, function* () {
      expect(barrier.parties).toBe(2);
      for (let round = 0; round < 2; round++) {
        const a = loop.createTask(barrier.wait());
        yield* turns(3);
        expect(barrier.nWaiting).toBe(1);
        const b = loop.createTask(barrier.wait());
        const idx = yield* gather(a, b);
        expect(idx.sort()).toEqual([0, 1]);
        expect(barrier.nWaiting).toBe(0);
      }
    });
  });

  it('abort breaks the waiters and later waits until reset', () => {
    const loop = vloop();
    const barrier = new Barrier(3);
    runMain(loop, function* () {
      const a = loop.createTask(barrier.wait());
      yield* turns(3);
      yield* barrier.abort();
      expect(barrier.broken).toBe(true);
      let err: unknown = null;
      try {
        yield* a;
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BrokenBarrierError);
      let later: unknown = null;
      try {
        yield* barrier.wait();
      } catch (e) {
        later = e;
      }
      expect(later).toBeInstanceOf(BrokenBarrierError);
      yield* barrier.reset();
      expect(barrier.broken).toBe(false);
      const b = loop.createTask(barrier.wait());
      const c = loop.createTask(barrier.wait());
      const d = loop.createTask(barrier.wait());
      yield* gather(b, c, d);
    });
  });

  it('reset breaks the waiting parties out', () => {
    const loop = vloop();
    const barrier = new Barrier(3);
    const r = runMain(loop, function* () {
      const ts = [0, 1].map(() => loop.createTask(barrier.wait()));
      yield* turns(3);
      yield* barrier.reset();
      const out = yield* gather(ts, { returnExceptions: true });
      return { out, broken: barrier.broken, waiting: barrier.nWaiting };
    });
    expect(r.out.every((e) => e instanceof BrokenBarrierError)).toBe(true);
    expect(r.broken).toBe(false);
    expect(r.waiting).toBe(0);
  });

  it('stays consistent when a waiting party is cancelled', () => {
    const loop = vloop();
    const barrier = new Barrier(2);
    runMain(loop, function* () {
      const a = loop.createTask(barrier.wait());
      yield* turns(3);
      expect(barrier.nWaiting).toBe(1);
      a.cancel();
      yield* turns(3);
      expect(a.cancelled()).toBe(true);
      expect(barrier.nWaiting).toBe(0);
      const b = loop.createTask(barrier.wait());
      const c = loop.createTask(barrier.wait());
      yield* gather(b, c);
    });
  });

  it('times out a wait with waitFor and stays usable', () => {
    const loop = vloop();
    const barrier = new Barrier(2);
    runMain(loop, function* () {
      let timedOut = false;
      try {
        yield* waitFor(barrier.wait(), 0.5);
      } catch (e) {
        timedOut = e instanceof TimeoutError;
      }
      expect(timedOut).toBe(true);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
      const a = loop.createTask(barrier.wait());
      const b = loop.createTask(barrier.wait());
      yield* gather(a, b);
    });
  });

  it('hold runs the body with the arrival index', () => {
    const loop = vloop();
    const barrier = new Barrier(2);
    const r = runMain(loop, function* () {
      const mk = () =>
        loop.createTask(
          barrier.hold(function* (index) {
            return `index ${index}`;
          }),
        );
      return yield* gather(mk(), mk());
    });
    expect(r.sort()).toEqual(['index 0', 'index 1']);
  });

  it('has read-only parties, nWaiting and broken, and rejects bad parties', () => {
    const barrier = new Barrier(2);
    expect(() => {
      (barrier as { parties: number }).parties = 3;
    }).toThrow(TypeError);
    expect(() => {
      (barrier as { broken: boolean }).broken = true;
    }).toThrow(TypeError);
    expect(() => new Barrier(0)).toThrow(/Barrier: parties must be >= 1, got 0/);
    expect(() => new Barrier('2' as never)).toThrow(TypeError);
    expect(() => new Barrier(undefined as never)).toThrow(TypeError);
  });
});
