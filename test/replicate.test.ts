/**
 * aioloop/replicate (issue 14): replications across a piscina worker pool
 * give the same results as a single-threaded loop over the same seeds, on
 * both backends; results stream back with progress; a failing replication
 * names its seed; the entry works from `require` and from `import`.
 * Runs against the built package (dist/), as a consumer would.
 */
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDist, ROOT, runNode } from './child';
import { BACKENDS } from './helpers';

const MODEL = path.join(ROOT, 'examples', 'mm1_model.js');
const FIXTURES = path.join(ROOT, 'test', 'replicate_fixtures');
const PARAMS = { customers: 120, warmup: 20 };

type ReplicateModule = typeof import('../lib/replicate');
let rep: ReplicateModule;

beforeAll(() => {
  ensureDist();
  rep = require(path.join(ROOT, 'dist', 'replicate.js')) as ReplicateModule;
}, 120_000);

describe.each(BACKENDS)('replicate (%s)', (backend) => {
  it('gives, seed by seed, what a single-threaded loop gives over the same seeds', async () => {
    const { simulate } = require(MODEL);
    const pooled = await rep.replicateAll({ module: MODEL, runs: 16, seed: 100, threads: 2, params: PARAMS, backend });
    expect(pooled.map((r) => r.seed)).toEqual(Array.from({ length: 16 }, (_, i) => 100 + i));
    for (const { seed, value } of pooled) {
      expect(value).toEqual(rep.runReplication(simulate, seed, PARAMS, { backend }));
    }
    // And different seeds give different replications.
    expect(new Set(pooled.map((r) => JSON.stringify(r.value))).size).toBe(16);
  }, 60_000);

  it('streams results as they finish, with progress, each seed once', async () => {
    const progress: Array<{ done: number; total: number }> = [];
    const seen: number[] = [];
    for await (const r of rep.replicate({
      module: MODEL,
      runs: 10,
      threads: 2,
      params: PARAMS,
      backend,
      progressInterval: 0,
      onProgress: ({ done, total }) => progress.push({ done, total }),
    })) {
      seen.push(r.seed);
      expect(progress.at(-1)!.done).toBe(seen.length);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(progress.at(-1)).toEqual({ done: 10, total: 10 });
  }, 60_000);

  it('loads ES-module simulations and plain functions, and passes jitter seeded per replication', async () => {
    const esm = path.join(FIXTURES, 'esm_model.mjs');
    const out = await rep.replicateAll({ module: esm, runs: 3, threads: 2, params: { offset: 1 }, backend });
    // Each worker's loop runs on the backend asked for.
    expect(out).toEqual([
      { seed: 0, value: { seed: 0, time: 1, backend } },
      { seed: 1, value: { seed: 1, time: 2, backend } },
      { seed: 2, value: { seed: 2, time: 3, backend } },
    ]);
    const plain = await rep.replicateAll({ module: esm, exportName: 'plain', runs: 2, threads: 1, backend });
    expect(plain.map((r) => r.value)).toEqual(['plain 0', 'plain 1']);
    const jittered = await rep.replicateAll({ module: esm, runs: 2, threads: 2, params: { offset: 1 }, jitter: 0.5, backend });
    for (const { seed, value } of jittered) {
      const t = (value as { time: number }).time;
      expect(t).toBeGreaterThanOrEqual(seed + 1);
      expect(t).toBeLessThan(seed + 1.5);
    }
  }, 60_000);

  it('ends with an error naming the seed of a replication that throws', async () => {
    await expect(
      rep.replicateAll({ module: path.join(FIXTURES, 'failing.cjs'), runs: 6, threads: 2, backend }),
    ).rejects.toThrow(/replicate: the replication with seed 3 failed: seed 3 is cursed/);
  }, 60_000);
});

describe('replicate: arguments and entry points', () => {
  it('checks its options', async () => {
    const first = (o: unknown) => rep.replicate(o as never).next();
    await expect(first({ runs: 1 })).rejects.toThrow(/replicate: module must be a string/);
    await expect(first({ module: MODEL, runs: 0 })).rejects.toThrow(/replicate: runs must be >= 1/);
    await expect(first({ module: MODEL, runs: 1, threads: 0 })).rejects.toThrow(/replicate: threads must be >= 1/);
    await expect(first({ module: MODEL, runs: 1, seed: -1 })).rejects.toThrow(RangeError);
    await expect(first({ module: MODEL, runs: 1, jitter: NaN })).rejects.toThrow(RangeError);
  });

  it('works from require and from import (aioloop/replicate)', async () => {
    const cjs = await runNode(
      ['-e', `require('aioloop/replicate').replicateAll({ module: ${JSON.stringify(MODEL)}, runs: 2, threads: 1, params: { customers: 30, warmup: 5 } }).then((r) => console.log(r.length, typeof r[0].value.wait))`],
      { boundMs: 30_000 },
    );
    expect(cjs.stderr).toBe('');
    expect(cjs.stdout).toBe('2 number\n');
    const esm = await runNode(
      [
        '--input-type=module',
        '-e',
        `import { replicateAll } from 'aioloop/replicate'; const r = await replicateAll({ module: ${JSON.stringify(MODEL)}, runs: 2, threads: 1, params: { customers: 30, warmup: 5 } }); console.log(r.length, typeof r[0].value.wait);`,
      ],
      { boundMs: 30_000 },
    );
    expect(esm.stderr).toBe('');
    expect(esm.stdout).toBe('2 number\n');
  }, 60_000);
});
