/**
 * Garbage-collection helpers for the leak tests: `global.gc` without a
 * command-line flag, and a wait for FinalizationRegistry callbacks.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/**
 * `global.gc`, exposed at run time when the process was started without
 * `--expose-gc` (the way Jest's leak detector does it: set the flag, then
 * take `gc` from a fresh context, where V8 installs it).
 */
export function exposeGc(): () => void {
  const g = globalThis as { gc?: () => void };
  if (typeof g.gc === 'function') return g.gc;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Most collections to try before giving up: V8 may need a few to reach old objects. */
const MAX_GC_ROUNDS = 10;

/**
 * Collects garbage until `done()` holds or MAX_GC_ROUNDS passed, yielding to
 * Node's event loop between rounds so FinalizationRegistry callbacks run.
 */
export async function collectUntil(done: () => boolean): Promise<void> {
  const gc = exposeGc();
  for (let round = 0; round < MAX_GC_ROUNDS && !done(); round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
