/**
 * The event loop (asyncio's BaseEventLoop).
 *
 * Design
 * ------
 * A loop is a thin layer of semantics over a core (lib/backend): the core
 * owns the ready queue, the timer heap, the clock and the wait; the loop owns
 * everything a user can observe — argument checks, handles, the exception
 * handler, stop/close, debug reports, and one iteration. Repeating
 * iterations is the job of a driver: lib/blocking.ts (the loop owns the
 * thread) or lib/hosted.ts (slices on Node's event loop), which reach the
 * loop only through the DrivenLoop interface of lib/driver.ts.
 *
 *   callSoon(cb)  -> core.soon(cb, args)   -> Handle       (no C++ crossing)
 *   callAt(t, cb) -> core.at(t, cb, args)  -> TimerHandle  (no C++ crossing)
 *   handle.cancel()  -> core.cancel(handle)                (no C++ crossing)
 *   sleep(d) in a task -> _at1(t, sleepFired, sleeper)     (no handle, no crossing)
 *   iteration: n = _collect(wait) = core.collect(wait)     (<= 1 crossing)
 *              _runReady(n): n times cb = core.next(); cb(...core.args)
 *
 * Above the core, also here: seeded timer jitter (lib/jitter.ts: one draw
 * per timer in `_callAt`/`_at1`, so both cores see the same deadlines), the
 * counters of `stats()` (lib/stats.ts: counted per iteration in `_collect`),
 * and `advance`/`advanceTo` for driving a virtual clock from a test.
 *
 * One place calls callbacks: `_runReady`. Every other path — Future
 * completion, task wake-ups, timers coming due — only appends to the ready
 * queue. An iteration runs exactly the handles that were ready when it began
 * (after due timers joined them); whatever they schedule waits for the next
 * iteration.
 *
 * With the native core the boundary is crossed at most once per iteration,
 * and not at all when no timer exists or, with something ready, when no
 * timer can be due (the wrapper answers from shared memory): a crossing
 * (`step()`, no arguments, no result: both go through ctl) costs ~130 ns
 * here, more than dispatching a dozen callbacks in JIT code. See
 * lib/backend/layout.ts for the memory both sides share.
 */
import type { SignalName } from './node_types';
import { resolveBackend, createCore } from './backend/loader';
import type { BackendName, Callback, ClockName, LoopCore, TimerToken } from './backend/core';
import { runBlocking } from './blocking';
import { _captureForCallback, _nextContextEpoch, _unwrapCallback, runInContext, type ContextOption } from './context';
import type { Coroutine } from './coroutines';
import { AwaitRun, type Waker } from './driver';
import {
  _getRunningLoop,
  _getSetLoop,
  _setEventLoop,
  _setLoopFactory,
  _setRunningLoop,
  _getEventLoop,
  _requireRunningLoop,
  NO_ARGS,
  type Handle,
  TimerHandle,
  type ExceptionContext,
} from './events';
import { EventLoopError } from './exceptions';
import { Future } from './futures';
import { getaddrinfo, type AddrInfo, type GetaddrinfoOptions } from './getaddrinfo';
import { safeConsoleError } from './report';
import { wouldWaitForeverError } from './wait_forever';
import { _removeAllSignalHandlers, addSignalHandler, removeSignalHandler } from './signals';
import { _closeStreams } from './transports';
import { _reportUnretrieved } from './unretrieved';
import { _noteDebugLoop, _reportNeverAwaited } from './never_awaited';
import { runHosted } from './hosted';
import { checkJitterOptions, Jitter, type JitterOptions } from './jitter';
import { LoopCounters, type LoopStats } from './stats';
import { _createTaskOn, _forgetTasks, _noteSteps, _taskCounts, allTasks, type Awaitable, type Task } from './tasks';
import {
  callbackName,
  checkBoolean,
  checkFunction,
  checkFunctionOrNull,
  checkNumber,
  checkOptions,
  describe,
} from './validate';

