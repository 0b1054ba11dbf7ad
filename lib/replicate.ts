/**
 * `aioloop/replicate`: many replications of a simulation on every core.
 *
 * One loop is one thread, and users who run a simulation many times — one
 * run per seed, parameter sweeps — outgrow one thread first. `replicate`
 * runs a simulation module across a pool of worker threads (piscina, a
 * maintained worker-pool engine: its queue, thread lifecycle and error
 * propagation are not rewritten here), one loop per thread at a time, one
 * replication per seed, and streams the results back as they finish.
 *
 *   main thread                         worker threads (piscina)
 *   -----------                         ------------------------
 *   replicate({ module, runs })  ---->  replicate_worker: load module once,
 *     for await (const r of ...)  <---    runReplication(simulate, seed, params)
 *       { seed, value }                   = run(simulate(seed, params), { clock: 'virtual' })
 *
 * The module exports `simulate(seed, params)` (see lib/replication.ts); a
 * replication run here gives exactly what `runReplication` gives in one
 * thread for the same seed, since it is the same code on a fresh loop.
 * Results arrive in completion order, each with its seed; sort by seed for a
 * stable report. A replication that throws ends the whole run: the iterator
 * throws an Error naming the seed (the error as its `cause`) and the pool is
 * shut down.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendName, ClockName } from './backend/core';
import { checkSeed, checkMaxJitter, MAX_SEED } from './jitter';
import { checkFunction, checkInteger, checkOptions, checkString, describe } from './validate';
import type { ReplicationTask } from './replicate_worker';

export { runReplication } from './replication';
export type { Simulation, ReplicationLoopOptions } from './replication';

/** The options of `replicate`. */
export interface ReplicateOptions<P = unknown> {
  /** The simulation module: a path (absolute, or relative to the working directory) or a file: URL. */
  module: string;
  /** The name of the function it exports (default `simulate`). */
  exportName?: string;
  /** How many replications: seeds `seed`, `seed + 1`, ... (an integer >= 1). */
  runs: number;
  /** The first seed (default 0). */
  seed?: number;
  /** Passed to every replication as `simulate(seed, params)` (structured-cloned). */
  params?: P;
  /** Worker threads (default: the machine's available parallelism). */
  threads?: number;
  /** The backend of every loop (default: as `new Loop()` picks, in each worker). */
  backend?: BackendName;
  /** The clock of every loop (default `virtual`). */
  clock?: ClockName;
  /** Seeded timer jitter of each loop, `max` seconds (seeded with the replication's seed). */
  jitter?: number;
  /**
   * Called as results arrive, at most once per `progressInterval` seconds
   * and once at the end: how many are done, of how many, and the time so far.
   */
  onProgress?: (progress: ReplicateProgress) => void;
  /** Seconds between `onProgress` calls (default 1). */
  progressInterval?: number;
}

/** What `onProgress` receives. */
export interface ReplicateProgress {
  done: number;
  total: number;
  /** Seconds since the run started. */
  elapsed: number;
  /** Estimated seconds left, from the rate so far. */
  remaining: number;
}

/** One finished replication. */
export interface Replication<R> {
  seed: number;
  value: R;
}

/**
 * Replications handed to a worker at once (piscina's concurrentTasksPerWorker).
 * A replication runs synchronously, so the extra ones just wait in the
 * worker's queue: its next one is there the moment it finishes one, without
 * a round trip to the main thread. More than a few only unbalances the end.
 */
const PREFETCH = 4;

/** The worker module beside this one (dist/replicate_worker.js). */
function workerFile(): string {
  return path.join(__dirname, 'replicate_worker.js');
}

function resolveModule(module: string): string {
  return module.startsWith('file:') ? fileURLToPath(module) : path.resolve(module);
}

/**
 * Runs `options.runs` replications of the simulation module across a pool
 * of worker threads and yields each one, `{ seed, value }`, as it finishes
 * (completion order). Stop iterating early and the pool is shut down.
 */
