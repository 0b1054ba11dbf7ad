/**
 * Task: a Future that drives a generator coroutine (asyncio.Task), and the
 * module functions that make and find tasks (`createTask`, `ensureFuture`,
 * `currentTask`, `allTasks`, `eagerTaskFactory`).
 *
 * States (on top of Future's PENDING -> FINISHED | CANCELLED):
 *
 *   scheduled  exactly one step is in the loop's ready queue (right after
 *              creation, after a bare `yield`, after its waiter completed,
 *              or with an error to throw in)
 *   running    `_step` is sending into / throwing into the coroutine
 *   parked     the coroutine yielded something to wait on, now `_waiter`:
 *                - a pending Future (`_parkOnFuture`): the task's `_wakeup`
 *                  is one of its done-callbacks, and when the loop runs it
 *                  the callback steps the task directly;
 *                - a TimerWait (`_parkOnTimer`, sleep's fast path, see
 *                  lib/sleep.ts): a loop timer is armed that calls
 *                  `_timerFired`, which schedules the next step.
 *   done       the coroutine returned (FINISHED with its value), threw
 *              (FINISHED with the exception) or threw CancelledError (CANCELLED)
 *
 * Invariant (asyncio's `_fut_waiter` rule, with one waiter field):
 *   - `_waiter === null`: the task is running, scheduled, or done;
 *   - `_waiter !== null`: the task was parked on it at the end of its last
 *     step, and no step is scheduled until it completes (a Future) or fires
 *     (a TimerWait); then exactly one step is scheduled, and `_waiter` stays
 *     set until that step starts.
 * Only three places write `_waiter`: `_parkOnFuture` and `_parkOnTimer` set
 * it at the end of a step, and `_step` clears it at the start of the next.
 *
 * Cancellation, as asyncio: `cancel()` on a done task returns false. On a
 * task parked on a Future it cancels that Future (whose completion wakes the
 * task with a CancelledError); on one parked on a timer it disarms the timer
 * and schedules a step that throws CancelledError. Otherwise it sets
 * MUST_CANCEL, and the next step throws CancelledError into the coroutine.
 * The coroutine may catch it and go on; `cancelling()` counts the requests
 * and `uncancel()` takes one back.
 */
import { isCoroutine, isPromiseLike, type Coroutine } from './coroutines';
import { _getEventLoop, _getRunningLoop, _requireRunningLoop, type AbstractLoop, type MinimalLoop } from './events';
import { CancelledError, EventLoopError, InvalidStateError, isCancelledError } from './exceptions';
import { _captureForTask, _contextOption, type Context, type ContextOption } from './context';
import { CANCELLED, checkLoop, FAILED, FINISHED, Future, LOG_TRACEBACK, MUST_CANCEL, PENDING } from './futures';
import { _addSweeper } from './kept_objects';
import { TaskRegistry, type LiveList } from './task_registry';
import { checkBoolean, checkOptions, checkString, describe } from './validate';

/** Options of `new Task()` and `createTask()`. */
export interface TaskOptions {
  loop?: MinimalLoop;
  name?: string;
  /**
   * The async context every step runs in (asyncio's `context=`): an
   * AsyncResource, or a runner such as `AsyncLocalStorage.snapshot()`
   * returns. Default: the context current when the task is made.
   */
  context?: ContextOption;
  /**
   * Run the coroutine's first step inside the constructor when the loop is
   * running (asyncio's `eager_start`): a coroutine that finishes without
   * suspending gives a Task that is already done. See `eagerTaskFactory`.
   */
  eagerStart?: boolean;
}

/**
 * The AbortSignal type where the program has one (Node's or the DOM's type
 * declarations), so that the package's types need neither.
 */
export type Signal = typeof globalThis extends { AbortSignal: { prototype: infer S } } ? S : never;

/** The AbortControllers behind `task.signal`, made on first use. */
const abortControllers = new WeakMap<Task<unknown>, AbortController>();

/** Aborts the task's signal, if anyone asked for it, on its first cancellation request. */
function abortSignalOf(task: Task<unknown>, msg: string | undefined): void {
  const ctl = abortControllers.get(task);
  if (ctl !== undefined && !ctl.signal.aborted) ctl.abort(new CancelledError(msg));
}

