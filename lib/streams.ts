/**
 * Streams (asyncio.streams) over Node's `net`: `openConnection`,
 * `startServer` and their Unix-socket pair give a `StreamReader` and a
 * `StreamWriter`; `startServer` gives a `Server`. Hosted mode only: the
 * bytes arrive through Node's event loop.
 *
 * Design
 * ------
 * asyncio puts a protocol between the transport and the two stream
 * objects; here Node's socket is the transport and `wire()` is the protocol:
 *
 *   Node socket                      wire()                StreamReader
 *   'data' ------------------------> feedData(chunk) ----> buffer, wakes the
 *   'end'  ------------------------> feedEof()             one waiter Future
 *   'error' -----------------------> setException(err)
 *   'close' -----------------------> feedEof(), closed;    StreamWriter
 *                                    drain waiters fail    write() -> socket.write
 *   'drain' -----------------------> drain waiters done    drain() waits on 'drain'
 *
 * Node calls these listeners between the loop's slices; they only complete
 * Futures made on the stream's loop, whose callbacks go through the loop's
 * ready queue (the one place that calls callbacks), and that wakes a parked
 * hosted run. Those Futures are marked `_fromPromise`: only Node's event loop
 * can complete them, so a blocking run that waits on one says it would wait
 * forever and names hosted mode.
 *
 * Flow control, both ways as asyncio's:
 *   - reading: the reader pauses the socket when its buffer passes
 *     2 x limit and resumes it once a read takes it to limit or below
 *     (`_maybe_resume_transport`), so a peer that sends faster than the
 *     program reads fills the kernel's buffers, not this process's heap;
 *   - writing: `write()` never blocks (Node buffers); `drain()` waits while
 *     the socket is above its high-water mark (`writableNeedDrain`).
 *
 * Half-close is asyncio's: the peer's EOF ends reading only (sockets are
 * made with `allowHalfOpen`), the program still writes until `close()`.
 * Cancelling a `read*` or `drain` cancels only the wait: buffered data stays
 * in the reader, and the stream stays usable, as in asyncio.
 */
import * as net from 'node:net';
import { type Coroutine } from './coroutines';
import { _requireRunningLoop, type AbstractLoop } from './events';
import { connectionLost, IncompleteReadError, InvalidStateError, LimitOverrunError } from './exceptions';
import { _setWaitTarget, Future } from './futures';
import { isCoroutine } from './coroutines';
import { _createTaskOn, type Task } from './tasks';
import { checkFunction, checkInteger, checkOptions, checkString, describe } from './validate';

/** asyncio's `_DEFAULT_LIMIT`: 64 KiB, the reader's buffer limit. */
export const DEFAULT_LIMIT = 2 ** 16;

const EMPTY = Buffer.alloc(0);
const MAX_PORT = 65535;

/** Options of `openConnection`, `startServer` and their Unix pair. */
export interface StreamOptions {
  /** The reader's buffer limit in bytes (default 64 KiB): `readuntil`'s bound and the pause threshold (2 x limit). */
  limit?: number;
}

/** Options of `startServer` and `startUnixServer`. */
export interface ServerOptions extends StreamOptions {
  /** The listen backlog (Node's default when absent). */
  backlog?: number;
}

/**
 * What each loop has open: its servers and connections (Wires). Closing the
 * loop closes them (`_closeStreams`): a closed loop can serve nobody, and
 * Node would keep the process alive for a listening server or an open socket
 * forever (asyncio's process exits with its loop).
 */
const owned = new WeakMap<object, Set<{ _abort(): void }>>();

function own(loop: AbstractLoop, thing: { _abort(): void }): void {
  let set = owned.get(loop);
  if (set === undefined) {
    set = new Set();
    owned.set(loop, set);
  }
  set.add(thing);
}

function disown(loop: AbstractLoop, thing: { _abort(): void }): void {
  owned.get(loop)?.delete(thing);
}

