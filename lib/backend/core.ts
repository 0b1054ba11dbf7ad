/**
 * The contract between the Loop and its core. Two implementations keep it:
 * `JsCore` (pure TypeScript) and `NativeCore` (a thin wrapper over the C++
 * class `NativeLoop`, native/native_loop.h; `LoopCore` names only this
 * contract). Everything above this line — Loop, Future, Task, the toolbox — is
 * written once; the cores own the ready queue, the timer heap, the clock and
 * the wait for the next timer, and where a scheduled callback is kept.
 *
 * Both cores must produce the same observable sequence: ready callbacks FIFO,
 * due timers appended in (when, scheduling order), "due" meaning
 * `when < now + CLOCK_RESOLUTION` on the monotonic clock and `when <= now` on
 * the virtual one.
 *
 * Dispatch is split so that the loop stays the one place that calls
 * callbacks: `next()` takes the oldest ready entry and hands back its
 * callback (or undefined if it was cancelled) with its arguments in `args`;
 * the loop calls it.
 */
import type { Handle, TimerHandle } from '../events';

/** Which core a loop runs on. */
export type BackendName = 'native' | 'js';
/** Which clock a loop reads. */
export type ClockName = 'monotonic' | 'virtual';

/** What `atQuiet1` returns: a slot number (native) or the heap entry (js). */
export type TimerToken = number | TimerHandle;

/** A scheduled callback. */
export type Callback = (...args: any[]) => unknown;

export interface LoopCore {
  readonly backend: BackendName;
  readonly clock: ClockName;
  /** The loop's time in seconds. */
  time(): number;
  /** Appends `callback(...args)` to the ready queue (callSoon); returns its handle. */
  soon(callback: Callback, args: readonly unknown[]): Handle;
  /** Like `soon`, for aioloop's own callbacks (Future done-callbacks, Task steps): no handle is made. */
  soonQuiet(callback: Callback, args: readonly unknown[]): void;
  /** `soonQuiet(callback, [arg])` without the array. */
  soonQuiet1(callback: Callback, arg: unknown): void;
  /** Adds a timer, ordered by (`when`, order of `at` calls); returns its handle. */
  at(when: number, callback: Callback, args: readonly unknown[]): TimerHandle;
  /**
   * `at(when, callback, [arg])` for aioloop's own timers (a sleeping task):
   * no handle and no arguments array. The token it returns is only good for
   * `cancelQuiet`, and only until the callback has run or been cancelled.
   */
  atQuiet1(when: number, callback: Callback, arg: unknown): TimerToken;
  /** The deadline of a timer `atQuiet1` made, while it is pending. */
  whenOf(token: TimerToken): number;
  /** Unschedules a timer `atQuiet1` made that has neither run nor been cancelled. */
  cancelQuiet(token: TimerToken): void;
  /** `handle.cancel()` was called on a handle with `_slot >= 0`: unschedule it. */
  cancel(handle: Handle): void;
  /** The callback a handle stands for, while it is scheduled (for messages). */
  callbackOf(handle: Handle): Callback | undefined;
  /** Entries in the ready queue (cancelled ones included). */
  readyCount(): number;
  /** The earliest live timer's deadline, or +Infinity when there is none. */
  nextWhen(): number;
  /**
   * The deadline of the first timer the last `collect` moved to the ready
   * queue, given the ready count before it; only asked when `collect`
   * returned more than that count (so timers came due). For the loop's lag
   * figure: unlike `nextWhen()` before the collect, it never costs the
   * native core a crossing.
   */
  dueWhen(before: number): number;
  /**
   * The gathering step of one iteration: if nothing is ready and `maxWait > 0`,
   * wait up to `maxWait` seconds for the earliest timer (jump to it on the
   * virtual clock); then move every due timer to the ready queue. Returns the
   * number of ready entries, which is what this iteration runs.
   */
  collect(maxWait: number): number;
  /**
   * Takes the oldest ready entry (only after collect counted it): returns its
   * callback, or undefined if it was cancelled; its arguments are then in `args`.
   */
  next(): Callback | undefined;
  /**
   * The arguments of the entry `next()` took last, or null when it has
   * exactly one argument, which is then in `arg0` (no array is made for
   * aioloop's own one-argument callbacks: Task steps, done-callbacks).
   */
  args: readonly unknown[] | null;
  /** The single argument when `args` is null. */
  arg0: unknown;
  /**
   * A handle for the entry `next()` took last, for exception and debug
   * reports: the very object `soon`/`at` returned where the core keeps it
   * (js), an equivalent one where it does not (native).
   */
  currentHandle(callback: Callback, args: readonly unknown[]): Handle;
  /** Drops every callback and timer and frees the memory (loop.close()). */
  close(): void;
}
