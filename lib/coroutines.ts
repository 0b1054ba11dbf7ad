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
  return (
    typeof g.next === 'function' &&
    typeof g.throw === 'function' &&
    typeof g.return === 'function' &&
    typeof g[Symbol.iterator] === 'function'
  );
}

/** True for objects with a callable `then` (promises and other thenables). */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** A short, safe description of any value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'symbol':
      return value.toString();
    case 'function':
      return `function ${value.name || '(anonymous)'}`;
    default: {
      if (Array.isArray(value)) return `an Array(${value.length})`;
      try {
        const s = (value as { toString(): string }).toString();
        if (typeof s === 'string' && s !== '[object Object]') return s;
      } catch {
        // fall through
      }
      const ctor = (value as { constructor?: { name?: string } }).constructor;
      return ctor && ctor.name ? `a ${ctor.name}` : 'an object';
    }
  }
}

/** The name of a callback for messages: `name` or `(anonymous)`. */
export function callbackName(fn: unknown): string {
  return typeof fn === 'function' && fn.name ? fn.name : '(anonymous)';
}
