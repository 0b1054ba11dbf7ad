/**
 * Letting go of WeakRef targets during a blocking run.
 *
 * ECMAScript keeps the target of every WeakRef made (or dereferenced) alive
 * until the current job ends (the KeepDuringJob rule). A blocking run is one
 * job from start to end, so each WeakRef aioloop makes while it runs — one
 * per task in debug mode, one per failed Future — would keep its target
 * alive until the run returns: a run of a million short tasks in debug mode
 * would hold a million tasks, and a task collected while pending could never
 * be reported during the run.
 *
 * V8 clears that kept set at every microtask checkpoint. A `vm` context made
 * with `microtaskMode: 'afterEvaluate'` has a microtask queue of its own and
 * performs a checkpoint on it after each evaluation, so evaluating a trivial
 * script there clears the kept set without running any of the program's own
 * microtasks (which stay queued on Node's queue, as a blocking run expects).
 * It costs a few microseconds, so it runs only once enough WeakRefs were
 * made since the last time (KEPT_FLUSH_THRESHOLD).
 *
 * FinalizationRegistry callbacks do not run inside a job either, so the
 * reports they make (a task destroyed while pending, a failure never
 * retrieved) would wait for the run to return. The blocking driver calls
 * `_maintainWeakRefs()` between iterations when a flush is due: it runs the
 * registered sweepers, which look for targets the collector has taken since
 * and report them at once, then flushes (the sweep's own `deref()`s keep
 * their targets too).
 */
import * as vm from 'node:vm';

/**
 * WeakRefs made since the last flush before a blocking run flushes: large
 * enough that the flush's few microseconds are noise against the work that
 * made them, small enough that the kept objects stay a few hundred KiB.
 */
export const KEPT_FLUSH_THRESHOLD = 4096;

let made = 0;
let context: vm.Context | null = null;
let script: vm.Script | null = null;

/** A WeakRef was made (its target is now kept until the job ends or a flush). */
export function _noteWeakRef(): void {
  made++;
}

/** Clears V8's kept set if enough WeakRefs were made since the last flush. */
export function _flushKeptObjects(): void {
  if (made < KEPT_FLUSH_THRESHOLD) return;
  made = 0;
  try {
    if (script === null) {
      context = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
      script = new vm.Script('0');
    }
    script.runInContext(context!);
  } catch {
    // Only an optimisation: without it, targets are let go when the run returns.
  }
}

/** True when a flush is due (one comparison: checked once per iteration). */
export function _keptFlushDue(): boolean {
  return made >= KEPT_FLUSH_THRESHOLD;
}

const sweepers: (() => void)[] = [];

/** @internal Registers a sweep that reports WeakRef targets collected since the last one. */
export function _addSweeper(sweep: () => void): void {
  sweepers.push(sweep);
}

/** Between iterations of a blocking run: sweep for collected targets, then flush. */
export function _maintainWeakRefs(): void {
  for (const sweep of sweepers) {
    try {
      sweep();
    } catch {
      // A sweep reports through handlers that never throw; nothing to add.
    }
  }
  made = KEPT_FLUSH_THRESHOLD;
  _flushKeptObjects();
}
