/**
 * The interpreter of the differential tests' programs (test/programs.ts):
 * runs one on a fresh virtual-clock loop and returns its trace, one line per
 * observable event stamped with the loop iteration and the loop time.
 */
import { allTasks, CancelledError, Loop, sleep, type Future, type Handle, type Task } from '../lib/index';
import type { BackendName } from '../lib/backend/core';
import type { Act, Catches, Program, Step } from './programs';

/**
 * Safety bound on the final `runForever` calls: each returns early only when
 * a `stop` action ran, and a program holds finitely many, so a correct loop
 * never gets near this.
 */
const MAX_DRAIN_RUNS = 1000;

/** Counts of what the programs really did, to show the generator covers the language. */
export type Coverage = Record<string, number>;

function errText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

function pick<T>(items: T[], ref: number): T | undefined {
  return items.length === 0 ? undefined : items[ref % items.length];
}

/** A done Future's outcome, in words (retrieves the exception). */
function outcome(f: Future<unknown>): string {
  if (!f.done()) return 'pending';
  if (f.cancelled()) {
    try {
      f.result();
    } catch (err) {
      return `cancelled(${(err as Error).message})`;
    }
  }
  const exc = f.exception();
  return exc !== null ? `exception(${errText(exc)})` : `result(${String(f.result())})`;
}

/** Options of {@link runProgram}. */
export interface RunOptions {
  /** Counts the events by kind (to show what the programs exercised). */
  coverage?: Coverage;
  /** Changes the fresh loop before the program runs (the tests' deliberately broken cores). */
  tamper?: (loop: Loop) => void;
  /** Seeded timer jitter for the loop (every timer fires late by up to `max`). */
  jitter?: { seed: number; max: number };
  /** Appends the loop's counters (loop.stats(), times left out) to the trace. */
  stats?: boolean;
}

/**
 * Runs `program` on a new loop with the virtual clock on `backend` and
 * returns the trace. Each line is `iteration time event`.
 */
