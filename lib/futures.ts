/**
 * Future: the result of an operation that completes later.
 *
 * States (asyncio's, and the only legal transitions):
 *
 *     PENDING --setResult/setException--> FINISHED
 *        \------------cancel()-----------> CANCELLED
 *
 * FINISHED and CANCELLED are final. On the transition, every done-callback is
 * handed to `loop.callSoon` in registration order; none runs inside
 * `setResult`/`setException`/`cancel`, so a callback never runs in the middle
 * of the code that completed the Future (asyncio's rule). A callback added to
 * a done Future is scheduled at once.
 *
 * A Future depends only on its loop's `callSoon`, `callExceptionHandler` and
 * `getDebug` ({@link MinimalLoop}), so any loop with those drives it.
 *
 * Waiting: inside a coroutine, `const x = yield* fut` yields the Future while
 * it is pending (the Task parks on it) and then evaluates to `result()`
 * (asyncio's `__await__`). A Future is also a thenable, so an async function
 * can `await fut` while the loop runs in hosted mode.
 */
import { describe } from './coroutines';
import { _getEventLoop, type MinimalLoop, type QuietLoop } from './events';
import { CancelledError, EventLoopError, InvalidStateError } from './exceptions';

/** @internal */ export const PENDING = 0;
/** @internal */ export const CANCELLED = 1;
/** @internal */ export const FINISHED = 2;

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
  /** @internal */ _result: T | undefined;
  /** @internal */ _exception: unknown;
  /** @internal */ _loop: MinimalLoop;
  /**
   * @internal The done-callbacks: null, the one callback, or an array of
   * them. Most futures get exactly one (the task awaiting it), so the common
   * case allocates no array.
   */
  _callbacks: ((future: any) => unknown) | ((future: any) => unknown)[] | null;
  /** @internal */ _cancelMessage: string | undefined;
  /** @internal The CancelledError that cancelled a Task, given back by result(). */
  _cancelledExc: CancelledError | null;
  /** @internal True while an exception is set and nobody retrieved it. */
  _logTraceback: boolean;

  constructor(options?: FutureOptions) {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError(`Future: options must be an object, got ${describe(options)}`);
    }
    const loop = options?.loop;
    this._loop = loop === undefined ? (_getEventLoop() as MinimalLoop) : checkLoop(loop, 'Future');
    this._state = PENDING;
    this._result = undefined;
    this._exception = undefined;
    this._callbacks = null;
    this._cancelMessage = undefined;
    this._cancelledExc = null;
    this._logTraceback = false;
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
    if (this._state === FINISHED) {
      if (this._exception !== undefined) {
        if (this._logTraceback) this._clearTraceback();
        throw this._exception;
      }
      return this._result as T;
    }
    if (this._state === CANCELLED) throw this._makeCancelledError();
    throw new InvalidStateError('Result is not ready.');
  }

  /**
   * The exception set on the Future, or `null` if it finished with a result.
   * Throws `CancelledError` if cancelled and `InvalidStateError` while pending.
   */
  exception(): unknown {
    if (this._state === FINISHED) {
      if (this._logTraceback) this._clearTraceback();
      return this._exception === undefined ? null : this._exception;
    }
    if (this._state === CANCELLED) throw this._makeCancelledError();
    throw new InvalidStateError('Exception is not set.');
  }

  /** Marks the Future done with `value` and schedules its callbacks. */
  setResult(value: T): void {
    if (this._state !== PENDING) throw new InvalidStateError(`invalid state: ${this}`);
    this._result = value;
    this._state = FINISHED;
    this._scheduleCallbacks();
  }

  /** Marks the Future done with `exception` and schedules its callbacks. */
  setException(exception: unknown): void {
    if (this._state !== PENDING) throw new InvalidStateError(`invalid state: ${this}`);
    if (exception === undefined) {
      throw new TypeError('setException: exception must not be undefined');
    }
    this._exception = exception;
    this._state = FINISHED;
    this._logTraceback = true;
    unretrievedRegistry.register(this, {
      loop: this._loop,
      message: `${this.constructor.name} exception was never retrieved`,
      exception,
      future: this.toString(),
    }, this);
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
    if (this._logTraceback) this._clearTraceback();
    if (this._state !== PENDING) return false;
    this._state = CANCELLED;
    this._cancelMessage = msg;
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
      const loop = this._loop as QuietLoop;
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

  /** @internal The exception was retrieved (or the Future cancelled): no report when collected. */
  _clearTraceback(): void {
    this._logTraceback = false;
    unretrievedRegistry.unregister(this);
  }

  /** @internal Hands the callbacks to the loop, in order. */
  _scheduleCallbacks(): void {
    const cbs = this._callbacks;
    if (cbs === null) return;
    this._callbacks = null;
    const loop = this._loop as QuietLoop;
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
    if (this._cancelledExc !== null) return this._cancelledExc;
    return new CancelledError(this._cancelMessage);
  }

  /** @internal A short state description for messages. */
  _stateName(): string {
    return this._state === PENDING ? 'pending' : this._state === CANCELLED ? 'cancelled' : 'finished';
  }

  toString(): string {
    let extra = '';
    if (this._state === FINISHED) {
      extra = this._exception !== undefined ? ` exception=${describe(this._exception)}` : ` result=${describe(this._result)}`;
    }
    return `<Future ${this._stateName()}${extra}>`;
  }
}

// ---------------------------------------------------------------------------
// Exceptions never retrieved
//
// asyncio logs "Future exception was never retrieved" from Future.__del__.
// Here a Future is registered with `unretrievedRegistry` when it gets an
// exception, and unregistered when someone looks at it (`result()`,
// `exception()`) or cancels it; if it is garbage collected while still
// registered, the loop's exception handler hears of it — in normal mode too,
// as in asyncio. Only failed Futures pay for this: `setResult` and the
// callbacks path do not touch the registry. The record keeps what the report
// needs (the Future itself is gone by then), never the Future.

interface UnretrievedRecord {
  loop: MinimalLoop;
  message: string;
  exception: unknown;
  future: string;
}

const unretrievedRegistry = new FinalizationRegistry<UnretrievedRecord>((rec) => {
  try {
    rec.loop.callExceptionHandler({ message: rec.message, exception: rec.exception, future: rec.future });
  } catch (err) {
    console.error('aioloop: reporting a never-retrieved exception failed', err);
  }
});

/** True for aioloop Futures (and Tasks). */
export function isFuture(value: unknown): value is Future<unknown> {
  return value instanceof Future;
}
