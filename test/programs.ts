/**
 * Random loop programs for the differential tests (test/differential.test.ts):
 * the language and its fast-check generator. test/run_program.ts interprets
 * them.
 *
 * A program is a tree of actions in a small language — schedule a callback
 * (soon / later / at) whose body is more actions, cancel a handle, throw,
 * stop, close, re-enter the loop, make / resolve / reject / cancel a Future,
 * add a done-callback, start a Task whose steps yield, sleep, await Futures
 * and other Tasks and act in turn, cancel a Task — plus the phases that
 * drive the loop (runOnce, runForever, runUntilComplete) with top-level
 * actions between them.
 *
 * `runProgram` (test/run_program.ts) interprets a program on a fresh
 * virtual-clock loop and returns its trace: one line per observable event,
 * stamped with the loop iteration and the loop time. Two cores that keep the
 * contract of lib/backend/core.ts must give identical traces for every
 * program.
 *
 * References between actions (which handle to cancel, which Future to
 * resolve) are indices taken modulo what exists at that moment, so every
 * generated program is valid and shrinking never makes one invalid.
 */
import fc from 'fast-check';

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
