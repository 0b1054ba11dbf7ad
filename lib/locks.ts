/**
 * Synchronisation primitives (asyncio.locks): Lock, Event, Condition,
 * Semaphore, BoundedSemaphore and Barrier.
 *
 * None of them is thread-safe; they order tasks of one loop. Each binds to
 * the running loop the first time it has to wait (see mixins.ts).
 *
 * Waiting is always "park on a fresh Future kept in a FIFO deque of waiters";
 * waking is `setResult` on the first waiter that is not done. The rules that
 * keep a primitive consistent when a waiter is cancelled (no lost wake-up, no
 * lock held by nobody) are asyncio 3.12/3.13's, and each is stated where it
 * applies:
 *
 * - Lock: a released lock stays unlocked until the woken waiter runs, but a
 *   newcomer cannot take it meanwhile (it sees a woken waiter ahead of it).
 *   A waiter cancelled after being woken wakes the next one.
 * - Semaphore: a woken waiter is charged its unit at wake-up; if it is
 *   cancelled before it resumes, it gives the unit back and wakes the next.
 * - Condition: a notified waiter that is cancelled passes the notification
 *   on (a spurious wake-up, which condition variables allow).
 *
 * `acquire()` and every `wait()` are coroutines that give `true` (Barrier's
 * `wait` gives the arrival index). Every lock-like primitive has
 * `hold(body)`, asyncio's `async with`: acquire, run `yield* body()`, release
 * in `finally`.
 */
import { type Coroutine } from './coroutines';
import { checkInteger, describe } from './validate';
import { Deque } from './deque';
import { BrokenBarrierError, CancelledError, InvalidStateError, isCancelledError } from './exceptions';
import type { Future } from './futures';
import { callBody, checkBody, LoopBound } from './mixins';

/** True when some waiter in `waiters` is not cancelled. */
function anyLive(waiters: Deque<Future<unknown>> | null): boolean {
  if (waiters === null) return false;
  for (const w of waiters) if (!w.cancelled()) return true;
  return false;
}

/** What `hold` needs from a primitive. */
interface Acquirable {
  acquire(): Coroutine<boolean>;
  release(): void;
}

function* holdImpl<T>(prim: Acquirable, body: () => Coroutine<T>, what: string): Coroutine<T> {
  yield* prim.acquire();
  try {
    return yield* callBody(body, [], what);
  } finally {
    prim.release();
  }
}

// ---------------------------------------------------------------------------

/**
 * A mutual-exclusion lock (asyncio.Lock). Fair: waiters acquire it in the
 * order they asked, and a task that arrives while a released lock is being
 * handed to a waiter queues behind it.
 */
export class Lock extends LoopBound {
  /** @internal */ _locked = false;
  /** @internal */ _waiters: Deque<Future<boolean>> | null = null;

  /** True if the lock is held. */
  locked(): boolean {
    return this._locked;
  }

  /** Waits until the lock is free and takes it; gives `true`. */
  *acquire(): Coroutine<true> {
    if (!this._locked && !anyLive(this._waiters)) {
      this._locked = true;
      return true;
    }
    if (this._waiters === null) this._waiters = new Deque();
    const fut = this._newWaiter<boolean>();
    this._waiters.push(fut);
    try {
      try {
        yield* fut;
      } finally {
        this._waiters.remove(fut);
      }
    } catch (err) {
      // Cancelled (woken or not): if the lock is free, make sure the next
      // waiter runs, or it would wait for a release that never comes.
      if (!this._locked) this._wakeUpFirst();
      throw err;
    }
    this._locked = true;
    return true;
  }

  /** Releases the lock and wakes the first waiter. Throws if the lock is not held. */
  release(): void {
    if (!this._locked) throw new InvalidStateError('Lock is not acquired.');
    this._locked = false;
    this._wakeUpFirst();
  }

  /** Acquires the lock, runs `yield* body()`, releases the lock in `finally`. */
  hold<T>(body: () => Coroutine<T>): Coroutine<T> {
    checkBody(body, 'Lock.hold');
    return holdImpl(this, body, 'Lock.hold');
  }

  /** @internal Wakes the first waiter unless it is already done (woken or cancelled). */
  _wakeUpFirst(): void {
    const first = this._waiters?.at(0);
    if (first !== undefined && !first.done()) first.setResult(true);
  }

