/**
 * Debug mode: "coroutine 'sleep' was never awaited" (asyncio's
 * RuntimeWarning). A coroutine that aioloop's own API returns — `sleep`,
 * `wait`, `waitFor`, `timeout`, `timeoutAt` and `taskGroup` — and that is
 * dropped without ever being stepped is the missing `yield*` of
 * `sleep(1);`; in debug mode such a coroutine is watched, and reported
 * through the loop's exception handler when it is collected, or at the
 * latest when its loop closes. (A user's own generator objects cannot be
 * watched: JavaScript gives no hook where one is made.)
 *
 * Outside debug mode nothing is wrapped and nothing is paid.
 */
import type { Coroutine } from './coroutines';
import { _getRunningLoop, type MinimalLoop } from './events';
import { _addSweeper, _noteWeakRef } from './kept_objects';
import { safeConsoleError } from './report';

interface Record {
  loop: MinimalLoop;
  ref: WeakRef<object>;
  what: string;
}

function report(rec: Record): void {
  all.delete(rec.ref);
  byLoop.get(rec.loop)?.delete(rec.ref);
  try {
    rec.loop.callExceptionHandler({ message: `coroutine '${rec.what}' was never awaited` });
  } catch (err) {
    safeConsoleError('aioloop: reporting a coroutine never awaited failed', err);
  }
}

const registry = new FinalizationRegistry<Record>(report);
const all = new Map<WeakRef<object>, Record>();
const byLoop = new WeakMap<object, Set<WeakRef<object>>>();

_addSweeper(() => {
  for (const [ref, rec] of all) {
    if (ref.deref() !== undefined) continue;
    registry.unregister(rec);
    report(rec);
  }
});

/** A coroutine that tells the watch when it is first stepped. */
class Watched<T> implements Coroutine<T> {
  private _inner: Coroutine<T>;
  private _rec: Record | null;
  constructor(inner: Coroutine<T>, rec: Record) {
    this._inner = inner;
    this._rec = rec;
  }
  private _started(): void {
    const rec = this._rec;
    if (rec === null) return;
    this._rec = null;
    registry.unregister(rec);
    all.delete(rec.ref);
    byLoop.get(rec.loop)?.delete(rec.ref);
  }
  next(...value: [] | [unknown]): IteratorResult<unknown, T> {
    this._started();
    return this._inner.next(...value);
  }
  throw(err: unknown): IteratorResult<unknown, T> {
    this._started();
    return this._inner.throw(err);
  }
  return(value: T): IteratorResult<unknown, T> {
    this._started();
    return this._inner.return(value);
  }
  [Symbol.iterator](): this {
    return this;
  }
}

let debugSeen = process.env.AIOLOOP_DEBUG === '1';

/** True once any loop was in debug mode: only then is it worth looking. */
export function _debugSeen(): boolean {
  return debugSeen;
}

/** @internal A loop is in debug mode. */
export function _noteDebugLoop(): void {
  debugSeen = true;
}

/** In debug mode, `coro` watched for never being awaited; else `coro` itself. */
export function _watchAwaited<T>(coro: Coroutine<T>, what: string): Coroutine<T> {
  const loop = _getRunningLoop();
  if (loop === null ? process.env.AIOLOOP_DEBUG !== '1' : !loop.getDebug()) return coro;
  if (loop === null) return coro; // nowhere to report to
  const rec: Record = { loop, ref: null as unknown as WeakRef<object>, what };
  const watched = new Watched(coro, rec);
  rec.ref = new WeakRef(watched);
  _noteWeakRef();
  registry.register(watched, rec, rec);
  all.set(rec.ref, rec);
  let set = byLoop.get(loop);
  if (set === undefined) byLoop.set(loop, (set = new Set()));
  set.add(rec.ref);
  return watched;
}

/** @internal The loop closes: report its watched coroutines never stepped. */
export function _reportNeverAwaited(loop: object): void {
  const set = byLoop.get(loop);
  if (set === undefined) return;
  byLoop.delete(loop);
  for (const ref of set) {
    const rec = all.get(ref);
    if (rec === undefined) continue;
    registry.unregister(rec);
    report(rec);
  }
}
