/**
 * Task: a Future that drives a generator coroutine.
 *
 * States (on top of Future's PENDING -> FINISHED | CANCELLED):
 *
 *   scheduled  a step is in the ready queue (right after creation, after a
 *              bare `yield`, or after an error is to be thrown in)
 *   running    `_step` is sending into / throwing into the coroutine
 *   parked     the coroutine yielded a pending Future (`_futWaiter`); the
 *              Future's done-callback `_wakeup` schedules nothing: it steps
 *              the task directly when the loop runs that callback
 *   sleeping   `yield* sleep(d)` with d > 0 on our Loop: parked on a
 *              handle-less timer (`_sleeper`) instead of a Future; the
 *              timer's callback schedules the next step, as the Future's
 *              completion would (see Sleeper)
 *   done       the coroutine returned (FINISHED with its value), threw
 *              (FINISHED with the exception) or threw CancelledError (CANCELLED)
 *
 * Cancellation, as asyncio: `cancel()` on a done task returns false. On a
 * parked task it cancels the awaited Future (whose completion wakes the task
 * with a CancelledError); on a sleeping one it cancels the timer and schedules
 * a step that throws CancelledError. Otherwise it sets `_mustCancel`, and the next step
 * throws CancelledError into the coroutine. The coroutine may catch it and go
 * on; `cancelling()` counts the requests and `uncancel()` takes one back.
 */
import { describe, isCoroutine, isPromiseLike, type Coroutine } from './coroutines';
import {
  _getEventLoop,
  _getRunningLoop,
  _requireRunningLoop,
  type MinimalLoop,
  type QuietLoop,
  type TimerLoop,
} from './events';
import { CancelledError, EventLoopError, InvalidStateError } from './exceptions';
import { CANCELLED, checkLoop, FINISHED, Future, PENDING } from './futures';

/** Options of `new Task()` and `createTask()`. */
export interface TaskOptions {
  loop?: MinimalLoop;
  name?: string;
  /**
   * Run the coroutine's first step inside the constructor when the loop is
   * running (asyncio's `eager_start`): a coroutine that finishes without
   * suspending gives a Task that is already done. See `eagerTaskFactory`.
   */
  eagerStart?: boolean;
}

let taskCounter = 0;

// The task being stepped now (its loop is `curTask._loop`). Steps nest only
// when an eager task starts inside another task's step; `_step` saves and
// restores it around each step.
let curTask: Task<unknown> | null = null;

// Live (not done) tasks per loop, for allTasks() and run()'s final cleanup.
// Tasks made while the loop is in debug mode are kept apart, through
// WeakRefs (`debugTasks`), so that a pending task nobody can reach any more
// is collected and reported (see "Debug mode" at the end of this file). The
// strong set holds all others: a WeakRef costs about a microsecond and, in a
// blocking run, keeps its target alive until the run returns (the
// ECMAScript KeepDuringJob rule), which normal mode cannot afford.
//
// The strong side is an intrusive doubly-linked list per loop (fields
// `_livePrev`/`_liveNext` on the task): adding and removing cost a few field
// writes, where a Set paid a hash-table insert and delete per task — a
// seventh of gathering 100,000 tasks.
/** @internal The live tasks of one loop. */
class LiveList {
  head: Task<unknown> | null = null;
}

const liveTasks = new WeakMap<object, LiveList>();
let lastLoop: object | null = null;
let lastList: LiveList | null = null;

function tasksOf(loop: object): LiveList {
  if (loop === lastLoop) return lastList!;
  let list = liveTasks.get(loop);
  if (list === undefined) {
    list = new LiveList();
    liveTasks.set(loop, list);
  }
  lastLoop = loop;
  lastList = list;
  return list;
}

function linkLive(task: Task<unknown>): void {
  const list = tasksOf(task._loop);
  const head = list.head;
  task._liveList = list;
  task._liveNext = head;
  task._livePrev = null;
  if (head !== null) head._livePrev = task;
  list.head = task;
}

