/**
 * The few Node types the public API mentions, written so that the published
 * declaration files need no `@types/node`: a consumer without Node's types
 * still type-checks, and one with them gets Node's own `Buffer` back.
 *
 * Type-only module: it emits nothing.
 */

/**
 * Bytes read from a stream or a pipe: Node's `Buffer` where the program has
 * Node's type declarations, else the `Uint8Array` it is at run time.
 */
// (Node's BufferConstructor declares no `prototype`; `isBuffer`'s type guard names Buffer.)
export type Bytes = typeof globalThis extends { Buffer: { isBuffer(obj: any): obj is infer B } } ? B : Uint8Array;

/**
 * A signal name (`'SIGINT'`, `'SIGTERM'`, ...); every member of Node's
 * `NodeJS.Signals` is one. Names the platform does not have are a TypeError
 * at run time.
 */
export type SignalName = `SIG${string}`;

/** Environment variables of a subprocess (`process.env` is one). */
export type Environment = Record<string, string | undefined>;

/** A listening address (Node's `net.AddressInfo`). */
export interface AddressInfo {
  address: string;
  family: string;
  port: number;
}

/**
 * What `StreamWriter.transport` gives: the Node `net.Socket` (or pipe)
 * underneath, typed by the members a program uses most; cast it to
 * `net.Socket` for the rest.
 */
export interface SocketTransport {
  readonly destroyed: boolean;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly readyState: string;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly remoteFamily?: string;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly writableLength: number;
  address(): unknown;
  setNoDelay(noDelay?: boolean): unknown;
  setKeepAlive(enable?: boolean, initialDelay?: number): unknown;
  setTimeout(timeout: number, callback?: () => void): unknown;
  ref(): unknown;
  unref(): unknown;
  pause(): unknown;
  resume(): unknown;
  write(data: string | Uint8Array, callback?: (err?: Error | null) => void): boolean;
  end(): unknown;
  destroy(error?: Error): unknown;
  on(event: string, listener: (...args: any[]) => void): unknown;
  once(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
}
