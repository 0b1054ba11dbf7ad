/**
 * Unix signal handlers for a loop (asyncio's `loop.add_signal_handler`),
 * over Node's `process.on(signal)`.
 *
 * Node delivers a signal as a 'SIGxxx' event on `process`, between the
 * loop's slices; the listener registered here only hands the user's
 * callback to `loop.callSoon`, so it runs in the loop's ready queue (the one
 * place that calls callbacks) and its errors go to the exception handler.
 * One handler per signal per loop, as asyncio: adding another replaces it.
 * A listener keeps the signal from doing what it does by default (SIGINT
 * and SIGTERM no longer end the process); removing it gives the default
 * back. `loop.close()` removes every handler the loop installed.
 *
 * Signals arrive through Node's event loop: a handler runs in hosted mode
 * (a blocking run keeps Node from seeing the signal until it ends).
 */
import * as os from 'node:os';
import { isMainThread } from 'node:worker_threads';
import type { AbstractLoop } from './events';
import { EventLoopError } from './exceptions';
import { checkFunction, describe } from './validate';

/** Signals no process can catch: asyncio refuses them too. */
const UNCATCHABLE = new Set(['SIGKILL', 'SIGSTOP']);

/** The handlers each loop installed: signal name -> the `process` listener. */
const installed = new WeakMap<object, Map<NodeJS.Signals, () => void>>();

/**
 * A signal given by name (`'SIGUSR2'`) or number (`12`), as its name; a
 * TypeError or RangeError naming `sig` otherwise.
 */
export function checkSignal(sig: unknown, what: string): NodeJS.Signals {
  const table = os.constants.signals as Record<string, number>;
  if (typeof sig === 'string') {
    if (Object.prototype.hasOwnProperty.call(table, sig)) return sig as NodeJS.Signals;
    throw new RangeError(`${what}: sig must be a signal name such as 'SIGUSR1', got ${describe(sig)}`);
  }
  if (typeof sig === 'number') {
    for (const name of Object.keys(table)) if (table[name] === sig) return name as NodeJS.Signals;
    throw new RangeError(`${what}: sig must be a signal number of this platform, got ${describe(sig)}`);
  }
  throw new TypeError(`${what}: sig must be a signal name or number, got ${describe(sig)}`);
}

/** @internal `loop.addSignalHandler(sig, callback, ...args)`. */
export function addSignalHandler(loop: AbstractLoop, sig: unknown, callback: unknown, args: unknown[]): void {
  const name = checkSignal(sig, 'addSignalHandler');
  checkFunction(callback, 'callback', 'addSignalHandler');
  if (UNCATCHABLE.has(name)) throw new RangeError(`addSignalHandler: sig ${name} cannot be caught`);
  if (loop.isClosed()) throw new EventLoopError('Event loop is closed');
  if (!isMainThread) throw new EventLoopError('addSignalHandler: signals can only be handled in the main thread');
  let handlers = installed.get(loop);
  if (handlers === undefined) {
    handlers = new Map();
    installed.set(loop, handlers);
  }
  const previous = handlers.get(name);
  if (previous !== undefined) process.removeListener(name, previous);
  const cb = callback as (...a: unknown[]) => unknown;
  const listener = () => {
    if (!loop.isClosed()) loop.callSoon(cb, ...args);
  };
  handlers.set(name, listener);
  process.on(name, listener);
}

/** @internal `loop.removeSignalHandler(sig)`: true if a handler was removed. */
export function removeSignalHandler(loop: AbstractLoop, sig: unknown): boolean {
  const name = checkSignal(sig, 'removeSignalHandler');
  const handlers = installed.get(loop);
  const listener = handlers?.get(name);
  if (listener === undefined) return false;
  handlers!.delete(name);
  process.removeListener(name, listener);
  return true;
}

/** @internal Removes every handler `loop` installed (at close). */
export function _removeAllSignalHandlers(loop: object): void {
  const handlers = installed.get(loop);
  if (handlers === undefined) return;
  installed.delete(loop);
  for (const [name, listener] of handlers) process.removeListener(name, listener);
}