function unlinkLive(task: Task<unknown>): void {
  const list = task._liveList;
  if (list === null) return;
  const prev = task._livePrev;
  const next = task._liveNext;
  if (prev !== null) prev._liveNext = next;
  else if (list.head === task) list.head = next;
  if (next !== null) next._livePrev = prev;
  task._liveList = null;
  task._livePrev = null;
  task._liveNext = null;
}

/** @internal Forgets every task of a closed loop (it holds no references). */
export function _forgetTasks(loop: object): void {
  liveTasks.delete(loop);
  debugTasks.delete(loop);
  if (lastLoop === loop) {
    lastLoop = null;
    lastList = null;
  }
}

// Shared by every task: Task.setResult/setException are forbidden publicly,
// the task completes itself through Future's methods.
const futureSetResult = Future.prototype.setResult;
const futureSetException = Future.prototype.setException;
const futureCancel = Future.prototype.cancel;

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
  /** @internal The Future this task is parked on. */
  _futWaiter: Future<unknown> | null;
  /** @internal The sleep this task is parked on (instead of a Future). */
  _sleeper: Sleeper<unknown> | null;
  /** @internal */ _mustCancel: boolean;
  /** @internal */ _numCancelsRequested: number;

  /** @internal Done-callback of the awaited Future. */
  _wakeupCb: ((f: Future<unknown>) => void) | null;
  /** @internal Set when the task is tracked weakly (made in debug mode). */
  _weakRef: WeakRef<Task<unknown>> | null;
  /** @internal The live-task list this task is linked in (normal mode), or null. */
  _liveList: LiveList | null;
  /** @internal */ _livePrev: Task<unknown> | null;
  /** @internal */ _liveNext: Task<unknown> | null;

  constructor(coro: Coroutine<T>, options?: TaskOptions) {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError(`Task: options must be an object, got ${describe(options)}`);
    }
    if (!isCoroutine(coro)) {
      throw new TypeError(`Task: a coroutine (generator object) was expected, got ${describe(coro)}`);
    }
    const name = options?.name;
    if (name !== undefined && typeof name !== 'string') {
      throw new TypeError(`Task: name must be a string, got ${describe(name)}`);
    }
    const eagerStart = options?.eagerStart;
    if (eagerStart !== undefined && typeof eagerStart !== 'boolean') {
      throw new TypeError(`Task: eagerStart must be a boolean, got ${describe(eagerStart)}`);
    }
    super(options?.loop === undefined ? undefined : { loop: options.loop });
    this._coro = coro;
    this._name = name ?? ++taskCounter;
    this._futWaiter = null;
    this._sleeper = null;
    this._mustCancel = false;
    this._numCancelsRequested = 0;
    this._wakeupCb = null;
    this._weakRef = null;
    this._liveList = null;
    this._livePrev = null;
    this._liveNext = null;
    if (eagerStart === true && _getRunningLoop() === this._loop) {
      // Registered first so that allTasks() sees the task while it runs.
      _trackTask(this as Task<unknown>);
      this._step(false, undefined);
      return;
    }
    this._scheduleStep();
    _trackTask(this as Task<unknown>);
  }

  /** The task's name (`Task-N` unless one was given). */
  getName(): string {
    const n = this._name;
    return typeof n === 'number' ? `Task-${n}` : n;
  }

  /** Renames the task. */
  setName(name: string): void {
    if (typeof name !== 'string') throw new TypeError(`setName: name must be a string, got ${describe(name)}`);
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
   * at its next step, or at once through the Future it waits on. Returns false
   * if the task is already done.
   */
  override cancel(msg?: string): boolean {
    if (msg !== undefined && typeof msg !== 'string') {
      throw new TypeError(`cancel: msg must be a string, got ${describe(msg)}`);
    }
    if (this._logTraceback) this._clearTraceback();
    if (this._state !== PENDING) return false;
    this._numCancelsRequested += 1;
    const waiter = this._futWaiter;
    if (waiter !== null && waiter.cancel(msg)) {
      // Keep _futWaiter: it may be a task that swallows the cancellation,
      // to be cancelled again later.
      return true;
    }
    const sleeper = this._sleeper;
    if (sleeper !== null && sleeper._cancelSleep(msg)) return true;
    // A step is already scheduled (or this task is running now).
    this._mustCancel = true;
    this._cancelMessage = msg;
    return true;
  }

  /** How many cancellation requests are pending (asyncio 3.11). */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  /** Takes back one cancellation request; returns the remaining count. */
  uncancel(): number {
    if (this._numCancelsRequested > 0) this._numCancelsRequested -= 1;
    if (this._numCancelsRequested === 0) this._mustCancel = false;
    return this._numCancelsRequested;
  }

  /** @internal One step of the coroutine: run as a loop callback, or from the constructor for an eager start. */
  _step(hasError: boolean, value: unknown): void {
    if (this._state !== PENDING) {
      throw new InvalidStateError(`_step(): already done: ${this}`);
    }
    if (this._mustCancel) {
      if (!(hasError && value instanceof CancelledError)) {
        value = this._makeCancelledError();
        hasError = true;
      }
      this._mustCancel = false;
    }
    // Cleared only when set: most steps follow a bare yield or a sleep's
    // timer, and a read is cheaper than a write to an old object.
    if (this._futWaiter !== null) this._futWaiter = null;
    if (this._sleeper !== null) this._sleeper = null;
    const prevTask = curTask;
    curTask = this as Task<unknown>;
    try {
      this._runStep(hasError, value);
    } finally {
      curTask = prevTask;
    }
  }

  /** @internal */
  _runStep(hasError: boolean, value: unknown): void {
    let r: IteratorResult<unknown, T>;
    try {
      r = hasError ? this._coro.throw(value) : this._coro.next(value);
    } catch (err) {
      if (err instanceof CancelledError) {
        this._cancelledExc = err;
        futureCancel.call(this, err.message === '' ? this._cancelMessage : err.message);
      } else {
        futureSetException.call(this, err === undefined ? new TypeError('coroutine threw undefined') : err);
      }
      this._finished();
      return;
    }
    if (r.done === true) {
      if (this._mustCancel) {
        // Cancelled right before the coroutine returned.
        this._mustCancel = false;
        futureCancel.call(this, this._cancelMessage);
      } else {
        futureSetResult.call(this, r.value);
      }
      this._finished();
      return;
    }
    const yielded = r.value;
    const loop = this._loop;
    if (yielded === SLEEPING) {
      // `yield* sleep(d)`: the Sleeper parked this task on its timer.
      const sleeper = this._sleeper;
      if (sleeper === null) {
        loop.callSoon(taskThrow, this, new TypeError('Task got bad yield: a sleep marker outside a sleep'));
      } else if (this._mustCancel && sleeper._cancelSleep(this._cancelMessage)) {
        this._mustCancel = false;
      }
      return;
    }
    // A Sleeper that started in this step but was not yielded to us does not
    // park the task.
    if (this._sleeper !== null) this._sleeper = null;
    if (yielded === undefined) {
      // A bare `yield` gives the loop one turn.
      this._scheduleStep();
    } else if (yielded instanceof Future) {
      if (yielded._loop !== loop) {
        loop.callSoon(
          taskThrow,
          this,
          new EventLoopError(`Task ${this} got Future ${yielded} attached to a different loop`),
        );
      } else if (yielded === (this as unknown)) {
        loop.callSoon(taskThrow, this, new EventLoopError(`Task cannot await on itself: ${this}`));
      } else {
        let wakeup = this._wakeupCb;
        if (wakeup === null) wakeup = this._wakeupCb = (f: Future<unknown>) => this._wakeup(f);
        yielded.addDoneCallback(wakeup);
        this._futWaiter = yielded;
        if (this._mustCancel && yielded.cancel(this._cancelMessage)) this._mustCancel = false;
      }
    } else {
      loop.callSoon(taskThrow, this, new TypeError(`Task got bad yield: ${describe(yielded)}`));
    }
  }

  /** @internal Schedules the next plain step (on our Loop, without making a Handle). */
  _scheduleStep(): void {
    const loop = this._loop as QuietLoop;
    if (loop._soon1 !== undefined) loop._soon1(taskStep, this);
    else loop.callSoon(taskStep, this);
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

  /** @internal */
  _finished(): void {
    if (this._weakRef !== null) {
      _untrackWeak(this as Task<unknown>);
      return;
    }
    unlinkLive(this as Task<unknown>);
  }

  /** @internal What this task waits on, for diagnostics. */
  _waitingFor(): string {
    if (this._sleeper !== null) return `sleeping until ${this._sleeper._when}`;
    const w = this._futWaiter;
    if (w === null) return this._state === PENDING ? 'scheduled' : this._stateName();
    const promise = (w as { _fromPromise?: boolean })._fromPromise === true;
    return `waiting for ${w}${promise ? ' (a Node promise)' : ''}`;
  }

  override toString(): string {
    let extra = '';
    if (this._state === FINISHED) {
      extra = this._exception !== undefined ? ` exception=${describe(this._exception)}` : ` result=${describe(this._result)}`;
    } else if (this._state === PENDING && this._futWaiter !== null) {
      extra = ` wait_for=${this._futWaiter}`;
    } else if (this._state === PENDING && this._sleeper !== null) {
      extra = ` wait_for=<sleep until ${this._sleeper._when}>`;
    }
    return `<Task ${this._stateName()} name='${this.getName()}'${extra}>`;
  }
}

/** The Task running now on `loop` (default: the running loop), or null. */
export function currentTask(loop?: MinimalLoop): Task<unknown> | null {
  const l = loop === undefined ? _requireRunningLoop() : checkLoop(loop, 'currentTask');
  return curTask !== null && curTask._loop === l ? curTask : null;
}

/** The set of tasks of `loop` (default: the running loop) that are not done yet. */
export function allTasks(loop?: MinimalLoop): Set<Task<unknown>> {
  const l = loop === undefined ? _requireRunningLoop() : checkLoop(loop, 'allTasks');
  const list = liveTasks.get(l);
  const out = new Set<Task<unknown>>();
  if (list !== undefined) {
    // Oldest first, as asyncio's set happens to give them.
    const linked: Task<unknown>[] = [];
    for (let t = list.head; t !== null; t = t._liveNext) linked.push(t);
    for (let i = linked.length - 1; i >= 0; i--) if (linked[i]._state === PENDING) out.add(linked[i]);
  }
  const weak = debugTasks.get(l);
  if (weak !== undefined) {
    for (const ref of weak) {
      const t = ref.deref();
      if (t !== undefined && t._state === PENDING) out.add(t);
    }
  }
  return out;
}

interface TaskCreator {
  createTask<T>(coro: Coroutine<T>, options?: { name?: string }): Task<T>;
}

function hasCreateTask(loop: MinimalLoop): loop is MinimalLoop & TaskCreator {
  return typeof (loop as Partial<TaskCreator>).createTask === 'function';
}

/**
 * Schedules `coro` on the running loop as a Task and returns it (asyncio.create_task).
 */
export function createTask<T>(coro: Coroutine<T>, options?: { name?: string }): Task<T> {
  const loop = _requireRunningLoop() as MinimalLoop;
  if (hasCreateTask(loop)) return loop.createTask(coro, options);
  return new Task(coro, { loop, name: options?.name });
}

/** Anything `ensureFuture` and the toolbox accept. */
export type Awaitable<T> = Future<T> | Coroutine<T> | PromiseLike<T>;

/**
 * Wraps an awaitable in a Future: a Future is returned as is, a coroutine is
 * scheduled as a Task, a promise (or thenable) becomes a Future that settles
 * with it (it can settle only while Node's event loop runs: hosted mode).
 */
export function ensureFuture<T>(aw: Awaitable<T>, options?: { loop?: MinimalLoop }): Future<T> {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`ensureFuture: options must be an object, got ${describe(options)}`);
  }
  const given = options?.loop === undefined ? undefined : checkLoop(options.loop, 'ensureFuture');
  if (aw instanceof Future) {
    if (given !== undefined && aw._loop !== given) {
      throw new EventLoopError('The future belongs to a different loop than the one specified as the loop argument');
    }
    return aw;
  }
  if (isCoroutine(aw)) {
    const loop = given ?? (_getEventLoop() as MinimalLoop);
    if (hasCreateTask(loop)) return loop.createTask(aw as Coroutine<T>);
    return new Task(aw as Coroutine<T>, { loop });
  }
  if (isPromiseLike(aw)) {
    const loop = given ?? (_getEventLoop() as MinimalLoop);
    const fut = new Future<T>({ loop });
    (fut as unknown as { _fromPromise: boolean })._fromPromise = true;
    const closed = () => (loop as { isClosed?: () => boolean }).isClosed?.() === true;
    aw.then(
      (value) => {
        if (fut._state === PENDING && !closed()) fut.setResult(value);
      },
      (err) => {
        if (fut._state === PENDING && !closed()) fut.setException(err === undefined ? new Error('promise rejected with undefined') : err);
      },
    );
    return fut;
  }
  throw new TypeError(`ensureFuture: a Future, a coroutine or a promise is required, got ${describe(aw)}`);
}

