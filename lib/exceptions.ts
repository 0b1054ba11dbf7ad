/**
 * aioloop's exception classes, named as asyncio names them.
 *
 * asyncio's `RuntimeError`s about loop misuse are {@link EventLoopError}s here;
 * bad arguments are the built-in `TypeError`/`RangeError`.
 */
import type { Bytes } from './node_types';

function fixName(err: Error, name: string): void {
  Object.defineProperty(err, 'name', { value: name, enumerable: false, configurable: true, writable: true });
}

/**
 * The operation was cancelled. Thrown into a coroutine whose task was
 * cancelled, and by `result()` of a cancelled Future or Task. Its `message`
 * is the `msg` given to `cancel(msg)` (empty when none was given).
 */
export class CancelledError extends Error {
  constructor(message?: string) {
    super(message ?? '');
    fixName(this, 'CancelledError');
  }
}

/**
 * @internal `value instanceof CancelledError` that never throws (`instanceof`
 * throws on a revoked Proxy, and a thrown value can be one).
 */
export function isCancelledError(value: unknown): value is CancelledError {
  try {
    return value instanceof CancelledError;
  } catch {
    return false;
  }
}

/** The Future or Task is in a state that does not allow the operation (asyncio.InvalidStateError). */
export class InvalidStateError extends Error {
  constructor(message?: string) {
    super(message);
    fixName(this, 'InvalidStateError');
  }
}

/** A deadline passed (asyncio.TimeoutError, which is the builtin TimeoutError). */
export class TimeoutError extends Error {
  constructor(message?: string) {
    super(message);
    fixName(this, 'TimeoutError');
  }
}

/**
 * The event loop was misused: it is closed, already running, stopped before a
 * future completed, or a blocking run would wait forever (asyncio raises
 * RuntimeError for these).
 */
export class EventLoopError extends Error {
  constructor(message?: string) {
    super(message);
    fixName(this, 'EventLoopError');
  }
}

/** `getNowait()` on an empty queue. */
export class QueueEmpty extends Error {
  constructor(message?: string) {
    super(message);
    fixName(this, 'QueueEmpty');
  }
}

/** `putNowait()` on a full queue. */
export class QueueFull extends Error {
  constructor(message?: string) {
    super(message);
    fixName(this, 'QueueFull');
  }
}

/** `put`/`get` on a queue that was shut down (asyncio 3.13). */
export class QueueShutDown extends Error {
  constructor(message?: string) {
    super(message);
    fixName(this, 'QueueShutDown');
  }
}

/** A Barrier was reset or aborted while tasks were waiting on it. */
export class BrokenBarrierError extends Error {
  constructor(message?: string) {
    super(message);
    fixName(this, 'BrokenBarrierError');
  }
}

/**
 * `readexactly(n)` (or `readuntil`) met EOF before it had what it asked for
 * (asyncio.IncompleteReadError). `partial` holds the bytes read before EOF,
 * which are taken out of the stream; `expected` is `n`, or null for
 * `readuntil`.
 */
export class IncompleteReadError extends Error {
  readonly partial: Bytes;
  readonly expected: number | null;
  constructor(partial: Bytes, expected: number | null) {
    super(
      `${partial.length} bytes read on a total of ${expected === null ? 'undefined' : expected} expected bytes`,
    );
    fixName(this, 'IncompleteReadError');
    this.partial = partial;
    this.expected = expected;
  }
}

/**
 * `readuntil(sep)` found no separator within the stream's limit
 * (asyncio.LimitOverrunError). The data stays in the stream; `consumed` is
 * how many bytes to take out to get past the part searched.
 */
export class LimitOverrunError extends Error {
  readonly consumed: number;
  constructor(message: string, consumed: number) {
    super(message);
    fixName(this, 'LimitOverrunError');
    this.consumed = consumed;
  }
}

/**
 * @internal asyncio's `ConnectionResetError('Connection lost')`: a write
 * side waited on (`drain`) after the connection was gone. An Error with
 * Node's `code: 'ECONNRESET'`, as Node's own resets carry.
 */
export function connectionLost(): Error {
  const err = new Error('Connection lost') as NodeJS.ErrnoException;
  fixName(err, 'ConnectionResetError');
  err.code = 'ECONNRESET';
  return err;
}
