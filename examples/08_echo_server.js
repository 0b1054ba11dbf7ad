'use strict';
// asyncio's "TCP echo client and server using streams", as one aioloop
// program: a server and three clients on 127.0.0.1, hosted on Node's event
// loop (streams need Node's I/O, so they run in hosted mode: runAsync).
//
//   asyncio                                   aioloop
//   await asyncio.start_server(cb, h, p)      yield* startServer(cb, h, p)
//   await asyncio.open_connection(h, p)       yield* openConnection(h, p)
//   await reader.readline()                   yield* reader.readline()
//   writer.write(data); await writer.drain()  writer.write(data); yield* writer.drain()
//   async with server: ...                    yield* server.hold(function* () { ... })
//
// Run it with:  npm run build:ts && node examples/08_echo_server.js
const { runAsync, startServer, openConnection, gather, timeout } = require('aioloop');

const HOST = '127.0.0.1';
const served = [];

// async def handle_echo(reader, writer):
function* handleEcho(reader, writer) {
  const data = yield* reader.readline();
  served.push(data.toString().trim());
  writer.write(data);
  yield* writer.drain();
  writer.close();
  yield* writer.waitClosed();
}

// async def tcp_echo_client(message):
function* echoClient(port, message) {
  const [reader, writer] = yield* openConnection(HOST, port);
  writer.write(`${message}\n`);
  yield* writer.drain();
  const data = yield* reader.readline();
  writer.close();
  yield* writer.waitClosed();
  return data.toString().trim();
}

function* main() {
  const server = yield* startServer(handleEcho, HOST, 0);
  const { port } = server.sockets[0];
  console.log(`serving on ${HOST} (port ${port > 0 ? 'chosen by the system' : '?'})`);
  // async with server: the server is closed (and waited for) after the body.
  yield* server.hold(function* () {
    // The whole exchange is bounded: a hang would be a TimeoutError.
    yield* timeout(10, function* () {
      const messages = ['Hello World!', 'Bonjour', 'Hallo'];
      const replies = yield* gather(...messages.map((m) => echoClient(port, m)));
      for (let i = 0; i < messages.length; i++) {
        console.log(`client: sent ${JSON.stringify(messages[i])}, got back ${JSON.stringify(replies[i])}`);
      }
    });
  });
  console.log(`server: echoed ${served.length} lines, now ${server.isServing() ? 'serving' : 'closed'}`);
}

runAsync(main).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
