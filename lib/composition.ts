/**
 * Running awaitables together (the part of asyncio.tasks that combines
 * futures): gather, wait, waitFor, shield, asCompleted.
 *
 * They live apart from tasks.ts (asyncio keeps them in tasks.py) so that
 * Task's file stays about Task. Every entry checks its arguments when it is
 * called — not when the coroutine it returns first runs — so a bad call
 * throws at the call site and creates no task.
 *
 * None of these ever runs a callback itself: they only add done-callbacks
 * and timers, which the loop runs.
 */
import { isCoroutine, isPromiseLike, type Coroutine } from './coroutines';
import { checkNumberOrNull, checkOptions, describe } from './validate';
import { _getEventLoop, _requireRunningLoop, type AbstractLoop, type MinimalLoop } from './events';
import { CancelledError, EventLoopError, isCancelledError, TimeoutError } from './exceptions';
import { _setWaitTarget, Future } from './futures';
import { _futureOf, _silenceDestroyPending, ensureFuture, Task, type Awaitable } from './tasks';
import { _watchAwaited } from './never_awaited';
import { timeout } from './timeouts';
import { Queue } from './queues';

/** The value an awaitable gives: `T` for a `Future<T>`, `Coroutine<T>` or `PromiseLike<T>`. */
export type AwaitedOf<A> =
  A extends Future<infer T> ? T : A extends Generator<unknown, infer T, any> ? T : A extends PromiseLike<infer T> ? T : never;

/** Options of the array form of `gather`. */
export interface GatherOptions {
  /** Give errors (and CancelledErrors) as results instead of failing at the first one. */
  returnExceptions?: boolean;
}

/** What `wait` waits for. */
export type ReturnWhen = 'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED';

/** Options of `wait`. */
export interface WaitOptions {
  /** Seconds to wait at most (`null`/absent: no limit). On timeout, `wait` returns; it cancels nothing. */
  timeout?: number | null;
  /** When to return; default `'ALL_COMPLETED'`. */
  returnWhen?: ReturnWhen;
}

/** Options of `asCompleted`. */
export interface AsCompletedOptions {
  /** Seconds (from the call) after which the remaining items throw TimeoutError. */
  timeout?: number | null;
}

function isAwaitable(value: unknown): boolean {
  return value instanceof Future || isCoroutine(value) || isPromiseLike(value);
}

/** The running loop's createFuture, or a plain Future for a minimal loop. */
function newFuture<T>(loop: MinimalLoop): Future<T> {
  return new Future<T>({ loop });
}

function releaseWaiter(waiter: Future<unknown>): void {
  if (!waiter.done()) waiter.setResult(undefined);
}

// ---------------------------------------------------------------------------
// gather

/**
 * The Future `gather` returns. Cancelling it cancels every child that is not
 * done; it then fails with CancelledError once the children are done.
 */
class GatheringFuture<T> extends Future<T> {
  /** @internal */ _children: Future<unknown>[];
  /** @internal */ _cancelRequested: boolean;

  constructor(children: Future<unknown>[], loop: MinimalLoop) {
    super({ loop });
    this._children = children;
    this._cancelRequested = false;
  }

  /**
   * Cancels the children; returns true if at least one was cancelled. The
   * gather itself completes (with CancelledError) when they are done.
   */
  override cancel(msg?: string): boolean {
    if (msg !== undefined && typeof msg !== 'string') {
      throw new TypeError(`cancel: msg must be a string, got ${describe(msg)}`);
    }
    if (this.done()) return false;
    let ret = false;
    for (const child of this._children) if (child.cancel(msg)) ret = true;
    // A child really cancelled: fail with CancelledError whatever
    // returnExceptions says (asyncio issue 32684).
    if (ret) this._cancelRequested = true;
    return ret;
  }

  /** @internal A gather waits on a promise if a child that is not done does. */
  override _dependsOnPromise(): boolean {
    return this._children.some((c) => !c.done() && c._dependsOnPromise());
  }

  /** @internal */
  override _describeWait(): string {
    const pending = this._children.filter((c) => !c.done());
    const shown = pending.slice(0, 3).map((c) => c._describeWait());
    const more = pending.length > 3 ? `, and ${pending.length - 3} more` : '';
    return `gather of ${this._children.length} (pending: ${shown.join(', ')}${more})`;
  }
}