/** Options of `new Loop()`, `newEventLoop()`, `run()`. */
export interface LoopOptions {
  /** `native` (C++ core) or `js` (pure TypeScript). Default: AIOLOOP_BACKEND, else native with js fallback. */
  backend?: BackendName;
  /** `monotonic` (real time) or `virtual` (starts at 0, jumps to the next timer). */
  clock?: ClockName;
  /** Debug mode: slow-callback reports. Default: AIOLOOP_DEBUG=1. */
  debug?: boolean;
  /**
   * Virtual clock only: every timer fires late by a seeded pseudo-random
   * amount in `[0, max)` seconds (see lib/jitter.ts). One seed, one schedule.
   */
  jitter?: JitterOptions;
}

/** `handler(loop, context)`, set with `loop.setExceptionHandler`. */
export type ExceptionHandler = (loop: Loop, context: ExceptionContext) => void;

/** `factory(loop, coro, { name })`, set with `loop.setTaskFactory`. */
export type TaskFactory = <T>(loop: Loop, coro: Coroutine<T>, options: { name?: string; context?: ContextOption }) => Task<T>;

/** Default for `slowCallbackDuration`, seconds (asyncio's 0.1). */
const DEFAULT_SLOW_CALLBACK_DURATION = 0.1;

/*
 * Loop is a DrivenLoop (lib/driver.ts) structurally; it does not say
 * `implements`, because the internal members that interface names are
 * stripped from the published types.
 */
/** An asyncio-style event loop. */
export class Loop {
  /** @internal */ _core: LoopCore;
  /** @internal */ _stopping: boolean;
  /** @internal */ _running: boolean;
  /** @internal */ _closed: boolean;
  /** @internal */ _debug: boolean;
  /** @internal */ _exceptionHandler: ExceptionHandler | null;
  /** @internal */ _taskFactory: TaskFactory | null;
  /** @internal The seeded lateness of timers (virtual clock with `jitter`), or null. */
  _jitter: Jitter | null;
  /** @internal The counters of `stats()` (lib/stats.ts). */
  _stats: LoopCounters;
  /** @internal The task counts [created, finished] kept when the loop closed. */
  _closedTaskCounts: [number, number] | null = null;
  /** Callbacks running longer than this (seconds) are reported in debug mode. */
  slowCallbackDuration: number;

  constructor(options?: LoopOptions) {
    const opts = checkOptions(options, 'Loop') as LoopOptions;
    const clock = opts.clock ?? 'monotonic';
    if (clock !== 'monotonic' && clock !== 'virtual') {
      throw new TypeError(`Loop: clock must be 'monotonic' or 'virtual', got ${describe(clock)}`);
    }
    const debug = opts.debug;
    checkBoolean(debug, 'debug', 'Loop', true);
    const jitter = checkJitterOptions(opts.jitter, 'Loop');
    if (jitter !== undefined && clock !== 'virtual') {
      throw new TypeError("Loop: jitter needs clock: 'virtual' (a real clock has its own)");
    }
    this._jitter = jitter === undefined ? null : new Jitter(jitter);
    this._stats = new LoopCounters(clock === 'monotonic');
    this._core = createCore(resolveBackend(opts.backend), clock, this);
    this._stopping = false;
    this._running = false;
    this._closed = false;
    this._debug = debug ?? process.env.AIOLOOP_DEBUG === '1';
    if (this._debug) _noteDebugLoop();
    this._exceptionHandler = null;
    this._taskFactory = null;
    this.slowCallbackDuration = DEFAULT_SLOW_CALLBACK_DURATION;
  }

  /** The core in use: `native` or `js`. */
  get backend(): BackendName {
    return this._core.backend;
  }

  /** The clock in use: `monotonic` or `virtual`. */
  get clock(): ClockName {
    return this._core.clock;
  }

  /** The loop's time in seconds (monotonic; starts at 0 on the virtual clock). */
  time(): number {
    return this._core.time();
  }

  // -- scheduling ------------------------------------------------------------

