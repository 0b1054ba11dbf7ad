'use strict';
// A native-only exercise for leak checkers (scripts/valgrind.sh runs it under
// `valgrind --leak-check=full`): every path of the C++ core that allocates or
// frees — heap growth, slot-index growth, ring replacement, clear, close, and
// cores dropped without close (freed by their finalizer) — through the raw
// binding, then through Loop objects on the native backend when the compiled
// package (dist/) is present. Plain JavaScript, so it needs no TypeScript
// loader under valgrind. Run with --expose-gc.
//
// Sizes are small because valgrind runs Node ~50 times slower; what matters is
// that every allocation path runs, many times over.
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const binding = require('node-gyp-build')(root);
const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('run with --expose-gc');

// lib/backend/layout.ts (this file runs without the TypeScript build).
const CTL_SIZE = 16 + 2 * 64;
const OPS_CAPACITY = 4096;
const CTL = { head: 0, count: 1, ops: 2, timers: 3, now: 5, more: 6, maxWait: 7, virtual: 8 };

function attachFresh(readySlots) {
  const core = new binding.testing.Core();
  const ctl = new Float64Array(CTL_SIZE);
  const ops = new Float64Array(2 * OPS_CAPACITY);
  let ready = new Int32Array(readySlots);
  core.attach(ctl.buffer, ready.buffer, ops.buffer);
  return { core, ctl, ops, ready };
}

function rawCycle(seed, close) {
  const c = attachFresh(2);
  let n = 0;
  const push = (when, code) => {
    c.ops[2 * n] = when;
    c.ops[2 * n + 1] = code;
    n++;
  };
  // Grow the heap and the slot index well past their first allocation.
  for (let slot = 0; slot < 3000; slot++) push((slot * 7919 + seed) % 97, slot);
  c.ctl[CTL.ops] = n;
  c.core.flush();
  n = 0;
  // Cancel a third, then collect everything due in rings that have to grow.
  for (let slot = 0; slot < 3000; slot += 3) push(0, -slot - 1);
  c.ctl[CTL.ops] = n;
  c.ctl[CTL.head] = 0;
  c.ctl[CTL.count] = 0;
  c.core.collect(1000, 0, true);
  for (let size = 4; size <= 4096; size *= 2) {
    c.ready = new Int32Array(size);
    c.core.setReady(c.ready.buffer);
  }
  c.ctl[CTL.ops] = 0;
  c.ctl[CTL.head] = 0;
  c.ctl[CTL.count] = 0;
  c.core.collect(1000, 0, true);
  // Garbage must be refused without leaking what was half done.
  c.ops[0] = NaN;
  c.ops[1] = 5;
  c.ctl[CTL.ops] = 1;
  try {
    c.core.flush();
  } catch {
    // expected: RangeError
  }
  c.core.clear();
  if (close) c.core.close();
}

// The sorted run of due timers: 3,000 due at once into a 2,048-entry ring
// (the heap splits them off after 1,024 pops), a new timer pushed while the
// rest of the run is pending (merged back), then step() until all are out.
function runCycle(seed, close) {
  const c = attachFresh(2048);
  for (let slot = 0; slot < 3000; slot++) {
    c.ops[2 * slot] = (slot * 7919 + seed) % 97;
    c.ops[2 * slot + 1] = slot;
  }
  c.ctl[CTL.ops] = 3000;
  c.ctl[CTL.head] = 0;
  c.ctl[CTL.count] = 0;
  c.ctl[CTL.now] = 1000;
  c.ctl[CTL.maxWait] = 0;
  c.ctl[CTL.virtual] = 1;
  c.core.step();
  c.ops[0] = 5;
  c.ops[1] = 3000;
  c.ctl[CTL.ops] = 1;
  c.core.flush();
  for (let k = 0; k < 4 && c.ctl[CTL.more] > 0; k++) {
    c.ctl[CTL.ops] = 0;
    c.ctl[CTL.head] = 0;
    c.ctl[CTL.count] = 0;
    c.core.step();
  }
  if (close) c.core.close();
}

for (let i = 0; i < 60; i++) {
  rawCycle(i, i % 2 === 0); // half are closed, half left to their finalizers
  runCycle(i, i % 2 === 1);
  if (i % 10 === 9) gc();
}

let loops = 0;
let dist = null;
try {
  dist = require(path.join(root, 'dist', 'index.js'));
} catch {
  console.log('native-exercise: dist/ not built, Loop part skipped (npm run build:ts)');
}
if (dist !== null) {
  for (let i = 0; i < 20; i++) {
    const loop = new dist.Loop({ backend: 'native', clock: 'virtual' });
    let ran = 0;
    const handles = [];
    for (let k = 0; k < 3000; k++) {
      loop.callSoon(() => ran++);
      handles.push(loop.callLater((k % 50) / 10, () => ran++));
    }
    for (let k = 0; k < handles.length; k += 2) handles[k].cancel();
    loop.callLater(2, () => loop.stop());
    loop.runForever();
    // Leave timers pending in half of the loops: close() or the finalizer frees them.
    for (let k = 0; k < 500; k++) loop.callLater(100 + k, () => ran++);
    if (i % 2 === 0) loop.close();
    loops++;
  }
  gc();
}
gc();
console.log(`native-exercise: 60 raw cores, ${loops} native loops: done`);
