/**
 * Async context (asyncio's contextvars, on Node's AsyncLocalStorage).
 *
 * asyncio runs each Task in a copy of the context where it was created, and
 * each `call_soon` callback in the context current when it was scheduled.
 * Node's AsyncLocalStorage keeps its stores in the async context, which an
 * `AsyncResource` captures when it is made and re-enters with
 * `runInAsyncScope`. So aioloop captures one AsyncResource per Task (every
 * step runs inside it) and one per callback a user schedules (callSoon,
 * callLater, callAt, addDoneCallback); a callback with no captured context
 * (aioloop's own) runs in the driver's context, never in the context of
 * whoever happened to wake the loop.
 *
 * What it costs, and when
 * -----------------------
 * Capturing costs an object per task or callback and a scope change per
 * step — nothing a program that uses no AsyncLocalStorage should pay. So
 * capture starts only once a store is seen in use in this process, and then
 * stays on. How it is detected:
 *   - Node's hook-based AsyncLocalStorage (Node 18-22) leaves a slot keyed
 *     by a symbol described 'kResourceStore' on the current async resource
 *     once a store was entered there or the resource was made while one was
 *     enabled. (Only that symbol: every Immediate, Timeout and AsyncResource
 *     carries symbol-keyed ids of its own, and taking any symbol for a store
 *     turned capture on for every hosted run, whose slices run inside an
 *     AsyncResource — a callSoon chain then ran 3x slower hosted than
 *     blocking, and so did every blocking run after it in the process);
 *   - AsyncLocalStorage on AsyncContextFrame (Node 24) keeps no slot there,
 *     but a new AsyncResource carries the current frame, which is
 *     `undefined` until some store was ever set in this context.
 * The check (about 0.1 µs) runs at most once per loop iteration (the loop
 * bumps `epoch` as each one begins) when a Task is made, and at most once
 * per CALLBACK_PROBE_EPOCHS iterations when a callback is scheduled — also
 * from Node code between iterations, such as a request handler. So a
 * million callSoon calls pay for one check, and a callback chain for one in
 * 256 iterations. What those checks alone would miss — a store first entered
 * between two checks — the tripwire catches: aioloop wraps
 * AsyncLocalStorage's `run` and `enterWith`, and the first call of either
 * turns capture on before the store's callback runs.
 */
import { AsyncLocalStorage, AsyncResource, executionAsyncResource } from 'node:async_hooks';

/**
 * A captured async context: re-entered around a step or a callback. An
 * AsyncResource has this shape; declared structurally so that the package's
 * types need no Node type declarations.
 */
export interface Context {
  runInAsyncScope<R>(fn: (...args: any[]) => R, thisArg?: unknown, ...args: any[]): R;
}

let tracking = false;
/** Bumped by the loop as each iteration begins; a check runs at most once per value. */
let epoch = 0;
let probedEpoch = -1;

/** The symbol under which Node 24's AsyncResource keeps its context frame, if it has one. */
const FRAME_SYMBOL: symbol | null = (() => {
  try {
    const probe = new AsyncResource('aioloop.probe', { requireManualDestroy: true });
    for (const s of Object.getOwnPropertySymbols(probe)) if (s.description === 'context_frame') return s;
  } catch {
    // no async_hooks resource to inspect: hook-based only
  }
  return null;
})();

/** True if `resource` carries a hook-based AsyncLocalStorage's store slot. */
function hasStoreSlot(resource: object): boolean {
  for (const s of Object.getOwnPropertySymbols(resource)) if (s.description === 'kResourceStore') return true;
  return false;
}

/** Looks for a sign that some AsyncLocalStorage is in use; turns capture on for good if so. */
function probe(): boolean {
  try {
    if (hasStoreSlot(executionAsyncResource())) return (tracking = true);
    if (FRAME_SYMBOL !== null) {
      const r = new AsyncResource('aioloop.probe', { requireManualDestroy: true }) as unknown as Record<symbol, unknown>;
      if (r[FRAME_SYMBOL] !== undefined) return (tracking = true);
    }
  } catch {
    // async_hooks unavailable: no context to carry
  }
  return false;
}

/** @internal For tests: true once capture is on (some AsyncLocalStorage was seen in use). */
export function _contextTracking(): boolean {
  return tracking;
}

