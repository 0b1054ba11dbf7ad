/**
 * `abortable(start)`: cancellation that reaches Node work. Cancelling a
 * Future made from a plain promise stops only the waiting; work that takes
 * an AbortSignal can be stopped for real, which is asyncio's outcome.
 */
import { isPromiseLike } from './coroutines';
import { _getEventLoop, type MinimalLoop } from './events';
import { CancelledError } from './exceptions';
import { checkLoop, Future } from './futures';
import { _followPromise } from './tasks';
import type { Signal } from './tasks';
import { checkFunction, checkOptions, describe } from './validate';

/**
 * A Future for abortable Node work: calls `start(signal)` and follows the
 * promise it returns; cancelling the Future aborts `signal`, so the work
 * itself stops (asyncio's outcome for cancellation, which a plain promise
 * cannot give: `ensureFuture(promise)` only stops waiting, the promise runs
 * on). `abortable((signal) => fetch(url, { signal }))`. Settles only while
 * Node's event loop runs: hosted mode.
 */
export function abortable<T>(start: (signal: Signal) => PromiseLike<T>, options?: { loop?: MinimalLoop }): Future<T> {
  checkFunction(start, 'start', 'abortable');
  const opts = checkOptions(options, 'abortable');
  const loop = opts.loop === undefined ? _getEventLoop() : checkLoop(opts.loop, 'abortable');
  const fut = new AbortableFuture<T>(loop);
  let promise: PromiseLike<T>;
  try {
    promise = start(fut._controller.signal as Signal);
  } catch (err) {
    fut._fail(err);
    return fut;
  }
  if (!isPromiseLike(promise)) {
    throw new TypeError(`abortable: start must return a promise, got ${describe(promise)}`);
  }
  _followPromise(fut, promise, loop);
  return fut;
}

/** The Future `abortable` returns: cancelling it aborts the work's signal at once. */
class AbortableFuture<T> extends Future<T> {
  /** @internal */ _controller: AbortController;

  constructor(loop: MinimalLoop) {
    super({ loop });
    this._markFromPromise();
    this._controller = new AbortController();
  }

  override cancel(msg?: string): boolean {
    const cancelled = super.cancel(msg);
    if (cancelled && !this._controller.signal.aborted) this._controller.abort(new CancelledError(msg));
    return cancelled;
  }
}

