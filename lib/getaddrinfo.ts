/**
 * `loop.getaddrinfo(host, port)`: asyncio's name resolution, over Node's
 * resolver.
 *
 * asyncio runs the C library's getaddrinfo(3) in a thread and returns
 * `(family, type, proto, canonname, sockaddr)` tuples. Node's `dns.lookup`
 * makes the same getaddrinfo(3) call on libuv's thread pool but reports only
 * each address and its family; the numeric AF_* constants differ between
 * platforms and Node does not expose them. So the result is a JS shape that
 * carries what the tuples carry and goes straight into `net.connect`:
 *
 *     { family: 4 | 6, address: '127.0.0.1', port: 443 }
 *
 * one entry per address, in the resolver's order. `type`/`proto` have no
 * counterpart (Node does not filter by socket type), nor has `canonname`.
 *
 * The answer arrives through Node's event loop, so the coroutine completes
 * in hosted mode only; a blocking run waiting on it reports that it would
 * wait forever and names hosted mode.
 */
import * as dns from 'node:dns';
import { type Coroutine } from './coroutines';
import { checkOptions, describe } from './validate';
import type { MinimalLoop } from './events';
import { ensureFuture } from './tasks';

/** One resolved address (asyncio's getaddrinfo tuple, as a JS object). */
export interface AddrInfo {
  /** 4 for IPv4, 6 for IPv6 (Node's numbering, as in `net.isIP`). */
  family: 4 | 6;
  /** The address in text form (`127.0.0.1`, `::1`). */
  address: string;
  /** The port that was asked for (0 when none was). */
  port: number;
}

/** Options of `loop.getaddrinfo()`. */
export interface GetaddrinfoOptions {
  /** 4 or 6 to ask for one family only; 0 (the default) for both. */
  family?: 0 | 4 | 6;
}

const MAX_PORT = 65535;

function checkPort(port: unknown): number {
  if (port === undefined || port === null) return 0;
  if (typeof port === 'number') {
    if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) {
      throw new RangeError(`getaddrinfo: port must be an integer in [0, ${MAX_PORT}], got ${describe(port)}`);
    }
    return port;
  }
  if (typeof port === 'string' && /^[0-9]{1,5}$/.test(port) && Number(port) <= MAX_PORT) return Number(port);
  throw new TypeError(
    `getaddrinfo: port must be a port number (0-${MAX_PORT}) or null, got ${describe(port)}` +
      (typeof port === 'string' ? ' (service names are not looked up)' : ''),
  );
}

/** @internal `loop.getaddrinfo`: checks the arguments now, resolves when the coroutine runs. */
export function getaddrinfo(
  loop: MinimalLoop,
  host: unknown,
  port: unknown,
  options: unknown,
): Coroutine<AddrInfo[]> {
  if (typeof host !== 'string' || host === '') {
    throw new TypeError(`getaddrinfo: host must be a non-empty string, got ${describe(host)}`);
  }
  const portNumber = checkPort(port);
  const family = (checkOptions(options, 'getaddrinfo') as GetaddrinfoOptions).family ?? 0;
  if (family !== 0 && family !== 4 && family !== 6) {
    throw new TypeError(`getaddrinfo: family must be 0, 4 or 6, got ${describe(family)}`);
  }
  return resolve(loop, host, portNumber, family);
}

function* resolve(loop: MinimalLoop, host: string, port: number, family: 0 | 4 | 6): Coroutine<AddrInfo[]> {
  // The lookup starts when the coroutine first runs, as asyncio's does.
  const found = yield* ensureFuture(dns.promises.lookup(host, { all: true, family }), { loop });
  return found.map((entry) => ({ family: entry.family === 6 ? 6 : 4, address: entry.address, port }));
}
