/**
 * Future: the result of an operation that completes later.
 *
 * States (asyncio's, with failure a state of its own), and the only legal
 * transitions:
 *
 *     PENDING --setResult------> FINISHED
 *        |\----setException---> FAILED
 *        \------cancel()------> CANCELLED
 *
 * FINISHED, FAILED and CANCELLED are final. FAILED is a state rather than
 * "an exception is set", because JavaScript can throw anything: `throw
 * null` and `throw undefined` are failures too, carried as they are
 * (`failed()` tells; `exception()` returns the thrown value, so for those two
 * it cannot be told from asyncio's "None means success" without `failed()`).
 *
 * On the transition, every done-callback is handed to `loop.callSoon` in
 * registration order; none runs inside `setResult`/`setException`/`cancel`
 * (asyncio's rule: a callback never runs inside the call that completes the
 * Future). A callback added to a done Future is scheduled at once.
 *
 * A Future depends only on its loop's `callSoon`, `callExceptionHandler` and
 * `getDebug` ({@link MinimalLoop}), so any loop with those drives it.
 *
 * Waiting: inside a coroutine, `const x = yield* fut` yields the Future while
 * it is pending (the Task parks on it) and then evaluates to `result()`
 * (asyncio's `__await__`). A Future is also a thenable, so an async function
 * can `await fut` while the loop runs in hosted mode.
 */
import { checkOptions, describe } from './validate';
import { _getEventLoop, type MinimalLoop } from './events';
import { CancelledError, EventLoopError, InvalidStateError } from './exceptions';
import { _trackUnretrieved, _untrackUnretrieved } from './unretrieved';

/** @internal */ export const PENDING = 0;
/** @internal */ export const CANCELLED = 1;
/** @internal */ export const FINISHED = 2;
/** @internal */ export const FAILED = 3;

// Bits of Future._flags.
/** @internal Failed, and nobody retrieved the exception yet. */
export const LOG_TRACEBACK = 1;
/** @internal Settled only by a Node promise (`ensureFuture` of one, abortable, streams). */
export const FROM_PROMISE = 2;
/** @internal A Task's next step throws CancelledError into the coroutine. */
export const MUST_CANCEL = 4;

/** A done-callback: receives the Future that completed. */
export type DoneCallback<T> = (future: Future<T>) => unknown;

/** Options of `new Future()`. */
export interface FutureOptions {
  /** The loop that runs this Future's callbacks; defaults to `getEventLoop()`. */
  loop?: MinimalLoop;
}

/** @internal Validates a `loop` option: an object with the minimal loop methods. */
export function checkLoop(loop: unknown, what: string): MinimalLoop {
  if (
    loop === null ||
    typeof loop !== 'object' ||
    typeof (loop as MinimalLoop).callSoon !== 'function' ||
    typeof (loop as MinimalLoop).callExceptionHandler !== 'function' ||
    typeof (loop as MinimalLoop).getDebug !== 'function'
  ) {
    throw new TypeError(
      `${what}: loop must be an object with callSoon, callExceptionHandler and getDebug, got ${describe(loop)}`,
    );
  }
  return loop as MinimalLoop;
}

/**
 * The iterator behind `yield* fut`: yields the Future once while it is
 * pending, then returns its result (or throws its exception).
 */
class FutureIterator<T> implements Iterator<unknown, T, unknown> {
  private _future: Future<T>;
  private _yielded: boolean;
  constructor(future: Future<T>) {
    this._future = future;
    this._yielded = false;
  }
  next(): IteratorResult<unknown, T> {
    const f = this._future;
    if (f._state === PENDING) {
      if (this._yielded) {
        throw new EventLoopError('a coroutine resumed before the Future it awaited was done');
      }
      this._yielded = true;
      return { value: f, done: false };
    }
    return { value: f.result(), done: true };
  }
  // Present so that an exception thrown into the coroutine while it waits
  // surfaces at its `yield*` (without `throw`, yield* would replace it).
  throw(err: unknown): IteratorResult<unknown, T> {
    throw err;
  }
  return(value?: any): IteratorResult<unknown, T> {
    return { value, done: true };
  }
  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * An eventual result, as asyncio's Future: not thread-safe, callbacks run by
 * the loop, `result()` throws until the Future is done.
 */
export class Future<T = unknown> implements PromiseLike<T> {
  /** @internal */ _state: number;
  /**
   * @internal What the state says: the result (FINISHED), the thrown value
   * (FAILED), the cancel message or the CancelledError that cancelled a Task
   * (CANCELLED). A pending Task keeps the message of a cancellation it has
   * not delivered yet here. One field for all four keeps every Future small:
   * a program holds many of them at once (W6, W7 in the benchmarks).
   */
  _result: unknown;
  /** @internal */ _loop: MinimalLoop;
  /**
   * @internal The done-callbacks: null, the one callback, or an array of
   * them. Most futures get exactly one (the task awaiting it), so the common
   * case allocates no array.
   */
  _callbacks: ((future: any) => unknown) | ((future: any) => unknown)[] | null;
  /**
   * @internal Bits: LOG_TRACEBACK (failed, and nobody retrieved it),
   * FROM_PROMISE (`ensureFuture` made it from a promise: it settles only
   * while Node's event loop runs), and a Task's MUST_CANCEL.
   */
  _flags: number;

