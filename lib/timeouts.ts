/**
 * Deadlines for a block of code (asyncio.timeouts, Python 3.11+):
 * `yield* timeout(delay, function* (t) { ... })`.
 *
 * When the deadline passes, the task running the block is cancelled; at the
 * edge of the block the resulting CancelledError becomes a TimeoutError. A
 * cancellation that came from somewhere else is told apart with the task's
 * cancellation count (`cancelling()`/`uncancel()`) and passes through
 * untouched.
 *
 * Timeout states (asyncio's) and their transitions:
 *
 *     CREATED --enter--> ENTERED --exit--> EXITED
 *                          |
 *                      deadline passes (the task is cancelled)
 *                          v
 *                       EXPIRING --exit--> EXPIRED
 *
 * `reschedule()` is allowed only in ENTERED; `expired()` is true in
 * EXPIRING and EXPIRED.
 */
import { type Coroutine } from './coroutines';
import { _watchAwaited } from './never_awaited';
import { checkNumberOrNull } from './validate';
import { _requireRunningLoop, type Handle } from './events';
import { CancelledError, EventLoopError, InvalidStateError, TimeoutError, isCancelledError } from './exceptions';
import { callBody, checkBody } from './mixins';
import { currentTask, type Task } from './tasks';

const CREATED = 'created';
const ENTERED = 'active';
const EXPIRING = 'expiring';
const EXPIRED = 'expired';
const EXITED = 'finished';
type TimeoutState = typeof CREATED | typeof ENTERED | typeof EXPIRING | typeof EXPIRED | typeof EXITED;

/**
 * The deadline of a `timeout()`/`timeoutAt()` block, handed to its body
 * (asyncio.Timeout): read it with `when()`, move it with `reschedule()`, ask
 * `expired()` afterwards.
 */
export class Timeout {
  /** @internal */ _state: TimeoutState;
  /** @internal */ _when: number | null;
  /** @internal */ _handle: Handle | null;
  /** @internal */ _task: Task<unknown> | null;
  /** @internal The task's cancellation count on entry. */
  _cancelling: number;

  /**
   * A deadline at loop time `when` (`null`: none). `timeout()` and
   * `timeoutAt()` make and enter one; made by hand, it is only a value.
   */
  constructor(when: number | null) {
    this._when = checkNumberOrNull(when, 'when', 'Timeout');
    this._state = CREATED;
    this._handle = null;
    this._task = null;
    this._cancelling = 0;
  }

  /** The deadline (loop time, seconds), or null for none. */
  when(): number | null {
    return this._when;
  }

  /**
   * Moves the deadline to loop time `when` (`null`: none; a time already past
   * expires the block at the next loop iteration). Only inside the block.
   */
  reschedule(when: number | null): void {
    const w = checkNumberOrNull(when, 'when', 'Timeout.reschedule');
    if (this._state !== ENTERED) {
      if (this._state === CREATED) throw new InvalidStateError('Timeout has not been entered');
      throw new InvalidStateError(`Cannot change state of ${this._state} Timeout`);
    }
    this._when = w;
    if (this._handle !== null) this._handle.cancel();
    if (w === null) {
      this._handle = null;
      return;
    }
    const loop = _requireRunningLoop();
    this._handle = w <= loop.time() ? loop.callSoon(() => this._onTimeout()) : loop.callAt(w, () => this._onTimeout());
  }

  /** True once the deadline has passed (the block was, or is being, cancelled). */
  expired(): boolean {
    return this._state === EXPIRING || this._state === EXPIRED;
  }

  /** @internal Entering the block: bind to the current task, arm the deadline. */
  _enter(): void {
    if (this._state !== CREATED) throw new InvalidStateError('Timeout has already been entered');
    const task = currentTask();
    if (task === null) throw new EventLoopError('Timeout should be used inside a task');
    this._task = task;
    this._cancelling = task.cancelling();
    this._state = ENTERED;
    this.reschedule(this._when);
  }

  /** @internal The deadline passed: cancel the task. */
  _onTimeout(): void {
    this._task!.cancel();
    this._state = EXPIRING;
    this._handle = null;
  }

  /**
   * @internal Leaving the block with `error` (or none, when `failed` is
   * false). Returns the error to throw, if any: the TimeoutError that replaces
   * our own cancellation, or `error` itself.
   */
  _exit(failed: boolean, error: unknown): { error: unknown } | null {
    if (this._handle !== null) {
      this._handle.cancel();
      this._handle = null;
    }
    if (this._state === EXPIRING) {
      this._state = EXPIRED;
      // Our cancel() is taken back; if no other cancellation is pending, the
      // CancelledError the block ends with is ours and becomes TimeoutError.
      if (this._task!.uncancel() <= this._cancelling && failed && isCancelledError(error)) {
        const te = new TimeoutError('the timeout expired');
        (te as { cause?: unknown }).cause = error;
        return { error: te };
      }
    } else if (this._state === ENTERED) {
      this._state = EXITED;
    }
    return failed ? { error } : null;
  }

  toString(): string {
    return `<Timeout [${this._state}]${this._when === null ? '' : ` when=${this._when}`}>`;
  }
}

function* runTimeout<T>(t: Timeout, body: (t: Timeout) => Coroutine<T>, what: string): Coroutine<T> {
  t._enter();
  let value: T;
  try {
    value = yield* callBody(body, [t], what);
  } catch (err) {
    throw t._exit(true, err)!.error;
  }
  t._exit(false, undefined);
  return value;
}

/**
 * Runs `yield* body(t)` with a deadline `delay` seconds from now (`null`: no
 * deadline, which `t.reschedule()` can set later). If the deadline passes,
 * the task is cancelled and the block throws `TimeoutError` (asyncio's
 * `async with asyncio.timeout(delay) as t`). Must run inside a task.
 */
export function timeout<T>(delay: number | null, body: (t: Timeout) => Coroutine<T>): Coroutine<T> {
  const d = checkNumberOrNull(delay, 'delay', 'timeout');
  checkBody(body, 'timeout');
  return _watchAwaited(timeoutDelayed(d, body), 'timeout');
}

function* timeoutDelayed<T>(delay: number | null, body: (t: Timeout) => Coroutine<T>): Coroutine<T> {
  // The deadline counts from when the block starts, which is now: a
  // coroutine made and delegated to at once (`yield* timeout(...)`).
  const loop = _requireRunningLoop();
  const t = new Timeout(delay === null ? null : loop.time() + delay);
  return yield* runTimeout(t, body, 'timeout');
}

/**
 * Like {@link timeout}, with the deadline given as a loop time `when`
 * (`loop.time()` + seconds), or `null` for none.
 */
export function timeoutAt<T>(when: number | null, body: (t: Timeout) => Coroutine<T>): Coroutine<T> {
  const w = checkNumberOrNull(when, 'when', 'timeoutAt');
  checkBody(body, 'timeoutAt');
  return _watchAwaited(runTimeout(new Timeout(w), body, 'timeoutAt'), 'timeoutAt');
}
