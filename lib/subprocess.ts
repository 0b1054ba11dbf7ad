/**
 * Subprocesses (asyncio.subprocess) over Node's `child_process.spawn`:
 * `createSubprocessExec(program, ...args, options?)` and
 * `createSubprocessShell(cmd, options?)` give a `Process` whose pipes are
 * the streams of lib/streams.ts (a StreamWriter on stdin, StreamReaders on
 * stdout and stderr, with the same flow control).
 *
 * Lifetime, as asyncio's: `returncode` is set when the child exits (a
 * negative signal number if a signal ended it); `wait()` returns once it
 * exited and its pipes are closed (Node's 'close' event). Hosted mode only:
 * the child's events arrive through Node's event loop.
 */
import type { Bytes, Environment, SignalName } from './node_types';
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import * as os from 'node:os';
import type * as net from 'node:net';
import { type Coroutine } from './coroutines';
import { _requireRunningLoop, type AbstractLoop } from './events';
import { Future, _setWaitTarget } from './futures';
import { checkSignal } from './signals';
import { DEFAULT_LIMIT, StreamReader } from './stream_reader';
import { StreamWriter } from './stream_writer';
import { Wire } from './transports';
import { _createTaskOn } from './tasks';
import { gather } from './composition';
import { checkInteger, checkOptions, checkString, describe } from './validate';

/** Make a pipe to the child (asyncio.subprocess.PIPE). */
export const PIPE = 'pipe';
/** Connect the stream to /dev/null (asyncio.subprocess.DEVNULL). */
export const DEVNULL = 'ignore';
/** For `stderr` only: merge it into stdout's pipe (asyncio.subprocess.STDOUT). */
export const STDOUT = 'stdout';

/** What a child's stdin, stdout or stderr is connected to: a pipe, /dev/null, the parent's own (`'inherit'` or null, asyncio's None), or a file descriptor. */
export type StdioSpec = typeof PIPE | typeof DEVNULL | typeof STDOUT | 'inherit' | null | number;

/** Options of `createSubprocessExec` and `createSubprocessShell`. */
export interface SubprocessOptions {
  stdin?: StdioSpec;
  stdout?: StdioSpec;
  stderr?: StdioSpec;
  /** Working directory of the child. */
  cwd?: string;
  /** Environment of the child (default: the parent's). */
  env?: Environment;
  /** Buffer limit of the stdout and stderr readers (default 64 KiB). */
  limit?: number;
}

function processLookupError(): Error {
  const err = new Error('No such process') as NodeJS.ErrnoException;
  Object.defineProperty(err, 'name', { value: 'ProcessLookupError', configurable: true, writable: true });
  err.code = 'ESRCH';
  return err;
}

/** A child process (asyncio.subprocess.Process). */
export class Process {
  /** @internal */ _child: ChildProcess;
  /** @internal */ _loop: AbstractLoop;
  /** @internal */ _returncode: number | null = null;
  /** @internal 'close' came: exited and the pipes are closed. */
  _finished = false;
  /** @internal */ _waiters: Future<number>[] = [];
  /** A StreamWriter to the child's stdin, when it is a pipe. */
  readonly stdin: StreamWriter | null;
  /** A StreamReader of the child's stdout, when it is a pipe. */
  readonly stdout: StreamReader | null;
  /** A StreamReader of the child's stderr, when it is a pipe. */
  readonly stderr: StreamReader | null;

  /** @internal Made by createSubprocessExec/createSubprocessShell. */
  constructor(child: ChildProcess, loop: AbstractLoop, limit: number, mergeStderr = false) {
    this._child = child;
    this._loop = loop;
    const stdin = child.stdin as net.Socket | null;
    this.stdin = stdin === null ? null : new StreamWriter(stdin, new Wire(stdin, null, loop), null, loop);
    const out = child.stdout as net.Socket | null;
    const err = child.stderr as net.Socket | null;
    if (mergeStderr && out !== null && err !== null) {
      // stderr: STDOUT. Both pipes feed one reader; EOF once both ended,
      // and flow control pauses and resumes both.
      const reader = new StreamReader({ limit, loop });
      const gate = { left: 2 };
      new Wire(out, reader, loop, gate);
      new Wire(err, reader, loop, gate);
      reader._transport = {
        pause: () => (out.pause(), err.pause()),
        resume: () => (out.resume(), err.resume()),
      };
      this.stdout = reader;
      this.stderr = null;
    } else {
      this.stdout = readerOf(out, loop, limit);
      this.stderr = readerOf(err, loop, limit);
    }
    child.on('exit', (code, signal) => {
      this._returncode = code !== null ? code : -((os.constants.signals as Record<string, number>)[signal ?? ''] ?? 0);
    });
    child.on('close', () => {
      this._finished = true;
      const all = this._waiters.splice(0);
      if (loop.isClosed()) return;
      for (const w of all) if (!w.done()) w.setResult(this._returncode!);
    });
  }