/** @internal At `loop.close()`: closes the servers and destroys the connections the loop still has. */
export function _closeStreams(loop: object): void {
  const set = owned.get(loop);
  if (set === undefined) return;
  owned.delete(loop);
  for (const thing of set) thing._abort();
}

/** A waiting read or drain: a Future on the stream's loop that only Node can complete. */
function ioWaiter<T>(loop: AbstractLoop, target: object): Future<T> {
  const fut = new Future<T>({ loop });
  fut._fromPromise = true;
  _setWaitTarget(fut, target);
  return fut;
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
  feedData(data: Buffer): void {
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
  read(n = -1): Coroutine<Buffer> {
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
  readexactly(n: number): Coroutine<Buffer> {
    checkInteger(n, 'n', 'readexactly', 0);
    return this._readexactly(n);
  }

  /** @internal */
  *_readexactly(n: number): Coroutine<Buffer> {
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
  *readline(): Coroutine<Buffer> {
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
  readuntil(separator: string | Uint8Array = NEWLINE): Coroutine<Buffer> {
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

const NEWLINE = Buffer.from('\n');

/** What a StreamWriter writes to: a Node socket or pipe. */
type WritableTransport = net.Socket;

/**
 * The writing half of a connection (asyncio.StreamWriter): `write` buffers
 * and never blocks; `yield* drain()` waits until the buffer is below the
 * high-water mark.
 */
export class StreamWriter {
  /** @internal */ _transport: WritableTransport;
  /** @internal */ _reader: StreamReader | null;
  /** @internal */ _loop: AbstractLoop;
  /** @internal */ _wire: Wire;

  /** @internal Made by openConnection, startServer and the subprocess pipes. */
  constructor(transport: WritableTransport, wire: Wire, reader: StreamReader | null, loop: AbstractLoop) {
    this._transport = transport;
    this._wire = wire;
    this._reader = reader;
    this._loop = loop;
  }

  /** The Node socket (or pipe) underneath (asyncio's `transport`). */
  get transport(): net.Socket {
    return this._transport;
  }

  /**
   * Writes `data` (bytes, or a string taken as UTF-8) without waiting.
   * After the connection is lost, data is dropped as asyncio drops it;
   * `drain()` then throws.
   */
  write(data: string | Uint8Array): void {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new TypeError(`write: data must be a string or a Uint8Array, got ${describe(data)}`);
    }
    if (this._wire.eofWritten) throw new InvalidStateError('Cannot call write() after writeEof()');
    const t = this._transport;
    if (t.destroyed || this._wire.closing) return;
    t.write(data);
  }

  /** Writes each item of `data` in order. */
  writelines(data: Iterable<string | Uint8Array>): void {
    for (const item of data) this.write(item);
  }

  /** Closes the write side after what is buffered was sent (`socket.end()`). */
  writeEof(): void {
    if (this._wire.eofWritten || this._transport.destroyed) return;
    this._wire.eofWritten = true;
    this._transport.end();
  }

  /** True: a TCP or Unix socket or a pipe can be half-closed. */
  canWriteEof(): boolean {
    return true;
  }

  /**
   * Waits until the write buffer is below the transport's high-water mark
   * (asyncio's flow control); throws the connection's error, or
   * `ConnectionResetError('Connection lost')`, when it is gone.
   */
  *drain(): Coroutine<void> {
    const reader = this._reader;
    if (reader !== null && reader._hasException) throw reader._exception;
    const wire = this._wire;
    if (wire.lost) throw wire.error ?? connectionLost();
    if (!this._transport.writableNeedDrain) return;
    const waiter = ioWaiter<void>(this._loop, this);
    wire.drainWaiters.push(waiter);
    yield* waiter;
  }

  /**
   * Closes the connection once buffered data was sent (asyncio's
   * `close()`: reading stops too). Idempotent.
   */
  close(): void {
    this._wire.close();
  }

  /** True once `close()` was called or the connection is gone. */
  isClosing(): boolean {
    return this._wire.closing || this._wire.lost;
  }

  /** Waits until the connection is closed; throws the error it was lost with, if any. */
  *waitClosed(): Coroutine<void> {
    const wire = this._wire;
    if (!wire.lost) {
      const waiter = ioWaiter<void>(this._loop, this);
      wire.closeWaiters.push(waiter);
      yield* waiter;
    }
    if (wire.error !== null) throw wire.error;
  }

  /**
   * Transport information (asyncio's `get_extra_info`): `peername` and
   * `sockname` (`[address, port]` for TCP, the path for Unix sockets),
   * `socket` (the Node socket); `defaultValue` for anything else.
   */
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    checkString(name, 'name', 'getExtraInfo');
    const t = this._transport;
    switch (name) {
      case 'peername':
        return this._wire.peername ?? defaultValue;
      case 'sockname':
        return this._wire.sockname ?? defaultValue;
      case 'socket':
        return t;
      default:
        return defaultValue;
    }
  }

  toString(): string {
    return `<StreamWriter${this.isClosing() ? ' closing' : ''} reader=${this._reader}>`;
  }
}

/**
 * @internal The protocol between a Node socket (or pipe) and its reader
 * and writer: the Node listeners, and the connection's state.
 */
export class Wire {
  closing = false;
  eofWritten = false;
  /** The 'close' event came: the connection is gone. */
  lost = false;
  /** The error the connection was lost with, or null. */
  error: unknown = null;
  drainWaiters: Future<void>[] = [];
  closeWaiters: Future<void>[] = [];
  peername: unknown = null;
  sockname: unknown = null;
  readonly socket: net.Socket;
  readonly loop: AbstractLoop;

  /** This wire's reading side ended (EOF or close): counted once. */
  readEnded = false;

  /**
   * `eofGate`: when several wires feed one reader (a child's stderr merged
   * into its stdout), the reader's EOF waits until each of them ended.
   */
  constructor(socket: net.Socket, reader: StreamReader | null, loop: AbstractLoop, eofGate: { left: number } | null = null) {
    this.socket = socket;
    this.loop = loop;
    if (reader !== null) {
      reader._transport = socket;
      socket.on('data', (chunk: Buffer) => {
        if (!reader._eof) reader.feedData(chunk);
      });
      socket.on('end', () => this._endReading(reader, eofGate));
    }
    socket.on('error', (err) => {
      this.error = err;
      if (reader !== null) reader.setException(err);
    });
    socket.on('drain', () => this._settle(this.drainWaiters, null));
    own(loop, this);
    socket.on('close', () => {
      disown(loop, this);
      this.lost = true;
      if (reader !== null && !reader._hasException) this._endReading(reader, eofGate);
      this._settle(this.drainWaiters, this.error ?? connectionLost());
      this._settle(this.closeWaiters, null);
    });
  }

  /** @internal */
  _endReading(reader: StreamReader, eofGate: { left: number } | null): void {
    if (this.readEnded) return;
    this.readEnded = true;
    if (eofGate !== null && --eofGate.left > 0) return;
    reader.feedEof();
  }

  /** Records the addresses, once connected (they are gone after close). */
  noteAddresses(unix: string | null): void {
    const s = this.socket;
    if (unix !== null) {
      this.peername = unix;
      this.sockname = unix;
    } else {
      this.peername = s.remoteAddress !== undefined ? [s.remoteAddress, s.remotePort] : null;
      this.sockname = s.localAddress !== undefined ? [s.localAddress, s.localPort] : null;
    }
  }

  /** The loop closed: drop the connection at once. */
  _abort(): void {
    this.socket.destroy();
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    const s = this.socket;
    if (s.destroyed) return;
    // asyncio's close(): send what is buffered, then close both halves.
    if (s.writableFinished) s.destroy();
    else {
      s.once('finish', () => s.destroy());
      if (!s.writableEnded) s.end();
    }
  }

  /** Completes `waiters` (with `error` if not null); Node's side, outside the loop. */
  _settle(waiters: Future<void>[], error: unknown): void {
    if (waiters.length === 0) return;
    const all = waiters.splice(0);
    if (this.loop.isClosed()) return;
    for (const w of all) {
      if (w.done()) continue;
      if (error === null) w.setResult(undefined);
      else w._fail(error);
    }
  }
}

function checkLimit(limit: unknown, what: string): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  return checkInteger(limit, 'limit', what, 1);
}

function checkPort(port: unknown, what: string): number {
  if (typeof port === 'string' && /^[0-9]{1,5}$/.test(port)) port = Number(port);
  if (typeof port !== 'number') throw new TypeError(`${what}: port must be a number, got ${describe(port)}`);
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) {
    throw new RangeError(`${what}: port must be an integer in [0, ${MAX_PORT}], got ${describe(port)}`);
  }
  return port;
}

function checkHost(host: unknown, what: string): string | undefined {
  if (host === null || host === undefined) return undefined;
  if (typeof host !== 'string' || host === '') {
    throw new TypeError(`${what}: host must be a non-empty string or null, got ${describe(host)}`);
  }
  return host;
}

function checkPath(path: unknown, what: string): string {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(`${what}: path must be a non-empty string, got ${describe(path)}`);
  }
  return path;
}

/** @internal A reader and writer for a connected socket (what a connection gives). */
export function _streamsFor(
  socket: net.Socket,
  loop: AbstractLoop,
  limit: number,
  unix: string | null,
): [StreamReader, StreamWriter] {
  // asyncio turns Nagle off on every TCP connection.
  if (unix === null) socket.setNoDelay(true);
  const reader = new StreamReader({ limit, loop });
  const wire = new Wire(socket, reader, loop);
  wire.noteAddresses(unix);
  return [reader, new StreamWriter(socket, wire, reader, loop)];
}

/**
 * Opens a TCP connection (asyncio.open_connection): a coroutine giving
 * `[reader, writer]`. Throws Node's connection error (`ECONNREFUSED`, ...).
 * Cancelled while connecting, it destroys the socket.
 */
export function openConnection(host: string | null, port: number, options?: StreamOptions): Coroutine<[StreamReader, StreamWriter]> {
  const h = checkHost(host, 'openConnection');
  const p = checkPort(port, 'openConnection');
  const limit = checkLimit(checkOptions(options, 'openConnection').limit, 'openConnection');
  return connect({ host: h ?? 'localhost', port: p, allowHalfOpen: true }, limit, null);
}

/** Opens a Unix-socket connection (asyncio.open_unix_connection): `[reader, writer]`. */
export function openUnixConnection(path: string, options?: StreamOptions): Coroutine<[StreamReader, StreamWriter]> {
  const p = checkPath(path, 'openUnixConnection');
  const limit = checkLimit(checkOptions(options, 'openUnixConnection').limit, 'openUnixConnection');
  return connect({ path: p, allowHalfOpen: true }, limit, p);
}

function* connect(
  target: net.NetConnectOpts,
  limit: number,
  unix: string | null,
): Coroutine<[StreamReader, StreamWriter]> {
  const loop = _requireRunningLoop();
  const socket = net.connect(target);
  const connected = ioWaiter<void>(loop, socket);
  const onError = (err: Error) => {
    if (!connected.done() && !loop.isClosed()) connected._fail(err);
  };
  socket.once('error', onError);
  socket.once('connect', () => {
    if (!connected.done() && !loop.isClosed()) connected.setResult(undefined);
  });
  try {
    yield* connected;
  } catch (err) {
    socket.destroy();
    throw err;
  } finally {
    socket.removeListener('error', onError);
  }
  return _streamsFor(socket, loop, limit, unix);
}

/** What `clientConnected(reader, writer)` may return: nothing, or a coroutine (run as a Task). */
export type ClientConnected = (reader: StreamReader, writer: StreamWriter) => Coroutine<unknown> | void;

/**
 * A listening server (asyncio.Server): `close()` stops listening,
 * `waitClosed()` waits until it stopped and every connection it accepted is
 * closed, `serveForever()` serves until cancelled.
 */
export class Server {
  /** @internal */ _server: net.Server;
  /** @internal */ _loop: AbstractLoop;
  /** @internal Writers of the connections still open. */
  _clients = new Set<StreamWriter>();
  /** @internal */ _closed = false;
  /** @internal */ _stopped = false;
  /** @internal */ _stopWaiters: Future<void>[] = [];

  /** @internal Made by startServer. */
  constructor(server: net.Server, loop: AbstractLoop) {
    this._server = server;
    this._loop = loop;
    own(loop, this);
    server.on('close', () => {
      disown(loop, this);
      this._stopped = true;
      const all = this._stopWaiters.splice(0);
      if (loop.isClosed()) return;
      for (const w of all) if (!w.done()) w.setResult(undefined);
    });
  }

  /** The loop the server runs on. */
  getLoop(): AbstractLoop {
    return this._loop;
  }

  /**
   * The addresses listened on (asyncio's `sockets`): `{ address, family,
   * port }` for TCP, the path for a Unix socket; empty once closed.
   */
  get sockets(): Array<net.AddressInfo | string> {
    const a = this._closed ? null : this._server.address();
    return a === null ? [] : [a];
  }

  /** True while the server accepts connections. */
  isServing(): boolean {
    return !this._closed && this._server.listening;
  }

  /** Stops listening. Connections already accepted stay open (asyncio 3.12). */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._server.close();
  }

  /** @internal The loop closed: stop listening and drop the connections. */
  _abort(): void {
    this.close();
    this.abortClients();
  }

  /** Closes every accepted connection after its buffered data was sent (asyncio 3.13). */
  closeClients(): void {
    for (const w of [...this._clients]) w.close();
  }

  /** Drops every accepted connection at once (asyncio 3.13). */
  abortClients(): void {
    for (const w of [...this._clients]) w.transport.destroy();
  }

  /** Waits until the server is closed and its connections are gone (Node's `server.close` callback). */
  *waitClosed(): Coroutine<void> {
    if (!this._closed || this._stopped) return;
    const w = ioWaiter<void>(this._loop, this);
    this._stopWaiters.push(w);
    yield* w;
  }

  /**
   * Serves until cancelled; then closes the server and waits for it
   * (asyncio's `serve_forever`).
   */
  *serveForever(): Coroutine<void> {
    if (this._closed) throw new InvalidStateError(`${this} is closed`);
    const forever = ioWaiter<void>(this._loop, this);
    this._stopWaiters.push(forever);
    try {
      yield* forever;
    } finally {
      this.close();
      yield* this.waitClosed();
    }
  }

  /**
   * Runs `body(server)`, then closes the server and waits for it, also when
   * the body throws (asyncio's `async with server`).
   */
  *hold<T>(body: (server: Server) => Coroutine<T>): Coroutine<T> {
    checkFunction(body, 'body', 'Server.hold');
    try {
      const coro = body(this);
      if (!isCoroutine(coro)) throw new TypeError(`Server.hold: body must return a coroutine, got ${describe(coro)}`);
      return yield* coro as Coroutine<T>;
    } finally {
      this.close();
      yield* this.waitClosed();
    }
  }

  toString(): string {
    const where = this.sockets.map((s) => (typeof s === 'string' ? s : `${s.address}:${s.port}`)).join(', ');
    return `<Server ${this._closed ? 'closed' : `serving ${where}`}>`;
  }
}