export function runProgram(program: Program, backend: BackendName, options: RunOptions = {}): string[] {
  const { coverage, tamper, jitter } = options;
  const loop = new Loop({ backend, clock: 'virtual', jitter });
  tamper?.(loop);
  const trace: string[] = [];
  const handles: Handle[] = [];
  // Labels by callback: a reported handle is the returned object on the js
  // core and an equivalent one (same callback) on the native core.
  const labels = new Map<unknown, string>();
  const futures: Future<unknown>[] = [];
  const tasks: Task<unknown>[] = [];
  let iteration = 0;
  let serial = 0;

  const count = (kind: string) => {
    if (coverage !== undefined) coverage[kind] = (coverage[kind] ?? 0) + 1;
  };
  const note = (event: string) => {
    trace.push(`${iteration} ${loop.time()} ${event}`);
  };

  // Iterations are counted at the one place that runs callbacks (a blocking
  // run calls it once per iteration), together with how many ready handles
  // each one took (cancelled ones included).
  const runReadyOriginal = loop._runReady;
  loop._runReady = function (n: number): void {
    iteration++;
    runReadyOriginal.call(this, n);
    if (n > 1024) count('iteration over 1024');
    note(`iteration took ${n}`);
  };

  loop.setExceptionHandler((_loop, ctx) => {
    // Reports that depend on when the garbage collector runs are not part of
    // the deterministic trace.
    if (/never retrieved|destroyed but it is pending/.test(ctx.message)) return;
    count('handler');
    const handle =
      ctx.handle === undefined ? '-' : (labels.get(ctx.handle) ?? labels.get((ctx.handle as { _callback?: unknown })._callback as never) ?? 'internal');
    note(`handler: ${ctx.message} | ${ctx.exception === undefined ? '-' : errText(ctx.exception)} | ${handle}`);
  });

  const schedule = (act: Extract<Act, { op: 'soon' | 'later' | 'at' }>): void => {
    const label = `c${++serial}`;
    const callback = () => {
      count('callback');
      note(`run ${label}`);
      perform(act.body, label);
    };
    let handle: Handle;
    if (act.op === 'soon') handle = loop.callSoon(callback);
    else if (act.op === 'later') handle = loop.callLater(act.delay, callback);
    else handle = loop.callAt(act.when, callback);
    handles.push(handle);
    labels.set(handle, label);
    labels.set(callback, label);
  };

  function* coroutine(name: string, catches: Catches, steps: Step[]): Generator<unknown, string, any> {
    note(`${name} starts`);
    for (const step of steps) {
      try {
        switch (step.op) {
          case 'yield':
            yield;
            note(`${name} resumed`);
            break;
          case 'sleep':
            yield* sleep(step.delay);
            note(`${name} slept ${step.delay}`);
            break;
          case 'await': {
            let f = pick(futures, step.future);
            if (f === undefined) futures.push((f = loop.createFuture()));
            const v = yield* f;
            note(`${name} got ${String(v)}`);
            break;
          }
          case 'awaitTask': {
            const t = pick(tasks, step.task);
            if (t === undefined) break;
            const v = yield* t;
            note(`${name} got ${String(v)}`);
            break;
          }
          case 'do':
            perform(step.acts, name);
            break;
        }
      } catch (err) {
        const cancelled = err instanceof CancelledError;
        if (cancelled) count('task caught cancel');
        if (catches === 'none' || (cancelled && catches === 'errors')) {
          note(`${name} ends by ${errText(err)}`);
          throw err;
        }
        note(`${name} caught ${errText(err)}`);
      }
    }
    return `${name}-result`;
  }

  function performOne(act: Act, where: string): void {
    count(act.op);
    switch (act.op) {
      case 'soon':
      case 'later':
      case 'at':
        schedule(act);
        return;
      case 'cancel': {
        const h = pick(handles, act.handle);
        if (h !== undefined) {
          h.cancel();
          note(`${where} cancels ${labels.get(h)}`);
        }
        return;
      }
      case 'throw':
        return; // handled by perform
      case 'stop':
        loop.stop();
        note(`${where} stops`);
        return;
      case 'close':
        loop.close();
        note(`${where} closed the loop`);
        return;
      case 'reenter':
        loop.runOnce();
        note(`${where} re-entered runOnce`);
        return;
      case 'future':
        futures.push(loop.createFuture());
        return;
      case 'resolve': {
        const f = pick(futures, act.future);
        if (f !== undefined) f.setResult(`f${futures.indexOf(f)}-value`);
        return;
      }
      case 'reject': {
        const f = pick(futures, act.future);
        if (f !== undefined) f.setException(new Error(`f${futures.indexOf(f)} failed`));
        return;
      }
      case 'cancelFuture': {
        const f = pick(futures, act.future);
        if (f !== undefined) note(`${where} cancels f${futures.indexOf(f)}: ${f.cancel(`by ${where}`)}`);
        return;
      }
      case 'onDone': {
        const f = pick(futures, act.future);
        if (f === undefined) return;
        const label = `c${++serial}`;
        const fname = `f${futures.indexOf(f)}`;
        f.addDoneCallback((done) => {
          count('done callback');
          note(`run ${label}: ${fname} ${outcome(done)}`);
          perform(act.body, label);
        });
        return;
      }
      case 'task': {
        const name = `t${tasks.length}`;
        const task = loop.createTask(coroutine(name, act.catches, act.steps), { name });
        tasks.push(task);
        task.addDoneCallback((t) => {
          count(t.cancelled() ? 'task cancelled' : 'task done');
          note(`${name} done: ${outcome(t)}`);
        });
        return;
      }
      case 'burst': {
        // Many leaf callbacks at once; deadlines cycle over `spread + 1`
        // values a quarter second apart, so most of them tie.
        const label = `b${++serial}`;
        const base = loop.time();
        const made: Handle[] = [];
        // The rare huge burst notes every 1000th run only, to keep traces short.
        const every = act.count > 5000 ? 1000 : 1;
        if (act.count > 65536) count('burst past 65,536 slots');
        for (let i = 0; i < act.count; i++) {
          const callback = () => {
            if (i % every === 0) note(`run ${label}#${i}`);
          };
          const offset = act.spread === 0 ? 0 : (i % (act.spread + 1)) / 4;
          if (act.kind === 'soon') made.push(loop.callSoon(callback));
          else if (act.kind === 'later') made.push(loop.callLater(offset, callback));
          else made.push(loop.callAt(base + offset, callback));
          if (act.cancelEvery > 0 && i % (act.cancelEvery + 1) === 0) made[made.length - 1].cancel();
        }
        for (let i = 0; i < made.length; i++) {
          handles.push(made[i]);
          labels.set(made[i], `${label}#${i}`);
        }
        return;
      }
      case 'cancelTask': {
        const t = pick(tasks, act.task);
        if (t !== undefined) note(`${where} cancels ${t.getName()}: ${t.cancel(act.msg ? `by ${where}` : undefined)}`);
        return;
      }
    }
  }

  /** Runs `acts`; a `throw` action throws out of the caller (callback or task step). */
  function perform(acts: Act[], where: string): void {
    for (const act of acts) {
      if (act.op === 'throw') {
        count('throw');
        throw new Error(`boom in ${where}`);
      }
      try {
        performOne(act, where);
      } catch (err) {
        count('misuse error');
        note(`${where}: ${act.op} threw ${errText(err)}`);
      }
    }
  }

  const top = (acts: Act[]) => {
    try {
      perform(acts, 'top');
    } catch (err) {
      note(`top threw ${errText(err)}`);
    }
  };

  top(program.init);
  program.phases.forEach((phase, i) => {
    try {
      if (phase.run === 'once') {
        loop.runOnce();
      } else if (phase.run === 'forever') {
        loop.runForever();
      } else {
        const target = pick<Future<unknown>>([...futures, ...tasks], phase.target);
        if (target !== undefined) note(`phase ${i} got ${String(loop.runUntilComplete(target))}`);
      }
      note(`phase ${i} ended`);
    } catch (err) {
      count('phase error');
      note(`phase ${i} threw ${errText(err)}`);
    }
    top(phase.then);
  });
  for (let runs = 0; ; runs++) {
    if (runs === MAX_DRAIN_RUNS) {
      note('drain: too many runs');
      break;
    }
    try {
      loop.runForever();
      note('drain: stopped');
    } catch (err) {
      note(`drain ended: ${errText(err)}`);
      break;
    }
  }
  if (!loop.isClosed()) note(`live tasks: ${allTasks(loop).size}`);
  futures.forEach((f, i) => note(`f${i}: ${f.done() ? outcome(f) : 'pending'}`));
  tasks.forEach((t) => note(`${t.getName()}: ${t.done() ? outcome(t) : 'pending'}`));
  loop.close();
  if (options.stats) {
    // Every counter but the two measured in real time.
    const { callbackTime: _t, lag: _l, ...counts } = loop.stats();
    note(`stats ${JSON.stringify(counts)}`);
  }
  return trace;
}
