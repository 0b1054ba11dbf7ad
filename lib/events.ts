/**
 * asyncio's events module: handles (what `callSoon`/`callLater` return), the
 * two loop interfaces — the minimal one Future and Task depend on, and the
 * abstract one the toolbox is typed against — and the process-wide "current
 * loop" state behind `getRunningLoop`, `getEventLoop` and `setEventLoop`.
 */
import { callbackName } from './validate';
import { _unwrapCallback } from './context';
import { EventLoopError } from './exceptions';

/** What the loop passes to an exception handler. */
export interface ExceptionContext {
  message: string;
  exception?: unknown;
  handle?: Handle;
  future?: unknown;
  task?: unknown;
  [key: string]: unknown;
}

/**
 * The part of a loop that Future and Task use. Any object with these three
 * methods can drive aioloop's Future and Task, like the seed's hand-written
 * loop does.
 *
 * aioloop's own Loop also has the internal fast paths below; Future and Task
 * use them when present (no Handle, no arguments array) and plain `callSoon`
 * otherwise.
 */
export interface MinimalLoop {
  callSoon(callback: (...args: any[]) => unknown, ...args: any[]): unknown;
  callExceptionHandler(context: ExceptionContext): void;
  getDebug(): boolean;
  /** @internal `callSoon(callback, ...args)` without a Handle. */
  _soon?(callback: (...args: any[]) => unknown, args: readonly unknown[]): void;
  /** @internal `callSoon(callback, arg)` without a Handle or an arguments array. */
  _soon1?(callback: (...args: any[]) => unknown, arg: unknown): void;
}

/** What `_at1` returns: a token good for `_cancelTimer`/`_timerWhen` until the timer ran. */
export type TimerToken = unknown;

/**
 * The loop the toolbox is written against (asyncio's AbstractEventLoop):
 * everything beyond {@link MinimalLoop} that gather, wait, timeouts, task
 * groups, locks, queues and sleep use. aioloop's `Loop` implements it, and
 * it is the type of the running loop.
 */
export interface AbstractLoop extends MinimalLoop {
  time(): number;
  callSoon(callback: (...args: any[]) => unknown, ...args: any[]): Handle;
  callLater(delay: number, callback: (...args: any[]) => unknown, ...args: any[]): TimerHandle;
  callAt(when: number, callback: (...args: any[]) => unknown, ...args: any[]): TimerHandle;
  isClosed(): boolean;
  isRunning(): boolean;
  stop(): void;
  /** @internal */ _soon(callback: (...args: any[]) => unknown, args: readonly unknown[]): void;
  /** @internal */ _soon1(callback: (...args: any[]) => unknown, arg: unknown): void;
  /** @internal `callAt(when, callback, arg)` without a Handle (a sleeping task's timer). */
  _at1(when: number, callback: (...args: any[]) => unknown, arg: unknown): TimerToken;
  /** @internal Cancels an `_at1` timer that has not run yet. */
  _cancelTimer(token: TimerToken): void;
  /** @internal The deadline of a pending `_at1` timer (for messages). */
  _timerWhen(token: TimerToken): number;
  /** @internal `handle.cancel()`: the core lets go of the callback. */
  _handleCancelled(handle: Handle): void;
  /** @internal The callback a handle stands for, while scheduled (for messages). */
  _handleCallback(handle: Handle): ((...args: any[]) => unknown) | undefined;
  /**
   * @internal The task factory as `createTask` calls it (`null`: a plain
   * Task). Typed loosely here because the Task type lives above this module;
   * lib/tasks.ts checks what the factory returns.
   */
  _taskFactoryOrNull(): ((loop: any, coro: any, options: { name?: string; context?: any }) => unknown) | null;
}

/** @internal The one empty argument list shared by every callback that takes none. */
export const NO_ARGS: readonly unknown[] = Object.freeze([]);

/**
 * A callback scheduled with `callSoon`. `cancel()` keeps it from running.
 *
 * Where the callback lives depends on the core: the js core keeps its own
 * subclass of this object (CallbackHandle, with `_callback`/`_args`) in its
 * ready queue; the native core keeps the callback in its slot table and this
 * object only names the slot (`_slot`, `_gen`) — four fields, so a million
 * handles held by a caller cost the garbage collector as little as possible.
 */
export class Handle {
  /** @internal */ _loop: AbstractLoop;
  /** @internal */ _cancelled: boolean;
  /**
   * @internal Where the core keeps this handle: the heap index of a timer in
   * the js core, the slot-table index (or ring position) in the native one;
   * -1 when the core has nothing to undo on cancel.
   */
  _slot: number;
  /** @internal The native slot's generation when this handle was made (stale handles are ignored). */
  _gen: number;

  /** @internal Handles are made by the loop: use `loop.callSoon`. */
  constructor(loop: AbstractLoop) {
    this._loop = loop;
    this._cancelled = false;
    this._slot = -1;
    this._gen = 0;
  }

