#!/usr/bin/env node
/*
 * What eagerTaskFactory does to W7 ("gather 100,000 tasks, each one
 * sleep(0)"), on both backends. Not the benchmark suite: a one-off
 * measurement for the README's toolbox section.
 *
 *   npm run build:ts && node --expose-gc scripts/measure-eager-gather.js [tasks] [runs]
 *
 * Prints, per backend, with the default task factory and with
 * eagerTaskFactory, the median of `runs` runs (after one warm-up run each) of
 * the wall time and of the process CPU time (user + system) of
 * `runUntilComplete`. The two factories alternate run by run, so that load
 * from other processes falls on both alike; on a busy machine the CPU time
 * is the steadier figure.
 */
'use strict';
const os = require('node:os');
const { Loop, gather, sleep, eagerTaskFactory } = require('../dist/index.js');

const N = Number(process.argv[2] ?? 100000);
const RUNS = Number(process.argv[3] ?? 5);

// W7's task: suspends once (sleep(0) is a bare yield).
function* child() {
  yield* sleep(0);
}

// For comparison: a task that finishes without suspending (a cache hit).
function* immediate() {
  return 1;
}

function once(backend, eager, make) {
  const loop = new Loop({ backend });
  if (eager) loop.setTaskFactory(eagerTaskFactory);
  function* main() {
    const coros = new Array(N);
    for (let i = 0; i < N; i++) coros[i] = make();
    yield* gather(coros);
  }
  if (global.gc) global.gc();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  loop.runUntilComplete(main());
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  loop.close();
  return { wall, cpu: (c.user + c.system) / 1000 };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(label, make) {
  const rows = [];
  for (const backend of ['native', 'js']) {
    const byFactory = { default: [], eagerTaskFactory: [] };
    once(backend, false, make); // warm-up
    once(backend, true, make);
    for (let i = 0; i < RUNS; i++) {
      byFactory.default.push(once(backend, false, make));
      byFactory.eagerTaskFactory.push(once(backend, true, make));
    }
    for (const [factory, runs] of Object.entries(byFactory)) {
      rows.push({
        backend,
        factory,
        wall: median(runs.map((r) => r.wall)),
        cpu: median(runs.map((r) => r.cpu)),
        walls: runs.map((r) => r.wall),
      });
    }
  }
  console.log(`\n${label}: gather of ${N} tasks; median of ${RUNS} runs (node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)})`);
  for (const r of rows) {
    console.log(
      `${r.backend.padEnd(6)} ${r.factory.padEnd(16)} wall ${r.wall.toFixed(1).padStart(7)} ms  cpu ${r.cpu.toFixed(1).padStart(7)} ms` +
        `  (${Math.round(N / (r.wall / 1000)).toLocaleString('en-US')} tasks/s)  wall runs: ${r.walls.map((t) => t.toFixed(0)).join(' ')}`,
    );
  }
  for (const backend of ['native', 'js']) {
    const d = rows.find((r) => r.backend === backend && r.factory === 'default');
    const e = rows.find((r) => r.backend === backend && r.factory === 'eagerTaskFactory');
    console.log(`${backend}: eager / default = ${(e.wall / d.wall).toFixed(2)} (wall), ${(e.cpu / d.cpu).toFixed(2)} (cpu)`);
  }
}

measure('W7, each task sleep(0)', child);
measure('each task returns at once', immediate);