export async function* replicate<R = unknown, P = unknown>(options: ReplicateOptions<P>): AsyncGenerator<Replication<R>> {
  const opts = checkOptions(options, 'replicate');
  checkString(opts.module, 'module', 'replicate');
  checkString(opts.exportName, 'exportName', 'replicate', true);
  const runs = checkInteger(opts.runs, 'runs', 'replicate', 1);
  const first = opts.seed === undefined ? 0 : checkSeed(opts.seed, 'seed', 'replicate');
  if (first + runs - 1 > MAX_SEED) throw new RangeError(`replicate: seed + runs - 1 must be <= ${MAX_SEED}`);
  const threads =
    opts.threads === undefined ? Math.max(1, os.availableParallelism?.() ?? os.cpus().length) : checkInteger(opts.threads, 'threads', 'replicate', 1);
  const jitter = opts.jitter === undefined ? undefined : checkMaxJitter(opts.jitter, 'jitter', 'replicate');
  if (opts.onProgress !== undefined) checkFunction(opts.onProgress, 'onProgress', 'replicate');
  const interval = opts.progressInterval === undefined ? 1 : checkMaxJitter(opts.progressInterval, 'progressInterval', 'replicate');
  if (opts.clock !== undefined && opts.clock !== 'virtual' && opts.clock !== 'monotonic') {
    throw new TypeError(`replicate: clock must be 'monotonic' or 'virtual', got ${describe(opts.clock)}`);
  }
  const onProgress = opts.onProgress as ((p: ReplicateProgress) => void) | undefined;

  // Loaded here, not at import: only a program that replicates pays for it.
  const { Piscina } = require('piscina') as typeof import('piscina');
  const pool = new Piscina({
    filename: workerFile(),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
    // A worker holds its next replication while it runs one, so it never
    // sits idle waiting for the main thread to hand it work.
    concurrentTasksPerWorker: PREFETCH,
  });

  // Results wait here until the consumer takes them (in completion order).
  const ready: Array<Replication<R>> = [];
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const signal = () => {
    const w = wake;
    wake = null;
    if (w !== null) w();
  };
  const base: Omit<ReplicationTask, 'seed'> = {
    module: resolveModule(opts.module as string),
    exportName: (opts.exportName as string | undefined) ?? 'simulate',
    params: opts.params,
    backend: opts.backend as BackendName | undefined,
    clock: opts.clock as ClockName | undefined,
    jitter,
  };
  // At most threads x PREFETCH replications are in the pool at a time; the
  // next is submitted as one finishes. So when the consumer stops early or a
  // replication fails, nothing is left queued: the few in flight are awaited
  // and the pool destroyed once every task has settled (aborting a task, or
  // destroying the pool under one, lets a worker answer a task piscina no
  // longer tracks, which it reports as an uncaught error).
  const inFlight = new Set<Promise<unknown>>();
  let next = 0;
  let stopped = false;
  const submit = (): void => {
    if (stopped || next >= runs) return;
    const seed = first + next++;
    const task: Promise<unknown> = pool.run({ ...base, seed }, { name: 'default' }).then(
      (value: R) => {
        inFlight.delete(task);
        ready.push({ seed, value });
        submit();
        signal();
      },
      (err: unknown) => {
        inFlight.delete(task);
        if (failure === null) {
          failure = new Error(`replicate: the replication with seed ${seed} failed: ${err instanceof Error ? err.message : describe(err)}`, {
            cause: err,
          });
        }
        signal();
      },
    );
    inFlight.add(task);
  };
  for (let i = 0; i < threads * PREFETCH; i++) submit();

  const t0 = performance.now();
  let lastReport = -Infinity;
  let done = 0;
  const report = (force: boolean) => {
    if (onProgress === undefined) return;
    const elapsed = (performance.now() - t0) / 1000;
    if (!force && elapsed - lastReport < interval) return;
    lastReport = elapsed;
    onProgress({ done, total: runs, elapsed, remaining: done === 0 ? Infinity : (elapsed / done) * (runs - done) });
  };
  try {
    while (done < runs) {
      if (failure !== null) throw failure;
      if (ready.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      const next = ready.shift()!;
      done++;
      report(done === runs);
      yield next;
    }
  } finally {
    stopped = true;
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    await pool.destroy();
  }
}

/** All results of `replicate`, sorted by seed. */
export async function replicateAll<R = unknown, P = unknown>(options: ReplicateOptions<P>): Promise<Array<Replication<R>>> {
  const out: Array<Replication<R>> = [];
  for await (const r of replicate<R, P>(options)) out.push(r);
  return out.sort((a, b) => a.seed - b.seed);
}
