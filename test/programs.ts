/**
 * Random loop programs for the differential tests (test/differential.test.ts).
 *
 * A program is a tree of actions in a small language — schedule a callback
 * (soon / later / at) whose body is more actions, cancel a handle, throw,
 * stop, close, re-enter the loop, make / resolve / reject / cancel a Future,
 * add a done-callback, start a Task whose steps yield, sleep, await Futures
 * and other Tasks and act in turn, cancel a Task — plus the phases that
 * drive the loop (runOnce, runForever, runUntilComplete) with top-level
 * actions between them.
 *
 * `runProgram` interprets a program on a fresh virtual-clock loop and returns
 * its trace: one line per observable event, stamped with the loop iteration
 * and the loop time. Two cores that keep the contract of lib/backend/core.ts
 * must give identical traces for every program.
 *
 * References between actions (which handle to cancel, which Future to
 * resolve) are indices taken modulo what exists at that moment, so every
 * generated program is valid and shrinking never makes one invalid.
 */
import fc from 'fast-check';
import { allTasks, CancelledError, Loop, sleep, type Future, type Handle, type Task } from '../lib/index';
import type { BackendName } from '../lib/backend/core';

/** One thing a program does, at top level, in a callback, or in a task step. */
export type Act =
  | { op: 'soon'; body: Act[] }
  | { op: 'later'; delay: number; body: Act[] }
  | { op: 'at'; when: number; body: Act[] }
  | { op: 'cancel'; handle: number }
  | { op: 'throw' }
  | { op: 'stop' }
  | { op: 'close' }
  | { op: 'reenter' }
  | { op: 'future' }
  | { op: 'resolve'; future: number }
  | { op: 'reject'; future: number }
  | { op: 'cancelFuture'; future: number }
  | { op: 'onDone'; future: number; body: Act[] }
  | { op: 'task'; catches: Catches; steps: Step[] }
  | { op: 'cancelTask'; task: number; msg: boolean }
  | { op: 'burst'; kind: 'soon' | 'later' | 'at'; count: number; spread: number; cancelEvery: number };

/** What a task's coroutine catches: nothing, errors other than cancellation, or everything. */
export type Catches = 'none' | 'errors' | 'all';

/** One step of a task's coroutine. */
export type Step =
  | { op: 'yield' }
  | { op: 'sleep'; delay: number }
  | { op: 'await'; future: number }
  | { op: 'awaitTask'; task: number }
  | { op: 'do'; acts: Act[] };

/** How a phase drives the loop. */
export type Phase = { run: 'once' | 'forever' | 'untilComplete'; target: number; then: Act[] };

/** A whole program: top-level actions, then phases; the loop is drained at the end. */
export interface Program {
  init: Act[];
  phases: Phase[];
}

// Delays and deadlines come from small pools so that ties (equal deadlines,
// timers due in the same iteration) are common: they are where ordering bugs
// live. The pools include the edges the API accepts: negative, 0, +/-Infinity,
// and sums that are not exact in binary (0.1 + 0.2).
const DELAY = fc.oneof(
  fc.constantFrom(0, 0.5, 1, 2, 0.1, 0.2, 0.1 + 0.2, -1, Infinity),
  fc.integer({ min: 0, max: 24 }).map((n) => n / 8),
);
const WHEN = fc.oneof(
  fc.constantFrom(0, 1, 1.5, 3, -Infinity, Infinity),
  fc.integer({ min: 0, max: 24 }).map((n) => n / 4),
);
const REF = fc.nat({ max: 15 });
// Bursts cross the native core's capacity edges: the ready ring starts at
// 1024 slots (READY_INITIAL_CAPACITY) and the command buffer holds 4096 timer
// operations (OPS_CAPACITY), so these counts make the ring grow, the command
// buffer flush mid-iteration, and more timers come due than the ring holds.
// A rare 70,000 pushes slot numbers past the 65,536 the native timer index
// once refused (see test/load.test.ts).
const BURST_COUNT = fc.oneof(
  { weight: 40, arbitrary: fc.constantFrom(1023, 1024, 1025, 2048, 2049, 4095, 4096, 4097) },
  { weight: 40, arbitrary: fc.integer({ min: 1, max: 5000 }) },
  { weight: 1, arbitrary: fc.constant(70_000) },
);

