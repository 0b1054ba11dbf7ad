#!/usr/bin/env node
'use strict';
/**
 * `node benchmarks/replicate.js [runs] [repeats]`: the speedup of
 * aioloop/replicate over one thread, on this machine's cores.
 *
 * The workload is examples/mm1_model.js (an M/M/1 queue, 1,000 customers a
 * replication, virtual clock), `runs` seeded replications (default 400). Three
 * subjects, each timed `repeats` times (default 3), taken in turn so drift on
 * a shared machine lands on all of them alike; a figure is the median:
 *
 *   in-process   runReplication over the seeds in this thread (no pool;
 *                its JIT stays warm from round to round, a pool's workers
 *                start cold each time)
 *   pool x1      replicate({ threads: 1 }): the one-thread baseline
 *   pool xN      replicate({ threads: N }), N = os.availableParallelism()
 *
 * Beside each figure: the CPU seconds the process used (all threads) per
 * wall second — how many cores the run really got. On a machine shared with
 * other work, pool xN can use no more than the cores left free.
 *
 * Asserts nothing about speed; it checks that every subject gave the same
 * results, seed by seed.
 */
const os = require('node:os');
const path = require('node:path');
const { replicateAll, runReplication } = require('../dist/replicate.js');

const RUNS = Number(process.argv[2] ?? 400);
const REPEATS = Number(process.argv[3] ?? 3);
const MODEL = path.join(__dirname, '..', 'examples', 'mm1_model.js');
const CORES = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
const backend = process.env.AIOLOOP_BACKEND;

async function inProcess() {
  const { simulate } = require(MODEL);
  const out = [];
  for (let seed = 0; seed < RUNS; seed++) out.push({ seed, value: runReplication(simulate, seed, undefined, { backend }) });
  return out;
}

const subjects = [
  ['in-process', inProcess],
  ['pool x1', () => replicateAll({ module: MODEL, runs: RUNS, threads: 1, backend })],
  [`pool x${CORES}`, () => replicateAll({ module: MODEL, runs: RUNS, threads: CORES, backend })],
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const times = new Map(subjects.map(([name]) => [name, []]));
  // CPU seconds of the whole process (all threads) per wall second: how many
  // cores the run really got (on a shared machine, fewer than it has).
  const cores = new Map(subjects.map(([name]) => [name, []]));
  let reference = null;
  for (let r = 0; r < REPEATS; r++) {
    for (let k = 0; k < subjects.length; k++) {
      const [name, fn] = subjects[(k + r) % subjects.length];
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const results = await fn();
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(c0);
      times.get(name).push(wall);
      cores.get(name).push((cpu.user + cpu.system) / 1e6 / wall);
      const text = JSON.stringify(results);
      if (reference === null) reference = text;
      else if (text !== reference) throw new Error(`${name} gave different results from the others`);
      console.error(`  round ${r + 1}/${REPEATS} ${name}: ${times.get(name).at(-1).toFixed(2)} s`);
    }
  }
  const base = median(times.get('pool x1'));
  console.log(`replicate: ${RUNS} M/M/1 replications (1,000 customers each), ${CORES} cores (${os.cpus()[0].model.trim()}), median of ${REPEATS}`);
  console.log(`  subject        seconds   replications/s   vs pool x1   cores used (cpu s / wall s)`);
  for (const [name] of subjects) {
    const s = median(times.get(name));
    const used = median(cores.get(name));
    console.log(
      `  ${name.padEnd(12)} ${s.toFixed(2).padStart(9)}   ${(RUNS / s).toFixed(0).padStart(14)}   ${(base / s).toFixed(2).padStart(9)}x   ${used.toFixed(2)}`,
    );
  }
  console.log(`  (load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')})`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
