/**
 * `run(main)`: asyncio.run for generator coroutines. A new loop runs `main`
 * to completion; then every task still alive is cancelled and the loop runs
 * until they finish (their errors go to the exception handler); then the loop
 * is closed. Returns main's result or throws main's error.
 */
import { isCoroutine, type Coroutine } from './coroutines';
import { describe } from './validate';
import { _getRunningLoop, _setEventLoop } from './events';
import { EventLoopError } from './exceptions';
import { Loop, type LoopOptions } from './loop';
import type { Future } from './futures';
import { allTasks, type Task } from './tasks';

/** A coroutine, or a function of no arguments that returns one. */
export type Main<T> = Coroutine<T> | (() => Coroutine<T>);

/** @internal Resolves `main` to a coroutine or throws a TypeError. */
export function toCoroutine<T>(main: Main<T>, what: string): Coroutine<T> {
  const coro = typeof main === 'function' ? main() : main;
  if (!isCoroutine(coro)) {
    throw new TypeError(`${what}: a coroutine (or a function returning one) was expected, got ${describe(main)}`);
  }
  return coro as Coroutine<T>;
}

/**
 * The shutdown step of `run` and `runAsync` (asyncio's `_cancel_all_tasks`):
 * cancels every live task and gives the Future that completes when all of
 * them are done, for the caller to run the loop until then (blocking or
 * hosted); `report()` afterwards hands their errors to the exception handler.
 * Null when no task is alive.
 */
function cancelAllTasks(loop: Loop): { all: Future<void>; report(): void } | null {
  const toCancel = [...allTasks(loop)];
  if (toCancel.length === 0) return null;
  for (const t of toCancel) t.cancel();
  const all = loop.createFuture<void>();
  let remaining = toCancel.length;
  const onDone = () => {
    if (--remaining === 0 && !all.done()) all.setResult(undefined);
  };
  for (const t of toCancel) t.addDoneCallback(onDone);
  const report = () => {
    for (const t of toCancel) reportUnhandled(loop, t);
  };
  return { all, report };
}

function reportUnhandled(loop: Loop, task: Task<unknown>): void {
  if (!task.failed()) return;
  loop.callExceptionHandler({ message: 'unhandled exception during run() shutdown', exception: task.exception(), task });
}

/**
 * The common start of `run` and `runAsync`: a new loop (made the current
 * one) and `main`'s task. A `main` that is not a coroutine
 * closes the loop again and throws.
 */
function startMain<T>(main: Main<T>, options: LoopOptions | undefined, what: string): [Loop, Task<T>] {
  const loop = new Loop(options);
  let coro: Coroutine<T>;
  try {
    coro = toCoroutine(main, what);
  } catch (err) {
    loop.close();
    throw err;
  }
  _setEventLoop(loop);
  // Named Task-N, as asyncio.run names its main task.
  return [loop, loop.createTask(coro)];
}

/**
 * Runs `main` on a new event loop and returns its result (blocking, like
 * asyncio.run). Takes the Loop options (`backend`, `clock`, `debug`).
 */
export function run<T>(main: Main<T>, options?: LoopOptions): T {
  if (_getRunningLoop() !== null) {
    throw new EventLoopError('run() cannot be called from a running event loop');
  }
  const [loop, task] = startMain(main, options, 'run');
  try {
    return loop.runUntilComplete(task);
  } finally {
    try {
      const shutdown = cancelAllTasks(loop);
      if (shutdown !== null) {
        loop.runUntilComplete(shutdown.all);
        shutdown.report();
      }
    } finally {
      _setEventLoop(null);
      loop.close();
    }
  }
}

/**
 * Runs `main` on a new event loop hosted on Node's event loop (see
 * `loop.runForeverAsync`) and resolves with its result — `run` for programs
 * that must not block Node: servers, libraries, code that awaits Node
 * promises. Same cleanup as `run`: once `main` is done, every task still
 * alive is cancelled and awaited, then the loop is closed. Takes the Loop
 * options (`backend`, `clock`, `debug`).
 *
 * The new loop becomes the one `getEventLoop()` returns (also between slices,
 * in Node code such as async functions), until it closes. Unlike `run`, it
 * may be started from inside a running loop: a hosted run never nests on
 * the stack.
 */
export async function runAsync<T>(main: Main<T>, options?: LoopOptions): Promise<T> {
  const [loop, task] = startMain(main, options, 'runAsync');
  try {
    return await loop.runUntilCompleteAsync(task);
  } finally {
    try {
      const shutdown = cancelAllTasks(loop);
      if (shutdown !== null) {
        await loop.runUntilCompleteAsync(shutdown.all);
        shutdown.report();
      }
    } finally {
      loop.close(); // also clears the set event loop if it is still this one
    }
  }
}
