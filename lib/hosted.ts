/**
 * Hosted mode: the loop runs on top of Node's event loop instead of owning
 * the thread (`runForeverAsync`, `runUntilCompleteAsync`, `runAsync`).
 *
 * Design
 * ------
 * A blocking run waits for its next timer by sleeping the thread, so nothing
 * of Node's (I/O, promises, timers) can happen meanwhile. A hosted run cuts
 * the same iterations into slices, each one a Node macrotask, and hands the
 * thread back to Node between slices:
 *
 *               +---------------- setImmediate <---------- work is ready, or
 *               |                                          the budget ran out
 *               v                                                 |
 *   start --> SCHEDULED --(Node runs it)--> SLICING --------------+
 *               ^                              |  |  \
 *               |                              |  |   `-- stopping --> done
 *       wake()  |       setTimeout(next) <-----'  |        (promise settles)
 *   (callSoon,  +----- WAITING <------------------'  only timers remain
 *    callAt,    |                                 |
 *    cancel,    +----- IDLE <---------------------'  nothing at all
 *    stop)
 *
 *   SCHEDULED  a setImmediate for the next slice is pending
 *   SLICING    a slice runs: the loop is the running loop, for this slice only
 *   WAITING    a ref'ed Node setTimeout for the earliest timer is pending, so
 *              the process stays alive while the loop has pending timers
 *   IDLE       no Node handle: nothing is ready and no timer is pending; only
 *              a callback scheduled from outside (a promise continuation, a
 *              Node timer or I/O callback) can give the loop work again
 *
 * A slice runs iterations with `maxWait = 0` (the core never blocks) until
 * SLICE_BUDGET_MS is spent or nothing is ready. On the virtual clock a slice
 * passes `maxWait = Infinity` instead: the core never sleeps on that clock,
 * it jumps to the next timer, so simulated time still passes at once.
 *
 * An iteration may be cut across slices (a flood of ready callbacks must not
 * keep Node out for longer than the budget): `_remaining` counts the handles
 * of the current iteration not yet run, and the next slice runs them before
 * it collects again. Anything scheduled meanwhile, by the loop or from
 * outside, is behind them in the ready queue, so the order of callbacks is
 * exactly the blocking run's (FIFO, and an iteration runs what was ready
 * when it began).
 *
 * Waking: in WAITING and IDLE the run is the loop's `_waker` (see
 * lib/driver.ts). Every path that gives the loop new work or changes its
 * next deadline (callSoon, callAt/callLater, a timer cancelled, stop) tests
 * that one field and, when set, calls `wake()`: drop the Node timer,
 * schedule a slice. In a blocking run and inside slices the field is null,
 * so the cost there is one well-predicted branch.
 *
 * What "running" means: `isRunning()` is true from the call until the
 * promise settles (asyncio: running for the whole run_forever), so a second
 * run of the same loop (blocking or hosted) throws `This event loop is
 * already running` and `close()` throws `Cannot close a running event loop`.
 * `getRunningLoop()` is this loop inside its slices only: between slices
 * Node's own code runs, and that code is not running inside the loop (an
 * async function resumed by `await fut` runs between slices). So between
 * slices another loop may run, blocking or hosted: hosted runs never nest on
 * the stack, which is also why a hosted run may be started from a callback
 * of another loop.
 *
 * Never waking: when Node is about to exit ('beforeExit': nothing of Node's
 * is left that could schedule a callback) and a hosted run is IDLE, it can
 * never make progress. If something waits in it (the Future of
 * runUntilCompleteAsync, or a parked task), its promise is rejected with the
 * would-wait-forever error instead of the process exiting with that work
 * silently lost. A run with nothing waiting is only idle and stays pending.
 */
import { CLOCK_RESOLUTION } from './backend/layout';
import { AsyncResource } from 'node:async_hooks';
import type { DrivenLoop, Waker } from './driver';
import { _setRunningLoop } from './events';

/**
 * How long a slice may run before it hands the thread back to Node,
 * milliseconds. Long enough that the cost of a round trip through Node's
 * event loop (a few microseconds) is noise, short enough that a Node
 * request or timer waits at most a few ms behind a busy loop — about the
 * resolution of Node's own timers.
 */