  /** Schedules `callback(...args)` for the next iteration; callbacks run FIFO. */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle;
  callSoon(callback: Callback): Handle {
    if (this._closed) throw new EventLoopError('Event loop is closed');
    if (typeof callback !== 'function') checkFunction(callback, 'callback', 'callSoon');
    // `arguments`, not a rest parameter: no array is made for the common
    // call with no arguments.
    const n = arguments.length;
    let args = NO_ARGS;
    if (n > 1) {
      const a: unknown[] = [];
      for (let i = 1; i < n; i++) a.push(arguments[i]);
      args = a;
    }
    const ctx = _captureForCallback();
    if (ctx !== null) {
      args = [ctx, callback, ...args];
      callback = runInContext;
    }
    const handle = this._core.soon(callback, args);
    if (this._waker !== null) this._waker.wake();
    return handle;
  }

  /**
   * @internal `callSoon` for aioloop's own callbacks (Future done-callbacks,
   * Task steps): trusted arguments, and no Handle, which nobody would hold.
   */
  _soon(callback: Callback, args: readonly unknown[]): void {
    if (this._closed) throw new EventLoopError('Event loop is closed');
    this._core.soonQuiet(callback, args);
    if (this._waker !== null) this._waker.wake();
  }

  /** @internal `_soon(callback, [arg])` without the array. */
  _soon1(callback: Callback, arg: unknown): void {
    if (this._closed) throw new EventLoopError('Event loop is closed');
    this._core.soonQuiet1(callback, arg);
    if (this._waker !== null) this._waker.wake();
  }

  /**
   * @internal `callAt(when, callback, arg)` for aioloop's own timers (a
   * sleeping task): trusted arguments, no Handle, no arguments array. The
   * token is for `_cancelTimer`, until the callback has run.
   */
  _at1(when: number, callback: Callback, arg: unknown): TimerToken {
    if (this._closed) throw new EventLoopError('Event loop is closed');
    const token = this._core.atQuiet1(this._jitter === null ? when : this._jitter.late(when), callback, arg);
    this._stats.timersScheduled++;
    if (this._waker !== null) this._waker.wake();
    return token;
  }

  /** @internal The deadline of a pending `_at1` timer (for messages). */
  _timerWhen(token: TimerToken): number {
    return this._closed ? NaN : this._core.whenOf(token);
  }

  /** @internal Cancels an `_at1` timer that has not run yet. */
  _cancelTimer(token: TimerToken): void {
    if (this._closed) return;
    this._stats.timersCancelled++;
    this._core.cancelQuiet(token);
    if (this._waker !== null) this._waker.wake();
  }

  /** Schedules `callback(...args)` to run `delay` seconds from now. `Infinity` never fires. */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  callLater(delay: number, callback: Callback): TimerHandle {
    if (typeof delay !== 'number' || delay !== delay) checkNumber(delay, 'delay', 'callLater');
    // The arguments are copied here, not by passing `arguments` on: handing
    // the object to another function made V8 allocate it on every call.
    const n = arguments.length;
    let args = NO_ARGS;
    if (n > 2) {
      const a: unknown[] = [];
      for (let i = 2; i < n; i++) a.push(arguments[i]);
      args = a;
    }
    return this._callAt(this._core.time() + delay, callback, args, 'callLater');
  }

  /** Schedules `callback(...args)` to run at loop time `when`. */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  callAt(when: number, callback: Callback): TimerHandle {
    if (typeof when !== 'number' || when !== when) checkNumber(when, 'when', 'callAt');
    const n = arguments.length;
    let args = NO_ARGS;
    if (n > 2) {
      const a: unknown[] = [];
      for (let i = 2; i < n; i++) a.push(arguments[i]);
      args = a;
    }
    return this._callAt(when, callback, args, 'callAt');
  }

  /** @internal `args`: the callback's arguments (the caller's own array, or NO_ARGS). */
  _callAt(when: number, callback: Callback, args: readonly unknown[], what: string): TimerHandle {
    if (this._closed) throw new EventLoopError('Event loop is closed');
    if (typeof callback !== 'function') checkFunction(callback, 'callback', what);
    const ctx = _captureForCallback();
    if (ctx !== null) {
      args = [ctx, callback, ...args];
      callback = runInContext;
    }
    const handle = this._core.at(this._jitter === null ? when : this._jitter.late(when), callback, args);
    this._stats.timersScheduled++;
    if (this._waker !== null) this._waker.wake();
    return handle;
  }

