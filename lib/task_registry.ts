/**
 * Which tasks exist and which one runs: the bookkeeping behind `allTasks()`,
 * `currentTask()`, `run()`'s final cleanup and the debug-mode report of a
 * task destroyed while pending (asyncio's `_register_task`, `_enter_task`,
 * `_leave_task` and `_all_tasks`).
 *
 * Live tasks
 * ----------
 * A task is registered when it is made and unregistered when it finishes.
 * In normal mode the registry holds it strongly, in an intrusive
 * doubly-linked list per loop (fields `_livePrev`/`_liveNext` on the task):
 * adding and removing cost a few field writes, where a Set paid a hash-table
 * insert and delete per task (a seventh of gathering 100,000 tasks). The loop
 * keeping a pending task alive is what asyncio does too, and lets `run()`
 * cancel it at shutdown so that its `finally` blocks run.
 *
 * In debug mode a task is held only through a WeakRef, so that a pending
 * task nobody can reach any more is collected and reported ("Task was
 * destroyed but it is pending!"). A WeakRef costs about a microsecond and,
 * by the ECMAScript KeepDuringJob rule, keeps its target alive until the
 * current job ends — which is why normal mode does not use one.
 *
 * The current task
 * ----------------
 * `current` is the task being stepped. Steps nest only when an eager task
 * starts inside another task's step; Task saves and restores it around each
 * step. Its loop is `current._loop`.
 */
import type { MinimalLoop } from './events';
import { PENDING } from './futures';
import { _noteWeakRef } from './kept_objects';
import { safeConsoleError } from './report';

/** What the registry needs of a task (Task has these fields). */
export interface TrackedTask<T extends object> {
  _loop: MinimalLoop;
  _state: number;
  /** The live list this task is linked in (normal mode), a WeakRef to it (debug mode), or null. */
  _tracker: LiveList<T> | WeakRef<T> | null;
  _livePrev: T | null;
  _liveNext: T | null;
  getName(): string;
}

/** The live tasks of one loop, newest first, and how many were made and finished (for `loop.stats()`). */
export class LiveList<T> {
  head: T | null = null;
  created = 0;
  finished = 0;
}

/** What the report of a destroyed pending task needs, kept apart from the task. */
interface PendingRecord<T extends TrackedTask<T>> {
  registry: TaskRegistry<T>;
  loop: MinimalLoop;
  ref: WeakRef<T>;
  name: string;
}

/** Reports a task collected while pending (debug mode). */
function reportDestroyedPending<T extends TrackedTask<T>>(rec: PendingRecord<T>): void {
  rec.registry._forgetWeak(rec);
  try {
    rec.loop.callExceptionHandler({
      message: 'Task was destroyed but it is pending!',
      task: `<Task pending name='${rec.name}'>`,
    });
  } catch (err) {
    safeConsoleError('aioloop: reporting a destroyed pending task failed', err);
  }
}

/** The registry of one task class (there is one: lib/tasks.ts makes it). */
export class TaskRegistry<T extends TrackedTask<T>> {
  /** The task being stepped now, or null. */
  current: T | null = null;
  /** While `noteSteps`: the task stepped last (debug mode names a slow step by it). */
  lastStepped: T | null = null;
  noteSteps = false;
  /** @internal Strongly held live tasks per loop (normal mode). */
  _live = new WeakMap<object, LiveList<T>>();
  /** @internal Weakly held live tasks per loop (debug mode). */
  _weak = new WeakMap<object, Set<WeakRef<T>>>();
  /** @internal The report record of every weakly held task. */
  _records = new Map<WeakRef<T>, PendingRecord<T>>();
  /** @internal One-entry cache of `_live`: most programs run one loop. */
  _lastLoop: object | null = null;
  /** @internal */ _lastList: LiveList<T> | null = null;
  /** @internal */ _pending = new FinalizationRegistry<PendingRecord<T>>(reportDestroyedPending);