/** Process-wide counter behind the default names `Task-N` (asyncio's). */
let taskCounter = 0;

/** Every Task's registration: live tasks per loop, the current task. */
const registry = new TaskRegistry<Task<unknown>>();
_addSweeper(() => registry.sweep());

/**
 * @internal A loop timer a task can park on instead of a Future: sleep's
 * fast path (lib/sleep.ts makes them). The coroutine yields it; the task
 * records it as its waiter; when the timer fires it calls `_timerFired`.
 */
export abstract class TimerWait {
  /** Disarms the timer for `Task.cancel()`; false when it already fired. */
  abstract _disarm(): boolean;
  /** The task this timer was armed for. */
  abstract _armedFor(): Task<unknown> | null;
  /** The timer's deadline while armed (for messages), else NaN. */
  abstract _deadline(): number;
}

// Shared by every task: Task.setResult/setException are forbidden publicly,
// the task completes itself through Future's methods.
const futureSetResult = Future.prototype.setResult;
const futureCancel = Future.prototype.cancel;

// What a step's yielded value is.
const BAD_YIELD = 0;
const TIMER_YIELD = 1;
const FUTURE_YIELD = 2;

/** `Task got bad yield: ...`, saying what the coroutine most likely meant. */
function badYieldMessage(task: Task<unknown>, yielded: unknown): string {
  const head = `Task got bad yield: ${describe(yielded)} (in ${task})`;
  if (isCoroutine(yielded)) {
    return `${head}: a generator object was yielded; use \`yield* gen()\` (with the star) to await a coroutine`;
  }
  if (isPromiseLike(yielded)) {
    return (
      `${head}: a promise cannot be yielded; wrap it with ensureFuture(promise) and \`yield*\` that, ` +
      "in hosted mode (runAsync, loop.runUntilCompleteAsync) where Node's event loop can settle it"
    );
  }
  return `${head}: a coroutine may yield only a Future (\`yield* fut\`) or nothing (a bare \`yield\`)`;
}

/**
 * The scheduled steps of every task: shared functions that take the task as
 * their argument, instead of two closures made for each task.
 */
function taskStep(task: Task<unknown>): void {
  task._step(false, undefined);
}

function taskThrow(task: Task<unknown>, err: unknown): void {
  task._step(true, err);
}

/** A coroutine wrapped in a Future and run by the loop. */
export class Task<T = unknown> extends Future<T> {
  /** @internal */ _coro: Coroutine<T>;
  /** @internal The name, or the N of the default name `Task-N` (made on demand). */
  _name: string | number;
  /** @internal What the task is parked on (see the invariant above), or null. */
  _waiter: Future<unknown> | TimerWait | null;
  /** @internal */ _numCancelsRequested: number;
  /** @internal Done-callback for the awaited Future (made on the first park). */
  _wakeupCb: ((f: Future<unknown>) => void) | null;
  /**
   * @internal How the registry tracks the task while it is live: the list
   * it is linked in (normal mode), a WeakRef to it (debug mode), or null.
   */
  _tracker: LiveList<Task<unknown>> | WeakRef<Task<unknown>> | null;
  /** @internal */ _livePrev: Task<unknown> | null;
  /** @internal */ _liveNext: Task<unknown> | null;
  /** @internal The async context every step runs in (lib/context.ts), or null. */
  _context: Context | null;

  constructor(coro: Coroutine<T>, options?: TaskOptions);
  /**
   * @internal `loop.createTask`: the loop as is, no options object made or
   * checked (the name and context are still checked).
   */
  constructor(coro: Coroutine<T>, options: undefined, loop: MinimalLoop, name: unknown, context: unknown);
  constructor(coro: Coroutine<T>, options?: TaskOptions, loop?: MinimalLoop, name?: unknown, context?: unknown) {
    let eagerStart: boolean | undefined;
    let given: unknown;
    if (loop === undefined) {
      const opts = checkOptions(options, 'Task');
      given = opts.loop;
      name = opts.name;
      eagerStart = opts.eagerStart;
      context = opts.context;
    }
    if (!isCoroutine(coro)) {
      throw new TypeError(`Task: a coroutine (generator object) was expected, got ${describe(coro)}`);
    }
    checkString(name, 'name', 'Task', true);
    checkBoolean(eagerStart, 'eagerStart', 'Task', true);
    const ctx = context === undefined ? _captureForTask() : _contextOption(context, 'Task');
    if (loop === undefined) loop = given === undefined ? (_getEventLoop() as MinimalLoop) : checkLoop(given, 'Future');
    super(undefined, loop);
    this._coro = coro;
    this._name = (name as string | undefined) ?? ++taskCounter;
    this._waiter = null;
    this._numCancelsRequested = 0;
    this._wakeupCb = null;
    this._tracker = null;
    this._livePrev = null;
    this._liveNext = null;
    this._context = ctx;
    if (eagerStart === true && _getRunningLoop() === this._loop) {
      // Registered first so that allTasks() sees the task while it runs.
      registry.add(this as Task<unknown>);
      this._step(false, undefined);
      return;
    }
    this._scheduleStep();
    registry.add(this as Task<unknown>);
  }

