'use strict';
/**
 * What one crossing into the native core costs: the wrapper's `step()` (and
 * `flush()`) called on an attached C++ core, in two shapes —
 *
 *   empty   no timer, no command: the crossing alone (N-API's callback
 *           info, unwrapping the core, looking up its buffers, reading ctl)
 *   rearm   one command per call (a timer added for a slot freed the call
 *           before), with one timer in the heap: the smallest real step
 *
 *   node benchmarks/tools/crossing.js [n=1000000] [rounds=7]
 *       ns per call: best and median of `rounds` timed loops of n calls
 *   node benchmarks/tools/crossing.js --callgrind [n=200000]
 *       instructions per call, from valgrind's callgrind: the tool runs
 *       itself for n and 2n calls of each shape and subtracts (start-up,
 *       loading and compilation cancel out), so the count does not depend
 *       on the machine's noise
 *
 * It drives the addon directly (dist/backend/loader.js loads it), as
 * NativeCore does, so the figure is the boundary's and C++'s, not the loop's.
 */
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');

const ROOT = path.join(__dirname, '..', '..');
const { loadNative } = require(path.join(ROOT, 'dist', 'backend', 'loader.js'));
const L = require(path.join(ROOT, 'dist', 'backend', 'layout.js'));

function makeCore() {
  const binding = loadNative();
  if (binding === null) throw new Error('the native addon did not load (npm run build:native)');
  const raw = new binding.Core();
  const ctl = new Float64Array(L.CTL_SIZE);
  ctl[L.CTL_NEXT_WHEN] = Infinity;
  ctl[L.CTL_VIRTUAL] = 1;
  const ring = new Int32Array(1024);
  const ops = new Float64Array(2 * L.OPS_INITIAL_CAPACITY);
  raw.attach(ctl.buffer, ring.buffer, ops.buffer);
  return { raw, ctl, ops };
}

/**
 * One `step()` with `pairs` commands waiting in ops, the ring empty, time 0
 * and no wait: the inputs NativeCore writes into ctl before it crosses.
 */
function step(core, pairs) {
  const ctl = core.ctl;
  ctl[L.CTL_HEAD] = 0;
  ctl[L.CTL_COUNT] = 0;
  ctl[L.CTL_OPS] = pairs;
  ctl[L.CTL_NOW] = 0;
  ctl[L.CTL_MAX_WAIT] = 0;
  ctl[L.CTL_STAGE_TAKEN] = 0;
  core.raw.step();
}

/** `n` calls of one shape; returns nothing (the caller times it). */
const SHAPES = {
  empty(core, n) {
    for (let i = 0; i < n; i++) step(core, 0);
  },
  rearm(core, n) {
    // Two slots take turns: each call cancels the timer of one and adds a
    // timer for the other, far in the future (never due), so the heap holds
    // one live timer and each step replays two commands.
    const { raw, ctl, ops } = core;
    if (core.live === undefined) {
      ops[0] = 1e9;
      ops[1] = 0;
      ctl[L.CTL_OPS] = 1;
      raw.flush();
      core.live = 0;
    }
    let live = core.live;
    for (let i = 0; i < n; i++) {
      const next = live ^ 1;
      ops[0] = 0;
      ops[1] = -live - 1; // cancel
      ops[2] = 1e9 + i;
      ops[3] = next; // add
      step(core, 2);
      live = next;
    }
    core.live = live;
  },
};

function timed(n, rounds) {
  for (const [name, fn] of Object.entries(SHAPES)) {
    const core = makeCore();
    fn(core, Math.min(n, 100000)); // warm-up
    const ns = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = process.hrtime.bigint();
      fn(core, n);
      ns.push(Number(process.hrtime.bigint() - t0) / n);
    }
    core.raw.close();
    ns.sort((a, b) => a - b);
    console.log(`${name.padEnd(6)} ${ns[0].toFixed(1)} ns per crossing (best), ${ns[ns.length >> 1].toFixed(1)} median, of ${rounds} × ${n}`);
  }
}

function callgrindCount(shape, n) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'crossing-')), 'cg.out');
  const r = spawnSync(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, '--single-threaded', __filename, '--run', shape, String(n)],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`valgrind failed: ${r.stderr.slice(-2000)}`);
  const text = fs.readFileSync(out, 'utf8');
  const m = /^summary:\s+(\d+)/m.exec(text) || /^totals:\s+(\d+)/m.exec(text);
  if (!m) throw new Error('no totals in the callgrind output');
  return Number(m[1]);
}

const argv = process.argv.slice(2);
if (argv[0] === '--run') {
  const core = makeCore();
  SHAPES[argv[1]](core, Number(argv[2]));
  core.raw.close();
} else if (argv[0] === '--callgrind') {
  const n = Number(argv[1] || 200000);
  for (const shape of Object.keys(SHAPES)) {
    const a = callgrindCount(shape, n);
    const b = callgrindCount(shape, 2 * n);
    console.log(`${shape.padEnd(6)} ${((b - a) / n).toFixed(0)} instructions per crossing (callgrind, ${n} vs ${2 * n} calls)`);
  }
} else {
  timed(Number(argv[0] || 1e6), Number(argv[1] || 7));
}
