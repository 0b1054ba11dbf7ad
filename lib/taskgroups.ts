/**
 * Structured concurrency (asyncio.taskgroups, Python 3.11+):
 *
 *     const result = yield* taskGroup(function* (tg) {
 *       tg.createTask(worker(1));
 *       tg.createTask(worker(2));
 *       return 'body done';
 *     });
 *
 * The group waits for every task made with `tg.createTask`; no child
 * outlives it. The first child that fails cancels the other children and the
 * body; the group then throws an AggregateError holding every error that is
 * not a cancellation (the body's own error included). When the task running
 * the group is cancelled, the children are cancelled too, and the group
 * throws that CancelledError once they have finished.
 *
 * TaskGroup states:
 *
 *     new --enter--> entered --body ends--> exiting --children done--> finished
 *                       \______ first child error / outside cancel ______/
 *                                   aborting (children cancelled)
 *
 * `createTask` works while entered or exiting (a child may add siblings while
 * the group waits), not once the group is aborting or finished.
 */
import { isCoroutine, type Coroutine } from './coroutines';
import { checkOptions, checkString, describe } from './validate';
import { _requireRunningLoop, type AbstractLoop } from './events';
import { CancelledError, EventLoopError, InvalidStateError, isCancelledError } from './exceptions';
import { Future } from './futures';
import { callBody, checkBody } from './mixins';
import { _watchAwaited } from './never_awaited';
import { _createTaskOn, currentTask, Task } from './tasks';

/**
 * A group of child tasks bound to a block (asyncio.TaskGroup). Made and run
 * by {@link taskGroup}, which hands it to the body.
 */
export class TaskGroup {
  /** @internal */ _entered = false;
  /** @internal */ _exiting = false;
  /** @internal */ _aborting = false;
  /** @internal The group has exited: no more children. */ _exited = false;
  /** @internal */ _loop: AbstractLoop | null = null;
  /** @internal */ _parentTask: Task<unknown> | null = null;
  /** @internal The group cancelled its parent task (and must uncancel it). */
  _parentCancelRequested = false;
  /** @internal */ _tasks: Set<Task<unknown>> = new Set();
  /** @internal */ _errors: unknown[] = [];
  /** @internal Resolved when the last child finishes while the group waits. */
  _onCompletedFut: Future<boolean> | null = null;
  /** @internal */ _onTaskDoneCb: (t: Task<unknown>) => void = (t) => this._onTaskDone(t);

  /**
   * Starts `coro` as a child task of the group (named `name` if given) and
   * returns it. Throws if the group has not been entered, is shutting down
   * after an error or a cancellation, or is finished; the coroutine is then
   * closed without running.
   */
  createTask<T>(coro: Coroutine<T>, options?: { name?: string }): Task<T> {
    if (!isCoroutine(coro)) {
      throw new TypeError(`TaskGroup.createTask: a coroutine (generator object) was expected, got ${describe(coro)}`);
    }
    const name = checkOptions(options, 'TaskGroup.createTask').name;
    checkString(name, 'name', 'TaskGroup.createTask', true);
    let refusal: string | null = null;
    if (!this._entered) refusal = `${this} has not been entered`;
    else if (this._exited || (this._exiting && this._tasks.size === 0)) refusal = `${this} is finished`;
    else if (this._aborting) refusal = `${this} is shutting down`;
    if (refusal !== null) {
      coro.return(undefined as T);
      throw new InvalidStateError(refusal);
    }
    const task = _createTaskOn(this._loop!, coro, name === undefined ? undefined : { name });
    // A task that finished eagerly needs no callback (asyncio's shortcut).
    if (task.done()) {
      this._onTaskDone(task as Task<unknown>);
    } else {
      this._tasks.add(task as Task<unknown>);
      task.addDoneCallback(this._onTaskDoneCb as (f: Future<T>) => void);
    }
    return task;
  }

  /** @internal Entering the block: bind to the running loop and the current task. */
  _enter(): void {
    if (this._entered) throw new InvalidStateError(`${this} has already been entered`);
    this._loop = _requireRunningLoop();
    const parent = currentTask();
    if (parent === null) throw new EventLoopError(`${this} cannot determine the parent task`);
    this._parentTask = parent;
    this._entered = true;
  }

