"""The echo server of uvloop's published benchmark, on asyncio streams and on uvloop.

benchmarks/echo.js starts it and drives it with its own client process:

    python3 asyncio_echo.py serve <asyncio|uvloop>   listen on 127.0.0.1:0, print the port, serve until stdin closes
    python3 asyncio_echo.py probe                    print {"python": ..., "uvloop": ...} as JSON

The server is the `streams` variant of uvloop's examples/bench/echoserver.py:
read up to 100 KiB, write it back, TCP_NODELAY on (asyncio sets it on every
TCP connection anyway).
"""
import asyncio
import json
import socket
import sys

READ_SIZE = 102400


async def echo_client_streams(reader, writer):
    sock = writer.get_extra_info("socket")
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, NameError):
        pass
    try:
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                break
            writer.write(data)
    except ConnectionError:
        pass
    writer.close()


async def serve():
    loop = asyncio.get_running_loop()
    server = await asyncio.start_server(echo_client_streams, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    # Serve until the parent closes our stdin (or kills us).
    done = loop.create_future()
    loop.add_reader(sys.stdin.fileno(), lambda: done.done() or done.set_result(None))
    await done
    server.close()


def main(argv):
    if len(argv) >= 2 and argv[1] == "probe":
        info = {"python": sys.version.split()[0]}
        try:
            import uvloop

            info["uvloop"] = uvloop.__version__
        except Exception as err:  # noqa: BLE001 - any import failure means "no uvloop"
            info["uvloopError"] = f"{type(err).__name__}: {err}"
        print(json.dumps(info))
        return 0
    if len(argv) != 3 or argv[1] != "serve" or argv[2] not in ("asyncio", "uvloop"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[2] == "uvloop":
        import uvloop

        uvloop.run(serve()) if hasattr(uvloop, "run") else uvloop.install() or asyncio.run(serve())
    else:
        asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
