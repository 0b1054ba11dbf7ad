/**
 * `loop.stats()`: the counters a dashboard wants, kept at a cost no benchmark
 * can see.
 *
 * Where each figure comes from
 * ----------------------------
 * Nothing is counted per callback on the hot path. The loop hands every
 * iteration's gathering step to `LoopCounters.collect` (one call an
 * iteration, inlined by the JIT), which reads what the core already knows:
 *
 *   iterations      +1 per collect
 *   callbacks       + n (what the iteration runs), minus the cancelled
 *                   entries `_runReady` skips (counted in its rare skip branch)
 *   maxReady        max n
 *   timersFired     + (n - ready count before collect): the timers that came due
 *   timersScheduled +1 in the loop's two timer paths (`_callAt`, `_at1`)
 *   timersCancelled +1 when a timer that has not run is cancelled (rare paths)
 *   tasks*          the task registry's per-loop created/finished counts
 *
 * Time. Reading a clock costs about as much as a whole one-callback
 * iteration (W2), so the callbacks are not timed one by one. A run is busy
 * except while it waits for a timer, and waiting happens only in a collect
 * that starts with nothing ready. So the clock is read when a run (or a
 * hosted slice) begins and ends, and around the collects that may wait:
 *
 *   callbackTime = time inside runs and slices - time waiting in collect
 *
 * which is the time the loop spent running callbacks, with its own
 * bookkeeping between them (a few ns a callback) included. On the virtual
 * clock a collect jumps instead of waiting, so every moment of a run is busy.
 *
 * Lag (monotonic clock): the largest delay between a timer's deadline and
 * the start of the iteration that runs it. Before a monotonic collect the
 * earliest deadline is read; if the collect moved timers, the earliest of
 * them is that one, and the clock is read once. On the virtual clock time
 * never lags (timers run exactly at their deadlines — with jitter the
 * lateness is part of the deadline), so lag is 0.
 *
 * Slow callbacks are the ones debug mode reports (it times each callback);
 * outside debug mode they are not measured (as in asyncio).
 */
import type { LoopCore } from './backend/core';
import { monotonic } from './backend/clock';

/** What `loop.stats()` returns: counts since the loop was made, times in seconds. */
export interface LoopStats {
  /** Iterations run (asyncio's `_run_once` calls), by every run mode and by `runOnce`/`advance`. */
  iterations: number;
  /** Callbacks run (cancelled ones skipped are not counted). */
  callbacks: number;
  /** Timers scheduled: `callLater`, `callAt`, and the timers of sleeping tasks. */
  timersScheduled: number;
  /** Timers cancelled before they ran. */
  timersCancelled: number;
  /** Timers that came due (moved to the ready queue). */
  timersFired: number;
  /** Tasks made on this loop. */
  tasksCreated: number;
  /** Tasks not done yet. */
  tasksLive: number;
  /** Tasks done (result, exception or cancelled). */
  tasksDone: number;
  /** The largest number of callbacks one iteration took from the ready queue. */
  maxReady: number;
  /**
   * Seconds spent running callbacks: the time inside runs not spent waiting
   * for a timer (the loop's own per-callback bookkeeping included).
   */
  callbackTime: number;
  /** Callbacks slower than `slowCallbackDuration` (measured in debug mode only, which times each callback). */
  slowCallbacks: number;
  /**
   * Monotonic clock: the largest delay, in seconds, between a timer's
   * deadline and the start of the iteration that ran it. 0 on the virtual clock.
   */
  lag: number;
}

/** @internal The counters one loop keeps (see the header for where each one is counted). */
export class LoopCounters {
  iterations = 0;
  /** Entries the iterations took, cancelled ones included. */
  entries = 0;
  /** Cancelled entries `_runReady` skipped. */
  skipped = 0;
  maxReady = 0;
  timersScheduled = 0;
  timersCancelled = 0;
  timersFired = 0;
  slowCallbacks = 0;
  lag = 0;
  /** Seconds inside finished runs and slices. */
  runTime = 0;
  /** Seconds spent waiting inside collect. */
  waitTime = 0;
  /** When the current run or slice began (real seconds), or -1 outside one. */
  busySince = -1;
  private readonly _monotonic: boolean;

  constructor(monotonicClock: boolean) {
    this._monotonic = monotonicClock;
  }

  /** The gathering step of one iteration, counted (the loop's `_collect`). */
  collect(core: LoopCore, maxWait: number): number {
    // Only a monotonic loop that has had timers reads the earliest deadline
    // and the clock (for the lag and the wait). Everything else — the
    // callSoon-only workloads W1, W2, W5, and the virtual clock — takes the
    // straight path: a ready count before, four counts after.
    //
    // The shape is measured, not a matter of taste: with the collect behind
    // a conditional expression (`cond ? core.collect() : timed()`), W2 on the
    // js core settled in V8's slow mode (~23 M/s against ~37 M/s) in most
    // processes; an early return keeps it fast.
    if (this._monotonic && this.timersScheduled !== 0) return this._collectTimed(core, maxWait);
    const before = core.readyCount();
    const n = core.collect(maxWait);
    this.iterations++;
    this.entries += n;
    if (n > this.maxReady) this.maxReady = n;
    if (n !== before) this.timersFired += n - before;
    return n;
  }

  /** `collect` on the monotonic clock once timers exist: also the wait and the lag. */
  private _collectTimed(core: LoopCore, maxWait: number): number {
    const before = core.readyCount();
    const n = this._collectMonotonic(core, maxWait, before);
    this.iterations++;
    this.entries += n;
    if (n > this.maxReady) this.maxReady = n;
    if (n !== before) this.timersFired += n - before;
    return n;
  }

  /**
   * Monotonic clock: also the wait time and the lag, the lateness of the
   * first timer that came due (clock reads only where a wait or a due timer
   * is). The deadline is asked of the core after the collect (`dueWhen`),
   * not before it (`nextWhen`): with pending timer commands the native core
   * answered `nextWhen` with a crossing of its own, two per iteration.
   */
  private _collectMonotonic(core: LoopCore, maxWait: number, before: number): number {
    if (before === 0 && maxWait > 0) {
      const t0 = core.time();
      const n = core.collect(maxWait);
      const t1 = core.time();
      this.waitTime += t1 - t0;
      if (n > before) {
        const late = t1 - core.dueWhen(before);
        if (late > this.lag) this.lag = late;
      }
      return n;
    }
    const n = core.collect(maxWait);
    if (n > before) {
      const late = core.time() - core.dueWhen(before);
      if (late > this.lag) this.lag = late;
    }
    return n;
  }

  /** A run or a hosted slice begins. */
  busyBegin(): void {
    this.busySince = monotonic();
  }

  /** A run or a hosted slice ends. */
  busyEnd(): void {
    if (this.busySince < 0) return;
    this.runTime += monotonic() - this.busySince;
    this.busySince = -1;
  }

  /** The figures now (a run in progress counts up to this moment). */
  snapshot(tasksCreated: number, tasksDone: number): LoopStats {
    const running = this.busySince < 0 ? 0 : monotonic() - this.busySince;
    const busy = this.runTime + running - this.waitTime;
    return {
      iterations: this.iterations,
      callbacks: this.entries - this.skipped,
      timersScheduled: this.timersScheduled,
      timersCancelled: this.timersCancelled,
      timersFired: this.timersFired,
      tasksCreated,
      tasksLive: tasksCreated - tasksDone,
      tasksDone,
      maxReady: this.maxReady,
      callbackTime: busy > 0 ? busy : 0,
      slowCallbacks: this.slowCallbacks,
      lag: this.lag,
    };
  }
}
