/**
 * What a run mode may do to a loop: the declared seam between the Loop
 * (scheduling, the exception handler, one iteration) and the drivers that
 * repeat iterations — the blocking driver (lib/blocking.ts: the loop owns
 * the thread) and the hosted driver (lib/hosted.ts: slices on Node's event
 * loop). asyncio draws the same line between BaseEventLoop and its runners.
 *
 *   driver                           loop (DrivenLoop)
 *   ------                           -----------------
 *   _beginRun(exclusive) --------->  running = true (throws if closed/running)
 *   loop: _collect(maxWait) ------>  due timers join the ready queue; n
 *         _runReady(k) ----------->  runs k ready callbacks (the one place)
 *         reads _stopping, _readyCount(), _nextWhen()
 *   _waker = driver (while parked)   scheduling calls _waker.wake()
 *   _endRun() -------------------->  running = stopping = false, no waker
 *
 * A driver keeps its own state (the hosted run's Node handles, its slice
 * budget); the loop knows only that someone may need waking.
 *
 * Also here, written once for both run modes: "await a future, stop when it
 * is done, settle with its outcome" (AwaitRun).
 */
import type { ClockName } from './backend/core';
import type { AbstractLoop } from './events';
import { EventLoopError } from './exceptions';
import { Future } from './futures';
import { ensureFuture, type Awaitable } from './tasks';

/** A driver parked outside the loop, to be woken when the loop gets work. */
export interface Waker {
  wake(): void;
}

/** The loop as its drivers see it. */
export interface DrivenLoop extends AbstractLoop {
  readonly clock: ClockName;
  /**
   * The driver to wake when work arrives (a callback, a timer, a cancel,
   * stop()), or null: the one check on the scheduling paths.
   */
  _waker: Waker | null;
  /** stop() was called: the run ends after the current iteration. */
  readonly _stopping: boolean;
  /** What runUntilComplete waits for (for the would-wait-forever message). */
  _awaiting: Future<unknown> | null;
  /**
   * Starts a run: throws if the loop is closed or already running, or, for
   * an `exclusive` (blocking) run, if another loop runs on this thread.
   */
  _beginRun(exclusive: boolean): void;
  /** Ends a run: the loop is neither running nor stopping, and has no waker. */
  _endRun(): void;
  /** A run (blocking) or a slice (hosted) begins: busy time for `stats()` starts. */
  _busyBegin(): void;
  /** The run or slice ends: its busy time is counted. */
  _busyEnd(): void;
  /** The gathering half of an iteration; returns how many entries it runs. */
  _collect(maxWait: number): number;
  /** Runs the next `n` ready entries (the one place that calls callbacks). */
  _runReady(n: number): void;
  /** Entries in the ready queue. */
  _readyCount(): number;
  /** The earliest timer's deadline, or Infinity. */
  _nextWhen(): number;
  /** True when something waits in the loop: an awaited Future or a live task. */
  _hasWaiters(): boolean;
  /** The error of a run that can never make progress. */
  _wouldWaitForever(hosted: boolean): EventLoopError;
}

/**
 * runUntilComplete's part that does not depend on the run mode: wrap the
 * awaitable, stop the loop when it is done, and afterwards give its outcome.
 */
export class AwaitRun<T> {
  readonly future: Future<T>;
  private readonly _loop: DrivenLoop;
  private readonly _newTask: boolean;
  private readonly _onDone: () => void;

  constructor(loop: DrivenLoop, aw: Awaitable<T>) {
    this._loop = loop;
    this._newTask = !(aw instanceof Future);
    this.future = ensureFuture(aw, { loop });
    this._onDone = () => loop.stop();
    this.future.addDoneCallback(this._onDone);
    loop._awaiting = this.future;
  }

  /**
   * The run ended (synchronously, before the loop can run again). When it
   * ended by an error, a task made here for a coroutine has its exception
   * marked as seen: the error is reported by the run, not again when the
   * task is collected.
   */
  end(failed: boolean): void {
    this._loop._awaiting = null;
    const fut = this.future;
    fut.removeDoneCallback(this._onDone);
    if (failed && this._newTask && fut.failed()) fut.exception();
  }

  /** The awaited outcome, or the error of a loop stopped before it. */
  result(): T {
    if (!this.future.done()) throw new EventLoopError('Event loop stopped before Future completed.');
    return this.future.result();
  }
}
