/**
 * Streams (asyncio.streams) over Node's `net`: `openConnection`,
 * `startServer` and their Unix-socket pair give a `StreamReader` and a
 * `StreamWriter`; `startServer` gives a `Server`. Hosted mode only: the
 * bytes arrive through Node's event loop.
 *
 * Design
 * ------
 * asyncio puts a protocol between the transport and the two stream
 * objects; here Node's socket is the transport and a Wire
 * (lib/transports.ts) is the protocol: its Node listeners feed the
 * StreamReader (lib/stream_reader.ts) and release the StreamWriter's
 * `drain` (lib/stream_writer.ts). This file makes the connections and the
 * servers that give those streams.
 *
 * Node calls the Wire's listeners between the loop's slices; they only
 * complete Futures made on the stream's loop, whose callbacks go through the
 * loop's ready queue (the one place that calls callbacks), and that wakes a
 * parked hosted run. Those Futures are marked as made from a promise: only Node's
 * event loop can complete them, so a blocking run that waits on one says it
 * would wait forever and names hosted mode.
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
import type { AddressInfo } from './node_types';
import * as net from 'node:net';
import { isCoroutine, type Coroutine } from './coroutines';
import { _requireRunningLoop, type AbstractLoop } from './events';
import { InvalidStateError } from './exceptions';
import type { Future } from './futures';
import { checkLimit, ioWaiter, StreamReader, type StreamOptions } from './stream_reader';
import { StreamWriter } from './stream_writer';
import { disown, own, Wire } from './transports';
import { _createTaskOn, type Task } from './tasks';
import { checkFunction, checkInteger, checkOptions, describe } from './validate';

export { DEFAULT_LIMIT, StreamReader, type StreamOptions } from './stream_reader';
export { StreamWriter } from './stream_writer';

const MAX_PORT = 65535;

/** Options of `startServer` and `startUnixServer`. */
export interface ServerOptions extends StreamOptions {
  /** The listen backlog (Node's default when absent). */
  backlog?: number;
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
  get sockets(): Array<AddressInfo | string> {
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