function checkDelay(delay: unknown, what: string): number {
  if (typeof delay !== 'number') throw new TypeError(`${what}: delay must be a number, got ${describe(delay)}`);
  if (Number.isNaN(delay)) throw new RangeError(`${what}: delay must not be NaN`);
  return delay;
}

function resolveSleep(fut: Future<unknown>, result: unknown): void {
  if (fut._state === PENDING) fut.setResult(result);
}

/**
 * Suspends the current task for `delay` seconds, then gives `result`. A delay
 * of zero (or less) is one bare `yield`: the task gives the loop one turn.
 * The delay is checked when `sleep` is called.
 */
export function sleep(delay: number): Coroutine<undefined>;
export function sleep<R>(delay: number, result: R): Coroutine<R>;
export function sleep<R>(delay: number, result?: R): Coroutine<R | undefined> {
  checkDelay(delay, 'sleep');
  if (delay <= 0) return new BareYield(result) as unknown as Coroutine<R | undefined>;
  return sleepFor(delay, result);
}

function sleepFor<R>(delay: number, result: R): Coroutine<R> {
  return new Sleeper(delay, result) as unknown as Coroutine<R>;
}

type SleepLoop = MinimalLoop & {
  createFuture(): Future<unknown>;
  callLater(d: number, cb: (...a: any[]) => unknown, ...args: unknown[]): { cancel(): void };
};