  constructor(options?: FutureOptions);
  /** @internal aioloop's own Futures: the loop as is, no options object to check. */
  constructor(options: undefined, loop: MinimalLoop);
  constructor(options?: FutureOptions, loop?: MinimalLoop) {
    if (loop === undefined) {
      const given = checkOptions(options, 'Future').loop;
      loop = given === undefined ? (_getEventLoop() as MinimalLoop) : checkLoop(given, 'Future');
    }
    this._loop = loop;
    this._state = PENDING;
    this._result = undefined;
    this._callbacks = null;
    this._flags = 0;
  }

  /** The loop this Future is bound to. */
  getLoop(): MinimalLoop {
    return this._loop;
  }

  /** True when the Future has a result, an exception, or was cancelled. */
  done(): boolean {
    return this._state !== PENDING;
  }

  /** True when the Future was cancelled. */
  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /**
   * The result. Throws the Future's exception if one was set, a
   * `CancelledError` if it was cancelled, and `InvalidStateError` while pending.
   */
  result(): T {
    const state = this._state;
    if (state === FINISHED) return this._result as T;
    if (state === FAILED) {
      if ((this._flags & LOG_TRACEBACK) !== 0) this._clearTraceback();
      throw this._result;
    }
    if (state === CANCELLED) throw this._makeCancelledError();
    throw new InvalidStateError('Result is not ready.');
  }

  /**
   * The value the Future failed with, or `null` if it finished with a
   * result. Throws `CancelledError` if cancelled and `InvalidStateError`
   * while pending. A Future that failed with `null` or `undefined` gives
   * that value back: use `failed()` to tell failure from success.
   */
  exception(): unknown {
    const state = this._state;
    if (state === FINISHED) return null;
    if (state === FAILED) {
      if ((this._flags & LOG_TRACEBACK) !== 0) this._clearTraceback();
      return this._result;
    }
    if (state === CANCELLED) throw this._makeCancelledError();
    throw new InvalidStateError('Exception is not set.');
  }

  /**
   * True when the Future failed (`setException`, or a coroutine that threw),
   * whatever value it failed with — `null` and `undefined` included. False
   * while pending, after a result, and after cancellation.
   */
  failed(): boolean {
    return this._state === FAILED;
  }

  /** Marks the Future done with `value` and schedules its callbacks. */
  setResult(value: T): void {
    if (this._state !== PENDING) throw new InvalidStateError(`invalid state: ${this}`);
    this._result = value;
    this._state = FINISHED;
    this._scheduleCallbacks();
  }

  /**
   * Marks the Future failed with `exception` and schedules its callbacks.
   * Any value but `undefined` is accepted (`null` too: JavaScript can throw
   * anything); `undefined` is refused as the likely slip it is. A coroutine
   * that throws `undefined`, or a promise rejected with it, still fails its
   * Task or Future with `undefined`.
   */
  setException(exception: unknown): void {
    if (this._state !== PENDING) throw new InvalidStateError(`invalid state: ${this}`);
    if (exception === undefined) throw new TypeError('setException: exception must not be undefined');
    this._fail(exception);
  }

  /** @internal The FAILED transition (Task's path too, which forbids setException). */
  _fail(exception: unknown): void {
    this._result = exception;
    this._state = FAILED;
    this._flags |= LOG_TRACEBACK;
    _trackUnretrieved(this, exception);
    this._scheduleCallbacks();
  }

  /**
   * Cancels the Future and schedules its callbacks. Returns false if it was
   * already done. `msg` becomes the message of the `CancelledError`.
   */
  cancel(msg?: string): boolean {
    if (msg !== undefined && typeof msg !== 'string') {
      throw new TypeError(`cancel: msg must be a string, got ${describe(msg)}`);
    }
    if ((this._flags & LOG_TRACEBACK) !== 0) this._clearTraceback();
    if (this._state !== PENDING) return false;
    this._state = CANCELLED;
    this._result = msg;
    this._scheduleCallbacks();
    return true;
  }

  /**
   * Adds a callback to run (through `loop.callSoon`) when the Future is done;
   * if it already is, the callback is scheduled at once.
   */
  addDoneCallback(callback: DoneCallback<T>): void {
    if (typeof callback !== 'function') {
      throw new TypeError(`addDoneCallback: callback must be a function, got ${describe(callback)}`);
    }
    if (this._state !== PENDING) {
      const loop = this._loop;
      if (loop._soon1 !== undefined) loop._soon1(callback, this);
      else loop.callSoon(callback, this);
    } else {
      const cbs = this._callbacks;
      if (cbs === null) this._callbacks = callback;
      else if (typeof cbs === 'function') this._callbacks = [cbs, callback];
      else cbs.push(callback);
    }
  }

