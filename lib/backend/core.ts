/**
 * The contract between the Loop and its core. Two implementations keep it:
 * `JsCore` (pure TypeScript) and `NativeCore` (a thin wrapper over the C++
 * core). Everything above this line — Loop, Future, Task, the toolbox — is
 * written once; the cores own only the ready queue, the timer heap, the clock
 * and the wait for the next timer.
 *
 * Both cores must produce the same observable sequence: ready handles FIFO,
 * due timers appended in (when, scheduling order), "due" meaning
 * `when < now + CLOCK_RESOLUTION` on the monotonic clock and `when <= now` on
 * the virtual one.
 */
import type { Handle, TimerHandle } from '../events';

/** Which core a loop runs on. */
export type BackendName = 'native' | 'js';
/** Which clock a loop reads. */
export type ClockName = 'monotonic' | 'virtual';

export interface LoopCore {
  readonly backend: BackendName;
  readonly clock: ClockName;
  /** The loop's time in seconds. */
  time(): number;
  /** Appends a handle to the ready queue (callSoon). */
  pushReady(handle: Handle): void;
  /** Adds a timer, ordered by (`handle._when`, order of addTimer calls). */
  addTimer(handle: TimerHandle): void;
  /** The timer was cancelled: it must not stay in the heap. */
  cancelTimer(handle: TimerHandle): void;
  /** Handles in the ready queue. */
  readyCount(): number;
  /** The earliest live timer's deadline, or +Infinity when there is none. */
  nextWhen(): number;
  /**
   * The gathering step of one iteration: if nothing is ready and `maxWait > 0`,
   * wait up to `maxWait` seconds for the earliest timer (jump to it on the
   * virtual clock); then move every due timer to the ready queue. Returns the
   * number of ready handles, which is what this iteration runs.
   */
  collect(maxWait: number): number;
  /** Removes and returns the oldest ready handle (only after collect counted it). */
  shift(): Handle;
  /** Drops every handle and timer and frees the memory (loop.close()). */
  close(): void;
}