  /** The task's name (`Task-N` unless one was given). */
  getName(): string {
    const n = this._name;
    return typeof n === 'number' ? `Task-${n}` : n;
  }

  /** Renames the task. */
  setName(name: string): void {
    checkString(name, 'name', 'setName');
    this._name = name;
  }

  /** The coroutine this task drives. */
  getCoro(): Coroutine<T> {
    return this._coro;
  }

  /** Tasks complete only through their coroutine. */
  override setResult(_value: T): never {
    throw new InvalidStateError('Task does not support setResult()');
  }

  /** Tasks complete only through their coroutine. */
  override setException(_exception: unknown): never {
    throw new InvalidStateError('Task does not support setException()');
  }

  /**
   * Requests cancellation: the coroutine gets a `CancelledError` (with `msg`)
   * at its next step, or at once through what it waits on. Returns false if
   * the task is already done.
   */
  override cancel(msg?: string): boolean {
    checkString(msg, 'msg', 'cancel', true);
    if ((this._flags & LOG_TRACEBACK) !== 0) this._clearTraceback();
    if (this._state !== PENDING) return false;
    this._numCancelsRequested += 1;
    if (this._numCancelsRequested === 1) abortSignalOf(this as Task<unknown>, msg);
    const waiter = this._waiter;
    if (waiter !== null) {
      if (waiter instanceof Future) {
        // Keep the waiter: it may be a task that swallows the cancellation,
        // to be cancelled again later.
        if (waiter.cancel(msg)) return true;
      } else if (waiter._disarm()) {
        this._scheduleThrow(new CancelledError(msg));
        return true;
      }
    }
    // A step is already scheduled (or this task is running now).
    // The message waits in _result until the step that delivers it (see Future._result).
    this._flags |= MUST_CANCEL;
    this._result = msg;
    return true;
  }

  /** How many cancellation requests are pending (asyncio 3.11). */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  /** Takes back one cancellation request; returns the remaining count. */
  uncancel(): number {
    if (this._numCancelsRequested > 0) this._numCancelsRequested -= 1;
    if (this._numCancelsRequested === 0) this._flags &= ~MUST_CANCEL;
    return this._numCancelsRequested;
  }

  /** @internal One step of the coroutine: run as a loop callback, or from the constructor for an eager start. */
  _step(hasError: boolean, value: unknown): void {
    if (this._state !== PENDING) {
      throw new InvalidStateError(`_step(): already done: ${this}`);
    }
    if ((this._flags & MUST_CANCEL) !== 0) {
      if (!(hasError && isCancelledError(value))) {
        value = new CancelledError(this._result as string | undefined);
        hasError = true;
      }
      this._flags &= ~MUST_CANCEL;
    }
    // Cleared only when set: most steps follow a bare yield, and a read is
    // cheaper than a write to an old object.
    if (this._waiter !== null) this._waiter = null;
    const prevTask = registry.current;
    registry.current = this as Task<unknown>;
    if (registry.noteSteps) registry.lastStepped = this as Task<unknown>;
    try {
      if (this._context === null) this._runStep(hasError, value);
      else this._context.runInAsyncScope(this._runStep, this, hasError, value);
    } finally {
      registry.current = prevTask;
    }
  }