/** What a Sleeper yields to its task: "I parked you on my timer". */
const SLEEPING: unique symbol = Symbol('aioloop.sleeping');
const SLEEP_STEP: IteratorResult<unknown, never> = Object.freeze({ value: SLEEPING, done: false });

// Sleeper states.
const SLEEP_NEW = 0; // not stepped yet
const SLEEP_PARKED = 1; // its task is parked on its timer
const SLEEP_WOKE = 2; // the timer ran: the task's next step returns the result
const SLEEP_CANCELLED = 3; // the task was cancelled while parked: a CancelledError step is scheduled
const SLEEP_FUTURE = 4; // the portable path: waiting on a Future a timer completes
const SLEEP_DONE = 5;

/**
 * What `sleep(delay > 0)` returns: a hand-written coroutine, because a
 * simulation's every event is one of these.
 *
 * On our Loop, inside a Task, it parks the task on a handle-less timer
 * (`loop._at1`) and yields the SLEEPING marker; the timer's callback
 * schedules the task's next step, which returns `result`. That is asyncio's
 * sequence (the timer completes a Future whose done-callback schedules the
 * step, one iteration later) without the Future, its Handle, its arguments
 * array and two iterator results: one object per sleep instead of six, which
 * matters because a sleep lives until its timer fires and so is copied and
 * promoted by the garbage collector. `task.cancel()` while parked cancels the
 * timer and schedules a step that throws CancelledError, as cancelling the
 * Future would.
 *
 * Anywhere else (a loop of the user's own, a coroutine stepped by hand) it
 * does what asyncio.sleep does: a Future and `callLater` completing it.
 */