/**
 * Starts a TCP server (asyncio.start_server): a coroutine giving the
 * listening `Server`. Each connection calls `clientConnected(reader,
 * writer)` on the loop; a coroutine it returns runs as a Task, whose error
 * goes to the exception handler and closes that connection. `host` null
 * listens on every address; port 0 picks a free port (see `sockets`).
 */
export function startServer(
  clientConnected: ClientConnected,
  host: string | null,
  port: number,
  options?: ServerOptions,
): Coroutine<Server> {
  checkFunction(clientConnected, 'clientConnected', 'startServer');
  const h = checkHost(host, 'startServer');
  const p = checkPort(port, 'startServer');
  const opts = checkOptions(options, 'startServer');
  const limit = checkLimit(opts.limit, 'startServer');
  const backlog = opts.backlog === undefined ? undefined : checkInteger(opts.backlog, 'backlog', 'startServer', 0);
  return listen(clientConnected, { host: h, port: p, backlog }, limit, null);
}

/** Starts a Unix-socket server on `path` (asyncio.start_unix_server). */
export function startUnixServer(clientConnected: ClientConnected, path: string, options?: ServerOptions): Coroutine<Server> {
  checkFunction(clientConnected, 'clientConnected', 'startUnixServer');
  const p = checkPath(path, 'startUnixServer');
  const opts = checkOptions(options, 'startUnixServer');
  const limit = checkLimit(opts.limit, 'startUnixServer');
  const backlog = opts.backlog === undefined ? undefined : checkInteger(opts.backlog, 'backlog', 'startUnixServer', 0);
  return listen(clientConnected, { path: p, backlog }, limit, p);
}

