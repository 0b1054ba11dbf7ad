/**
 * `sleep(delay, result?)` (asyncio.sleep), written by hand because a
 * simulation's every event is one, and `yield* sleep(0)` is the task switch
 * of every cooperative program.
 *
 *   sleep(d <= 0)  -> BareYield: yields once (bare), then returns `result`
 *   sleep(d > 0)   -> Sleeper:
 *       inside a task of an aioloop Loop: arms a handle-less loop timer for
 *       the current task and yields itself (a TimerWait); the task parks on
 *       it; the timer's callback asks the task to schedule its next step,
 *       which returns `result`.
 *       anywhere else (a loop of the user's own, a coroutine stepped by
 *       hand): asyncio's own sleep, a Future completed by `callLater`.
 *
 * The fast path is asyncio's sequence (the timer completes a Future whose
 * done-callback schedules the step, one iteration later) without the Future,
 * its Handle, its arguments array and two iterator results: one object per
 * sleep instead of six, which matters because a sleep lives until its timer
 * fires and so is copied and promoted by the garbage collector.
 */
import type { Coroutine } from './coroutines';
import { _requireRunningLoop, type AbstractLoop, type TimerToken } from './events';
import { EventLoopError } from './exceptions';
import { Future, PENDING } from './futures';
import { _currentTask, TimerWait, type Task } from './tasks';
import { _debugSeen, _watchAwaited } from './never_awaited';
import { checkNumber } from './validate';

/**
 * Suspends the current task for `delay` seconds, then gives `result`. A delay
 * of zero (or less) is one bare `yield`: the task gives the loop one turn.
 * The delay is checked when `sleep` is called.
 */
export function sleep(delay: number): Coroutine<undefined>;
export function sleep<R>(delay: number, result: R): Coroutine<R>;
export function sleep<R>(delay: number, result?: R): Coroutine<R | undefined> {
  if (typeof delay !== 'number' || delay !== delay) checkNumber(delay, 'delay', 'sleep');
  const coro = delay <= 0 ? new BareYield(result) : new Sleeper(delay, result);
  return _debugSeen() ? _watchAwaited(coro, 'sleep') : coro;
}

function resolveSleep(fut: Future<unknown>, result: unknown): void {
  if (fut._state === PENDING) fut.setResult(result);
}

const YIELDED: IteratorResult<unknown, never> = Object.freeze({ value: undefined, done: false });
const DONE_UNDEFINED: IteratorResult<never, undefined> = Object.freeze({ value: undefined, done: true });

/**
 * The iterator result a parking Sleeper returns: `{ value: sleeper, done:
 * false }`. One shared object, its value set just before it is returned: the
 * task that steps the coroutine reads it at once (`yield*` hands an inner
 * result through unchanged), so no result object is made per sleep.
 */
const PARK: { value: unknown; done: false } = { value: undefined, done: false };

// Sleeper states.
const SLEEP_NEW = 0; // not stepped yet
const SLEEP_ARMED = 1; // its timer is armed for its task
const SLEEP_FIRED = 2; // the timer ran: the task's next step returns the result
const SLEEP_DISARMED = 3; // the task was cancelled while parked
const SLEEP_FUTURE = 4; // the portable path: waiting on a Future a timer completes
const SLEEP_DONE = 5;

/** What `sleep(delay > 0)` returns (see the file comment). */
class Sleeper<R> extends TimerWait implements Coroutine<R> {
  /**
   * The delay until stepped; then the timer: a core token (armed) or the
   * callLater handle (SLEEP_FUTURE). One field for both, and no number field:
   * V8 would give a float field its own box, a second object living as long
   * as the sleep (the deadline is asked of the core instead, see _deadline).
   */
  _timer: unknown;
  _result: R;
  _state: number;
  /** The task the timer is armed for (ARMED..), or the awaited Future (SLEEP_FUTURE). */
  _owner: Task<unknown> | Future<unknown> | null;

  constructor(delay: number, result: R) {
    super();
    this._timer = delay;
    this._result = result;
    this._state = SLEEP_NEW;
    this._owner = null;
  }

  next(): IteratorResult<unknown, R> {
    const state = this._state;
    if (state === SLEEP_FIRED) {
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

  /** @internal */
  _armedFor(): Task<unknown> | null {
    return this._state === SLEEP_ARMED ? (this._owner as Task<unknown>) : null;
  }

  /** @internal */
  _deadline(): number {
    return this._state === SLEEP_ARMED ? this._ownerLoop()._timerWhen(this._timer) : NaN;
  }

  /** @internal Task.cancel() on the parked task: drop the timer (false once it fired). */
  _disarm(): boolean {
    if (this._state !== SLEEP_ARMED) return false;
    this._state = SLEEP_DISARMED;
    this._ownerLoop()._cancelTimer(this._timer);
    this._timer = null;
    if (PARK.value === this) PARK.value = undefined;
    return true;
  }

  private _ownerLoop(): AbstractLoop {
    return (this._owner as Task<unknown>)._loop as AbstractLoop;
  }

  private _start(): IteratorResult<unknown, R> {
    const loop = _requireRunningLoop();
    const task = _currentTask();
    if (task !== null && task._loop === loop) {
      this._owner = task;
      this._timer = loop._at1(loop.time() + (this._timer as number), sleepFired, this);
      this._state = SLEEP_ARMED;
      PARK.value = this;
      return PARK;
    }
    const fut = new Future<unknown>({ loop });
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
    if (PARK.value === this) PARK.value = undefined;
    if (state === SLEEP_ARMED) this._ownerLoop()._cancelTimer(timer as TimerToken);
    else if (state === SLEEP_FUTURE && timer !== null) (timer as { cancel(): void }).cancel();
  }
}

/** An armed sleep's timer ran: its task schedules its next step. */
function sleepFired(sleeper: Sleeper<unknown>): void {
  if (sleeper._state !== SLEEP_ARMED) return;
  sleeper._state = SLEEP_FIRED;
  sleeper._timer = null;
  if (PARK.value === sleeper) PARK.value = undefined;
  (sleeper._owner as Task<unknown>)._timerFired(sleeper);
}

/**
 * What `sleep(0)` returns: a coroutine that yields once (bare) and then
 * returns its result. A hand-written iterator rather than a generator,
 * because a generator object costs several times more to make and to
 * delegate to. It keeps the generator protocol: `throw` and `return` end it.
 */
class BareYield<R> implements Coroutine<R> {
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