  override toString(): string {
    const n = this._waiters?.length ?? 0;
    return `<Lock [${this._locked ? 'locked' : 'unlocked'}${n > 0 ? `, waiters:${n}` : ''}]>`;
  }
}

// ---------------------------------------------------------------------------

/**
 * An event flag (asyncio.Event): `wait()` blocks until `set()` is called;
 * `clear()` resets it. Every waiter present at `set()` is woken.
 */
export class Event extends LoopBound {
  /** @internal */ _value = false;
  /** @internal */ _waiters: Deque<Future<boolean>> = new Deque();

  /** True once `set()` was called (and `clear()` not since). */
  isSet(): boolean {
    return this._value;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    if (this._value) return;
    this._value = true;
    for (const fut of this._waiters) if (!fut.done()) fut.setResult(true);
  }

  /** Resets the flag: later `wait()` calls block until the next `set()`. */
  clear(): void {
    this._value = false;
  }

  /** Waits until the flag is set; gives `true`. */
  *wait(): Coroutine<true> {
    if (this._value) return true;
    const fut = this._newWaiter<boolean>();
    this._waiters.push(fut);
    try {
      yield* fut;
      return true;
    } finally {
      this._waiters.remove(fut);
    }
  }

  override toString(): string {
    const n = this._waiters.length;
    return `<Event [${this._value ? 'set' : 'unset'}${n > 0 ? `, waiters:${n}` : ''}]>`;
  }
}

// ---------------------------------------------------------------------------

/**
 * A condition variable (asyncio.Condition): tasks wait, holding its lock,
 * until another task notifies them. `new Condition(lock?)` shares an existing
 * Lock (several conditions on one lock) or makes its own.
 */
export class Condition extends LoopBound {
  /** @internal */ _lock: Lock;
  /** @internal */ _waiters: Deque<Future<boolean>> = new Deque();

  constructor(lock?: Lock) {
    super();
    if (lock === undefined) lock = new Lock();
    else if (!(lock instanceof Lock)) throw new TypeError(`Condition: lock must be a Lock, got ${describe(lock)}`);
    this._lock = lock;
  }

  /** True if the underlying lock is held. */
  locked(): boolean {
    return this._lock.locked();
  }

  /** Acquires the underlying lock; gives `true`. */
  acquire(): Coroutine<true> {
    return this._lock.acquire();
  }

  /** Releases the underlying lock. */
  release(): void {
    this._lock.release();
  }

  /** Acquires the underlying lock, runs `yield* body()`, releases in `finally`. */
  hold<T>(body: () => Coroutine<T>): Coroutine<T> {
    checkBody(body, 'Condition.hold');
    return holdImpl(this, body, 'Condition.hold');
  }

  /**
   * Releases the lock, waits until notified, re-acquires the lock (even when
   * cancelled: the caller always holds the lock again when this returns or
   * throws), and gives `true`. Throws if the lock is not held.
   */
  *wait(): Coroutine<true> {
    if (!this.locked()) throw new InvalidStateError('cannot wait on un-acquired lock');
    try {
      this.release();
      try {
        const fut = this._newWaiter<boolean>();
        this._waiters.push(fut);
        try {
          yield* fut;
          return true;
        } finally {
          this._waiters.remove(fut);
        }
      } finally {
        // Re-acquire before leaving, however we leave; a cancellation during
        // the re-acquire is kept and thrown once the lock is held again.
        let cancelled: CancelledError | null = null;
        for (;;) {
          try {
            yield* this._lock.acquire();
            break;
          } catch (err) {
            if (!(isCancelledError(err))) throw err;
            cancelled = err;
          }
        }
        if (cancelled !== null) throw cancelled;
      }
    } catch (err) {
      // We may have been notified before the error: pass the notification
      // on so that it is not lost (a spurious wake-up is allowed).
      this._notify(1);
      throw err;
    }
  }

  /** Waits until `predicate()` is truthy (checked first, then after each wake-up); gives its value. */
  waitFor<T>(predicate: () => T): Coroutine<T> {
    if (typeof predicate !== 'function') {
      throw new TypeError(`Condition.waitFor: predicate must be a function, got ${describe(predicate)}`);
    }
    return this._waitFor(predicate);
  }

  /** @internal */
  *_waitFor<T>(predicate: () => T): Coroutine<T> {
    let result = predicate();
    while (!result) {
      yield* this.wait();
      result = predicate();
    }
    return result;
  }