function* listen(
  clientConnected: ClientConnected,
  where: net.ListenOptions,
  limit: number,
  unix: string | null,
): Coroutine<Server> {
  const loop = _requireRunningLoop();
  const netServer = net.createServer({ allowHalfOpen: true });
  const server = new Server(netServer, loop);
  netServer.on('connection', (socket) => {
    if (loop.isClosed()) {
      socket.destroy();
      return;
    }
    const [reader, writer] = _streamsFor(socket, loop, limit, unix);
    server._clients.add(writer);
    socket.once('close', () => server._clients.delete(writer));
    loop.callSoon(runClient, loop, clientConnected, reader, writer);
  });
  const listening = ioWaiter<void>(loop, server);
  const onError = (err: Error) => {
    if (!listening.done() && !loop.isClosed()) listening._fail(err);
  };
  netServer.once('error', onError);
  netServer.listen(where, () => {
    if (!listening.done() && !loop.isClosed()) listening.setResult(undefined);
  });
  try {
    yield* listening;
  } catch (err) {
    netServer.close();
    throw err;
  } finally {
    netServer.removeListener('error', onError);
  }
  // A listening server's later errors (accept failures: EMFILE, ...) are
  // reported, not thrown from Node's event loop.
  netServer.on('error', (exception) => {
    if (!loop.isClosed()) loop.callExceptionHandler({ message: `Error on ${server}`, exception, server });
  });
  return server;
}

/** The callback of an accepted connection, run by the loop. */
function runClient(loop: AbstractLoop, clientConnected: ClientConnected, reader: StreamReader, writer: StreamWriter): void {
  let res: unknown;
  try {
    res = clientConnected(reader, writer);
  } catch (exception) {
    loop.callExceptionHandler({ message: 'Unhandled exception in client_connected_cb', exception, writer });
    writer.close();
    return;
  }
  if (!isCoroutine(res)) return;
  const task: Task<unknown> = _createTaskOn(loop, res as Coroutine<unknown>, undefined);
  task.addDoneCallback((t) => {
    if (t.cancelled() || !t.failed()) return;
    loop.callExceptionHandler({ message: 'Unhandled exception in client_connected_cb', exception: t.exception(), writer });
    writer.close();
  });
}
