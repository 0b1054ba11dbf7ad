/**
 * asyncio.streams in hosted mode: openConnection / startServer (and the
 * Unix-socket pair), StreamReader, StreamWriter, Server. Loopback only.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CancelledError,
  EventLoopError,
  IncompleteReadError,
  LimitOverrunError,
  openConnection,
  openUnixConnection,
  runAsync,
  Server,
  sleep,
  startServer,
  startUnixServer,
  StreamReader,
  StreamWriter,
  waitFor,
  type Coroutine,
  TimeoutError,
  gather,
  createTask,
  ensureFuture,
} from '../lib/index';
import { BACKENDS, captureErrors, makeLoop } from './helpers';

const HOST = '127.0.0.1';

function portOf(server: Server): number {
  return (server.sockets[0] as net.AddressInfo).port;
}

/** An echo handler: writes back what it reads until EOF, then closes. */
function* echo(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  for (;;) {
    const data = yield* reader.read(65536);
    if (data.length === 0) break;
    writer.write(data);
    yield* writer.drain();
  }
  writer.close();
  yield* writer.waitClosed();
}

/** A plain Node server that runs `onSocket` for each connection; resolves with it listening on 127.0.0.1. */
function nodeServer(onSocket: (s: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve) => {
    const srv = net.createServer({ allowHalfOpen: true }, onSocket);
    srv.listen(0, HOST, () => resolve(srv));
  });
}

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aioloop-streams-'));
afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }));
let unixCount = 0;