  /** Wakes up to `n` waiters (default 1). The lock must be held. */
  notify(n = 1): void {
    if (typeof n !== 'number') throw new TypeError(`Condition.notify: n must be a number, got ${describe(n)}`);
    if (Number.isNaN(n) || n < 0 || !(Number.isInteger(n) || n === Infinity)) {
      throw new RangeError(`Condition.notify: n must be a non-negative integer, got ${n}`);
    }
    if (!this.locked()) throw new InvalidStateError('cannot notify on un-acquired lock');
    this._notify(n);
  }

  /** Wakes every waiter. The lock must be held. */
  notifyAll(): void {
    this.notify(Infinity);
  }

  /** @internal */
  _notify(n: number): void {
    let woken = 0;
    for (const fut of this._waiters) {
      if (woken >= n) break;
      if (!fut.done()) {
        woken++;
        fut.setResult(false);
      }
    }
  }

  override toString(): string {
    const n = this._waiters.length;
    return `<Condition [${this.locked() ? 'locked' : 'unlocked'}${n > 0 ? `, waiters:${n}` : ''}]>`;
  }
}

// ---------------------------------------------------------------------------

/**
 * A counting semaphore (asyncio.Semaphore): `acquire()` takes one unit,
 * waiting while none is left; `release()` gives one back. Fair: while tasks
 * wait, a newcomer queues behind them even if a unit is free.
 */
export class Semaphore extends LoopBound {
  /** @internal */ _value: number;
  /** @internal */ _waiters: Deque<Future<boolean>> | null = null;

  constructor(value = 1) {
    super();
    this._value = checkInteger(value, 'value', new.target.name, 0);
  }

  /** True if `acquire()` would wait (no unit left, or tasks already waiting). */
  locked(): boolean {
    return this._value === 0 || anyLive(this._waiters);
  }

  /** Takes one unit, waiting for it if needed; gives `true`. */
  *acquire(): Coroutine<true> {
    if (!this.locked()) {
      this._value--;
      return true;
    }
    if (this._waiters === null) this._waiters = new Deque();
    const fut = this._newWaiter<boolean>();
    this._waiters.push(fut);
    try {
      try {
        yield* fut;
      } finally {
        this._waiters.remove(fut);
      }
    } catch (err) {
      // Woken (and charged a unit by _wakeUpNext) but not acquiring after
      // all: give the unit back; the finally below passes it on.
      if (fut.done() && !fut.cancelled()) this._value++;
      throw err;
    } finally {
      // Waiters that arrived meanwhile had to queue (FIFO); wake as many as
      // there are free units.
      while (this._value > 0) if (!this._wakeUpNext()) break;
    }
    return true;
  }

  /** Gives one unit back and wakes the first waiter. */
  release(): void {
    this._value++;
    this._wakeUpNext();
  }

  /** Takes a unit, runs `yield* body()`, gives the unit back in `finally`. */
  hold<T>(body: () => Coroutine<T>): Coroutine<T> {
    const what = `${this.constructor.name}.hold`;
    checkBody(body, what);
    return holdImpl(this, body, what);
  }

  /** @internal Wakes the first waiter that is not done, charging it one unit. */
  _wakeUpNext(): boolean {
    if (this._waiters === null) return false;
    for (const fut of this._waiters) {
      if (!fut.done()) {
        this._value--;
        fut.setResult(true);
        return true;
      }
    }
    return false;
  }

  override toString(): string {
    const n = this._waiters?.length ?? 0;
    return `<${this.constructor.name} [${this.locked() ? 'locked' : `unlocked, value:${this._value}`}${n > 0 ? `, waiters:${n}` : ''}]>`;
  }
}

/**
 * A semaphore that refuses to be released above its initial value
 * (asyncio.BoundedSemaphore): an extra `release()` throws a RangeError, which
 * catches a release without a matching acquire.
 */
export class BoundedSemaphore extends Semaphore {
  /** @internal */ _boundValue: number;

  constructor(value = 1) {
    super(value);
    this._boundValue = this._value;
  }

  /** Gives one unit back; throws a RangeError if that would exceed the initial value. */
  override release(): void {
    if (this._value >= this._boundValue) throw new RangeError('BoundedSemaphore released too many times');
    super.release();
  }
}

// ---------------------------------------------------------------------------