class Sleeper<R> {
  /**
   * The delay until stepped; then the timer: a core token (parked) or the
   * callLater handle (SLEEP_FUTURE). One field for both, and no number field:
   * V8 would give a float field its own box, a second object living as long
   * as the sleep (the deadline is asked of the core instead, see _when).
   */
  _timer: unknown;
  _result: R;
  _state: number;
  /** The parked task (SLEEP_PARKED..), or the awaited Future (SLEEP_FUTURE). */
  _owner: Task<unknown> | Future<unknown> | null;

  constructor(delay: number, result: R) {
    this._timer = delay;
    this._result = result;
    this._state = SLEEP_NEW;
    this._owner = null;
  }

  next(): IteratorResult<unknown, R> {
    const state = this._state;
    if (state === SLEEP_WOKE) {
      this._state = SLEEP_DONE;
      const r = this._result;
      return r === undefined ? (DONE_UNDEFINED as IteratorResult<unknown, R>) : { value: r, done: true };
    }
    if (state === SLEEP_NEW) return this._start();
    if (state === SLEEP_FUTURE) {
      const fut = this._owner as Future<unknown>;
      if (fut._state === PENDING) {
        throw new EventLoopError('a coroutine resumed before the Future it awaited was done');
      }
      this._state = SLEEP_DONE;
      this._timer = null;
      return { value: fut.result() as R, done: true };
    }
    if (state === SLEEP_DONE) return { value: undefined as R, done: true };
    throw new EventLoopError('a coroutine resumed before the sleep it awaited ended');
  }