  /** @internal Called by Handle.cancel() for a handle the core still holds a place for. */
  _handleCancelled(handle: Handle): void {
    // Also on a closed loop: the js core's handle still lets go of its callback.
    if (handle instanceof TimerHandle && !this._closed && this._core.callbackOf(handle) !== undefined) {
      this._stats.timersCancelled++;
    }
    this._core.cancel(handle);
    // A hosted run waiting for this timer must not keep the process alive for it.
    if (this._waker !== null) this._waker.wake();
  }

  /** @internal The callback a handle stands for (for its toString). */
  _handleCallback(handle: Handle): Callback | undefined {
    return this._closed ? undefined : this._core.callbackOf(handle);
  }

  // -- futures and tasks -----------------------------------------------------

  /** A new Future bound to this loop. */
  createFuture<T = unknown>(): Future<T> {
    return new Future<T>(undefined, this);
  }

  /** Wraps `coro` in a Task scheduled on this loop (through the task factory, if set). */
  createTask<T>(coro: Coroutine<T>, options?: { name?: string; context?: ContextOption }): Task<T> {
    return _createTaskOn(this, coro, options);
  }

  /** Sets the factory `createTask` uses (`null` restores the default Task). */
  setTaskFactory(factory: TaskFactory | null): void {
    checkFunctionOrNull(factory, 'factory', 'setTaskFactory');
    this._taskFactory = factory;
  }

  /** The task factory, or null. */
  getTaskFactory(): TaskFactory | null {
    return this._taskFactory;
  }

  /** @internal */
  _taskFactoryOrNull(): TaskFactory | null {
    return this._taskFactory;
  }

  // -- running ---------------------------------------------------------------

  /**
   * Runs one iteration (asyncio's `_run_once`) with this loop as the running
   * loop: waits for the next timer if nothing is ready (sleeps, or jumps on
   * the virtual clock), then runs the callbacks ready at that point. Returns
   * at once if nothing is ready and no timer is pending.
   */
  runOnce(): void {
    this._checkStart(true);
    this._running = true;
    const prev = _setRunningLoop(this);
    this._stats.busyBegin();
    try {
      this._runReady(this._collect(this._stopping ? 0 : Infinity));
    } finally {
      this._stats.busyEnd();
      this._running = false;
      _setRunningLoop(prev);
    }
  }

  /**
   * Runs until `stop()` (blocking: the loop owns the thread). Throws an
   * EventLoopError if the loop can never make progress again.
   */
  runForever(): void {
    runBlocking(this);
  }

  /**
   * Runs until `aw` (a Future, a coroutine, or a promise) is done and returns
   * its result or throws its exception (blocking).
   */
  runUntilComplete<T>(aw: Awaitable<T>): T {
    this._checkStart(true);
    const run = new AwaitRun(this, aw);
    let failed = true;
    try {
      runBlocking(this);
      failed = false;
    } finally {
      run.end(failed);
    }
    return run.result();
  }

