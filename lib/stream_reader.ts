/**
 * StreamReader (asyncio.StreamReader): the bytes a connection or a pipe has
 * delivered and not yet read, and the reads as asyncio defines them —
 * `read(n)`, `readline()`, `readexactly(n)`, `readuntil(sep)`, `atEof()`.
 *
 * The transport side (lib/transports.ts) calls `feedData`, `feedEof` and
 * `setException` from Node's events; a read that finds too little parks on
 * the one waiter Future (asyncio's `_wait_for_data`). Flow control is
 * asyncio's: the transport is paused once more than 2 x limit bytes wait
 * here and resumed when a read brings the buffer back to the limit. A
 * cancelled read cancels only its wait: the bytes stay buffered.
 */
import type { Bytes } from './node_types';
import { type Coroutine } from './coroutines';
import { _requireRunningLoop, type AbstractLoop } from './events';
import { IncompleteReadError, InvalidStateError, LimitOverrunError } from './exceptions';
import { _setWaitTarget, Future } from './futures';
import { checkInteger, checkOptions, describe } from './validate';

/** asyncio's `_DEFAULT_LIMIT`: 64 KiB, the reader's buffer limit. */
export const DEFAULT_LIMIT = 2 ** 16;

const EMPTY = Buffer.alloc(0);
const NEWLINE = Buffer.from('\n');

/** Options of `openConnection`, `startServer` and their Unix pair (and of `new StreamReader`). */
export interface StreamOptions {
  /** The reader's buffer limit in bytes (default 64 KiB): `readuntil`'s bound and the pause threshold (2 x limit). */
  limit?: number;
}

/** @internal A waiting read or drain: a Future on the stream's loop that only Node can complete. */
export function ioWaiter<T>(loop: AbstractLoop, target: object): Future<T> {
  const fut = new Future<T>({ loop });
  fut._markFromPromise();
  _setWaitTarget(fut, target);
  return fut;
}

/** @internal A `limit` option: an integer >= 1, default 64 KiB. */
export function checkLimit(limit: unknown, what: string): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  return checkInteger(limit, 'limit', what, 1);
}
/**
 * Buffered bytes from a connection (asyncio.StreamReader). Every read is a
 * coroutine (`const data = yield* reader.read(100)`) and gives a Buffer.
 */
export class StreamReader {
  /** @internal */ _loop: AbstractLoop;
  /** @internal */ _limit: number;
  /** @internal Chunks as they arrived; `_size` bytes in all. */
  _chunks: Buffer[] = [];
  /** @internal */ _size = 0;
  /** @internal */ _eof = false;
  /** @internal */ _exception: unknown = null;
  /** @internal */ _hasException = false;
  /** @internal The Future a read waits on (one reader at a time, as asyncio). */
  _waiter: Future<void> | null = null;
  /** @internal The socket (or pipe) to pause and resume, once wired. */
  _transport: { pause(): unknown; resume(): unknown } | null = null;
  /** @internal */ _paused = false;

  constructor(options?: StreamOptions & { loop?: AbstractLoop }) {
    const opts = checkOptions(options, 'StreamReader');
    this._limit = checkLimit(opts.limit, 'StreamReader');
    this._loop = opts.loop ?? _requireRunningLoop();
  }

  /** The buffer limit given at creation. */
  get limit(): number {
    return this._limit;
  }

  /** The exception the stream failed with, or null. */
  exception(): unknown {
    return this._hasException ? this._exception : null;
  }

  /** Fails the stream: the waiting read (and every later read) throws `exc`. */
  setException(exc: unknown): void {
    this._exception = exc;
    this._hasException = true;
    const w = this._waiter;
    if (w !== null) {
      this._waiter = null;
      if (!w.done() && !this._loop.isClosed()) w._fail(exc);
    }
  }

  /** Adds bytes at the end of the buffer (the transport's side). */
  feedData(data: Bytes): void {
    if (this._eof) throw new InvalidStateError('feedData after feedEof');
    if (data.length === 0) return;
    this._chunks.push(data);
    this._size += data.length;
    this._wakeup();
    if (this._transport !== null && !this._paused && this._size > 2 * this._limit) {
      this._paused = true;
      this._transport.pause();
    }
  }

  /** Marks the end of the stream (the transport's side). */
  feedEof(): void {
    this._eof = true;
    this._wakeup();
  }

  /** True when the peer's EOF was seen and the buffer is empty. */
  atEof(): boolean {
    return this._eof && this._size === 0;
  }

  /**
   * Reads up to `n` bytes (asyncio's `read`): waits until at least one byte
   * or EOF is there and gives what is buffered, at most `n`; an empty Buffer
   * at EOF. `n` < 0 (the default) reads until EOF.
   */
  read(n = -1): Coroutine<Bytes> {
    if (typeof n !== 'number' || !Number.isInteger(n)) checkInteger(n, 'n', 'read', -Infinity);
    return this._read(n);
  }

  /** @internal */
  *_read(n: number): Coroutine<Buffer> {
    if (this._hasException) throw this._exception;
    if (n === 0) return EMPTY;
    if (n < 0) {
      const blocks: Buffer[] = [];
      for (;;) {
        const block = yield* this._read(this._limit);
        if (block.length === 0) break;
        blocks.push(block);
      }
      return blocks.length === 1 ? blocks[0] : Buffer.concat(blocks);
    }
    if (this._size === 0 && !this._eof) yield* this._waitForData('read');
    const data = this._take(n);
    this._maybeResume();
    return data;
  }

  /**
   * Reads exactly `n` bytes; at EOF first, throws `IncompleteReadError`
   * carrying the bytes read (which leave the stream).
   */
  readexactly(n: number): Coroutine<Bytes> {
    checkInteger(n, 'n', 'readexactly', 0);
    return this._readexactly(n);
  }

