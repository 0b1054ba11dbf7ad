/**
 * Coroutines are generators: `function* main() { const x = yield* fut; }`.
 * `yield* fut` waits for a Future, `yield* other()` delegates to another
 * coroutine, and a bare `yield` gives the loop one turn.
 */

/** A coroutine: a generator whose return value is the coroutine's result. */
export type Coroutine<T = unknown> = Generator<unknown, T, any>;

/** True for generator objects (anything with next/throw/return and an iterator). */
export function isCoroutine(value: unknown): value is Coroutine<unknown> {
  if (value === null || typeof value !== 'object') return false;
  const g = value as Record<string | symbol, unknown>;
  try {
    return (
      typeof g.next === 'function' &&
      typeof g.throw === 'function' &&
      typeof g.return === 'function' &&
      typeof g[Symbol.iterator] === 'function'
    );
  } catch {
    return false; // a revoked Proxy, or a getter that throws
  }
}

/** True for objects with a callable `then` (promises and other thenables). */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false; // a revoked Proxy, or a getter that throws
  }
}
