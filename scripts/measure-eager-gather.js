#!/usr/bin/env node
/*
 * What eagerTaskFactory does to W7 ("gather 100,000 tasks, each one
 * sleep(0)"), on both backends. Not the benchmark suite: a one-off
 * measurement for the README's toolbox section.
 *
 *   npm run build:ts && node --expose-gc scripts/measure-eager-gather.js [tasks] [runs]
 *
 * Prints the median wall time of `runs` runs (after one warm-up run) per
 * backend, with the default task factory and with eagerTaskFactory.
 */
'use strict';
const { Loop, gather, sleep, eagerTaskFactory } = require('../dist/index.js');

const N = Number(process.argv[2] ?? 100000);
const RUNS = Number(process.argv[3] ?? 5);

function* child() {
  yield* sleep(0);
}

function once(backend, eager) {
  const loop = new Loop({ backend });
  if (eager) loop.setTaskFactory(eagerTaskFactory);
  function* main() {
    const coros = new Array(N);
    for (let i = 0; i < N; i++) coros[i] = child();
    yield* gather(coros);
  }
  if (global.gc) global.gc();
  const t0 = process.hrtime.bigint();
  loop.runUntilComplete(main());
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  loop.close();
  return ms;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const rows = [];
for (const backend of ['native', 'js']) {
  for (const eager of [false, true]) {
    once(backend, eager); // warm-up
    const times = [];
    for (let i = 0; i < RUNS; i++) times.push(once(backend, eager));
    rows.push({ backend, factory: eager ? 'eagerTaskFactory' : 'default', times, median: median(times) });
  }
}
console.log(`gather of ${N} tasks, each sleep(0); median of ${RUNS} runs (node ${process.version})`);
for (const r of rows) {
  console.log(
    `${r.backend.padEnd(6)} ${r.factory.padEnd(16)} median ${r.median.toFixed(1).padStart(7)} ms` +
      `  (${Math.round(N / (r.median / 1000)).toLocaleString('en-US')} tasks/s)  runs: ${r.times.map((t) => t.toFixed(0)).join(' ')}`,
  );
}
for (const backend of ['native', 'js']) {
  const d = rows.find((r) => r.backend === backend && r.factory === 'default').median;
  const e = rows.find((r) => r.backend === backend && r.factory === 'eagerTaskFactory').median;
  console.log(`${backend}: eager / default = ${(e / d).toFixed(2)}`);
}