describe.each(BACKENDS)('streams (%s)', (backend) => {
  const hosted = <T>(main: () => Coroutine<T>) => runAsync(main, { backend });

  it('an echo server and client exchange bytes, and the client sees EOF after writeEof', async () => {
    const got = await hosted(function* () {
      const server = yield* startServer(echo, HOST, 0);
      const [reader, writer] = yield* openConnection(HOST, portOf(server));
      writer.write('hello ');
      writer.writelines([Buffer.from('wor'), 'ld\n']);
      yield* writer.drain();
      const line = (yield* reader.readline()).toString();
      writer.writeEof();
      const rest = yield* reader.read();
      const eof = reader.atEof();
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return { line, rest: rest.length, eof };
    });
    expect(got).toEqual({ line: 'hello world\n', rest: 0, eof: true });
  });

  it('read(n) gives at most n bytes and what is buffered; read() reads to EOF', async () => {
    const srv = await nodeServer((s) => {
      s.write('abcdef');
      setTimeout(() => s.end('ghij'), 20);
    });
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const got = await hosted(function* () {
        const [reader, writer] = yield* openConnection(HOST, port);
        const a = (yield* reader.read(2)).toString();
        const b = (yield* reader.read(100)).toString();
        const c = (yield* reader.read()).toString();
        const d = (yield* reader.read(10)).length;
        writer.close();
        return [a, b, c, d, reader.atEof()];
      });
      expect(got).toEqual(['ab', 'cdef', 'ghij', 0, true]);
    } finally {
      srv.close();
    }
  });

  it('readexactly waits for n bytes; at EOF it throws IncompleteReadError with the partial bytes', async () => {
    const srv = await nodeServer((s) => {
      s.write('12');
      setTimeout(() => s.write('345'), 10);
      setTimeout(() => s.end('67'), 20);
    });
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const got = await hosted(function* () {
        const [reader, writer] = yield* openConnection(HOST, port);
        const four = (yield* reader.readexactly(4)).toString();
        let err: unknown = null;
        try {
          yield* reader.readexactly(10);
        } catch (e) {
          err = e;
        }
        writer.close();
        return { four, err, eof: reader.atEof() };
      });
      expect(got.four).toBe('1234');
      expect(got.err).toBeInstanceOf(IncompleteReadError);
      const e = got.err as IncompleteReadError;
      expect(e.partial.toString()).toBe('567');
      expect(e.expected).toBe(10);
      expect(e.message).toBe('3 bytes read on a total of 10 expected bytes');
      expect(got.eof).toBe(true);
    } finally {
      srv.close();
    }
  });

  it('readuntil finds a separator across chunks, and throws LimitOverrunError leaving the data', async () => {
    const srv = await nodeServer((s) => {
      s.write('key=val');
      setTimeout(() => s.write('ue;;next'), 10);
      setTimeout(() => s.end('0123456789abcdef'), 20);
    });
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const got = await hosted(function* () {
        const [reader, writer] = yield* openConnection(HOST, port, { limit: 8 });
        const first = (yield* reader.readuntil(';;')).toString();
        const second = (yield* reader.readuntil(Buffer.from('x'))).toString();
        return { first, second, writer };
      }).catch((e) => ({ error: e }));
      // 'next0123456789abcdef' never has an 'x': over the limit of 8 first.
      expect(got).toHaveProperty('error');
      expect((got as { error: unknown }).error).toBeInstanceOf(LimitOverrunError);
    } finally {
      srv.close();
    }
  });

  it('readuntil: the first separator comes back with its line; a missing one at EOF is IncompleteReadError', async () => {
    const srv = await nodeServer((s) => s.end('a;;b;;tail'));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const got = await hosted(function* () {
        const [reader, writer] = yield* openConnection(HOST, port);
        const a = (yield* reader.readuntil(';;')).toString();
        const b = (yield* reader.readuntil(';;')).toString();
        let err: unknown = null;
        try {
          yield* reader.readuntil(';;');
        } catch (e) {
          err = e;
        }
        writer.close();
        return { a, b, err };
      });
      expect(got.a).toBe('a;;');
      expect(got.b).toBe('b;;');
      expect(got.err).toBeInstanceOf(IncompleteReadError);
      expect((got.err as IncompleteReadError).partial.toString()).toBe('tail');
      expect((got.err as IncompleteReadError).expected).toBe(null);
    } finally {
      srv.close();
    }
  });

  it('LimitOverrunError keeps the data: consumed bytes can still be read', async () => {
    const srv = await nodeServer((s) => s.end('0123456789ABCDEF;rest'));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const got = await hosted(function* () {
        const [reader, writer] = yield* openConnection(HOST, port, { limit: 4 });
        yield* sleep(0.05); // everything arrived
        let err: LimitOverrunError | null = null;
        try {
          yield* reader.readuntil(';');
        } catch (e) {
          err = e as LimitOverrunError;
        }
        const all = (yield* reader.read()).toString();
        writer.close();
        return { consumed: err?.consumed, message: err?.message, all };
      });
      expect(got.message).toMatch(/^Separator is (not )?found/);
      expect(got.consumed).toBeGreaterThan(4);
      expect(got.all).toBe('0123456789ABCDEF;rest');
    } finally {
      srv.close();
    }
  });

  it('readline gives the partial last line at EOF, then empty; a line over the limit is skipped', async () => {
    const srv = await nodeServer((s) => s.end('one\nthis-line-is-too-long\ntwo\nlast'));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const got = await hosted(function* () {
        const [reader, writer] = yield* openConnection(HOST, port, { limit: 8 });
        yield* sleep(0.05);
        const lines: string[] = [];
        lines.push((yield* reader.readline()).toString());
        try {
          yield* reader.readline();
          lines.push('no error');
        } catch (e) {
          lines.push((e as Error).name);
        }
        for (let i = 0; i < 3; i++) lines.push((yield* reader.readline()).toString());
        writer.close();
        return lines;
      });
      expect(got).toEqual(['one\n', 'LimitOverrunError', 'two\n', 'last', '']);
    } finally {
      srv.close();
    }
  });

  it('a cancelled read leaves the stream usable: no byte is lost', async () => {
    const got = await hosted(function* () {
      const server = yield* startServer(function* (reader, writer) {
        yield* sleep(0.05);
        writer.write('late data');
        yield* writer.drain();
        yield* reader.read(); // until the client closes
        writer.close();
      }, HOST, 0);
      const [reader, writer] = yield* openConnection(HOST, portOf(server));
      let timedOut = false;
      try {
        yield* waitFor(reader.read(100), 0.01);
      } catch (e) {
        timedOut = e instanceof TimeoutError;
      }
      const data = (yield* reader.readexactly(9)).toString();
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return { timedOut, data };
    });
    expect(got).toEqual({ timedOut: true, data: 'late data' });
  });

  it('two coroutines reading at once: the second gets an error naming the read', async () => {
    const got = await hosted(function* () {
      const server = yield* startServer(echo, HOST, 0);
      const [reader, writer] = yield* openConnection(HOST, portOf(server));
      const first = createTask(reader.read(10));
      yield* sleep(0.01);
      let msg = '';
      try {
        yield* reader.read(10);
      } catch (e) {
        msg = (e as Error).message;
      }
      writer.write('x');
      const data = (yield* first).toString();
      writer.close();
      server.close();
      yield* server.waitClosed();
      return { msg, data };
    });
    expect(got.msg).toBe('read() called while another coroutine is already waiting for incoming data');
    expect(got.data).toBe('x');
  });

  it('getExtraInfo gives peername and sockname as [address, port], the socket, and a default', async () => {
    const got = await hosted(function* () {
      let serverSide: unknown = null;
      const server = yield* startServer(function* (reader, writer) {
        serverSide = writer.getExtraInfo('peername');
        yield* reader.read();
        writer.close();
      }, HOST, 0);
      const port = portOf(server);
      const [, writer] = yield* openConnection(HOST, port);
      yield* sleep(0.02);
      const info = {
        peer: writer.getExtraInfo('peername'),
        sock: writer.getExtraInfo('sockname') as [string, number],
        socket: writer.getExtraInfo('socket') instanceof net.Socket,
        other: writer.getExtraInfo('sslcontext', 'none'),
        port,
        serverSide,
      };
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return info;
    });
    expect(got.peer).toEqual([HOST, got.port]);
    expect(got.sock[0]).toBe(HOST);
    expect(got.serverSide).toEqual([HOST, got.sock[1]]);
    expect(got.socket).toBe(true);
    expect(got.other).toBe('none');
  });

  it('close() sends buffered data before closing; isClosing and waitClosed follow', async () => {
    const big = Buffer.alloc(1 << 20, 7);
    const got = await hosted(function* () {
      const server = yield* startServer(function* (reader, writer) {
        writer.write(big);
        writer.close();
        yield* writer.waitClosed();
      }, HOST, 0);
      const [reader, writer] = yield* openConnection(HOST, portOf(server));
      const data = yield* reader.read();
      const closingBefore = writer.isClosing();
      writer.close();
      const closingAfter = writer.isClosing();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return { n: data.length, ok: data.equals(big), closingBefore, closingAfter };
    });
    expect(got).toEqual({ n: 1 << 20, ok: true, closingBefore: false, closingAfter: true });
  });

  it('a refused connection throws ECONNREFUSED into the coroutine', async () => {
    const probe = await nodeServer(() => undefined);
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await hosted(function* () {
      try {
        yield* openConnection(HOST, port);
        return null;
      } catch (e) {
        return e as NodeJS.ErrnoException;
      }
    });
    expect(err).toBeInstanceOf(Error);
    expect(err!.code).toBe('ECONNREFUSED');
  });

  it('a reset mid-read: data before it is delivered, then the read throws ECONNRESET; drain throws too', async () => {
    const srv = await nodeServer((s) => {
      s.write('before reset\n', () => setTimeout(() => s.resetAndDestroy(), 30));
    });
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const got = await hosted(function* () {
        const [reader, writer] = yield* openConnection(HOST, port);
        const line = (yield* reader.readline()).toString();
        let readErr: NodeJS.ErrnoException | null = null;
        try {
          yield* reader.read(100);
        } catch (e) {
          readErr = e as NodeJS.ErrnoException;
        }
        let drainErr: NodeJS.ErrnoException | null = null;
        try {
          writer.write('x');
          yield* writer.drain();
        } catch (e) {
          drainErr = e as NodeJS.ErrnoException;
        }
        let closedErr: NodeJS.ErrnoException | null = null;
        try {
          yield* writer.waitClosed();
        } catch (e) {
          closedErr = e as NodeJS.ErrnoException;
        }
        return { line, read: readErr?.code, drain: drainErr?.code, closed: closedErr?.code, exc: reader.exception() !== null };
      });
      expect(got).toEqual({ line: 'before reset\n', read: 'ECONNRESET', drain: 'ECONNRESET', closed: 'ECONNRESET', exc: true });
    } finally {
      srv.close();
    }
  });

  it('a peer that never reads: drain() holds the writer, the reader pauses, memory stays flat, nothing is lost', async () => {
    const CHUNK = 64 * 1024;
    const TOTAL = 16 * 1024 * 1024;
    const LIMIT = 64 * 1024;
    const got = await hosted(function* () {
      let serverReader: StreamReader | null = null;
      let release: (() => void) | null = null;
      const readerReady = new Promise<void>((r) => (release = r));
      const server = yield* startServer(function* (reader, writer) {
        serverReader = reader;
        release!();
        yield* sleep(0.3); // does not read for a while
        let n = 0;
        for (;;) {
          const data = yield* reader.read(CHUNK);
          if (data.length === 0) break;
          n += data.length;
        }
        writer.write(String(n));
        writer.close();
      }, HOST, 0, { limit: LIMIT });
      const [reader, writer] = yield* openConnection(HOST, portOf(server));
      let written = 0;
      let maxWriteBuffer = 0;
      let maxReaderBuffer = 0;
      const chunk = Buffer.alloc(CHUNK, 1);
      const t0 = Date.now();
      let writtenBeforeRead = -1;
      const probe = () => {
        maxWriteBuffer = Math.max(maxWriteBuffer, writer.transport.writableLength);
        if (serverReader !== null) maxReaderBuffer = Math.max(maxReaderBuffer, serverReader._size);
      };
      yield* (function* () {
        yield* ensure(readerReady);
      })();
      while (written < TOTAL) {
        writer.write(chunk);
        written += CHUNK;
        probe();
        yield* writer.drain();
        probe();
        if (writtenBeforeRead < 0 && Date.now() - t0 > 250) writtenBeforeRead = written;
      }
      writer.writeEof();
      const answer = Number((yield* reader.read()).toString());
      writer.close();
      server.close();
      yield* server.waitClosed();
      return { answer, maxWriteBuffer, maxReaderBuffer, writtenBeforeRead };
    });
    expect(got.answer).toBe(TOTAL);
    // The writer never holds more than its high-water mark plus one chunk.
    expect(got.maxWriteBuffer).toBeLessThanOrEqual(16 * 1024 + CHUNK);
    // The reader pauses its socket past 2 x limit (plus the chunk that crossed it).
    expect(got.maxReaderBuffer).toBeLessThanOrEqual(2 * LIMIT + CHUNK);
    // While the peer did not read, the writer was held back (kernel buffers only).
    expect(got.writtenBeforeRead).toBeGreaterThan(0);
    expect(got.writtenBeforeRead).toBeLessThan(TOTAL / 2);
  });

  it('a cancelled drain leaves the writer usable', async () => {
    const got = await hosted(function* () {
      let go: (() => void) | null = null;
      const started = new Promise<void>((r) => (go = r));
      const server = yield* startServer(function* (reader, writer) {
        yield* ensure(started);
        const all = yield* reader.read();
        writer.write(String(all.length));
        writer.close();
      }, HOST, 0);
      const [reader, writer] = yield* openConnection(HOST, portOf(server));
      const chunk = Buffer.alloc(1 << 20, 2);
      let sent = 0;
      let cancelled = false;
      while (!cancelled) {
        writer.write(chunk);
        sent += chunk.length;
        try {
          yield* waitFor(writer.drain(), 0.05);
        } catch (e) {
          cancelled = e instanceof TimeoutError;
        }
      }
      go!();
      yield* writer.drain();
      writer.write(chunk);
      sent += chunk.length;
      writer.writeEof();
      const n = Number((yield* reader.read()).toString());
      writer.close();
      server.close();
      yield* server.waitClosed();
      return { n, sent, closing: writer.isClosing() };
    });
    expect(got.n).toBe(got.sent);
  });

  it('a server closed with clients attached: they keep working until closed; waitClosed waits for them', async () => {
    const got = await hosted(function* () {
      const server = yield* startServer(echo, HOST, 0);
      const port = portOf(server);
      const [reader, writer] = yield* openConnection(HOST, port);
      writer.write('ping\n');
      const before = (yield* reader.readline()).toString();
      server.close();
      const serving = server.isServing();
      let refused = '';
      try {
        yield* openConnection(HOST, port);
      } catch (e) {
        refused = (e as NodeJS.ErrnoException).code ?? '';
      }
      writer.write('still\n');
      const after = (yield* reader.readline()).toString();
      const waiting = createTask(server.waitClosed());
      yield* sleep(0.02);
      const doneEarly = waiting.done();
      writer.close();
      yield* waiting;
      return { before, after, serving, refused, doneEarly };
    });
    expect(got).toEqual({ before: 'ping\n', after: 'still\n', serving: false, refused: 'ECONNREFUSED', doneEarly: false });
  });

  it('closeClients() closes the attached connections: each client sees EOF', async () => {
    const got = await hosted(function* () {
      const server = yield* startServer(function* (reader) {
        yield* reader.read();
      }, HOST, 0);
      const port = portOf(server);
      const clients = [yield* openConnection(HOST, port), yield* openConnection(HOST, port)];
      yield* sleep(0.02);
      server.close();
      server.closeClients();
      const reads = yield* gather(...clients.map(([r]) => r.read()));
      for (const [, w] of clients) w.close();
      yield* server.waitClosed();
      return reads.map((b) => b.length);
    });
    expect(got).toEqual([0, 0]);
  });

  it('serveForever serves until cancelled, then closes the server; hold closes it after the body', async () => {
    const got = await hosted(function* () {
      const server = yield* startServer(echo, HOST, 0);
      const port = portOf(server);
      const serving = createTask(server.serveForever());
      const [reader, writer] = yield* openConnection(HOST, port);
      writer.write('x\n');
      const line = (yield* reader.readline()).toString();
      writer.close();
      serving.cancel();
      let cancelled = false;
      try {
        yield* serving;
      } catch (e) {
        cancelled = e instanceof CancelledError;
      }
      const servingAfter = server.isServing();
      const server2 = yield* startServer(echo, HOST, 0);
      const inside = yield* server2.hold(function* (s) {
        return s.isServing();
      });
      return { line, cancelled, servingAfter, inside, after: server2.isServing() };
    });
    expect(got).toEqual({ line: 'x\n', cancelled: true, servingAfter: false, inside: true, after: false });
  });

  it('an error in the client callback goes to the exception handler and closes that connection', async () => {
    const loop = makeLoop(backend);
    const errors = captureErrors(loop);
    const boom = new Error('handler failed');
    const got = await loop.runUntilCompleteAsync(
      (function* () {
        // eslint-disable-next-line require-yield
        const server = yield* startServer(function* () {
          throw boom;
        }, HOST, 0);
        const [reader, writer] = yield* openConnection(HOST, portOf(server));
        const data = yield* reader.read();
        writer.close();
        server.close();
        yield* server.waitClosed();
        return data.length;
      })(),
    );
    expect(got).toBe(0);
    expect(errors.length).toBe(1);
    expect(errors[0].message).toBe('Unhandled exception in client_connected_cb');
    expect(errors[0].exception).toBe(boom);
  });

  it('Unix sockets: startUnixServer and openUnixConnection echo', async () => {
    const sock = path.join(tmpDir, `s${unixCount++}.sock`);
    const got = await hosted(function* () {
      const server = yield* startUnixServer(echo, sock);
      const [reader, writer] = yield* openUnixConnection(sock);
      writer.write('over unix\n');
      const line = (yield* reader.readline()).toString();
      const peer = writer.getExtraInfo('peername');
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return { line, peer, sockets: server.sockets };
    });
    expect(got).toEqual({ line: 'over unix\n', peer: sock, sockets: [] });
  });

  it('many concurrent clients each get their own bytes back', async () => {
    const N = 20;
    const got = await hosted(function* () {
      const server = yield* startServer(echo, HOST, 0);
      const port = portOf(server);
      function* client(i: number): Coroutine<boolean> {
        const [reader, writer] = yield* openConnection(HOST, port);
        const msg = Buffer.alloc(10_000 + i, i);
        writer.write(msg);
        yield* writer.drain();
        const back = yield* reader.readexactly(msg.length);
        writer.close();
        yield* writer.waitClosed();
        return back.equals(msg);
      }
      const oks = yield* gather(...Array.from({ length: N }, (_, i) => client(i)));
      server.close();
      yield* server.waitClosed();
      return oks;
    });
    expect(got).toEqual(Array(N).fill(true));
  });

  it('openConnection cancelled while it connects destroys its socket', async () => {
    const got = await hosted(function* () {
      let accepted = 0;
      let eofs = 0;
      const server = yield* startServer(function* (reader, writer) {
        accepted++;
        try {
          if ((yield* reader.read()).length === 0) eofs++;
        } catch {
          eofs++; // a reset is an end too
        }
        writer.close();
      }, HOST, 0);
      const connecting = createTask(openConnection(HOST, portOf(server)));
      yield; // the task starts connecting
      connecting.cancel();
      let cancelled = false;
      try {
        yield* connecting;
      } catch (e) {
        cancelled = e instanceof CancelledError;
      }
      const end = Date.now() + 2000;
      while ((accepted === 0 || eofs < accepted) && Date.now() < end) yield* sleep(0.01);
      server.close();
      yield* server.waitClosed();
      return { cancelled, ended: eofs === accepted };
    });
    expect(got).toEqual({ cancelled: true, ended: true });
  });

  it('closing the loop (the end of runAsync) closes servers and connections left open', async () => {
    const left = await hosted(function* () {
      const server = yield* startServer(echo, HOST, 0);
      const [, writer] = yield* openConnection(HOST, portOf(server));
      yield* sleep(0.01);
      return { server, socket: writer.transport };
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(left.server._server.listening).toBe(false);
    expect(left.socket.destroyed).toBe(true);
  });

  it('in a blocking run, waiting on a stream says it would wait forever and names hosted mode', () => {
    const loop = makeLoop(backend);
    let error: unknown = null;
    try {
      loop.runUntilComplete(
        (function* () {
          return yield* openConnection(HOST, 9);
        })(),
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EventLoopError);
    expect((error as Error).message).toMatch(/^Event loop would wait forever/);
    expect((error as Error).message).toMatch(/hosted mode \(runAsync/);
  });

  it('a blocking read on a reader fed by nobody names the reader and hosted mode', () => {
    const loop = makeLoop(backend);
    const reader = new StreamReader({ loop });
    let error: unknown = null;
    try {
      loop.runUntilComplete(reader.read(10));
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).toMatch(/waiting for <StreamReader 0 bytes waiting for data> \(a Node promise\)/);
    expect((error as Error).message).toMatch(/hosted mode/);
  });

  it('a StreamReader fed by hand: feedData, feedEof, setException', async () => {
    const loop = makeLoop(backend);
    const reader = new StreamReader({ loop, limit: 4 });
    const got = await loop.runUntilCompleteAsync(
      (function* () {
        loop.callLater(0.001, () => reader.feedData(Buffer.from('ab')));
        loop.callLater(0.002, () => reader.feedData(Buffer.from('cd\nef')));
        const line = (yield* reader.readline()).toString();
        reader.feedEof();
        const rest = (yield* reader.read()).toString();
        const r2 = new StreamReader({ loop });
        const boom = new Error('x');
        loop.callLater(0.001, () => r2.setException(boom));
        let caught: unknown = null;
        try {
          yield* r2.read(1);
        } catch (e) {
          caught = e;
        }
        return { line, rest, eof: reader.atEof(), same: caught === boom, exc: r2.exception() === boom };
      })(),
    );
    expect(got).toEqual({ line: 'abcd\n', rest: 'ef', eof: true, same: true, exc: true });
  });

  it('rejects bad arguments with errors naming them, before anything starts', () => {
    expect(() => openConnection(HOST, 70000)).toThrow(RangeError);
    expect(() => openConnection(HOST, 70000)).toThrow(/openConnection: port must be an integer in \[0, 65535\], got 70000/);
    expect(() => openConnection(42 as never, 80)).toThrow(/openConnection: host must be a non-empty string or null, got 42/);
    expect(() => openConnection(HOST, 80, { limit: 0 })).toThrow(/openConnection: limit must be >= 1, got 0/);
    expect(() => openConnection(HOST, 80, 'x' as never)).toThrow(/options must be an object/);
    expect(() => startServer(42 as never, HOST, 0)).toThrow(/startServer: clientConnected must be a function, got 42/);
    expect(() => startServer(echo, HOST, -1)).toThrow(RangeError);
    expect(() => startUnixServer(echo, '')).toThrow(/startUnixServer: path must be a non-empty string/);
    expect(() => openUnixConnection(null as never)).toThrow(TypeError);
    const loop = makeLoop(backend);
    const reader = new StreamReader({ loop });
    expect(() => reader.readexactly(-1)).toThrow(/readexactly: n must be >= 0, got -1/);
    expect(() => reader.read(1.5)).toThrow(/read: n must be an integer, got 1.5/);
    expect(() => reader.readuntil('')).toThrow(/separator should be at least one-byte/);
    expect(() => reader.readuntil(5 as never)).toThrow(TypeError);
  });
});

/** `yield* ensure(promise)`: a Node promise, waited on from a coroutine. */
function* ensure<T>(p: Promise<T>): Coroutine<T> {
  return yield* ensureFuture(p);
}
