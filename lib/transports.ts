/**
 * The protocol between a Node socket (or pipe) and the streams over it
 * (asyncio's StreamReaderProtocol and transport, in one small class).
 *
 *   Node socket                      Wire                  StreamReader
 *   'data' ------------------------> feedData(chunk) ----> buffer, wakes the
 *   'end'  ------------------------> feedEof()             one waiter Future
 *   'error' -----------------------> setException(err)
 *   'close' -----------------------> feedEof(), lost;      StreamWriter
 *                                    drain waiters fail    write() -> socket.write
 *   'drain' -----------------------> drain waiters done    drain() waits on 'drain'
 *
 * Node calls these listeners between the loop's slices; they only complete
 * Futures made on the stream's loop, whose callbacks go through the loop's
 * ready queue (the one place that calls callbacks), and that wakes a parked
 * hosted run. Nothing is completed once the loop is closed.
 *
 * Also here: what each loop has open, so that `loop.close()` closes it.
 */
import type * as net from 'node:net';
import type { AbstractLoop } from './events';
import { connectionLost } from './exceptions';
import type { Future } from './futures';
import type { StreamReader } from './stream_reader';

/**
 * What each loop has open: its servers and connections (Wires). Closing the
 * loop closes them (`_closeStreams`): a closed loop can serve nobody, and
 * Node would keep the process alive for a listening server or an open socket
 * forever (asyncio's process exits with its loop).
 */
const owned = new WeakMap<object, Set<{ _abort(): void }>>();

/** @internal */
export function own(loop: AbstractLoop, thing: { _abort(): void }): void {
  let set = owned.get(loop);
  if (set === undefined) {
    set = new Set();
    owned.set(loop, set);
  }
  set.add(thing);
}

/** @internal */
export function disown(loop: AbstractLoop, thing: { _abort(): void }): void {
  owned.get(loop)?.delete(thing);
}

/** @internal At `loop.close()`: closes the servers and destroys the connections the loop still has. */
export function _closeStreams(loop: object): void {
  const set = owned.get(loop);
  if (set === undefined) return;
  owned.delete(loop);
  for (const thing of set) thing._abort();
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