export const SLICE_BUDGET_MS = 4;

/**
 * Callbacks run between two looks at the clock, counted across iterations
 * (an empty iteration counts as one). Reading the clock costs about as much
 * as dispatching a trivial callback; once per 64 keeps that under 2% (a
 * chain of one-callback iterations runs as fast hosted as blocking) while a
 * slice overshoots its budget by at most 64 callbacks' worth of time.
 */
export const SLICE_CHECK_INTERVAL = 64;

/** Node's largest setTimeout delay (ms); longer ones are clamped and re-armed on expiry. */
const MAX_NODE_TIMEOUT_MS = 2 ** 31 - 1;

const SCHEDULED = 0;
const SLICING = 1;
const WAITING = 2;
const IDLE = 3;
const DONE = 4;

/** Hosted runs in progress, for the 'beforeExit' check. */
const active = new Set<HostedRun>();

function onBeforeExit(): void {
  for (const run of [...active]) {
    if (run._state !== IDLE) continue;
    // Only work that waits is lost: an awaited Future or a parked task. A
    // loop with neither is merely idle (a library's background loop at the
    // end of the program): it is left pending, as Node leaves any promise.
    const loop = run._loop;
    if (loop._hasWaiters()) run._finish(loop._wouldWaitForever(true));
  }
}

/**
 * Starts a hosted run of `loop` (throws if it is closed or running);
 * `onEnd(null)` is called when it stops, `onEnd(error)` when it cannot go
 * on, synchronously as the run ends.
 */
export function runHosted(loop: DrivenLoop, onEnd: (error: unknown) => void): void {
  loop._beginRun(false);
  new HostedRun(loop, onEnd);
}

/** @internal One hosted run of a loop, from `runForeverAsync()` until its promise settles. */
class HostedRun implements Waker {
  /** @internal */ _loop: DrivenLoop;
  /** @internal */ _state: number;
  /** @internal Handles of the current iteration that a slice has not run yet. */
  _remaining: number;
  /** @internal collect()'s maxWait: 0, or Infinity on the virtual clock (jump, never sleep). */
  _maxWait: number;
  /** @internal */ _immediate: ReturnType<typeof setImmediate> | null;
  /** @internal */ _timer: ReturnType<typeof setTimeout> | null;
  /** @internal */ _onEnd: (error: unknown) => void;
  /** @internal */ _sliceCb: () => void;

  constructor(loop: DrivenLoop, onEnd: (error: unknown) => void) {
    this._loop = loop;
    this._state = SCHEDULED;
    this._remaining = 0;
    this._maxWait = loop.clock === 'virtual' ? Infinity : 0;
    this._onEnd = onEnd;
    this._timer = null;
    // Every slice runs in the context the run started in, whoever woke it
    // (a request handler's callSoon must not lend its async context to the
    // callbacks of other requests: lib/context.ts).
    this._sliceCb = AsyncResource.bind(() => this._slice());
    this._immediate = setImmediate(this._sliceCb);
    if (active.size === 0) process.on('beforeExit', onBeforeExit);
    active.add(this);
  }

  /** Outside work arrived while WAITING or IDLE: run a slice soon. */
  wake(): void {
    this._loop._waker = null;
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    this._state = SCHEDULED;
    this._immediate = setImmediate(this._sliceCb);
  }

  /** @internal A Node macrotask: run iterations for up to SLICE_BUDGET_MS. */
  _slice(): void {
    this._immediate = null;
    this._timer = null;
    this._loop._waker = null;
    this._state = SLICING;
    const prev = _setRunningLoop(this._loop);
    let stopping: boolean;
    this._loop._busyBegin();
    try {
      stopping = this._runSlice();
    } catch (err) {
      // Callbacks' errors go to the exception handler; only a broken core
      // gets here. End the run rather than leave the promise pending.
      this._loop._busyEnd();
      _setRunningLoop(prev);
      this._finish(err);
      return;
    }
    this._loop._busyEnd();
    _setRunningLoop(prev);
    if (stopping) this._finish(null);
    else this._park();
  }