  throw(err: unknown): IteratorResult<unknown, R> {
    this._stop();
    throw err;
  }

  return(value: R): IteratorResult<unknown, R> {
    this._stop();
    return { value, done: true };
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** @internal The deadline while parked (for messages), else NaN. */
  get _when(): number {
    if (this._state !== SLEEP_PARKED) return NaN;
    return ((this._owner as Task<unknown>)._loop as TimerLoop)._timerWhen(this._timer);
  }

  private _start(): IteratorResult<unknown, R> {
    const loop = _requireRunningLoop() as SleepLoop & Partial<TimerLoop>;
    const task = curTask;
    if (task !== null && task._loop === loop && loop._at1 !== undefined) {
      const when = loop.time!() + (this._timer as number);
      this._owner = task;
      this._timer = loop._at1(when, sleepFired, this);
      this._state = SLEEP_PARKED;
      task._sleeper = this as Sleeper<unknown>;
      return SLEEP_STEP;
    }
    const fut = loop.createFuture();
    this._owner = fut;
    this._timer = loop.callLater(this._timer as number, resolveSleep, fut, this._result);
    this._state = SLEEP_FUTURE;
    return { value: fut, done: false };
  }

  /** The coroutine ends early (thrown into or returned): drop the timer. */
  private _stop(): void {
    const state = this._state;
    const timer = this._timer;
    this._state = SLEEP_DONE;
    this._timer = null;
    if (state === SLEEP_PARKED) ((this._owner as Task<unknown>)._loop as TimerLoop)._cancelTimer(timer);
    else if (state === SLEEP_FUTURE && timer !== null) (timer as { cancel(): void }).cancel();
  }

  /** @internal Task.cancel() on the parked task; false when there is no sleep left to cancel. */
  _cancelSleep(msg: string | undefined): boolean {
    if (this._state !== SLEEP_PARKED) return false;
    this._state = SLEEP_CANCELLED;
    const task = this._owner as Task<unknown>;
    const loop = task._loop as TimerLoop;
    loop._cancelTimer(this._timer);
    this._timer = null;
    loop._soon(taskThrow, [task, new CancelledError(msg)]);
    return true;
  }
}

/** A parked sleep's timer ran: schedule its task's next step. */
function sleepFired(sleeper: Sleeper<unknown>): void {
  if (sleeper._state !== SLEEP_PARKED) return;
  sleeper._state = SLEEP_WOKE;
  sleeper._timer = null;
  const task = sleeper._owner as Task<unknown>;
  if (task._sleeper === sleeper) task._scheduleStep();
}

const YIELDED: IteratorResult<unknown, never> = Object.freeze({ value: undefined, done: false });
const DONE_UNDEFINED: IteratorResult<never, undefined> = Object.freeze({ value: undefined, done: true });

/**
 * What `sleep(0)` returns: a coroutine that yields once (bare) and then
 * returns its result. A hand-written iterator rather than a generator,
 * because `yield* sleep(0)` is the task switch of every cooperative loop and
 * a generator object costs several times more to make and to delegate to.
 * It keeps the generator protocol: `throw` and `return` end it.
 */
class BareYield<R> {
  private _result: R;
  private _state: number; // 0 not started, 1 yielded, 2 finished
  constructor(result: R) {
    this._result = result;
    this._state = 0;
  }
  next(): IteratorResult<unknown, R> {
    if (this._state === 0) {
      this._state = 1;
      return YIELDED;
    }
    this._state = 2;
    const r = this._result;
    return r === undefined ? (DONE_UNDEFINED as IteratorResult<unknown, R>) : { value: r, done: true };
  }
  throw(err: unknown): IteratorResult<unknown, R> {
    this._state = 2;
    throw err;
  }
  return(value: R): IteratorResult<unknown, R> {
    this._state = 2;
    return { value, done: true };
  }
  [Symbol.iterator](): this {
    return this;
  }
}

// ---------------------------------------------------------------------------
// Eager tasks (asyncio 3.12)

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
export function eagerTaskFactory<T>(loop: MinimalLoop, coro: Coroutine<T>, options?: { name?: string }): Task<T> {
  return new Task(coro, { loop, name: options?.name, eagerStart: true });
}

// ---------------------------------------------------------------------------
// Debug mode: tasks destroyed while pending
//
// A task made while its loop is in debug mode is tracked through a WeakRef
// and registered with `pendingRegistry`. If it is garbage collected while
// still pending — it waited on a Future that nobody could complete any
// more — the registry's callback reports asyncio's "Task was destroyed but
// it is pending!" through the loop's exception handler. The report carries a
// description of the task (the object itself is gone). A task that finishes
// unregisters itself in `_finished`.

/** What the report of a destroyed pending task needs, kept apart from the task. */
interface PendingRecord {
  loop: MinimalLoop;
  ref: WeakRef<Task<unknown>>;
  name: string;
}

const debugTasks = new WeakMap<object, Set<WeakRef<Task<unknown>>>>();

const pendingRegistry = new FinalizationRegistry<PendingRecord>((rec) => {
  debugTasks.get(rec.loop)?.delete(rec.ref);
  try {
    rec.loop.callExceptionHandler({
      message: 'Task was destroyed but it is pending!',
      task: `<Task pending name='${rec.name}'>`,
    });
  } catch (err) {
    console.error('aioloop: reporting a destroyed pending task failed', err);
  }
});

/** @internal Adds a new task to its loop's live set (weakly in debug mode). */
export function _trackTask(task: Task<unknown>): void {
  const loop = task._loop;
  if (!loop.getDebug()) {
    linkLive(task);
    return;
  }
  const ref = new WeakRef(task);
  task._weakRef = ref;
  let set = debugTasks.get(loop);
  if (set === undefined) {
    set = new Set();
    debugTasks.set(loop, set);
  }
  set.add(ref);
  pendingRegistry.register(task, { loop, ref, name: task.getName() }, task);
}

/** @internal A weakly tracked task finished: forget it and cancel its report. */
export function _untrackWeak(task: Task<unknown>): void {
  debugTasks.get(task._loop)?.delete(task._weakRef!);
  pendingRegistry.unregister(task);
}

/**
 * @internal No "destroyed while pending" report for `task` (gather's
 * children: the caller never sees them, the gather reports their fate).
 */
export function _silenceDestroyPending(task: Task<unknown>): void {
  if (task._weakRef !== null) pendingRegistry.unregister(task);
}