/**
 * Runs awaitables concurrently and gives their results in argument order
 * (asyncio.gather). Coroutines are wrapped in Tasks; the same awaitable given
 * twice runs once and gives its result twice.
 *
 * Two forms: `gather(a, b, c)` and `gather([a, b, c], { returnExceptions })`.
 * Without `returnExceptions`, the first error (or a child's cancellation, as
 * CancelledError) fails the gather at once; the other children keep running.
 * With it, errors and CancelledErrors are results. Cancelling the gather
 * cancels its children. With no awaitables it gives `[]`.
 */
export function gather<const A extends readonly unknown[]>(...aws: A & { [K in keyof A]: Awaitable<unknown> }): Future<{ -readonly [K in keyof A]: AwaitedOf<A[K]> }>;
export function gather<T>(aws: readonly Awaitable<T>[], options: GatherOptions & { returnExceptions: true }): Future<unknown[]>;
export function gather<T>(aws: readonly Awaitable<T>[], options?: GatherOptions): Future<T[]>;
export function gather(...args: unknown[]): Future<unknown[]> {
  let aws: readonly unknown[];
  let returnExceptions = false;
  if (args.length > 0 && Array.isArray(args[0])) {
    if (args.length > 2) {
      throw new TypeError(`gather: the array form takes (awaitables, options?), got ${args.length} arguments`);
    }
    aws = args[0];
    const opts = checkOptions(args[1], 'gather');
    const re = opts.returnExceptions;
    if (re !== undefined && typeof re !== 'boolean') {
      throw new TypeError(`gather: returnExceptions must be a boolean, got ${describe(re)}`);
    }
    returnExceptions = re === true;
  } else {
    aws = args;
  }
  for (let i = 0; i < aws.length; i++) {
    if (!isAwaitable(aws[i])) {
      throw new TypeError(`gather: awaitable ${i} must be a Future, a coroutine or a promise, got ${describe(aws[i])}`);
    }
  }
  return gatherImpl(aws as readonly Awaitable<unknown>[], returnExceptions);
}

function gatherImpl(aws: readonly Awaitable<unknown>[], returnExceptions: boolean): Future<unknown[]> {
  if (aws.length === 0) {
    const outer = newFuture<unknown[]>(_getEventLoop());
    outer.setResult([]);
    return outer;
  }
  // All children run on one loop: the first Future's, else the current one.
  let loop: MinimalLoop | undefined;
  for (let i = 0; i < aws.length; i++) {
    const aw = aws[i];
    if (!(aw instanceof Future)) continue;
    if (loop === undefined) loop = aw._loop;
    else if (aw._loop !== loop) throw new EventLoopError('gather: every Future must belong to the same loop');
  }
  if (loop === undefined) loop = _getEventLoop();

  const children: Future<unknown>[] = [];
  const doneFuts: Future<unknown>[] = [];
  let nfuts = 0;
  let nfinished = 0;
  let outer: GatheringFuture<unknown[]> | null = null;

  const onChildDone = (fut: Future<unknown>): void => {
    nfinished++;
    if (outer === null || outer.done()) {
      // Mark the exception retrieved: the gather already reported an outcome.
      if (!fut.cancelled()) fut.exception();
      return;
    }
    if (!returnExceptions) {
      if (fut.cancelled()) {
        outer.setException(fut._makeCancelledError());
        return;
      }
      if (fut.failed()) {
        outer._fail(fut.exception());
        return;
      }
    }
    if (nfinished === nfuts) {
      const results: unknown[] = new Array(children.length);
      for (let i = 0; i < children.length; i++) {
        const child = children[i];
        if (child.cancelled()) {
          results[i] = new CancelledError(child._cancelMsg() ?? '');
        } else {
          results[i] = child.failed() ? child.exception() : child.result();
        }
      }
      if (outer._cancelRequested) outer.setException(fut._makeCancelledError());
      else outer.setResult(results);
    }
  };

  // The same awaitable given twice runs once and gives its result twice
  // (asyncio's arg_to_fut). A Future needs nothing for that: given twice, it
  // is counted twice and reports twice, and gives the same result at both
  // places. A coroutine or a promise must be wrapped once, so those are
  // remembered — in a Set, whose add both looks and inserts (one hash
  // operation, not a Map's get and set: on gather(100,000 coroutines) the
  // Map was a fifth of the time). Their Futures are looked up by position
  // only when one repeats.
  let seen: Set<unknown> | null = null;
  let firstFut: Map<unknown, Future<unknown>> | null = null;
  for (let i = 0; i < aws.length; i++) {
    const aw = aws[i];
    let fut: Future<unknown>;
    if (aw instanceof Future) {
      fut = aw;
    } else {
      if (seen === null) seen = new Set();
      const before = seen.size;
      seen.add(aw);
      if (seen.size === before) {
        // A repeat: the Future made the first time.
        if (firstFut === null) {
          firstFut = new Map();
          for (let k = i - 1; k >= 0; k--) if (!(aws[k] instanceof Future)) firstFut.set(aws[k], children[k]);
        }
        children.push(firstFut.get(aw)!);
        continue;
      }
      fut = _futureOf(aw, loop);
      // A task made here is unreachable for the caller; its fate is the
      // gather's to report (asyncio turns off its destroy-pending warning).
      if (fut instanceof Task) _silenceDestroyPending(fut);
      if (firstFut !== null) firstFut.set(aw, fut);
    }
    nfuts++;
    if (fut.done()) doneFuts.push(fut);
    else fut.addDoneCallback(onChildDone);
    children.push(fut);
  }
  outer = new GatheringFuture<unknown[]>(children, loop);
  // Children that finished eagerly are counted now; if all did, the gather
  // is done before it is returned.
  for (const fut of doneFuts) onChildDone(fut);
  return outer;
}

