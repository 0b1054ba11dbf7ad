'use strict';
/**
 * One timed run of one subject on one workload, in a fresh process (run.js
 * starts one per figure it needs):
 *
 *   node --expose-gc benchmarks/worker.js <workload> <subject> [n] --sample
 *       warm-up runs at a tenth of the size until they have taken
 *       WARMUP_SECONDS (at least one, at most WARMUP_MAX_RUNS), then the
 *       timed run at n
 *   node --expose-gc benchmarks/worker.js <workload> <subject> [n] --once
 *       a full-size warm-up, then the timed run — for profilers
 *       (`node --cpu-prof`, valgrind's callgrind: see benchmarks/tools/), which
 *       want the measured run to be half of what they see; add `--mark` to
 *       print a separator line between the two (for `--trace-deopt` output)
 *
 * `n` defaults to the workload's full size. Prints one JSON line, the same
 * shape asyncio_bench.py prints:
 *   {"workload", "subject", "n": <size really used>, "value": <ops/s or bytes>, "seconds"?,
 *    "lagP99Ms"?, "hostedVsBlocking"?, "note"?}
 * or {"error": s} with exit code 1 if the subject throws (its own correctness
 * check included). The memory workloads (W8) measure once, with no warm-up.
 * Every run starts after a full GC so the warm-up's garbage is not collected
 * on the timed run's clock.
 */
const argv = process.argv.slice(2);
const flags = argv.filter((a) => a.startsWith('--'));
const [workloadId, subject, nArg] = argv.filter((a) => !a.startsWith('--'));

const activeStore = process.env.AIOLOOP_BENCH_STORE === '1' ? new (require('node:async_hooks').AsyncLocalStorage)() : null;

/** Figures a subject may give beside its duration (W12); run.js puts their medians on the row. */
const EXTRA_FIELDS = ['lagP99Ms', 'hostedVsBlocking'];

function fail(message) {
  process.stdout.write(JSON.stringify({ error: message }) + '\n');
  process.exit(1);
}

/**
 * Warm-up runs last at least this long in all. One tenth-size run left the
 * fast workloads (W1, W2, W5, W10 with few chains: 10 ms of warm-up) with
 * V8 still compiling their hot functions with TurboFan during the timed run
 * (`--trace-opt` showed most of them optimized there), so the figure mixed
 * compile time and lower tiers into the throughput, differently for each
 * subject. Repeating the warm-up until this much time has passed measures
 * every subject at steady state; slow subjects still do one run.
 */
const WARMUP_SECONDS = 0.3;
/** ...and take at most this many runs. */
const WARMUP_MAX_RUNS = 30;

/** A warm-up of a tenth of the size, keeping W5's 1,000 tasks and W9's 10 sleeps per task whole. */
function warmupSize(n) {
  return Math.max(1000, Math.floor(n / 10 / 1000) * 1000);
}

let WORKLOADS, JS_SUBJECTS;
try {
  ({ WORKLOADS, JS_SUBJECTS } = require('./workloads'));
} catch (err) {
  fail(`cannot load the workloads: ${err && err.stack ? err.stack : err}`);
}
const workload = WORKLOADS.find((w) => w.id === workloadId);
if (!workload) fail(`unknown workload ${JSON.stringify(workloadId)}`);
const fns = JS_SUBJECTS[subject];
if (!fns) fail(`unknown subject ${JSON.stringify(subject)}`);
const fn = fns[workloadId];
if (typeof fn !== 'function') fail(`subject ${subject} has no workload ${workloadId}`);
const requested = nArg === undefined ? workload.size : Number(nArg);
if (!Number.isInteger(requested) || requested <= 0) fail(`n must be a positive integer, got ${JSON.stringify(nArg)}`);
const sized = (k) => (typeof fn.size === 'function' ? fn.size(k) : k);
const n = sized(requested);

async function measure(size) {
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  // AIOLOOP_BENCH_STORE=1: the whole run inside an AsyncLocalStorage store,
  // to measure what carrying async context costs (README, "Async context").
  const r = await (activeStore === null ? fn(size) : activeStore.run({ request: 1 }, () => fn(size)));
  if (workload.unit === 'bytes') return { value: r.bytes, note: r.note };
  // A duration, or { seconds, note?, lagP99Ms?, hostedVsBlocking? } (shapes.js).
  const { seconds, ...extra } = typeof r === 'number' ? { seconds: r } : r || {};
  if (!(typeof seconds === 'number' && seconds > 0)) throw new Error(`${subject} ${workloadId} returned ${JSON.stringify(r)}, not a duration`);
  return { value: size / seconds, seconds, ...extra };
}

async function main() {
  const once = flags.includes('--once');
  if (!once && !flags.includes('--sample')) fail('say --sample (a run for the suite) or --once (a run for a profiler)');
  if (workload.unit !== 'bytes') {
    if (once) {
      await measure(n);
    } else {
      const size = sized(warmupSize(requested));
      const start = performance.now();
      let runs = 0;
      do {
        await measure(size);
        runs++;
      } while (runs < WARMUP_MAX_RUNS && performance.now() - start < WARMUP_SECONDS * 1000);
    }
  }
  if (flags.includes('--mark')) process.stdout.write('--- measured run\n');
  const r = await measure(n);
  const note = [r.note, fn.note].filter(Boolean).join('; ') || undefined;
  const extra = {};
  for (const k of EXTRA_FIELDS) if (typeof r[k] === 'number') extra[k] = r[k];
  process.stdout.write(JSON.stringify({ workload: workloadId, subject, n, value: r.value, seconds: r.seconds, ...extra, note }) + '\n');
  process.exit(0);
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
