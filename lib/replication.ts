/**
 * One replication of a simulation: what each worker of `aioloop/replicate`
 * (lib/replicate.ts) does per seed, and what a single-threaded run over the
 * same seeds does — written once, so both give the same results.
 *
 * A simulation module exports `simulate(seed, params)`: a coroutine function
 * (a generator function), run with `run()` on a fresh loop — on the virtual
 * clock unless told otherwise — or a plain function, whose result is
 * returned as is. Whatever it returns must survive `structuredClone` (it
 * crosses from the worker thread).
 */
import type { BackendName, ClockName } from './backend/core';
import type { Coroutine } from './coroutines';
import { isCoroutine } from './coroutines';
import { run } from './runners';
import { describe } from './validate';

/** A simulation: `simulate(seed, params)` gives a coroutine (or a plain value). */
export type Simulation<R, P = unknown> = (seed: number, params: P) => Coroutine<R> | R;

/** How each replication's loop is made. */
export interface ReplicationLoopOptions {
  /** The backend of each loop (default: as `new Loop()` picks). */
  backend?: BackendName;
  /** The clock of each loop (default `virtual`). */
  clock?: ClockName;
  /** Seeded timer jitter of each loop, `max` seconds (the seed is the replication's). Virtual clock only. */
  jitter?: number;
}

/** Runs one replication of `simulate` for `seed` in this thread and returns its result. */
export function runReplication<R, P>(
  simulate: Simulation<R, P>,
  seed: number,
  params: P,
  options: ReplicationLoopOptions = {},
): R {
  if (typeof simulate !== 'function') {
    throw new TypeError(`runReplication: simulate must be a function, got ${describe(simulate)}`);
  }
  const out = simulate(seed, params);
  if (!isCoroutine(out)) return out as R;
  const clock = options.clock ?? 'virtual';
  const jitter = options.jitter === undefined ? undefined : { seed, max: options.jitter };
  return run(out as Coroutine<R>, { backend: options.backend, clock, jitter });
}