// ---------------------------------------------------------------------------
// wait

const RETURN_WHEN: readonly string[] = ['FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED'];

/**
 * Waits for the Futures (or Tasks) in `aws` — an Array or a Set — until the
 * `returnWhen` condition holds or `timeout` seconds pass, and gives
 * `[done, pending]` as Sets (asyncio.wait). It never cancels anything.
 * Coroutines are refused, as asyncio 3.12 does: wrap them with `createTask`
 * first so that what is still pending can be seen and cancelled.
 */
export function wait<T>(
  aws: readonly Future<T>[] | ReadonlySet<Future<T>>,
  options?: WaitOptions,
): Coroutine<[Set<Future<T>>, Set<Future<T>>]> {
  if (aws instanceof Future || isCoroutine(aws)) {
    throw new TypeError(`wait: expects an Array or a Set of Futures, not a lone ${aws instanceof Future ? 'Future' : 'coroutine'}`);
  }
  if (!Array.isArray(aws) && !(aws instanceof Set)) {
    throw new TypeError(`wait: aws must be an Array or a Set of Futures, got ${describe(aws)}`);
  }
  const opts = checkOptions(options, 'wait');
  const timeoutValue = opts.timeout === undefined ? null : checkNumberOrNull(opts.timeout, 'timeout', 'wait');
  const returnWhen = opts.returnWhen ?? 'ALL_COMPLETED';
  if (typeof returnWhen !== 'string' || !RETURN_WHEN.includes(returnWhen)) {
    throw new RangeError(`wait: returnWhen must be 'FIRST_COMPLETED', 'FIRST_EXCEPTION' or 'ALL_COMPLETED', got ${describe(returnWhen)}`);
  }
  const fs = new Set<Future<T>>();
  let i = 0;
  for (const f of aws as Iterable<unknown>) {
    if (isCoroutine(f)) {
      throw new TypeError(`wait: item ${i} is a coroutine; passing coroutines is forbidden, use createTask(coro) first`);
    }
    if (!(f instanceof Future)) {
      throw new TypeError(`wait: item ${i} must be a Future or Task, got ${describe(f)} (wrap promises with ensureFuture)`);
    }
    fs.add(f as Future<T>);
    i++;
  }
  if (fs.size === 0) throw new RangeError('wait: the set of Futures is empty');
  return _watchAwaited(waitImpl(fs, timeoutValue, returnWhen as ReturnWhen), 'wait');
}

