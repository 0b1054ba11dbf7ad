'use strict';
/**
 * One subject of one workload, in its own process (run.js starts it).
 *
 *   node --expose-gc benchmarks/worker.js <workload> <subject> [n]          serve
 *   node --expose-gc benchmarks/worker.js <workload> <subject> [n] --once   warm up, run once, print
 *
 * `n` defaults to the workload's full size.
 *
 * Serve mode speaks JSON lines, the same protocol as asyncio_bench.py:
 *   out  {"ready": true, "n": <size really used>, "note"?: s}
 *   in   "run"   -> out {"value": <ops/s or bytes>, "seconds"?: s, "note"?: s}
 *   in   "warmup" -> the same, untimed (run.js discards it)
 *   in   "exit"  -> the process exits
 *   out  {"error": s} (and exit code 1) if the subject throws or is unknown.
 *
 * Every timed run starts after a full GC so garbage left by the previous run
 * is not collected on this one's clock. `--once` is for profilers
 * (`node --cpu-prof`, `valgrind --tool=callgrind`): one warm-up run, then one
 * measured run whose figure is printed; add `--mark` to print a separator
 * line between the two (for `--trace-deopt` output).
 */
const readline = require('node:readline');

function fail(message) {
  process.stdout.write(JSON.stringify({ error: message }) + '\n');
  process.exit(1);
}

const argv = process.argv.slice(2);
const flags = argv.filter((a) => a.startsWith('--'));
const [workloadId, subject, nArg] = argv.filter((a) => !a.startsWith('--'));
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
const n = typeof fn.size === 'function' ? fn.size(requested) : requested;

async function runOnce() {
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  const r = await fn(n);
  if (workload.unit === 'bytes') return { value: r.bytes, note: r.note };
  if (!(typeof r === 'number' && r > 0)) throw new Error(`${subject} ${workloadId} returned ${r}, not a duration`);
  return { value: n / r, seconds: r };
}

async function main() {
  if (flags.includes('--once')) {
    if (workload.unit !== 'bytes') await runOnce();
    // With --mark, a line on stdout separates the warm-up from the measured
    // run in V8 traces (--trace-opt, --trace-deopt) printed to the same stream.
    if (flags.includes('--mark')) process.stdout.write('--- measured run\n');
    const r = await runOnce();
    process.stdout.write(JSON.stringify({ workload: workloadId, subject, n, ...r }) + '\n');
    process.exit(0);
  }
  process.stdout.write(JSON.stringify({ ready: true, n, note: fn.note }) + '\n');
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const cmd = line.trim();
    if (cmd === 'exit') break;
    // A warm-up is a full-size run: the JIT and the heap's sizing need it.
    if (cmd !== 'run' && cmd !== 'warmup') fail(`unknown command ${JSON.stringify(cmd)}`);
    const r = await runOnce();
    process.stdout.write(JSON.stringify(r) + '\n');
  }
  process.exit(0);
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