  /** @internal Sends into (or throws into) the coroutine and acts on what it yields. */
  _runStep(hasError: boolean, value: unknown): void {
    let r: IteratorResult<unknown, T>;
    try {
      r = hasError ? this._coro.throw(value) : this._coro.next(value);
    } catch (err) {
      // Whatever was thrown is carried as it is: null, undefined, a revoked Proxy.
      if (isCancelledError(err)) {
        futureCancel.call(this, err.message === '' ? (this._result as string | undefined) : err.message);
        // result() rethrows this very error (asyncio's _cancelled_exc).
        this._result = err;
      } else {
        this._fail(err);
      }
      registry.remove(this as Task<unknown>);
      return;
    }
    if (r.done === true) {
      if ((this._flags & MUST_CANCEL) !== 0) {
        // Cancelled right before the coroutine returned.
        this._flags &= ~MUST_CANCEL;
        futureCancel.call(this, this._result as string | undefined);
      } else {
        futureSetResult.call(this, r.value);
      }
      registry.remove(this as Task<unknown>);
      return;
    }
    const yielded = r.value;
    if (yielded === undefined) {
      // A bare `yield` gives the loop one turn.
      this._scheduleStep();
      return;
    }
    let kind = BAD_YIELD;
    try {
      kind = yielded instanceof TimerWait ? TIMER_YIELD : yielded instanceof Future ? FUTURE_YIELD : BAD_YIELD;
    } catch {
      // instanceof throws on a revoked Proxy: a bad yield like any other.
    }
    if (kind === TIMER_YIELD) this._parkOnTimer(yielded as TimerWait);
    else if (kind === FUTURE_YIELD) this._parkOnFuture(yielded as Future<unknown>);
    else this._scheduleThrow(new TypeError(badYieldMessage(this as Task<unknown>, yielded)));
  }

  /** @internal Parks on a pending Future: its completion steps this task. */
  _parkOnFuture(fut: Future<unknown>): void {
    if (fut._loop !== this._loop) {
      this._scheduleThrow(new EventLoopError(`Task ${this} got Future ${fut} attached to a different loop`));
      return;
    }
    if (fut === (this as unknown)) {
      this._scheduleThrow(new EventLoopError(`Task cannot await on itself: ${this}`));
      return;
    }
    let wakeup = this._wakeupCb;
    if (wakeup === null) wakeup = this._wakeupCb = (f: Future<unknown>) => this._wakeup(f);
    fut.addDoneCallback(wakeup);
    this._waiter = fut;
    if ((this._flags & MUST_CANCEL) !== 0 && fut.cancel(this._result as string | undefined)) this._flags &= ~MUST_CANCEL;
  }

  /** @internal Parks on a loop timer armed for this task (sleep's fast path). */
  _parkOnTimer(wait: TimerWait): void {
    if (wait._armedFor() !== (this as Task<unknown>)) {
      this._scheduleThrow(new TypeError('Task got bad yield: a sleep started by another task'));
      return;
    }
    this._waiter = wait;
    if ((this._flags & MUST_CANCEL) !== 0 && wait._disarm()) {
      this._flags &= ~MUST_CANCEL;
      this._scheduleThrow(new CancelledError(this._result as string | undefined));
    }
  }

  /** @internal The timer of the TimerWait this task is parked on fired. */
  _timerFired(wait: TimerWait): void {
    if (this._waiter === wait) this._scheduleStep();
  }

  /** @internal Schedules the next plain step (on our Loop, without making a Handle). */
  _scheduleStep(): void {
    const loop = this._loop;
    if (loop._soon1 !== undefined) loop._soon1(taskStep, this);
    else loop.callSoon(taskStep, this);
  }

  /** @internal Schedules a step that throws `err` into the coroutine. */
  _scheduleThrow(err: unknown): void {
    const loop = this._loop;
    if (loop._soon !== undefined) loop._soon(taskThrow, [this, err]);
    else loop.callSoon(taskThrow, this, err);
  }

  /** @internal The awaited Future is done: resume with its result or error. */
  _wakeup(future: Future<unknown>): void {
    let value: unknown;
    try {
      value = future.result();
    } catch (err) {
      this._step(true, err);
      return;
    }
    this._step(false, value);
  }