  /**
   * Runs until `stop()`, hosted on Node's event loop: the loop runs in time
   * slices and hands the thread back to Node between them, so Node's I/O,
   * promises and timers keep working. Resolves once the loop stopped.
   *
   * `isRunning()` is true until the promise settles; `getRunningLoop()` is
   * this loop only inside its callbacks (between slices Node's code runs,
   * outside any loop). Rejects if the loop is closed or already running, and
   * with the would-wait-forever error if Node is about to exit while a task
   * of the loop is parked with nothing ready and no timer (nothing could
   * ever wake it); a loop with no task left just stays pending then.
   */
  runForeverAsync(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      runHosted(this, (error) => (error === null ? resolve() : reject(error)));
    });
  }

  /**
   * Runs until `aw` (a Future, a coroutine, or a promise) is done, hosted on
   * Node's event loop (see `runForeverAsync`), and resolves with its result
   * or rejects with its exception.
   */
  runUntilCompleteAsync<T>(aw: Awaitable<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // A hosted run never nests on the stack: another running loop does not matter.
      this._checkStart(false);
      const run = new AwaitRun(this, aw);
      runHosted(this, (error) => {
        // Synchronously, as the run ends: before the loop can be run again.
        run.end(error !== null);
        if (error !== null) {
          reject(error);
          return;
        }
        let value: T;
        try {
          value = run.result();
        } catch (err) {
          reject(err);
          return;
        }
        resolve(value);
      });
    });
  }

  // -- driving the virtual clock, and the loop's counters ----------------------
  //
  // advance/advanceTo are runOnce repeated up to a time: the loop is the
  // running loop while they run, a stop() inside is left for the next run,
  // and callbacks still run only in _runReady. Time is moved by a sentinel
  // timer at the target, put straight on the core (no jitter; left out of
  // stats() once it ran): while it is pending the virtual clock cannot jump
  // past the target, and once it has run the clock stands exactly there.

  /**
   * Virtual clock: runs every callback and timer due up to `time() + seconds`
   * — with whatever they schedule within that window — and leaves `time()`
   * exactly there (fake-timers' `tick`, SimPy's `run(until=...)`). Throws on
   * a running loop, a monotonic clock, NaN, a negative or infinite `seconds`.
   */
  advance(seconds: number): void {
    if (typeof seconds !== 'number' || seconds !== seconds) checkNumber(seconds, 'seconds', 'advance');
    if (seconds < 0) throw new RangeError(`advance: seconds must be >= 0 (time cannot go backwards), got ${seconds}`);
    if (seconds === Infinity) throw new RangeError('advance: seconds must be finite, got Infinity');
    this._checkAdvance('advance');
    this._advanceTo(this._core.time() + seconds);
  }

  /**
   * Virtual clock: `advance` to the absolute loop time `when` (>= `time()`):
   * runs everything due up to `when` and leaves `time() === when`.
   */
  advanceTo(when: number): void {
    if (typeof when !== 'number' || when !== when) checkNumber(when, 'when', 'advanceTo');
    if (when === Infinity || when === -Infinity) throw new RangeError(`advanceTo: when must be finite, got ${when}`);
    this._checkAdvance('advanceTo');
    const now = this._core.time();
    if (when < now) {
      throw new RangeError(`advanceTo: when must be >= time() (${now}): time cannot go backwards, got ${when}`);
    }
    this._advanceTo(when);
  }

  /** @internal The loop may be advanced: open, not running, on the virtual clock. */
  _checkAdvance(what: string): void {
    this._checkStart(true);
    if (this._core.clock !== 'virtual') {
      throw new EventLoopError(
        `${what}: only a virtual clock can be advanced (new Loop({ clock: 'virtual' })); this loop's clock is monotonic`,
      );
    }
  }

  /** @internal */
  _advanceTo(target: number): void {
    const core = this._core;
    const stats = this._stats;
    let reached = false;
    // The sentinel is the loop's own, not one of the user's callbacks or
    // timers: counted while it is pending (so the counters treat the loop as
    // having a timer), and taken out of the counts when it runs.
    stats.timersScheduled++;
    const token = core.atQuiet1(
      target,
      () => {
        reached = true;
        stats.timersScheduled--;
        stats.timersFired--;
        stats.entries--;
      },
      undefined,
    );
    this._running = true;
    const prev = _setRunningLoop(this);
    stats.busyBegin();
    try {
      // Until the sentinel has run, the clock cannot pass the target; after
      // it, what is ready or due at the target still runs, then we stop.
      while (!reached || core.readyCount() > 0 || core.nextWhen() <= target) {
        this._runReady(this._collect(Infinity));
      }
    } finally {
      if (!reached) {
        stats.timersScheduled--;
        if (!this._closed) core.cancelQuiet(token);
      }
      stats.busyEnd();
      this._running = false;
      _setRunningLoop(prev);
    }
  }

  /**
   * The loop's counters since it was made (see {@link LoopStats}): iterations,
   * callbacks run, timers scheduled / cancelled / fired, tasks created / live
   * / done, the largest ready batch, time spent in callbacks, slow callbacks
   * (debug mode), and on the monotonic clock the lag of timers. A new object
   * each call.
   */
  stats(): LoopStats {
    const [created, finished] = this._closed ? (this._closedTaskCounts ?? [0, 0]) : _taskCounts(this);
    return this._stats.snapshot(created, finished);
  }

  // -- what the drivers use (lib/driver.ts) -----------------------------------

  /** @internal What runUntilComplete waits for (for the would-wait-forever message). */
  _awaiting: Future<unknown> | null = null;
  /**
   * @internal The driver to wake when work arrives while it waits outside
   * the loop (a hosted run between slices), or null: the one check on the
   * scheduling paths.
   */
  _waker: Waker | null = null;

  /** @internal */
  _beginRun(exclusive: boolean): void {
    this._checkStart(exclusive);
    this._running = true;
  }

  /** @internal A run (blocking) or a hosted slice begins: its time counts as busy in stats(). */
  _busyBegin(): void {
    this._stats.busyBegin();
  }

  /** @internal A run or a hosted slice ends. */
  _busyEnd(): void {
    this._stats.busyEnd();
  }

  /** @internal */
  _endRun(): void {
    this._waker = null;
    this._stopping = false;
    this._running = false;
  }

  /** @internal */
  _readyCount(): number {
    return this._core.readyCount();
  }

  /** @internal */
  _nextWhen(): number {
    return this._core.nextWhen();
  }

  /** @internal */
  _hasWaiters(): boolean {
    return this._awaiting !== null || allTasks(this).size > 0;
  }

  /**
   * Resolves `host` and `port` with Node's resolver (`dns.lookup`, every
   * address) — a coroutine: `const infos = yield* loop.getaddrinfo(host, port)`.
   * Each entry is `{ family: 4 | 6, address, port }` (see {@link AddrInfo}).
   * Node's resolver answers through Node's event loop, so this completes in
   * hosted mode only (a blocking run reports that it would wait forever).
   */
  getaddrinfo(host: string, port?: number | string | null, options?: GetaddrinfoOptions): Coroutine<AddrInfo[]> {
    return getaddrinfo(this, host, port, options);
  }

  /**
   * Runs `callback(...args)` through the ready queue each time the process
   * gets signal `sig` (a name such as `'SIGUSR1'`, or a number), replacing
   * this loop's previous handler for it (asyncio's `add_signal_handler`,
   * over `process.on(sig)`: signals arrive through Node's event loop, so in
   * hosted mode). SIGKILL and SIGSTOP cannot be caught. `close()` removes
   * every handler.
   */
  addSignalHandler<A extends unknown[]>(sig: SignalName | number, callback: (...args: A) => unknown, ...args: A): void {
    addSignalHandler(this, sig, callback, args);
  }

  /** Removes this loop's handler for `sig`; true if there was one. */
  removeSignalHandler(sig: SignalName | number): boolean {
    return removeSignalHandler(this, sig);
  }

  /**
   * Ends `runForever` (or `runForeverAsync`) after the current iteration
   * (before it: one iteration runs). May be called from anywhere, also from
   * Node code outside the loop: a waiting hosted loop wakes up to stop.
   */
  stop(): void {
    this._stopping = true;
    if (this._waker !== null) this._waker.wake();
  }

  /** True while the loop runs (in hosted mode: from the call until the promise settles). */
  isRunning(): boolean {
    return this._running;
  }

  /** True once the loop was closed. */
  isClosed(): boolean {
    return this._closed;
  }

  /**
   * Closes the loop: drops every pending callback and timer (and their
   * references). Idempotent; throws if the loop is running.
   */
  close(): void {
    if (this._running) throw new EventLoopError('Cannot close a running event loop');
    if (this._closed) return;
    // Every failure nobody retrieved is reported now, while the handler is
    // still set: a program that is one run() call sees them.
    _reportUnretrieved(this);
    _reportNeverAwaited(this);
    this._closed = true;
    _removeAllSignalHandlers(this);
    _closeStreams(this);
    this._core.close();
    this._closedTaskCounts = _taskCounts(this);
    _forgetTasks(this);
    this._exceptionHandler = null;
    this._taskFactory = null;
    if (_getSetLoop() === this) _setEventLoop(null);
  }

  /**
   * @internal The gathering half of an iteration: waits up to `maxWait`
   * seconds if nothing is ready (jumps on the virtual clock), moves due
   * timers to the ready queue, and returns how many entries this iteration
   * runs (`_runReady` runs them).
   */
  _collect(maxWait: number): number {
    _nextContextEpoch();
    return this._stats.collect(this._core, maxWait);
  }

  /**
   * @internal Runs the next `n` ready entries: the one place that calls
   * callbacks (runOnce and both drivers come here; everything else only
   * appends to the ready queue). A
   * callback that throws goes to the exception handler; the others still run.
   */
  _runReady(n: number): void {
    const core = this._core;
    if (this._debug) {
      this._runReadyDebug(n);
      return;
    }
    for (let i = 0; i < n; i++) {
      const cb = core.next();
      if (cb === undefined) {
        this._stats.skipped++; // cancelled
        continue;
      }
      const args = core.args;
      let a0: unknown;
      if (args === null) {
        // Taken out of the core so that it keeps nothing alive after the call.
        a0 = core.arg0;
        core.arg0 = undefined;
      }
      try {
        if (args === null) {
          cb(a0);
        } else {
          switch (args.length) {
            case 0:
              cb();
              break;
            case 1:
              cb(args[0]);
              break;
            case 2:
              cb(args[0], args[1]);
              break;
            default:
              cb(...args);
          }
        }
      } catch (exception) {
        this._callbackFailed(cb, args === null ? [a0] : args, exception);
      }
    }
  }

  /** @internal `_runReady` with slow-callback reports (debug mode). */
  _runReadyDebug(n: number): void {
    const core = this._core;
    for (let i = 0; i < n; i++) {
      const cb = core.next();
      if (cb === undefined) {
        this._stats.skipped++;
        continue;
      }
      const args = core.args === null ? [core.arg0] : core.args;
      core.arg0 = undefined;
      _noteSteps(true);
      const t0 = performance.now();
      try {
        cb(...args);
      } catch (exception) {
        this._callbackFailed(cb, args, exception);
      }
      const dt = (performance.now() - t0) / 1000;
      // A task's step is named by its task, not by the step function.
      const stepped = _noteSteps(false);
      if (dt >= this.slowCallbackDuration) {
        this._stats.slowCallbacks++;
        const handle = core.currentHandle(cb, args);
        this.callExceptionHandler({
          message: `Executing ${stepped !== null ? `the step of ${stepped}` : String(handle)} took ${dt.toFixed(3)} seconds`,
          handle,
          duration: dt,
          ...(stepped !== null ? { task: stepped } : {}),
        });
      }
    }
  }

  /** @internal Reports a callback that threw, with its handle. */
  _callbackFailed(cb: Callback, args: readonly unknown[], exception: unknown): void {
    this.callExceptionHandler({
      message: `Exception in callback ${callbackName(_unwrapCallback(cb, args))}`,
      exception,
      handle: this._core.currentHandle(cb, args),
    });
  }

  /**
   * @internal A run may start: the loop is open and not running, and, for an
   * `exclusive` (blocking) run, no other loop runs on this thread. Hosted
   * runs never nest on the stack, so another running loop does not matter
   * to them.
   */
  _checkStart(exclusive: boolean): void {
    if (this._closed) throw new EventLoopError('Event loop is closed');
    if (this._running) throw new EventLoopError('This event loop is already running');
    if (exclusive && _getRunningLoop() !== null) {
      throw new EventLoopError('Cannot run the event loop while another loop is running');
    }
  }

  /**
   * @internal The error of a run that can never make progress: a blocking
   * one, or (`hosted`) a hosted one when Node has nothing left to wake it.
   */
  _wouldWaitForever(hosted = false): EventLoopError {
    return wouldWaitForeverError(this._awaiting, [...allTasks(this)], hosted);
  }

  // -- exception handling and debug -----------------------------------------

  /** Sets the handler of errors in callbacks (`null` restores the default). */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    checkFunctionOrNull(handler, 'handler', 'setExceptionHandler');
    this._exceptionHandler = handler;
  }

  /** The exception handler, or null for the default. */
  getExceptionHandler(): ExceptionHandler | null {
    return this._exceptionHandler;
  }

  /**
   * Writes `context` to `console.error`: the message, the other fields, the
   * exception (with its stack). Survives any value in the context.
   */
  defaultExceptionHandler(context: ExceptionContext): void {
    if (context === null || typeof context !== 'object') {
      throw new TypeError(`defaultExceptionHandler: context must be an object, got ${describe(context)}`);
    }
    let message = 'Unhandled exception in event loop';
    const lines: string[] = [];
    let exception: unknown;
    let hasException = false;
    try {
      if (typeof context.message === 'string' && context.message) message = context.message;
      for (const key of Object.keys(context).sort()) {
        if (key === 'message') continue;
        if (key === 'exception') {
          exception = context.exception;
          hasException = exception !== undefined || 'exception' in context;
          continue;
        }
        lines.push(`${key}: ${describe(context[key])}`);
      }
    } catch {
      lines.push('(the rest of the context could not be read)');
    }
    if (hasException) safeConsoleError([message, ...lines].join('\n'), exception);
    else safeConsoleError([message, ...lines].join('\n'));
  }

  /**
   * Hands `context` to the exception handler (or the default one). Never
   * throws: a handler that throws is itself reported, once, by the default
   * handler.
   */
  callExceptionHandler(context: ExceptionContext): void {
    if (context === null || typeof context !== 'object') {
      throw new TypeError(`callExceptionHandler: context must be an object, got ${describe(context)}`);
    }
    const handler = this._exceptionHandler;
    if (handler === null) {
      try {
        this.defaultExceptionHandler(context);
      } catch (err) {
        safeConsoleError('Exception in default exception handler', err);
      }
      return;
    }
    try {
      handler(this, context);
    } catch (exception) {
      try {
        this.defaultExceptionHandler({ message: 'Unhandled error in exception handler', exception, context });
      } catch (err) {
        safeConsoleError('Exception in default exception handler', err);
      }
    }
  }

  /** Turns debug mode on or off. */
  setDebug(enabled: boolean): void {
    checkBoolean(enabled, 'enabled', 'setDebug');
    this._debug = enabled;
    if (enabled) _noteDebugLoop();
  }

  /** True in debug mode. */
  getDebug(): boolean {
    return this._debug;
  }

  toString(): string {
    return `<Loop backend=${this.backend} clock=${this.clock} running=${this._running} closed=${this._closed} debug=${this._debug}>`;
  }
}

/** A new loop (it is not made current: see `setEventLoop`). */
export function newEventLoop(options?: LoopOptions): Loop {
  return new Loop(options);
}

/** The running loop; throws `EventLoopError('no running event loop')` outside one. */
export function getRunningLoop(): Loop {
  // Only a Loop ever runs: the drivers and runOnce are Loop's.
  return _requireRunningLoop() as Loop;
}

/** The running loop, else the one given to `setEventLoop`, else a new one (which becomes the set loop). */
export function getEventLoop(): Loop {
  return _getEventLoop() as Loop;
}

/** Sets the loop `getEventLoop()` returns when no loop is running (`null` clears it). */
export function setEventLoop(loop: Loop | null): void {
  if (loop !== null && !(loop instanceof Loop)) {
    throw new TypeError(`setEventLoop: loop must be a Loop or null, got ${describe(loop)}`);
  }
  _setEventLoop(loop);
}

_setLoopFactory(() => new Loop());