  /** The child's process id. */
  get pid(): number {
    return this._child.pid!;
  }

  /** The exit status once the child exited (a negative signal number if a signal ended it), else null. */
  get returncode(): number | null {
    return this._returncode;
  }

  /** Waits until the child exited and its pipes closed; gives `returncode`. */
  *wait(): Coroutine<number> {
    if (this._finished) return this._returncode!;
    const w = new Future<number>({ loop: this._loop });
    w._markFromPromise();
    _setWaitTarget(w, this);
    this._waiters.push(w);
    return yield* w;
  }

  /**
   * Sends `input` (if given) to stdin and closes it, reads stdout and
   * stderr to EOF, and waits for the child (asyncio's `communicate`). Gives
   * `[stdout, stderr]`: a Buffer for each stream that is a pipe, else null.
   * A child that stops reading its stdin (or dies) is not an error: what it
   * wrote is still given.
   */
  communicate(input?: string | Uint8Array | null): Coroutine<[Bytes | null, Bytes | null]> {
    if (input !== undefined && input !== null && typeof input !== 'string' && !(input instanceof Uint8Array)) {
      throw new TypeError(`communicate: input must be a string, a Uint8Array or null, got ${describe(input)}`);
    }
    if (input !== undefined && input !== null && this.stdin === null) {
      throw new TypeError('communicate: input given, but stdin is not a pipe (stdin: PIPE)');
    }
    return this._communicate(input ?? null);
  }

  /** @internal */
  *_communicate(input: string | Uint8Array | null): Coroutine<[Buffer | null, Buffer | null]> {
    const loop = this._loop;
    const feed = this.stdin !== null ? _createTaskOn(loop, feedStdin(this.stdin, input), undefined) : null;
    const out = this.stdout !== null ? _createTaskOn(loop, this.stdout.read(), undefined) : null;
    const err = this.stderr !== null ? _createTaskOn(loop, this.stderr.read(), undefined) : null;
    const parts = [feed, out, err].filter((t) => t !== null);
    yield* gather(...parts);
    yield* this.wait();
    return [out === null ? null : out.result(), err === null ? null : err.result()];
  }

  /** Sends `sig` (a name or a number) to the child; ProcessLookupError once it exited. */
  sendSignal(sig: SignalName | number): void {
    const name = checkSignal(sig, 'sendSignal');
    if (this._returncode !== null) throw processLookupError();
    this._child.kill(name);
  }

  /** Sends SIGTERM. */
  terminate(): void {
    this.sendSignal('SIGTERM');
  }

  /** Sends SIGKILL. */
  kill(): void {
    this.sendSignal('SIGKILL');
  }

  toString(): string {
    return `<Process ${this._child.pid}${this._returncode === null ? ' running' : ` returncode=${this._returncode}`}>`;
  }
}

function readerOf(pipe: net.Socket | null, loop: AbstractLoop, limit: number): StreamReader | null {
  if (pipe === null) return null;
  const reader = new StreamReader({ limit, loop });
  new Wire(pipe, reader, loop);
  return reader;
}

