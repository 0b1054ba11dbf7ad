/**
 * "Future exception was never retrieved" / "Task exception was never
 * retrieved" (asyncio logs them from Future.__del__).
 *
 * A Future that fails is tracked until someone retrieves its exception
 * (`result()`, `exception()`, awaiting it) or cancels it. If it is garbage
 * collected first, its loop's exception handler hears of it — in normal
 * mode too, as in asyncio. And because a short program may never run a
 * garbage collection at all, whatever is still unretrieved when its loop
 * closes (`run()`/`runAsync()` close theirs on return) is reported then: a
 * program that is one `run()` call sees every lost failure.
 *
 * What the report needs (the loop, the exception, a description of the
 * Future) is kept in a record apart from the Future, never the Future
 * itself. The exception's stack is formatted when it is recorded: until
 * then V8 keeps the receivers of its frames — the very Task that failed —
 * reachable from the error, and the Task could never be collected.
 *
 * Only failed Futures pay for any of this: `setResult` and the callback path
 * never touch it.
 */
import type { MinimalLoop } from './events';
import { _addSweeper, _noteWeakRef } from './kept_objects';
import { safeConsoleError } from './report';

/** What this module needs of a Future (Future has these). */
interface Failable {
  _loop: MinimalLoop;
  /** True if the failure was still unretrieved, and marks it retrieved. */
  _takeUnretrieved(): boolean;
  toString(): string;
}

interface Record {
  loop: MinimalLoop;
  ref: WeakRef<Failable>;
  message: string;
  exception: unknown;
  future: string;
}

function report(rec: Record): void {
  byLoop.get(rec.loop)?.delete(rec.ref);
  all.delete(rec.ref);
  try {
    rec.loop.callExceptionHandler({ message: rec.message, exception: rec.exception, future: rec.future });
  } catch (err) {
    safeConsoleError('aioloop: reporting a never-retrieved exception failed', err);
  }
}

const registry = new FinalizationRegistry<Record>(report);
/** The unretrieved failures of each loop, for the report at close. */
const byLoop = new WeakMap<object, Map<WeakRef<Failable>, Record>>();
/** Every unretrieved failure, for the sweep of a blocking run. */
const all = new Map<WeakRef<Failable>, Record>();
const refOf = new WeakMap<object, WeakRef<Failable>>();

// A blocking run reports what the collector took without waiting for the
// FinalizationRegistry (see lib/kept_objects.ts).
_addSweeper(() => {
  for (const [ref, rec] of all) {
    if (ref.deref() !== undefined) continue;
    registry.unregister(rec);
    report(rec);
  }
});

/** Formats an error's stack now, so that it no longer holds its frames' receivers. */
function settleStack(exception: unknown): void {
  if (exception === null || (typeof exception !== 'object' && typeof exception !== 'function')) return;
  try {
    void (exception as { stack?: unknown }).stack;
  } catch {
    // A throwing getter or a revoked Proxy: nothing to format.
  }
}

function nameOf(fut: Failable): string {
  try {
    const name = (fut as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'Future';
  } catch {
    return 'Future';
  }
}

function describeFuture(fut: Failable): string {
  try {
    return String(fut.toString());
  } catch {
    return `<${nameOf(fut)} finished>`;
  }
}

/** @internal `fut` just failed with `exception`: report it unless it is retrieved. */
export function _trackUnretrieved(fut: Failable, exception: unknown): void {
  settleStack(exception);
  const loop = fut._loop;
  const ref = new WeakRef(fut);
  _noteWeakRef();
  const rec: Record = {
    loop,
    ref,
    message: `${nameOf(fut)} exception was never retrieved`,
    exception,
    future: describeFuture(fut),
  };
  registry.register(fut, rec, rec);
  refOf.set(fut, ref);
  let map = byLoop.get(loop);
  if (map === undefined) {
    map = new Map();
    byLoop.set(loop, map);
  }
  map.set(ref, rec);
  all.set(ref, rec);
}

/** @internal The exception was retrieved (or the Future cancelled): no report. */
export function _untrackUnretrieved(fut: Failable): void {
  const ref = refOf.get(fut);
  if (ref === undefined) return;
  refOf.delete(fut);
  const rec = all.get(ref);
  all.delete(ref);
  byLoop.get(fut._loop)?.delete(ref);
  if (rec !== undefined) registry.unregister(rec);
}

/** @internal The loop closes: report every failure of it nobody retrieved. */
export function _reportUnretrieved(loop: object): void {
  const map = byLoop.get(loop);
  if (map === undefined) return;
  byLoop.delete(loop);
  for (const [ref, rec] of map) {
    all.delete(ref);
    registry.unregister(rec);
    const fut = ref.deref();
    if (fut !== undefined) {
      if (!fut._takeUnretrieved()) continue;
      refOf.delete(fut);
    }
    report(rec);
  }
}