/** Deepest nesting of callbacks-in-callbacks (and tasks-in-callbacks). */
const MAX_DEPTH = 4;
/** Longest body of a callback and longest list of task steps. */
const MAX_BODY = 5;

const arbs = fc.letrec<{ act: Act; body: Act[]; step: Step; steps: Step[] }>((tie) => ({
  body: fc.array(tie('act'), { maxLength: MAX_BODY, size: 'medium' }),
  steps: fc.array(tie('step'), { maxLength: MAX_BODY, size: 'medium' }),
  act: fc.oneof(
    { maxDepth: MAX_DEPTH, depthSize: 'medium', depthIdentifier: 'program', withCrossShrink: true },
    // The first choice is the leaf used once the depth is reached.
    { weight: 6, arbitrary: fc.record({ op: fc.constant('cancel'), handle: REF }) },
    { weight: 12, arbitrary: fc.record({ op: fc.constant('soon'), body: tie('body') }) },
    { weight: 10, arbitrary: fc.record({ op: fc.constant('later'), delay: DELAY, body: tie('body') }) },
    { weight: 6, arbitrary: fc.record({ op: fc.constant('at'), when: WHEN, body: tie('body') }) },
    { weight: 4, arbitrary: fc.constant({ op: 'throw' as const }) },
    { weight: 2, arbitrary: fc.constant({ op: 'stop' as const }) },
    { weight: 1, arbitrary: fc.constant({ op: 'close' as const }) },
    { weight: 2, arbitrary: fc.constant({ op: 'reenter' as const }) },
    { weight: 6, arbitrary: fc.constant({ op: 'future' as const }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('resolve'), future: REF }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('reject'), future: REF }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('cancelFuture'), future: REF }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('onDone'), future: REF, body: tie('body') }) },
    {
      weight: 8,
      arbitrary: fc.record({
        op: fc.constant('task'),
        catches: fc.constantFrom<Catches>('none', 'errors', 'all'),
        steps: tie('steps'),
      }),
    },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('cancelTask'), task: REF, msg: fc.boolean() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('burst'),
        kind: fc.constantFrom('soon', 'later', 'at'),
        count: BURST_COUNT,
        spread: fc.nat({ max: 3 }),
        cancelEvery: fc.nat({ max: 3 }),
      }),
    },
  ) as fc.Arbitrary<Act>,
  step: fc.oneof(
    { depthIdentifier: 'program', withCrossShrink: true },
    { weight: 3, arbitrary: fc.constant({ op: 'yield' as const }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('sleep'), delay: DELAY }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('await'), future: REF }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('awaitTask'), task: REF }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('do'), acts: tie('body') }) },
  ) as fc.Arbitrary<Step>,
}));

const PHASE: fc.Arbitrary<Phase> = fc.record({
  run: fc.constantFrom('once', 'forever', 'untilComplete'),
  target: REF,
  then: arbs.body,
});

/** Random programs: 1-12 top-level actions and up to 4 phases. */
export const programs: fc.Arbitrary<Program> = fc.record({
  init: fc.array(arbs.act, { minLength: 1, maxLength: 12, size: 'medium' }),
  phases: fc.array(PHASE, { maxLength: 4 }),
});

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
}

/**
 * Runs `program` on a new loop with the virtual clock on `backend` and
 * returns the trace. Each line is `iteration time event`.
 */
export function runProgram(program: Program, backend: BackendName, options: RunOptions = {}): string[] {
  const { coverage, tamper } = options;
  const loop = new Loop({ backend, clock: 'virtual' });
  tamper?.(loop);
  const trace: string[] = [];
  const handles: Handle[] = [];
  const labels = new Map<Handle, string>();
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

  // Iterations are counted at the one place that runs callbacks, together
  // with how many ready handles each one took (cancelled ones included).
  const runOnceOriginal = loop._runOnce;
  loop._runOnce = function (maxWait: number): number {
    iteration++;
    const n = runOnceOriginal.call(this, maxWait);
    if (n > 1024) count('iteration over 1024');
    note(`iteration took ${n}`);
    return n;
  };

  loop.setExceptionHandler((_loop, ctx) => {
    // Reports that depend on when the garbage collector runs are not part of
    // the deterministic trace.
    if (/never retrieved|destroyed but it is pending/.test(ctx.message)) return;
    count('handler');
    const handle = ctx.handle === undefined ? '-' : (labels.get(ctx.handle) ?? 'internal');
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
  return trace;
}
