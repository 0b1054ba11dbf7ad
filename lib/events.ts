/**
 * Handles (what `callSoon`/`callLater` return), the minimal loop interface that
 * Future and Task depend on, and the process-wide "current loop" state behind
 * `getRunningLoop`, `getEventLoop` and `setEventLoop`.
 */
import { callbackName } from './coroutines';
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
 */
export interface MinimalLoop {
  callSoon(callback: (...args: any[]) => unknown, ...args: any[]): unknown;
  callExceptionHandler(context: ExceptionContext): void;
  getDebug(): boolean;
}

const NO_ARGS: readonly unknown[] = Object.freeze([]);

/**
 * A callback scheduled with `callSoon`. `cancel()` keeps it from running;
 * cancelling is lazy: the entry stays in the ready queue and is skipped.
 */
export class Handle {
  /** @internal */ _callback: ((...args: any[]) => unknown) | undefined;
  /** @internal */ _args: readonly unknown[] | undefined;
  /** @internal */ _loop: MinimalLoop;
  /** @internal */ _cancelled: boolean;
  /**
   * @internal Where the core keeps this handle: the heap index in the js
   * core, the slot-table index in the native one; -1 when not scheduled.
   */
  _slot: number;

  /** @internal Handles are made by the loop: use `loop.callSoon`. */
  constructor(callback: (...args: any[]) => unknown, args: readonly unknown[], loop: MinimalLoop) {
    this._callback = callback;
    this._args = args.length === 0 ? NO_ARGS : args;
    this._loop = loop;
    this._cancelled = false;
    this._slot = -1;
  }

  /** Keeps the callback from running. Idempotent. */
  cancel(): void {
    if (!this._cancelled) {
      this._cancelled = true;
      // Drop references at once so a cancelled handle keeps nothing alive.
      this._callback = undefined;
      this._args = undefined;
    }
  }

  /** True once `cancel()` was called. */
  cancelled(): boolean {
    return this._cancelled;
  }

  /**
   * @internal Runs the callback; an exception goes to the loop's exception
   * handler. Only the loop's `_runOnce` calls this.
   */
  _run(): void {
    const cb = this._callback!;
    const args = this._args!;
    try {
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
    } catch (exception) {
      this._loop.callExceptionHandler({
        message: `Exception in callback ${callbackName(cb)}`,
        exception,
        handle: this,
      });
    }
  }

  toString(): string {
    const state = this._cancelled ? ' cancelled' : '';
    return `<${this.constructor.name}${state} ${this._cancelled ? '' : callbackName(this._callback)}>`;
  }
}

/** The part of our Loop that TimerHandle needs to unschedule itself. */
interface TimerOwner extends MinimalLoop {
  _timerHandleCancelled(handle: TimerHandle): void;
}

/** A callback scheduled for a time with `callLater`/`callAt`. */
export class TimerHandle extends Handle {
  /** @internal */ _when: number;
  /** @internal Scheduling order; ties on `_when` run in this order. */
  _seq: number;

  /** @internal Use `loop.callLater` / `loop.callAt`. */
  constructor(when: number, callback: (...args: any[]) => unknown, args: readonly unknown[], loop: TimerOwner) {
    super(callback, args, loop);
    this._when = when;
    this._seq = 0;
  }

  /** The absolute time (on the loop's clock, seconds) the callback is scheduled for. */
  when(): number {
    return this._when;
  }

  /** Keeps the callback from running and removes it from the timer heap. */
  override cancel(): void {
    if (!this._cancelled) {
      (this._loop as TimerOwner)._timerHandleCancelled(this);
      super.cancel();
    }
  }

  override toString(): string {
    return super.toString().replace(/>$/, ` when=${this._when}>`);
  }
}

// ---------------------------------------------------------------------------
// The current loop. One thread (or worker) runs at most one loop at a time.

let runningLoop: object | null = null;
let setLoop: object | null = null;
let loopFactory: (() => object) | null = null;

/** @internal The loop running now (inside runForever/runOnce), or null. */
export function _getRunningLoop(): object | null {
  return runningLoop;
}

/** @internal Installs `loop` as the running loop; returns the previous one. */
export function _setRunningLoop(loop: object | null): object | null {
  const prev = runningLoop;
  runningLoop = loop;
  return prev;
}

/** @internal How `getEventLoop()` makes a loop when none is set (registered by loop.ts). */
export function _setLoopFactory(factory: () => object): void {
  loopFactory = factory;
}

/** @internal The loop given to setEventLoop, or null. */
export function _getSetLoop(): object | null {
  return setLoop;
}

/** @internal */
export function _setEventLoop(loop: object | null): void {
  setLoop = loop;
}

/** @internal getEventLoop without the concrete type (used by futures.ts). */
export function _getEventLoop(): object {
  if (runningLoop !== null) return runningLoop;
  if (setLoop === null) {
    if (loopFactory === null) throw new EventLoopError('no event loop factory is registered');
    setLoop = loopFactory();
  }
  return setLoop;
}

/** @internal getRunningLoop without the concrete type. */
export function _requireRunningLoop(): object {
  if (runningLoop === null) throw new EventLoopError('no running event loop');
  return runningLoop;
}