  /** Removes every registration of `callback`; returns how many were removed. */
  removeDoneCallback(callback: DoneCallback<T>): number {
    const cbs = this._callbacks;
    if (cbs === null) return 0;
    if (typeof cbs === 'function') {
      if (cbs !== callback) return 0;
      this._callbacks = null;
      return 1;
    }
    const kept = cbs.filter((cb) => cb !== callback);
    const removed = cbs.length - kept.length;
    if (removed > 0) this._callbacks = kept.length === 0 ? null : kept.length === 1 ? kept[0] : kept;
    return removed;
  }

  /** `yield* fut` inside a coroutine: waits for the Future, gives its result. */
  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    return new FutureIterator(this);
  }

  /**
   * Thenable, so `await fut` works in an async function (hosted mode: the
   * loop must be running for a pending Future to complete and the callback
   * to run). A done Future settles the promise at once, without its loop, as
   * awaiting a done Future in asyncio does not suspend: so a finished Task
   * can still be awaited after its loop was closed.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (this._state !== PENDING) {
      let settled: Promise<T>;
      try {
        settled = Promise.resolve(this.result());
      } catch (err) {
        settled = Promise.reject(err);
      }
      return settled.then(onFulfilled, onRejected);
    }
    const p = new Promise<T>((resolve, reject) => {
      this.addDoneCallback((f) => {
        try {
          resolve(f.result());
        } catch (err) {
          reject(err);
        }
      });
    });
    return p.then(onFulfilled, onRejected);
  }

  /** @internal The exception was retrieved (or the Future cancelled): no report. */
  _clearTraceback(): void {
    this._flags &= ~LOG_TRACEBACK;
    _untrackUnretrieved(this);
  }

  /** @internal True if the failure was still unretrieved; it no longer is (for the report at close). */
  _takeUnretrieved(): boolean {
    if ((this._flags & LOG_TRACEBACK) === 0) return false;
    this._flags &= ~LOG_TRACEBACK;
    return true;
  }

  /** @internal Marks a Future that only a Node promise settles (for diagnostics). */
  _markFromPromise(): void {
    this._flags |= FROM_PROMISE;
  }

  /** @internal The message of a cancelled Future's CancelledError (undefined: none). */
  _cancelMsg(): string | undefined {
    const r = this._result;
    return r instanceof CancelledError ? r.message : (r as string | undefined);
  }

  /** @internal Hands the callbacks to the loop, in order. */
  _scheduleCallbacks(): void {
    const cbs = this._callbacks;
    if (cbs === null) return;
    this._callbacks = null;
    const loop = this._loop;
    if (typeof cbs === 'function') {
      if (loop._soon1 !== undefined) loop._soon1(cbs, this);
      else loop.callSoon(cbs, this);
      return;
    }
    if (loop._soon1 !== undefined) {
      for (let i = 0; i < cbs.length; i++) loop._soon1(cbs[i], this);
    } else {
      for (let i = 0; i < cbs.length; i++) loop.callSoon(cbs[i], this);
    }
  }

  /** @internal The CancelledError that result()/exception() throw. */
  _makeCancelledError(): CancelledError {
    const r = this._result;
    return r instanceof CancelledError ? r : new CancelledError(r as string | undefined);
  }

  /** @internal A short state description for messages. */
  _stateName(): string {
    return this._state === PENDING ? 'pending' : this._state === CANCELLED ? 'cancelled' : 'finished';
  }

  /** @internal True when this Future can complete only through a Node promise (for diagnostics). */
  _dependsOnPromise(): boolean {
    return (this._flags & FROM_PROMISE) !== 0;
  }

  /** @internal What a task parked on this Future waits for, for diagnostics. */
  _describeWait(): string {
    const target = waitTargets.get(this);
    if (target === undefined) return String(this);
    return typeof target === 'string' ? target : describe(target);
  }

  toString(): string {
    let extra = '';
    if (this._state === FINISHED) extra = ` result=${describe(this._result)}`;
    else if (this._state === FAILED) extra = ` exception=${describe(this._result)}`;
    return `<Future ${this._stateName()}${extra}>`;
  }
}

/**
 * What some Futures stand for, for the would-wait-forever message: the Lock,
 * Queue, Event... a waiter Future was made by, or a description of a
 * gather. Kept apart from the Future: only these few have one.
 */
const waitTargets = new WeakMap<Future<unknown>, unknown>();

/** @internal Records what `fut` stands for (a primitive, or a description). */
export function _setWaitTarget(fut: Future<unknown>, target: unknown): void {
  waitTargets.set(fut, target);
}

/** True for aioloop Futures (and Tasks). */
export function isFuture(value: unknown): value is Future<unknown> {
  return value instanceof Future;
}
