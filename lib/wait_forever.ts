/**
 * The would-wait-forever error: what a run that can never make progress
 * throws (a blocking run) or rejects with (a hosted run Node can no longer
 * wake), instead of hanging silently. It names what each parked task waits
 * on, shows tasks that wait on each other as a deadlock, and, when a Node
 * promise is among what is awaited in a blocking run, says to run in hosted
 * mode.
 */
import { EventLoopError } from './exceptions';
import type { Future } from './futures';
import { Task } from './tasks';

/** The error of a run that can never make progress (`hosted`: a hosted one Node can no longer wake). */
export function wouldWaitForeverError(awaiting: Future<unknown> | null, tasks: Task<unknown>[], hosted: boolean): EventLoopError {
  const lines = [
    'Event loop would wait forever: nothing is ready and no timer is pending' +
      (awaiting !== null ? `, but ${awaiting} is not done` : '') +
      (hosted ? ", and Node's event loop has nothing left that could wake it" : '') +
      '.',
  ];
  if (tasks.length === 0) {
    lines.push('No task is parked.');
  } else {
    lines.push('Parked tasks:');
    for (const t of tasks) lines.push(`  ${t.getName()}: ${t._waitingFor()}`);
    for (const cycle of waitCycles(tasks)) {
      lines.push(`Tasks waiting on each other (a deadlock): ${cycle.map((t) => t.getName()).join(' -> ')}`);
    }
  }
  const onPromise = (awaiting !== null && awaiting._dependsOnPromise()) || tasks.some((t) => t._waitsOnPromise());
  if (onPromise && !hosted) {
    lines.push(
      "A Node promise settles only while Node's event loop runs, and a blocking run keeps it from running: " +
        'run this in hosted mode (runAsync, loop.runUntilCompleteAsync, loop.runForeverAsync).',
    );
  }
  return new EventLoopError(lines.join('\n'));
}

/** The cycles among tasks that wait on one another (each cycle once, first task repeated at the end). */
function waitCycles(tasks: Task<unknown>[]): Task<unknown>[][] {
  const cycles: Task<unknown>[][] = [];
  const seen = new Set<Task<unknown>>();
  for (const start of tasks) {
    if (seen.has(start)) continue;
    const path: Task<unknown>[] = [];
    const onPath = new Map<Task<unknown>, number>();
    let t: Task<unknown> | null = start;
    while (t !== null && !seen.has(t)) {
      onPath.set(t, path.length);
      path.push(t);
      seen.add(t);
      const w: unknown = t._waiter;
      t = w instanceof Task && !w.done() ? w : null;
      if (t !== null && onPath.has(t)) {
        cycles.push([...path.slice(onPath.get(t)!), t]);
        break;
      }
    }
  }
  return cycles;
}