  /**
   * An AbortSignal that aborts when the task is asked to cancel (its reason
   * is the CancelledError): hand it to abortable Node work the task waits
   * on, such as `fetch(url, { signal })`, so that cancelling the task stops
   * that work too. Made on first use.
   */
  get signal(): Signal {
    let ctl = abortControllers.get(this as Task<unknown>);
    if (ctl === undefined) {
      ctl = new AbortController();
      abortControllers.set(this as Task<unknown>, ctl);
      if (this._state === CANCELLED || this._numCancelsRequested > 0) ctl.abort(this._makeCancelledError());
    }
    return ctl.signal as Signal;
  }

  /** @internal What this task waits on, for diagnostics. */
  _waitingFor(): string {
    const w = this._waiter;
    if (w === null) return this._state === PENDING ? 'scheduled' : this._stateName();
    if (w instanceof TimerWait) return `sleeping until ${w._deadline()}`;
    return `waiting for ${w._describeWait()}${w._dependsOnPromise() ? ' (a Node promise)' : ''}`;
  }

  /** @internal True when this task waits on a Future made from a promise. */
  _waitsOnPromise(): boolean {
    const w = this._waiter;
    return w instanceof Future && w._dependsOnPromise();
  }

  override toString(): string {
    let extra = '';
    if (this._state === FINISHED) {
      extra = ` result=${describe(this._result)}`;
    } else if (this._state === FAILED) {
      extra = ` exception=${describe(this._result)}`;
    } else if (this._state === PENDING && this._waiter !== null) {
      const w = this._waiter;
      // A task awaited is named, not described in full: tasks that wait on
      // each other would describe each other forever.
      extra =
        w instanceof TimerWait
          ? ` wait_for=<sleep until ${w._deadline()}>`
          : w instanceof Task
            ? ` wait_for=<Task ${w._stateName()} name='${w.getName()}'>`
            : ` wait_for=${w._describeWait()}`;
    }
    return `<Task ${this._stateName()} name='${this.getName()}'${extra}>`;
  }
}

/**
 * @internal Debug mode's slow-step report: `_noteSteps(true)` before a
 * callback, then `_noteSteps(false)` gives the task it stepped, if any.
 */
export function _noteSteps(on: boolean): Task<unknown> | null {
  const stepped = registry.lastStepped;
  registry.lastStepped = null;
  registry.noteSteps = on;
  return stepped;
}

/** @internal The task being stepped now (any loop), or null. */
export function _currentTask(): Task<unknown> | null {
  return registry.current;
}

/** The Task running now on `loop` (default: the running loop), or null. */
export function currentTask(loop?: MinimalLoop): Task<unknown> | null {
  const l = loop === undefined ? _requireRunningLoop() : checkLoop(loop, 'currentTask');
  const cur = registry.current;
  return cur !== null && cur._loop === l ? cur : null;
}

/** The set of tasks of `loop` (default: the running loop) that are not done yet. */
export function allTasks(loop?: MinimalLoop): Set<Task<unknown>> {
  const l = loop === undefined ? _requireRunningLoop() : checkLoop(loop, 'allTasks');
  return registry.live(l);
}

/** @internal Forgets every task of a closed loop (it holds no references). */
export function _forgetTasks(loop: object): void {
  registry.forget(loop);
}

/** @internal How many tasks `loop` made and how many finished: [created, finished] (loop.stats()). */
export function _taskCounts(loop: object): [number, number] {
  return registry.counts(loop);
}

/**
 * @internal No "destroyed while pending" report for `task` (gather's
 * children: the caller never sees them, the gather reports their fate).
 */
export function _silenceDestroyPending(task: Task<unknown>): void {
  registry.silence(task);
}

/**
 * @internal `loop.createTask(coro, options)`: through the loop's task
 * factory if it has one (checking that it gave a Task), else a plain Task.
 */
export function _createTaskOn<T>(loop: AbstractLoop, coro: Coroutine<T>, options: unknown): Task<T> {
  if (loop.isClosed()) throw new EventLoopError('Event loop is closed');
  const opts = checkOptions(options, 'createTask');
  const factory = loop._taskFactoryOrNull();
  if (factory === null) return new Task(coro, undefined, loop, opts.name, opts.context);
  if (!isCoroutine(coro)) {
    throw new TypeError(`createTask: a coroutine (generator object) was expected, got ${describe(coro)}`);
  }
  const task = factory(loop, coro, opts.context === undefined ? { name: opts.name } : { name: opts.name, context: opts.context });
  if (!(task instanceof Task)) {
    throw new TypeError(`createTask: the task factory ${describe(factory)} returned ${describe(task)}, not a Task`);
  }
  return task as Task<T>;
}

