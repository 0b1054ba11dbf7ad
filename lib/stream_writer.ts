/**
 * StreamWriter (asyncio.StreamWriter): the writing half of a connection or
 * a pipe. `write()` hands the bytes to Node at once and never blocks;
 * `drain()` is the flow control: it waits while the socket holds more than
 * its high-water mark (Node's `writableNeedDrain`). A cancelled `drain`
 * cancels only its wait.
 */
import type { SocketTransport } from './node_types';
import type * as net from 'node:net';
import { type Coroutine } from './coroutines';
import type { AbstractLoop } from './events';
import { connectionLost, InvalidStateError } from './exceptions';
import { ioWaiter, type StreamReader } from './stream_reader';
import { checkString, describe } from './validate';
import type { Wire } from './transports';

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
  get transport(): SocketTransport {
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
