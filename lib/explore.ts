/**
 * `explore(main, { runs, seed?, jitter })`: look for a timing bug by running
 * a program under many seeded schedules.
 *
 * Each run is `run(main, { clock: 'virtual', jitter: { seed, max } })` on a
 * fresh loop, for seeds `seed, seed + 1, ...`: every timer fires late by a
 * seeded amount in `[0, max)`, so each seed is one of the schedules a real
 * machine could produce, and the same seed always gives the same one, on
 * either backend (lib/jitter.ts). A run fails when `main` throws, or when the
 * exception handler is called with an exception (a callback or a task that
 * failed with nobody awaiting it). The first failing seed ends the search:
 * `explore` throws an {@link ExploreError} naming the seed, with the trace of
 * that run; `AIOLOOP_SEED=<n>` then makes `explore` run only seed n, which
 * replays that schedule exactly (byte-identical trace).
 *
 * The trace is what the run recorded with `run.log(message)` (each line
 * stamped with the loop time), every exception-handler report, and how the
 * run ended. A program that logs what it decides (checks, acts, wake-ups)
 * makes the race readable.
 */
import type { BackendName } from './backend/core';
import type { Coroutine } from './coroutines';
import type { ExceptionContext } from './events';
import { checkMaxJitter, checkSeed, MAX_SEED } from './jitter';
import { getRunningLoop, type Loop } from './loop';
import { run } from './runners';
import { checkFunction, checkInteger, checkOptions, describe } from './validate';

/** What `main` receives in each run of `explore`. */
export interface ExploreRun {
  /** The seed of this run's schedule. */
  readonly seed: number;
  /** The loop of this run. */
  readonly loop: Loop;
  /** Appends `message` to this run's trace, stamped with the loop time. */
  log(message: string): void;
}

/** The options of `explore`. */
export interface ExploreOptions {
  /** How many seeds to try (an integer >= 1). Ignored when AIOLOOP_SEED is set. */
  runs: number;
  /** The first seed (default 0): the runs use seed, seed + 1, ... */
  seed?: number;
  /** The largest lateness of a timer, seconds (a number, or `{ max }`). */
  jitter: number | { max: number };
  /** The backend of every run (default: as `new Loop()` picks). */
  backend?: BackendName;
}

/** What `explore` returns when no run failed. */
export interface ExploreResult {
  /** How many runs passed (each one seed). */
  runs: number;
  /** The first and last seed tried. */
  firstSeed: number;
  lastSeed: number;
  /** The jitter's `max`, seconds. */
  max: number;
  /** True when AIOLOOP_SEED picked the one seed (a replay). */
  replay: boolean;
}

/** Thrown by `explore` at the first failing seed. */
export class ExploreError extends Error {
  /** The seed whose schedule failed: replay it with AIOLOOP_SEED=<seed>. */
  readonly seed: number;
  /** How many runs came before it. */
  readonly passed: number;
  /** The trace of the failing run, one line per event. */
  readonly trace: string[];
  /** What failed: main's error, or the first exception given to the exception handler. */
  override readonly cause: unknown;