/**
 * Schedules `coro` on the running loop as a Task and returns it (asyncio.create_task).
 */
export function createTask<T>(coro: Coroutine<T>, options?: { name?: string; context?: ContextOption }): Task<T> {
  return _createTaskOn(_requireRunningLoop(), coro, options);
}

/** Anything `ensureFuture` and the toolbox accept. */
export type Awaitable<T> = Future<T> | Coroutine<T> | PromiseLike<T>;

/** True for aioloop's Loop (and any AbstractLoop): it has a task factory slot. */
function isAbstractLoop(loop: MinimalLoop): loop is AbstractLoop {
  return typeof (loop as Partial<AbstractLoop>)._taskFactoryOrNull === 'function';
}

/**
 * Wraps an awaitable in a Future: a Future is returned as is, a coroutine is
 * scheduled as a Task, a promise (or thenable) becomes a Future that settles
 * with it (it can settle only while Node's event loop runs: hosted mode).
 */
export function ensureFuture<T>(aw: Awaitable<T>, options?: { loop?: MinimalLoop }): Future<T> {
  const opts = checkOptions(options, 'ensureFuture');
  const given = opts.loop === undefined ? undefined : checkLoop(opts.loop, 'ensureFuture');
  if (aw instanceof Future) {
    if (given !== undefined && aw._loop !== given) {
      throw new EventLoopError('The future belongs to a different loop than the one specified as the loop argument');
    }
    return aw;
  }
  if (isCoroutine(aw)) {
    const loop = given ?? _getEventLoop();
    if (isAbstractLoop(loop)) return _createTaskOn(loop, aw as Coroutine<T>, undefined);
    return new Task(aw as Coroutine<T>, { loop });
  }
  if (isPromiseLike(aw)) {
    const loop = given ?? _getEventLoop();
    const fut = new Future<T>(undefined, loop);
    fut._markFromPromise();
    _followPromise(fut, aw, loop);
    return fut;
  }
  throw new TypeError(`ensureFuture: a Future, a coroutine or a promise is required, got ${describe(aw)}`);
}

/**
 * @internal `ensureFuture(aw, { loop })` for an awaitable already checked
 * and a loop already chosen (gather's children): no options to check, and a
 * Future is known to be on `loop`.
 */
export function _futureOf<T>(aw: Awaitable<T>, loop: MinimalLoop): Future<T> {
  if (aw instanceof Future) return aw;
  if (isCoroutine(aw)) {
    return isAbstractLoop(loop) ? _createTaskOn(loop, aw as Coroutine<T>, undefined) : new Task(aw as Coroutine<T>, { loop });
  }
  return ensureFuture(aw, { loop });
}

/** @internal Settles `fut` with `promise` (unless it is done first, or its loop closed). */
export function _followPromise<T>(fut: Future<T>, promise: PromiseLike<T>, loop: MinimalLoop): void {
  const closed = () => isAbstractLoop(loop) && loop.isClosed();
  promise.then(
    (value) => {
      if (fut._state === PENDING && !closed()) fut.setResult(value);
    },
    (err) => {
      if (fut._state === PENDING && !closed()) fut._fail(err);
    },
  );
}

/**
 * A task factory for `loop.setTaskFactory(eagerTaskFactory)` (asyncio's
 * `eager_task_factory`): each new task runs its coroutine synchronously,
 * inside `createTask`, up to its first suspension. A coroutine that finishes
 * without suspending gives a task that is already done and never touches the
 * ready queue; one that suspends goes on as any task. Outside a running loop
 * tasks start as usual (scheduled).
 *
 * Eagerness changes the order things happen in: the new task's first step
 * runs before the code after `createTask`.
 */
export function eagerTaskFactory<T>(
  loop: MinimalLoop,
  coro: Coroutine<T>,
  options?: { name?: string; context?: ContextOption },
): Task<T> {
  return new Task(coro, { loop, name: options?.name, context: options?.context, eagerStart: true });
}