/** Writes `input` and closes stdin; a child that is gone or stopped reading is not an error (asyncio). */
function* feedStdin(stdin: StreamWriter, input: string | Uint8Array | null): Coroutine<void> {
  try {
    if (input !== null) {
      stdin.write(input);
      yield* stdin.drain();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    if (code !== 'EPIPE' && code !== 'ECONNRESET') throw err;
  }
  stdin.close();
}

function checkStdio(value: unknown, name: string, what: string): 'pipe' | 'ignore' | 'inherit' | 'stdout' | number {
  if (value === undefined || value === null || value === 'inherit') return 'inherit';
  if (value === PIPE || value === DEVNULL) return value;
  if (value === STDOUT && name === 'stderr') return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new TypeError(
    `${what}: ${name} must be PIPE, DEVNULL, ${name === 'stderr' ? 'STDOUT, ' : ''}'inherit', null or a file descriptor, got ${describe(value)}`,
  );
}

/** Splits `(...args, options?)`: a last argument that is an object is the options. */
function splitOptions(rest: unknown[]): [unknown[], unknown] {
  const last = rest[rest.length - 1];
  if (rest.length > 0 && last !== null && typeof last === 'object' && !Array.isArray(last)) {
    return [rest.slice(0, -1), last];
  }
  return [rest, undefined];
}

function prepare(options: unknown, what: string) {
  const opts = checkOptions(options, what) as SubprocessOptions;
  const stdout = checkStdio(opts.stdout, 'stdout', what);
  let stderr = checkStdio(opts.stderr, 'stderr', what);
  // stderr: STDOUT goes where stdout goes: the same pipe (merged by the
  // Process), /dev/null, the parent's stdout, or the same descriptor.
  const mergeStderr = stderr === STDOUT && stdout === PIPE;
  if (stderr === STDOUT) stderr = stdout === PIPE ? PIPE : stdout === 'inherit' ? 1 : stdout;
  const stdio = [checkStdio(opts.stdin, 'stdin', what), stdout, stderr] as StdioOptions;
  checkString(opts.cwd, 'cwd', what, true);
  if (opts.env !== undefined && (opts.env === null || typeof opts.env !== 'object')) {
    throw new TypeError(`${what}: env must be an object, got ${describe(opts.env)}`);
  }
  const limit = opts.limit === undefined ? DEFAULT_LIMIT : checkInteger(opts.limit, 'limit', what, 1);
  return { stdio, cwd: opts.cwd, env: opts.env, limit, mergeStderr };
}

/**
 * Runs `program` with `args` (no shell), as asyncio.create_subprocess_exec:
 * a coroutine giving the `Process` once it started. The last argument may
 * be the options (`{ stdin: PIPE, stdout: PIPE, ... }`; each stream
 * defaults to the parent's own). Throws Node's spawn error (`ENOENT`, ...).
 */
export function createSubprocessExec(program: string, ...rest: Array<string | SubprocessOptions>): Coroutine<Process> {
  const what = 'createSubprocessExec';
  checkString(program, 'program', what);
  if (program === '') throw new TypeError(`${what}: program must be a non-empty string, got ""`);
  const [args, options] = splitOptions(rest);
  args.forEach((a, i) => {
    if (typeof a !== 'string') throw new TypeError(`${what}: args[${i}] must be a string, got ${describe(a)}`);
  });
  return start(program, args as string[], false, prepare(options, what));
}

/**
 * Runs `cmd` through the shell (`/bin/sh -c`), as
 * asyncio.create_subprocess_shell: a coroutine giving the `Process`.
 */
export function createSubprocessShell(cmd: string, options?: SubprocessOptions): Coroutine<Process> {
  const what = 'createSubprocessShell';
  checkString(cmd, 'cmd', what);
  return start(cmd, [], true, prepare(options, what));
}

function* start(
  file: string,
  args: string[],
  shell: boolean,
  opts: { stdio: StdioOptions; cwd?: string; env?: NodeJS.ProcessEnv; limit: number; mergeStderr: boolean },
): Coroutine<Process> {
  const loop = _requireRunningLoop();
  const child = spawn(file, args, { stdio: opts.stdio, cwd: opts.cwd, env: opts.env, shell });
  // Listeners on the pipes and on 'exit' now, before the child can run:
  // Node drops the output of pipes nobody listens to when the child exits
  // (flushStdio), and a quick child exits before 'spawn' reaches the loop.
  const proc = new Process(child, loop, opts.limit, opts.mergeStderr);
  const started = new Future<void>({ loop });
  started._markFromPromise();
  _setWaitTarget(started, `the start of ${file}`);
  const onError = (err: Error) => {
    if (!started.done() && !loop.isClosed()) started._fail(err);
  };
  child.once('error', onError);
  child.once('spawn', () => {
    if (!started.done() && !loop.isClosed()) started.setResult(undefined);
  });
  try {
    yield* started;
  } catch (err) {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    throw err;
  } finally {
    child.removeListener('error', onError);
  }
  // Later errors (a failed kill) are not the process's end: 'exit' and 'close' say that.
  child.on('error', () => undefined);
  return proc;
}