  /**
   * @internal The iterations of one slice; true when the run must end (stop).
   * The clock is read once per SLICE_CHECK_INTERVAL callbacks, counted across
   * iterations: reading it once per iteration would cost more than a
   * one-callback iteration itself.
   */
  _runSlice(): boolean {
    const loop = this._loop;
    const maxWait = this._maxWait;
    const deadline = performance.now() + SLICE_BUDGET_MS;
    let untilCheck = SLICE_CHECK_INTERVAL;
    let left = this._remaining;
    this._remaining = 0;
    // The path each iteration takes is kept to what runBlocking does (collect,
    // run, check stop): with more in it, V8 stopped inlining the collect and
    // the core's queueing into this loop, and a hosted callSoon chain ran at
    // 0.81-0.88 of a blocking one. What an empty iteration needs (is there a
    // timer to wait for?) is asked only when one is empty.
    for (;;) {
      if (left === 0) {
        left = loop._collect(loop._stopping ? 0 : maxWait);
        if (left === 0) {
          if (loop._stopping) return true;
          if (!this._worthAnotherIteration()) return false;
          if (--untilCheck <= 0) {
            untilCheck = SLICE_CHECK_INTERVAL;
            if (performance.now() >= deadline) return false;
          }
          continue;
        }
      }
      while (left > 0) {
        const k = left < untilCheck ? left : untilCheck;
        loop._runReady(k);
        left -= k;
        untilCheck -= k;
        if (untilCheck <= 0) {
          untilCheck = SLICE_CHECK_INTERVAL;
          if (performance.now() >= deadline) {
            // Budget spent: inside an iteration, the rest of it runs first in
            // the next slice; after a whole one, stop() may end the run.
            this._remaining = left;
            return left === 0 && loop._stopping;
          }
        }
      }
      if (loop._stopping) return true; // stop() ends the run after a whole iteration
    }
  }

  /**
   * @internal An iteration found nothing ready: is another one worth
   * running in this slice? Not when no timer is left, nor (monotonic clock)
   * when the next one is not due: the slice ends and `_park` waits for it
   * with a Node timer. On the virtual clock the next iteration jumps to it.
   */
  _worthAnotherIteration(): boolean {
    const loop = this._loop;
    if (loop._readyCount() > 0) return true;
    const next = loop._nextWhen();
    if (next === Infinity) return false;
    return !(this._maxWait === 0 && next >= loop.time() + CLOCK_RESOLUTION);
  }

  /** @internal After a slice: choose the Node handle that brings the next one. */
  _park(): void {
    const loop = this._loop;
    if (this._remaining > 0 || loop._readyCount() > 0 || loop._stopping) {
      this._state = SCHEDULED;
      this._immediate = setImmediate(this._sliceCb);
      return;
    }
    const next = loop._nextWhen();
    if (next === Infinity) {
      this._state = IDLE;
      loop._waker = this;
      return;
    }
    const delayMs = this._maxWait === 0 ? (next - loop.time()) * 1000 : 0;
    if (delayMs <= 0) {
      this._state = SCHEDULED;
      this._immediate = setImmediate(this._sliceCb);
      return;
    }
    // Node's timers count whole milliseconds: round up so the slice it starts
    // finds the timer due (if Node fires a little early, the slice re-arms).
    const ms = Math.min(Math.ceil(delayMs), MAX_NODE_TIMEOUT_MS);
    this._state = WAITING;
    this._timer = setTimeout(this._sliceCb, ms);
    loop._waker = this;
  }

  /** @internal Ends the run: no Node handle stays behind; settles the promise. */
  _finish(error: unknown): void {
    if (this._state === DONE) return;
    this._state = DONE;
    if (this._immediate !== null) clearImmediate(this._immediate);
    if (this._timer !== null) clearTimeout(this._timer);
    this._immediate = null;
    this._timer = null;
    active.delete(this);
    if (active.size === 0) process.removeListener('beforeExit', onBeforeExit);
    this._loop._endRun();
    this._onEnd(error);
  }
}