  /** @internal */
  *_readexactly(n: number): Coroutine<Bytes> {
    if (this._hasException) throw this._exception;
    if (n === 0) return EMPTY;
    while (this._size < n) {
      if (this._eof) {
        const partial = this._take(this._size);
        throw new IncompleteReadError(partial, n);
      }
      yield* this._waitForData('readexactly');
    }
    const data = this._take(n);
    this._maybeResume();
    return data;
  }

  /**
   * Reads one line, `\n` included (asyncio's `readline`). At EOF gives the
   * partial line (empty at the very end). A line longer than the limit
   * throws `LimitOverrunError` after taking it out of the stream (asyncio
   * raises ValueError there), so the next read starts past it.
   */
  *readline(): Coroutine<Bytes> {
    try {
      return yield* this._readuntil(NEWLINE);
    } catch (err) {
      if (err instanceof IncompleteReadError) return err.partial;
      if (err instanceof LimitOverrunError) {
        const buf = this._flatten();
        if (buf.subarray(err.consumed, err.consumed + 1).equals(NEWLINE)) this._take(err.consumed + 1);
        else this._take(this._size);
        this._maybeResume();
      }
      throw err;
    }
  }

  /**
   * Reads up to and including `separator` (a string, taken as UTF-8, or
   * bytes; default `\n`). At EOF first throws `IncompleteReadError` with the
   * rest of the stream; when the separator is not within the limit, throws
   * `LimitOverrunError` and leaves the data in the stream.
   */
  readuntil(separator: string | Uint8Array = NEWLINE): Coroutine<Bytes> {
    let sep: Buffer;
    if (typeof separator === 'string') sep = Buffer.from(separator, 'utf8');
    else if (separator instanceof Uint8Array) sep = Buffer.from(separator.buffer, separator.byteOffset, separator.byteLength);
    else throw new TypeError(`readuntil: separator must be a string or a Uint8Array, got ${describe(separator)}`);
    if (sep.length === 0) throw new RangeError('readuntil: separator should be at least one-byte string');
    return this._readuntil(sep);
  }

  /** @internal asyncio's readuntil, searching only what it has not searched yet. */
  *_readuntil(sep: Buffer): Coroutine<Buffer> {
    if (this._hasException) throw this._exception;
    const seplen = sep.length;
    let offset = 0;
    let isep = -1;
    for (;;) {
      if (this._size - offset >= seplen) {
        isep = this._flatten().indexOf(sep, offset);
        if (isep !== -1) break;
        offset = this._size + 1 - seplen;
        if (offset > this._limit) {
          throw new LimitOverrunError('Separator is not found, and chunk exceed the limit', offset);
        }
      }
      if (this._eof) throw new IncompleteReadError(this._take(this._size), null);
      yield* this._waitForData('readuntil');
    }
    if (isep > this._limit) throw new LimitOverrunError('Separator is found, but chunk is longer than limit', isep);
    const chunk = this._take(isep + seplen);
    this._maybeResume();
    return chunk;
  }

  /** @internal Waits for the transport to feed data, EOF or an error (asyncio's `_wait_for_data`). */
  *_waitForData(what: string): Coroutine<void> {
    if (this._waiter !== null) {
      throw new InvalidStateError(`${what}() called while another coroutine is already waiting for incoming data`);
    }
    if (this._paused) {
      this._paused = false;
      this._transport!.resume();
    }
    const waiter = ioWaiter<void>(this._loop, this);
    this._waiter = waiter;
    try {
      yield* waiter;
    } finally {
      if (this._waiter === waiter) this._waiter = null;
    }
  }

  /** @internal */
  _wakeup(): void {
    const w = this._waiter;
    if (w === null) return;
    this._waiter = null;
    if (!w.done() && !this._loop.isClosed()) w.setResult(undefined);
  }

  /** @internal Resumes a paused transport once the buffer is back to the limit. */
  _maybeResume(): void {
    if (this._paused && this._size <= this._limit) {
      this._paused = false;
      this._transport!.resume();
    }
  }

  /** @internal The buffer as one Buffer (kept as the only chunk). */
  _flatten(): Buffer {
    const chunks = this._chunks;
    if (chunks.length === 0) return EMPTY;
    if (chunks.length > 1) {
      const one = Buffer.concat(chunks, this._size);
      chunks.length = 1;
      chunks[0] = one;
    }
    return chunks[0];
  }

  /** @internal Takes the first `n` bytes (at most what is buffered). */
  _take(n: number): Buffer {
    const chunks = this._chunks;
    if (n >= this._size) {
      // The common case of an echo: one chunk, read whole, no copy.
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this._size);
      chunks.length = 0;
      this._size = 0;
      return all;
    }
    const first = chunks[0];
    if (first.length >= n) {
      if (first.length === n) chunks.shift();
      else chunks[0] = first.subarray(n);
      this._size -= n;
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const c = chunks[0];
      const k = Math.min(c.length, n - got);
      c.copy(out, got, 0, k);
      got += k;
      if (k === c.length) chunks.shift();
      else chunks[0] = c.subarray(k);
    }
    this._size -= n;
    return out;
  }

  toString(): string {
    const info = [`${this._size} bytes`];
    if (this._eof) info.push('eof');
    if (this._limit !== DEFAULT_LIMIT) info.push(`limit=${this._limit}`);
    if (this._waiter !== null) info.push('waiting for data');
    if (this._hasException) info.push(`exception=${describe(this._exception)}`);
    if (this._paused) info.push('paused');
    return `<StreamReader ${info.join(' ')}>`;
  }
}