function* waitImpl<T>(
  fs: Set<Future<T>>,
  timeoutValue: number | null,
  returnWhen: ReturnWhen,
): Coroutine<[Set<Future<T>>, Set<Future<T>>]> {
  const loop = _requireRunningLoop();
  for (const f of fs) {
    if (f._loop !== loop) throw new EventLoopError(`wait: ${f} belongs to a different loop`);
  }
  const waiter = newFuture<void>(loop);
  _setWaitTarget(waiter, `wait(${fs.size} futures, ${returnWhen})`);
  for (const f of fs) if (!f.done() && f._dependsOnPromise()) waiter._markFromPromise();
  const timeoutHandle = timeoutValue === null ? null : loop.callLater(timeoutValue, releaseWaiter, waiter);
  let counter = fs.size;
  const onCompletion = (f: Future<T>): void => {
    counter--;
    if (
      counter <= 0 ||
      returnWhen === 'FIRST_COMPLETED' ||
      (returnWhen === 'FIRST_EXCEPTION' && f.failed())
    ) {
      if (timeoutHandle !== null) timeoutHandle.cancel();
      if (!waiter.done()) waiter.setResult(undefined);
    }
  };
  for (const f of fs) f.addDoneCallback(onCompletion);
  try {
    yield* waiter;
  } finally {
    if (timeoutHandle !== null) timeoutHandle.cancel();
    for (const f of fs) f.removeDoneCallback(onCompletion);
  }
  const done = new Set<Future<T>>();
  const pending = new Set<Future<T>>();
  for (const f of fs) (f.done() ? done : pending).add(f);
  return [done, pending];
}

// ---------------------------------------------------------------------------
// waitFor

/**
 * Waits for `aw` with a time limit (asyncio.wait_for): gives its result, or,
 * after `timeout` seconds, cancels it, waits until it has really finished,
 * and throws `TimeoutError`. `null` means no limit. With a zero or negative
 * timeout, an awaitable that is already done still gives its result. If
 * the caller is cancelled, `aw` is cancelled too. Must run inside a task.
 */
export function waitFor<T>(aw: Awaitable<T>, timeoutValue: number | null): Coroutine<T> {
  if (!isAwaitable(aw)) {
    throw new TypeError(`waitFor: aw must be a Future, a coroutine or a promise, got ${describe(aw)}`);
  }
  const t = checkNumberOrNull(timeoutValue, 'timeout', 'waitFor');
  return _watchAwaited(waitForImpl(aw, t), 'waitFor');
}

function* waitForImpl<T>(aw: Awaitable<T>, t: number | null): Coroutine<T> {
  if (t !== null && t <= 0) {
    const fut = ensureFuture(aw);
    if (fut.done()) return fut.result();
    yield* cancelAndWait(fut);
    try {
      return fut.result();
    } catch (err) {
      if (isCancelledError(err)) {
        const te = new TimeoutError('waitFor: the timeout expired');
        (te as { cause?: unknown }).cause = err;
        throw te;
      }
      throw err;
    }
  }
  // As asyncio 3.12: the awaitable runs inside a timeout block; a coroutine
  // runs in this very task (no new task), so cancelling it is cancelling us.
  return yield* timeout(t, function* (): Coroutine<T> {
    if (isCoroutine(aw)) return yield* aw as Coroutine<T>;
    return yield* ensureFuture(aw);
  });
}

/** Cancels `fut` and waits until it is done, without waiting on `fut` itself (so this stays cancellable). */
function* cancelAndWait(fut: Future<unknown>): Coroutine<void> {
  const loop = _requireRunningLoop();
  const waiter = newFuture<void>(loop);
  const cb = (): void => releaseWaiter(waiter);
  fut.addDoneCallback(cb);
  try {
    fut.cancel();
    yield* waiter;
  } finally {
    fut.removeDoneCallback(cb);
  }
}

// ---------------------------------------------------------------------------
// shield

/**
 * Protects `aw` from cancellation (asyncio.shield): gives a Future that
 * follows `aw`'s outcome, but cancelling that Future (or the task awaiting
 * it) does not cancel `aw`, which runs on.
 */
export function shield<T>(aw: Awaitable<T>): Future<T> {
  if (!isAwaitable(aw)) {
    throw new TypeError(`shield: aw must be a Future, a coroutine or a promise, got ${describe(aw)}`);
  }
  const inner = ensureFuture(aw);
  if (inner.done()) return inner;
  const outer = newFuture<T>(inner._loop);
  const onInnerDone = (f: Future<T>): void => {
    if (outer.cancelled()) {
      // Nobody is left to see the outcome; mark an error as retrieved.
      if (!f.cancelled()) f.exception();
      return;
    }
    if (f.cancelled()) {
      outer.cancel();
    } else {
      if (f.failed()) outer._fail(f.exception());
      else outer.setResult(f.result());
    }
  };
  const onOuterDone = (): void => {
    if (!inner.done()) inner.removeDoneCallback(onInnerDone);
  };
  inner.addDoneCallback(onInnerDone);
  outer.addDoneCallback(onOuterDone);
  return outer;
}