  /**
   * @internal Leaving the block (the body returned, or threw `error` when
   * `failed`): wait for every child, then throw what the group ends with.
   */
  *_exit(failed: boolean, error: unknown): Coroutine<void> {
    this._exiting = true;
    let propagateCancellation: CancelledError | null = failed && isCancelledError(error) ? error : null;
    if (this._parentCancelRequested) {
      // We cancelled the parent ourselves: take that back. If no other
      // cancellation is pending, do not propagate the CancelledError.
      if (this._parentTask!.uncancel() === 0) propagateCancellation = null;
    }
    if (failed && !this._aborting) {
      // The body failed, or the parent task is being cancelled.
      this._abort();
    }
    // A loop: the wait may be cancelled several times (the parent being
    // cancelled repeatedly), and each time the children must be waited for.
    while (this._tasks.size > 0) {
      if (this._onCompletedFut === null) this._onCompletedFut = new Future<boolean>({ loop: this._loop! });
      try {
        yield* this._onCompletedFut;
      } catch (err) {
        if (!(isCancelledError(err))) throw err;
        if (!this._aborting) {
          // The parent task is cancelled while the children still run.
          propagateCancellation = err;
          this._abort();
        }
      }
      this._onCompletedFut = null;
    }
    this._exited = true;
    // Errors have priority over a cancellation.
    if (propagateCancellation !== null && this._errors.length === 0) throw propagateCancellation;
    if (failed && !(isCancelledError(error))) this._errors.push(error);
    if (this._errors.length > 0) {
      const errors = this._errors;
      this._errors = [];
      const n = errors.length;
      throw new AggregateError(errors, `unhandled errors in a TaskGroup (${n} sub-error${n === 1 ? '' : 's'})`);
    }
  }

  /** @internal Cancels every child that is not done. */
  _abort(): void {
    this._aborting = true;
    for (const t of this._tasks) if (!t.done()) t.cancel();
  }

  /** @internal A child finished. */
  _onTaskDone(task: Task<unknown>): void {
    this._tasks.delete(task);
    if (this._onCompletedFut !== null && this._tasks.size === 0 && !this._onCompletedFut.done()) {
      this._onCompletedFut.setResult(true);
    }
    if (!task.failed()) return;
    const exc = task.exception();
    this._errors.push(exc);
    const parent = this._parentTask!;
    if (parent.done()) {
      this._loop!.callExceptionHandler({
        message: `Task ${task} has errored out but its parent task ${parent} is already completed`,
        exception: exc,
        task,
      });
      return;
    }
    if (!this._aborting && !this._parentCancelRequested) {
      // Stop the body (by cancelling the parent task) as well as the
      // siblings; _exit takes the parent's cancellation back.
      this._abort();
      this._parentCancelRequested = true;
      parent.cancel();
    }
  }

  toString(): string {
    const parts: string[] = [];
    if (this._tasks.size > 0) parts.push(`tasks=${this._tasks.size}`);
    if (this._errors.length > 0) parts.push(`errors=${this._errors.length}`);
    if (this._aborting) parts.push('cancelling');
    else if (this._exited) parts.push('finished');
    else if (this._entered) parts.push('entered');
    return `<TaskGroup${parts.length > 0 ? ' ' + parts.join(' ') : ''}>`;
  }
}

/**
 * Runs `yield* body(tg)` with a new {@link TaskGroup}, waits for every task
 * made with `tg.createTask`, and gives the body's result (asyncio's
 * `async with asyncio.TaskGroup() as tg`). If a child fails, the others and
 * the body are cancelled and an AggregateError of the errors is thrown.
 * Must run inside a task.
 */
export function taskGroup<T>(body: (tg: TaskGroup) => Coroutine<T>): Coroutine<T> {
  checkBody(body, 'taskGroup');
  return _watchAwaited(runTaskGroup(body), 'taskGroup');
}

function* runTaskGroup<T>(body: (tg: TaskGroup) => Coroutine<T>): Coroutine<T> {
  const tg = new TaskGroup();
  tg._enter();
  let value: T;
  try {
    value = yield* callBody(body, [tg], 'taskGroup');
  } catch (err) {
    yield* tg._exit(true, err);
    // As when asyncio's __aexit__ returns without raising: the body's own
    // error goes on.
    throw err;
  }
  yield* tg._exit(false, undefined);
  return value;
}