  /** Registers a new task with its loop (weakly when the loop is in debug mode). */
  add(task: T): void {
    const loop = task._loop;
    if (!loop.getDebug()) {
      this._link(task);
      return;
    }
    this._listOf(loop).created++;
    const ref = new WeakRef(task);
    task._tracker = ref;
    let set = this._weak.get(loop);
    if (set === undefined) {
      set = new Set();
      this._weak.set(loop, set);
    }
    set.add(ref);
    _noteWeakRef();
    const rec: PendingRecord<T> = { registry: this, loop, ref, name: task.getName() };
    this._records.set(ref, rec);
    this._pending.register(task, rec, rec);
  }

  /** The task finished: forget it (and cancel its debug report). */
  remove(task: T): void {
    const tracker = task._tracker;
    if (tracker instanceof LiveList) {
      this._unlink(task, tracker);
      return;
    }
    if (tracker !== null) {
      const ref = tracker;
      const rec = this._records.get(ref);
      if (rec !== undefined) {
        if (this._weak.get(task._loop)?.has(ref)) this._listOf(task._loop).finished++;
        this._forgetWeak(rec);
        this._pending.unregister(rec);
      }
    }
  }

  /** No "destroyed while pending" report for `task` (its fate is reported elsewhere). */
  silence(task: T): void {
    const tracker = task._tracker;
    // Debug mode only: a task linked in a live list (normal mode) has no report to silence.
    if (tracker === null || tracker instanceof LiveList) return;
    const rec = this._records.get(tracker);
    if (rec !== undefined) this._pending.unregister(rec);
  }

  /**
   * Reports the weakly held tasks the collector took while they were
   * pending, without waiting for the FinalizationRegistry (a blocking run:
   * see lib/kept_objects.ts).
   */
  sweep(): void {
    for (const [ref, rec] of this._records) {
      if (ref.deref() !== undefined) continue;
      this._pending.unregister(rec);
      reportDestroyedPending(rec);
    }
  }

  /** @internal */
  _forgetWeak(rec: PendingRecord<T>): void {
    this._weak.get(rec.loop)?.delete(rec.ref);
    this._records.delete(rec.ref);
  }

  /** The tasks of `loop` that are not done, oldest first. */
  live(loop: object): Set<T> {
    const out = new Set<T>();
    const list = this._live.get(loop);
    if (list !== undefined) {
      // Oldest first, as asyncio's set happens to give them.
      const linked: T[] = [];
      for (let t = list.head; t !== null; t = t._liveNext) linked.push(t);
      for (let i = linked.length - 1; i >= 0; i--) if (linked[i]._state === PENDING) out.add(linked[i]);
    }
    const weak = this._weak.get(loop);
    if (weak !== undefined) {
      for (const ref of weak) {
        const t = ref.deref();
        if (t !== undefined && t._state === PENDING) out.add(t);
      }
    }
    return out;
  }

  /** How many tasks `loop` made and how many of them finished: [created, finished]. */
  counts(loop: object): [number, number] {
    const list = this._live.get(loop);
    return list === undefined ? [0, 0] : [list.created, list.finished];
  }

  /** Forgets every task of a closed loop (it holds no references). */
  forget(loop: object): void {
    this._live.delete(loop);
    const weak = this._weak.get(loop);
    if (weak !== undefined) for (const ref of weak) this._records.delete(ref);
    this._weak.delete(loop);
    if (this._lastLoop === loop) {
      this._lastLoop = null;
      this._lastList = null;
    }
  }

  /** @internal */
  _listOf(loop: object): LiveList<T> {
    if (loop === this._lastLoop) return this._lastList!;
    let list = this._live.get(loop);
    if (list === undefined) {
      list = new LiveList<T>();
      this._live.set(loop, list);
    }
    this._lastLoop = loop;
    this._lastList = list;
    return list;
  }

  /** @internal */
  _link(task: T): void {
    const list = this._listOf(task._loop);
    const head = list.head;
    list.created++;
    task._tracker = list;
    task._liveNext = head;
    task._livePrev = null;
    if (head !== null) head._livePrev = task;
    list.head = task;
  }

  /** @internal */
  _unlink(task: T, list: LiveList<T>): void {
    list.finished++;
    const prev = task._livePrev;
    const next = task._liveNext;
    if (prev !== null) prev._liveNext = next;
    else if (list.head === task) list.head = next;
    if (next !== null) next._livePrev = prev;
    task._tracker = null;
    task._livePrev = null;
    task._liveNext = null;
  }
}