/**
 * The tripwire: the first `run` or `enterWith` of any AsyncLocalStorage in
 * this process turns capture on at once, so a store entered between two
 * rate-limited checks (below) is not missed. Node's own methods are wrapped,
 * once, by a function that sets the flag and calls them unchanged (on the
 * shared prototype, so stores made before aioloop was loaded are covered
 * too). Stores entered before aioloop was loaded are found by the check.
 */
function installTripwire(): void {
  try {
    const proto = AsyncLocalStorage.prototype as unknown as Record<string, unknown>;
    for (const name of ['run', 'enterWith']) {
      const original = proto[name];
      if (typeof original !== 'function') continue;
      const wrapped = function (this: unknown): unknown {
        tracking = true;
        // `arguments`, not a rest parameter: no array for each call.
        return Reflect.apply(original as (...a: unknown[]) => unknown, this, arguments);
      };
      Object.defineProperty(wrapped, 'name', { value: name });
      Object.defineProperty(wrapped, 'length', { value: (original as { length: number }).length });
      proto[name] = wrapped;
    }
  } catch {
    // A frozen or exotic AsyncLocalStorage: the rate-limited check remains.
  }
}
installTripwire();

/** A new loop iteration begins: the next capture may check again. */
export function _nextContextEpoch(): void {
  epoch++;
}

/**
 * Iterations between two checks made by scheduled callbacks. A chain of
 * one-callback iterations (a callLater re-arming itself) schedules once per
 * iteration, and a check per iteration would cost it more than the
 * iteration itself (measured: a third of W10's time); one per 256 is noise.
 */
export const CALLBACK_PROBE_EPOCHS = 256;

let probedCallbackEpoch = -CALLBACK_PROBE_EPOCHS;

/** The context to run a new Task in, or null while no store is in use. */
export function _captureForTask(): Context | null {
  if (!tracking) {
    if (probedEpoch === epoch) return null;
    probedEpoch = epoch;
    if (!probe()) return null;
  }
  return new AsyncResource('aioloop.Task', { requireManualDestroy: true });
}

/** The context of a callback being scheduled, or null while no store is in use. */
export function _captureForCallback(): Context | null {
  if (!tracking) {
    if (epoch - probedCallbackEpoch < CALLBACK_PROBE_EPOCHS) return null;
    probedCallbackEpoch = epoch;
    if (!probe()) return null;
  }
  return new AsyncResource('aioloop.callback', { requireManualDestroy: true });
}

/**
 * The `context` option of createTask: an AsyncResource, whose context the
 * task runs in, or a function that runs a callback in a context
 * (`AsyncLocalStorage.snapshot()` gives one).
 */
export type ContextOption = Context | (<R>(fn: (...args: any[]) => R, ...args: any[]) => R);

/** Checks and normalises a `context` option. */
export function _contextOption(value: unknown, what: string): Context {
  if (value instanceof AsyncResource) return value;
  if (typeof value === 'function') {
    const run = value as (fn: () => unknown) => unknown;
    // A snapshot-style runner, behind AsyncResource's one method.
    return {
      runInAsyncScope: <R>(fn: (...a: any[]) => R, thisArg?: unknown, ...args: any[]): R =>
        run(() => fn.apply(thisArg, args)) as R,
    };
  }
  throw new TypeError(
    `${what}: context must be an AsyncResource or a function like AsyncLocalStorage.snapshot() returns, got ${typeof value}`,
  );
}

/**
 * The callback scheduled in place of `callback` when it carries a context:
 * re-enters the context and calls it. Messages name `callback`, not this
 * (see `_unwrapCallback`).
 */
export function runInContext(ctx: Context, callback: (...args: any[]) => unknown, ...args: unknown[]): unknown {
  return ctx.runInAsyncScope(callback, null, ...args);
}

/** The user's callback behind a context trampoline, for messages. */
export function _unwrapCallback(
  callback: ((...args: any[]) => unknown) | undefined,
  args: readonly unknown[] | null | undefined,
): ((...args: any[]) => unknown) | undefined {
  if (callback === runInContext && args != null && typeof args[1] === 'function') {
    return args[1] as (...args: any[]) => unknown;
  }
  return callback;
}