// ---------------------------------------------------------------------------
// asCompleted

/**
 * The iterator `asCompleted` returns (asyncio 3.13's `_AsCompletedIterator`,
 * plain-iterator half): each `next()` gives a coroutine that waits for the
 * next awaitable to finish and gives its result (or throws its error, or
 * TimeoutError once the timeout passed).
 */
class AsCompletedIterator<T> implements IterableIterator<Coroutine<T>> {
  private _done: Queue<Future<T> | null>;
  private _todo: Set<Future<T>>;
  private _todoLeft: number;
  private _timeoutHandle: { cancel(): void } | null;
  private _onCompletion: (f: Future<T>) => void;

  constructor(futs: Set<Future<T>>, loop: AbstractLoop, timeoutValue: number | null) {
    this._done = new Queue();
    this._todo = futs;
    this._todoLeft = futs.size;
    this._timeoutHandle = null;
    this._onCompletion = (f) => this._handleCompletion(f);
    for (const f of futs) f.addDoneCallback(this._onCompletion);
    if (futs.size > 0 && timeoutValue !== null) {
      this._timeoutHandle = loop.callLater(timeoutValue, () => this._handleTimeout());
    }
  }

  next(): IteratorResult<Coroutine<T>, undefined> {
    if (this._todoLeft === 0) return { value: undefined, done: true };
    this._todoLeft--;
    return { value: this._waitForOne(), done: false };
  }

  [Symbol.iterator](): this {
    return this;
  }

  private *_waitForOne(): Coroutine<T> {
    const f = yield* this._done.get();
    if (f === null) throw new TimeoutError('asCompleted: the timeout expired');
    return f.result();
  }

  private _handleTimeout(): void {
    for (const f of this._todo) {
      f.removeDoneCallback(this._onCompletion);
      this._done.putNowait(null);
    }
    this._todo.clear();
  }

  private _handleCompletion(f: Future<T>): void {
    if (this._todo.size === 0) return; // the timeout came first
    this._todo.delete(f);
    this._done.putNowait(f);
    if (this._todo.size === 0 && this._timeoutHandle !== null) this._timeoutHandle.cancel();
  }
}

/**
 * Runs the awaitables of `aws` (an Array or a Set) concurrently and gives an
 * iterator of coroutines, one per awaitable: the first gives the result of
 * whichever finishes first, and so on (asyncio 3.13's plain iterator). With
 * `timeout`, counted from this call, the coroutines still waiting throw
 * `TimeoutError` (nothing is cancelled).
 *
 * ```ts
 * for (const next of asCompleted([a, b, c])) console.log(yield* next);
 * ```
 */
export function asCompleted<T>(
  aws: readonly Awaitable<T>[] | ReadonlySet<Awaitable<T>>,
  options?: AsCompletedOptions,
): IterableIterator<Coroutine<T>> {
  if (aws instanceof Future || isCoroutine(aws)) {
    throw new TypeError(`asCompleted: expects an Array or a Set of awaitables, not a lone ${aws instanceof Future ? 'Future' : 'coroutine'}`);
  }
  if (!Array.isArray(aws) && !(aws instanceof Set)) {
    throw new TypeError(`asCompleted: aws must be an Array or a Set of awaitables, got ${describe(aws)}`);
  }
  const opts = checkOptions(options, 'asCompleted');
  const timeoutValue = opts.timeout === undefined ? null : checkNumberOrNull(opts.timeout, 'timeout', 'asCompleted');
  const unique = new Set<Awaitable<T>>(aws as Iterable<Awaitable<T>>);
  let i = 0;
  for (const aw of unique) {
    if (!isAwaitable(aw)) {
      throw new TypeError(`asCompleted: item ${i} must be a Future, a coroutine or a promise, got ${describe(aw)}`);
    }
    i++;
  }
  const loop = _getEventLoop();
  const futs = new Set<Future<T>>();
  for (const aw of unique) futs.add(ensureFuture(aw, { loop }));
  return new AsCompletedIterator(futs, loop, timeoutValue);
}