  constructor(seed: number, passed: number, max: number, trace: string[], cause: unknown) {
    super(
      `explore: seed ${seed} failed (after ${passed} passing run${passed === 1 ? '' : 's'}, jitter max ${max} s): ${errorText(cause)}\n` +
        `replay it with AIOLOOP_SEED=${seed}\n` +
        `trace of seed ${seed}:\n` +
        trace.map((line) => `  ${line}`).join('\n'),
    );
    this.name = 'ExploreError';
    this.seed = seed;
    this.passed = passed;
    this.trace = trace;
    this.cause = cause;
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return describe(err);
}

/** The seed AIOLOOP_SEED asks for, or null. */
function seedFromEnv(): number | null {
  const raw = process.env.AIOLOOP_SEED;
  if (raw === undefined || raw === '') return null;
  if (!/^\d+$/.test(raw.trim())) {
    throw new TypeError(`explore: AIOLOOP_SEED must be an integer in [0, ${MAX_SEED}], got ${JSON.stringify(raw)}`);
  }
  return checkSeed(Number(raw), 'AIOLOOP_SEED', 'explore');
}

/** The outcome of one run: null when it passed, else the trace and the cause. */
function runSeed<T>(
  main: (run: ExploreRun) => Coroutine<T>,
  seed: number,
  max: number,
  backend: BackendName | undefined,
): { trace: string[]; cause: unknown } | null {
  const trace: string[] = [];
  let failure: { cause: unknown } | null = null;
  let loop: Loop | null = null;
  const handler = (l: Loop, context: ExceptionContext) => {
    const exc = context.exception;
    trace.push(`${l.time()} exception handler: ${context.message}${exc !== undefined ? `: ${errorText(exc)}` : ''}`);
    if (exc !== undefined && failure === null) failure = { cause: exc };
  };
  function* body(): Coroutine<T> {
    const l = getRunningLoop();
    loop = l;
    l.setExceptionHandler(handler);
    const ctx: ExploreRun = {
      seed,
      loop: l,
      log: (message: string) => {
        trace.push(`${l.time()} ${message}`);
      },
    };
    const coro = main(ctx);
    if (coro === null || typeof coro !== 'object' || typeof (coro as Coroutine<T>).next !== 'function') {
      throw new TypeError(`explore: main must return a coroutine (a generator), got ${describe(coro)}`);
    }
    return yield* coro;
  }
  try {
    run(body, { clock: 'virtual', jitter: { seed, max }, backend });
    const l = loop as Loop | null;
    trace.push(`${l === null ? 0 : l.time()} main returned`);
  } catch (err) {
    const l = loop as Loop | null;
    trace.push(`${l === null ? 0 : l.time()} main failed: ${errorText(err)}`);
    if (failure === null) failure = { cause: err };
  }
  const f = failure as { cause: unknown } | null;
  return f === null ? null : { trace, cause: f.cause };
}

/**
 * Runs the coroutine function `main` once per seed, each time in a fresh
 * virtual-clock loop whose timers fire late by a seeded amount in
 * `[0, jitter)` seconds, and returns when every run passed. At the first
 * seed whose run fails (main throws, or the exception handler gets an
 * exception) it throws an {@link ExploreError} with the seed and the trace
 * of that run. `AIOLOOP_SEED=<n>` runs only seed n: the failing schedule,
 * replayed exactly.
 *
 * `main` receives `{ seed, loop, log }`; `log(message)` adds a line, stamped
 * with the loop time, to the trace.
 */
export function explore<T>(main: (run: ExploreRun) => Coroutine<T>, options: ExploreOptions): ExploreResult {
  checkFunction(main, 'main', 'explore');
  if (options === undefined) throw new TypeError('explore: options { runs, jitter } are required, got undefined');
  const opts = checkOptions(options, 'explore');
  const runs = checkInteger(opts.runs, 'runs', 'explore', 1);
  const first = opts.seed === undefined ? 0 : checkSeed(opts.seed, 'seed', 'explore');
  const jitter = opts.jitter;
  const max =
    jitter !== null && typeof jitter === 'object'
      ? checkMaxJitter((jitter as { max: unknown }).max, 'jitter.max', 'explore')
      : checkMaxJitter(jitter, 'jitter', 'explore');
  const backend = opts.backend as BackendName | undefined;
  const replaySeed = seedFromEnv();
  const firstSeed = replaySeed ?? first;
  const lastSeed = replaySeed ?? first + runs - 1;
  if (lastSeed > MAX_SEED) {
    throw new RangeError(`explore: seed + runs - 1 must be <= ${MAX_SEED}, got ${lastSeed}`);
  }
  for (let seed = firstSeed; seed <= lastSeed; seed++) {
    const failed = runSeed(main, seed, max, backend);
    if (failed !== null) throw new ExploreError(seed, seed - firstSeed, max, failed.trace, failed.cause);
  }
  return { runs: lastSeed - firstSeed + 1, firstSeed, lastSeed, max, replay: replaySeed !== null };
}