// Barrier states (asyncio's _BarrierState) and their transitions:
//
//   FILLING --last party arrives--> DRAINING --last party leaves--> FILLING
//   FILLING/DRAINING --reset() with parties inside--> RESETTING --last leaves--> FILLING
//   any --abort()--> BROKEN (final until reset())
const FILLING = 'filling';
const DRAINING = 'draining';
const RESETTING = 'resetting';
const BROKEN = 'broken';
type BarrierState = typeof FILLING | typeof DRAINING | typeof RESETTING | typeof BROKEN;

/**
 * A barrier (asyncio.Barrier): `parties` tasks call `wait()`; each blocks
 * until all have arrived, then all are released together and the barrier
 * can be used again. `reset()` and `abort()` break the waiting parties out
 * with `BrokenBarrierError`.
 */
export class Barrier extends LoopBound {
  /** @internal */ _cond: Condition;
  /** @internal */ _parties: number;
  /** @internal */ _state: BarrierState;
  /** @internal Tasks inside wait() (arrived and not yet left). */
  _count: number;

  constructor(parties: number) {
    super();
    this._parties = checkInteger(parties, 'parties', 'Barrier', 1);
    this._cond = new Condition();
    this._state = FILLING;
    this._count = 0;
  }

  /** How many tasks must arrive to release the barrier. */
  get parties(): number {
    return this._parties;
  }

  /** How many tasks are waiting for the barrier to fill. */
  get nWaiting(): number {
    return this._state === FILLING ? this._count : 0;
  }

  /** True once `abort()` broke the barrier. */
  get broken(): boolean {
    return this._state === BROKEN;
  }

  /**
   * Waits until `parties` tasks are waiting, then releases them all. Gives
   * the arrival index (0 for the first to arrive, `parties - 1` for the
   * last). Throws `BrokenBarrierError` if the barrier is broken or reset
   * while waiting.
   */
  *wait(): Coroutine<number> {
    yield* this._cond.acquire();
    try {
      yield* this._block();
      try {
        const index = this._count++;
        if (index + 1 === this._parties) {
          this._state = DRAINING;
          this._cond.notifyAll();
        } else {
          yield* this._waitFilled();
        }
        return index;
      } finally {
        this._count--;
        this._exit();
      }
    } finally {
      this._cond.release();
    }
  }

  /** Waits at the barrier, then runs `yield* body(index)` (asyncio's `async with barrier as index`). */
  hold<T>(body: (index: number) => Coroutine<T>): Coroutine<T> {
    checkBody(body, 'Barrier.hold');
    return this._hold(body);
  }

  /** @internal */
  *_hold<T>(body: (index: number) => Coroutine<T>): Coroutine<T> {
    const index = yield* this.wait();
    return yield* callBody(body, [index], 'Barrier.hold');
  }

  /**
   * Returns the barrier to its empty state; tasks waiting in it get
   * `BrokenBarrierError`. A coroutine, as in asyncio.
   */
  *reset(): Coroutine<void> {
    yield* this._cond.acquire();
    try {
      if (this._count > 0) {
        if (this._state !== RESETTING) this._state = RESETTING;
      } else {
        this._state = FILLING;
      }
      this._cond.notifyAll();
    } finally {
      this._cond.release();
    }
  }

  /**
   * Breaks the barrier: waiting tasks and every later `wait()` get
   * `BrokenBarrierError` until `reset()`. A coroutine, as in asyncio.
   */
  *abort(): Coroutine<void> {
    yield* this._cond.acquire();
    try {
      this._state = BROKEN;
      this._cond.notifyAll();
    } finally {
      this._cond.release();
    }
  }

  /** @internal Waits while the barrier drains or resets; throws if it is broken. */
  *_block(): Coroutine<void> {
    yield* this._cond.waitFor(() => this._state !== DRAINING && this._state !== RESETTING);
    if (this._state === BROKEN) throw new BrokenBarrierError('Barrier aborted');
  }

  /** @internal Waits until the barrier is released (or broken, or reset). */
  *_waitFilled(): Coroutine<void> {
    yield* this._cond.waitFor(() => this._state !== FILLING);
    if (this._state === BROKEN || this._state === RESETTING) {
      throw new BrokenBarrierError('Abort or reset of barrier');
    }
  }

  /** @internal The last task out ends draining/resetting and wakes those blocked. */
  _exit(): void {
    if (this._count === 0) {
      if (this._state === RESETTING || this._state === DRAINING) this._state = FILLING;
      this._cond.notifyAll();
    }
  }

  override toString(): string {
    return `<Barrier [${this._state}, waiters:${this.nWaiting}/${this._parties}]>`;
  }
}
