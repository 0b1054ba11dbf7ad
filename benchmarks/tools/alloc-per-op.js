'use strict';
/**
 * Bytes allocated on the V8 heap per operation, and the GCs that cost, for
 * one workload on one subject (after a warm-up run):
 *
 *   node --expose-gc benchmarks/tools/alloc-per-op.js <workload> <subject> [n]
 *
 * Allocation is summed from v8.GCProfiler: the heap's growth between GCs
 * (before this GC minus after the previous one) plus the growth after the
 * last. It counts every byte handed out, garbage included — the number the
 * scavenger's work follows.
 */
const v8 = require('node:v8');
const { WORKLOADS, JS_SUBJECTS } = require('../workloads');

const [id, subject, nArg] = process.argv.slice(2);
const w = WORKLOADS.find((x) => x.id === id);
const fn = w && (JS_SUBJECTS[subject] || {})[id];
if (!fn || w.unit !== 'ops/s') {
  console.error('usage: alloc-per-op.js <W1..W7|W9> <subject> [n]');
  process.exit(2);
}
const n = Number(nArg || w.size);

(async () => {
  await fn(n); // warm-up
  global.gc();
  const start = v8.getHeapStatistics().used_heap_size;
  const profiler = new v8.GCProfiler();
  profiler.start();
  const seconds = await fn(n);
  const end = v8.getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  let allocated = 0;
  let prevAfter = start;
  let scavenges = 0;
  let fullGcs = 0;
  let gcMicros = 0;
  for (const s of statistics) {
    allocated += s.beforeGC.heapStatistics.usedHeapSize - prevAfter;
    prevAfter = s.afterGC.heapStatistics.usedHeapSize;
    gcMicros += s.cost;
    if (s.gcType === 'Scavenge' || s.gcType === 'MinorMarkCompact') scavenges++;
    else fullGcs++;
  }
  allocated += end - prevAfter;
  console.log(
    `${id} ${subject}: ${(allocated / n).toFixed(0)} B allocated per op; ${scavenges} scavenges + ${fullGcs} full GCs ` +
      `= ${(gcMicros / 1000).toFixed(0)} ms of ${(seconds * 1000).toFixed(0)} ms (${((100 * gcMicros) / 1e6 / seconds).toFixed(0)}%)`,
  );
})();
