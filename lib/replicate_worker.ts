/**
 * The worker side of `aioloop/replicate` (lib/replicate.ts): piscina runs
 * this module in each worker thread and calls its default export once per
 * replication. Each call loads the simulation module (once per thread:
 * Node caches it) and runs one replication on a fresh loop of this thread
 * (lib/replication.ts) — one loop per thread at a time, one per seed.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runReplication, type ReplicationLoopOptions, type Simulation } from './replication';

/** What the pool sends for one replication. */
export interface ReplicationTask extends ReplicationLoopOptions {
  module: string;
  exportName: string;
  seed: number;
  params: unknown;
}

// tsc (module: commonjs) turns `import()` into `require()`, which cannot load
// an ES module on Node 18/20; this keeps a real dynamic import for those.
const importModule = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<Record<string, unknown>>;

const loaded = new Map<string, Record<string, unknown>>();

async function load(module: string): Promise<Record<string, unknown>> {
  let mod = loaded.get(module);
  if (mod === undefined) {
    try {
      mod = require(module) as Record<string, unknown>;
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw err;
      mod = await importModule(pathToFileURL(path.resolve(module)).href);
    }
    loaded.set(module, mod);
  }
  return mod;
}

/** One replication: `simulate(seed, params)` from `module`, run here. */
export default async function replication(task: ReplicationTask): Promise<unknown> {
  const mod = await load(task.module);
  const simulate = (mod[task.exportName] ?? (mod.default as Record<string, unknown> | undefined)?.[task.exportName]) as
    | Simulation<unknown>
    | undefined;
  if (typeof simulate !== 'function') {
    throw new TypeError(`replicate: ${task.module} does not export a function named ${task.exportName}`);
  }
  return runReplication(simulate, task.seed, task.params, task);
}
