/**
 * What the locks and queues share (asyncio's `mixins._LoopBoundMixin`): a
 * primitive is made outside any loop and binds to the running loop the first
 * time it has to wait; using it from another loop afterwards is an error,
 * since its waiters' Futures belong to the first loop.
 *
 * @internal Not part of the public API.
 */
import { isCoroutine, type Coroutine } from './coroutines';
import { checkFunction, describe } from './validate';
import { _requireRunningLoop, type AbstractLoop } from './events';
import { EventLoopError } from './exceptions';
import { _setWaitTarget, Future } from './futures';

export class LoopBound {
  /** @internal The loop this primitive is bound to (null until it first waits). */
  _loop: AbstractLoop | null = null;

  /** @internal The running loop, after binding to it (or checking it is the bound one). */
  _getLoop(): AbstractLoop {
    const loop = _requireRunningLoop();
    if (this._loop === null) this._loop = loop;
    else if (this._loop !== loop) throw new EventLoopError(`${this} is bound to a different event loop`);
    return loop;
  }

  /** @internal A new waiter Future on the running loop. */
  _newWaiter<T = unknown>(): Future<T> {
    const fut = new Future<T>({ loop: this._getLoop() });
    _setWaitTarget(fut, this);
    return fut;
  }
}

/** @internal Throws a TypeError unless `body` is a function. */
export function checkBody(body: unknown, what: string): void {
  checkFunction(body, 'body', what);
}

/** @internal Calls `body(...args)` and checks that it gave a coroutine. */
export function callBody<T>(body: (...args: any[]) => Coroutine<T>, args: unknown[], what: string): Coroutine<T> {
  const coro = body(...args);
  if (!isCoroutine(coro)) {
    throw new TypeError(`${what}: body must return a coroutine (call a generator function), got ${describe(coro)}`);
  }
  return coro as Coroutine<T>;
}