  /** Keeps the callback from running. Idempotent; harmless after it ran. */
  cancel(): void {
    if (!this._cancelled) {
      this._cancelled = true;
      // The core drops its references at once, so a cancelled handle keeps
      // nothing alive.
      this._loop._handleCancelled(this);
    }
  }

  /** True once `cancel()` was called. */
  cancelled(): boolean {
    return this._cancelled;
  }

  /** @internal The callback, for messages: held here, or looked up in the core. */
  _describedCallback(): ((...args: any[]) => unknown) | undefined {
    return this._loop._handleCallback(this);
  }

  /** @internal The public class name, for messages. */
  _className(): string {
    return 'Handle';
  }

  toString(): string {
    if (this._cancelled) return `<${this._className()} cancelled>`;
    return `<${this._className()} ${callbackName(this._describedCallback())}>`;
  }
}

/** A callback scheduled for a time with `callLater`/`callAt`. */
export class TimerHandle extends Handle {
  /** @internal */ _when: number;

  /** @internal Use `loop.callLater` / `loop.callAt`. */
  constructor(when: number, loop: AbstractLoop) {
    super(loop);
    this._when = when;
  }

  /** The absolute time (on the loop's clock, seconds) the callback is scheduled for. */
  when(): number {
    return this._when;
  }

  /** @internal */
  override _className(): string {
    return 'TimerHandle';
  }

  override toString(): string {
    return super.toString().replace(/>$/, ` when=${this._when}>`);
  }
}

/**
 * @internal A Handle that holds its callback and arguments: the js core's
 * ready-queue entry (asyncio's design), and the handle an exception report
 * names on the native core.
 */
export class CallbackHandle extends Handle {
  /** @internal The callback; undefined once cancelled. */
  _callback: ((...args: any[]) => unknown) | undefined;
  /** @internal */ _args: readonly unknown[] | undefined;

  constructor(callback: ((...args: any[]) => unknown) | undefined, args: readonly unknown[] | undefined, loop: AbstractLoop) {
    super(loop);
    this._callback = callback;
    this._args = args;
  }

  override _describedCallback(): ((...args: any[]) => unknown) | undefined {
    return _unwrapCallback(this._callback, this._args);
  }
}

/** @internal The timer counterpart of CallbackHandle (the js core's heap entry). */
export class CallbackTimerHandle extends TimerHandle {
  /** @internal */ _callback: ((...args: any[]) => unknown) | undefined;
  /** @internal */ _args: readonly unknown[] | undefined;
  /** @internal Scheduling order in the js core; ties on `_when` run in this order. */
  _seq: number;

  constructor(
    when: number,
    callback: ((...args: any[]) => unknown) | undefined,
    args: readonly unknown[] | undefined,
    loop: AbstractLoop,
  ) {
    super(when, loop);
    this._callback = callback;
    this._args = args;
    this._seq = 0;
  }

  override _describedCallback(): ((...args: any[]) => unknown) | undefined {
    // A native wrapper's local timer that moved to C++ gave its callback to
    // the slot table: look it up there, as for any native timer handle.
    if (this._callback === undefined && this._gen >= 0 && this._slot >= 0) return super._describedCallback();
    return _unwrapCallback(this._callback, this._args);
  }
}

// ---------------------------------------------------------------------------
// The current loop. One thread (or worker) runs at most one loop at a time.

let runningLoop: AbstractLoop | null = null;
let setLoop: AbstractLoop | null = null;
let loopFactory: (() => AbstractLoop) | null = null;

/** @internal The loop running now (inside runForever/runOnce), or null. */
export function _getRunningLoop(): AbstractLoop | null {
  return runningLoop;
}

/** @internal Installs `loop` as the running loop; returns the previous one. */
export function _setRunningLoop(loop: AbstractLoop | null): AbstractLoop | null {
  const prev = runningLoop;
  runningLoop = loop;
  return prev;
}

/** @internal How `getEventLoop()` makes a loop when none is set (registered by loop.ts). */
export function _setLoopFactory(factory: () => AbstractLoop): void {
  loopFactory = factory;
}

/** @internal The loop given to setEventLoop, or null. */
export function _getSetLoop(): AbstractLoop | null {
  return setLoop;
}

/** @internal */
export function _setEventLoop(loop: AbstractLoop | null): void {
  setLoop = loop;
}

/** @internal getEventLoop without the concrete type (used by futures.ts). */
export function _getEventLoop(): AbstractLoop {
  if (runningLoop !== null) return runningLoop;
  if (setLoop === null) {
    if (loopFactory === null) throw new EventLoopError('no event loop factory is registered');
    setLoop = loopFactory();
  }
  return setLoop;
}

/** @internal getRunningLoop without the concrete type. */
export function _requireRunningLoop(): AbstractLoop {
  if (runningLoop === null) throw new EventLoopError('no running event loop');
  return runningLoop;
}
