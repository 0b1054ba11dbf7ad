'use strict';
/**
 * The workloads of SPEC §7 for every JavaScript subject: aioloop's two
 * backends, Node's own primitives shaped like each workload, and two floors.
 *
 * A workload is `{ id, title, unit, size, quickSize, subjects }`. Each subject
 * is `(n) => seconds | Promise<seconds>` (for `unit: 'ops/s'`) or
 * `(n) => { bytes, note }` (for `unit: 'bytes'`): it sets up outside the timed
 * region, times only the work the workload names, checks that every callback
 * really ran (so a broken subject fails loudly instead of looking fast), and
 * cleans up. A subject may carry `size(n)` (a smaller size where the primitive
 * cannot do the full one in reasonable time) and a `note`.
 *
 * The Python peers (asyncio, uvloop) live in asyncio_bench.py with the same
 * shapes; run.js asks it (`--probe`) which workloads it has. The workloads
 * added for the shapes users have (W10–W13, W4r) and the fake-timers subject
 * are in shapes.js.
 */
const path = require('node:path');

const aioloop = require(path.join(__dirname, '..', process.env.AIOLOOP_DIST || 'dist', 'index.js'));
const { Loop, sleep } = aioloop;

const now = () => performance.now() / 1000;

/** Seeded PRNG (mulberry32) so every subject and run sees the same "random" times. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` uniform numbers in [0, 1), the same for every subject. */
function randoms(count, seed) {
  const r = rng(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = r();
  return out;
}

function check(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${expected} callbacks to run, ${actual} did`);
}

/** A loop on `backend` (and clock), refusing a silent fallback to the other backend. */
function makeLoop(backend, clock = 'monotonic') {
  const loop = new Loop({ backend, clock });
  if (loop.backend !== backend) throw new Error(`asked for backend ${backend}, got ${loop.backend}`);
  return loop;
}

/** Resolves when `count` calls of the returned `tick` happened. */
function countdown(count) {
  let resolve;
  const done = new Promise((r) => (resolve = r));
  let left = count;
  return { done, tick: () => { if (--left === 0) resolve(); }, left: () => left };
}

/** `gather(coros)` from aioloop when it exists, else a stand-in with the same contract. */
const GATHER_NOTE = typeof aioloop.gather === 'function' ? undefined : 'aioloop has no gather yet: a bench-local stand-in (one done-callback per task)';
function gatherAll(loop, coros) {
  if (typeof aioloop.gather === 'function') return aioloop.gather(coros, { returnExceptions: false });
  const out = loop.createFuture();
  const results = new Array(coros.length);
  let left = coros.length;
  coros.forEach((coro, i) => {
    const task = loop.createTask(coro);
    task.addDoneCallback((t) => {
      results[i] = t.result();
      if (--left === 0) out.setResult(results);
    });
  });
  return out;
}

// ---------------------------------------------------------------------------
// Memory (W8): bytes per pending item, measured in a fresh process.

let meminfo = null;
let meminfoError = null;
function loadMeminfo() {
  if (meminfo !== null || meminfoError !== null) return meminfo;
  try {
    const { MEMINFO_PATH } = require('./meminfo/build');
    meminfo = require(MEMINFO_PATH);
  } catch (err) {
    meminfoError = err.message.split('\n')[0];
  }
  return meminfo;
}

function snapshot() {
  const mu = process.memoryUsage();
  const m = loadMeminfo();
  return { heap: mu.heapUsed, external: mu.external, malloc: m === null ? 0 : m.allocated() };
}

function settle() {
  for (let i = 0; i < 3; i++) global.gc();
}

/**
 * Bytes per item that `make(n)` keeps alive, after full GCs: V8's heapUsed,
 * plus memory outside the V8 heap — the larger of V8's `external` (what
 * embedders report, ArrayBuffers included) and the growth of malloc'd bytes
 * (glibc's count, which also sees what a native addon allocates with new and
 * never reports to V8: the C++ timer heap). The larger, not the sum, because
 * an ArrayBuffer's store is in both. `make` returns a cleanup function.
 */
function bytesPer(n, make) {
  if (typeof global.gc !== 'function') throw new Error('W8 needs node --expose-gc');
  loadMeminfo(); // before the baseline: loading it allocates (file buffers, the module)
  settle();
  const before = snapshot();
  const cleanup = make(n);
  settle();
  const after = snapshot();
  cleanup();
  const heap = (after.heap - before.heap) / n;
  const external = (after.external - before.external) / n;
  const malloc = (after.malloc - before.malloc) / n;
  const f = (x) => x.toFixed(1);
  if (meminfo === null) {
    return {
      bytes: heap + external,
      note: `heap ${f(heap)} + external ${f(external)}; memory a native addon mallocs is NOT counted (meminfo helper: ${meminfoError})`,
    };
  }
  const outside = Math.max(external, malloc, 0);
  return { bytes: heap + outside, note: `V8 heap ${f(heap)} + outside it ${f(outside)} (external ${f(external)}, malloc ${f(malloc)})` };
}

// ---------------------------------------------------------------------------
// aioloop subjects, parameterised by backend.

function aio(backend) {
  return {
    W1(n) {
      const loop = makeLoop(backend);
      let c = 0;
      const cb = () => { c++; };
      const t0 = now();
      for (let i = 0; i < n; i++) loop.callSoon(cb);
      loop.callSoon(() => loop.stop());
      loop.runForever();
      const t = now() - t0;
      loop.close();
      check(c, n, 'W1');
      return t;
    },
    W2(n) {
      const loop = makeLoop(backend);
      let c = 0;
      const cb = () => {
        if (++c < n) loop.callSoon(cb);
        else loop.stop();
      };
      const t0 = now();
      loop.callSoon(cb);
      loop.runForever();
      const t = now() - t0;
      loop.close();
      check(c, n, 'W2');
      return t;
    },
    W3(n) {
      const offsets = randoms(n, 3);
      const loop = makeLoop(backend);
      let c = 0;
      const cb = () => { c++; };
      const base = loop.time() - 2; // every deadline is already in the past
      const t0 = now();
      loop.callSoon(() => loop.stop()); // runs in the same iteration as the due timers
      for (let i = 0; i < n; i++) loop.callAt(base + offsets[i], cb);
      loop.runForever();
      const t = now() - t0;
      loop.close();
      check(c, n, 'W3');
      return t;
    },
    W4(n) {
      const loop = makeLoop(backend);
      const handles = new Array(n);
      const cb = () => { throw new Error('W4: a cancelled timer ran'); };
      const t0 = now();
      for (let i = 0; i < n; i++) handles[i] = loop.callLater(3600, cb);
      for (let i = 0; i < n; i++) handles[i].cancel();
      loop.runOnce(); // lets the core drop what it still holds
      const t = now() - t0;
      loop.close();
      return t;
    },
    W5(n) {
      const tasks = 1000;
      const switches = n / tasks;
      const loop = makeLoop(backend);
      const done = loop.createFuture();
      let left = tasks;
      let c = 0;
      function* worker() {
        for (let i = 0; i < switches; i++) {
          yield* sleep(0);
          c++;
        }
        if (--left === 0) done.setResult(undefined);
      }
      const t0 = now();
      for (let i = 0; i < tasks; i++) loop.createTask(worker());
      loop.runUntilComplete(done);
      const t = now() - t0;
      loop.close();
      check(c, n, 'W5');
      return t;
    },
    W6(n) {
      const loop = makeLoop(backend);
      let c = 0;
      const cb = () => { c++; };
      const t0 = now();
      for (let i = 0; i < n; i++) {
        const f = loop.createFuture();
        f.addDoneCallback(cb);
        f.setResult(i);
      }
      loop.callSoon(() => loop.stop()); // after every done-callback (FIFO)
      loop.runForever();
      const t = now() - t0;
      loop.close();
      check(c, n, 'W6');
      return t;
    },
    W7(n) {
      const loop = makeLoop(backend);
      function* child() {
        yield* sleep(0);
        return 1;
      }
      function* main() {
        const coros = new Array(n);
        for (let i = 0; i < n; i++) coros[i] = child();
        const results = yield* gatherAll(loop, coros);
        return results.length;
      }
      const t0 = now();
      const got = loop.runUntilComplete(loop.createTask(main()));
      const t = now() - t0;
      loop.close();
      check(got, n, 'W7');
      return t;
    },
    W8(n) {
      return bytesPer(n, (k) => {
        const loop = makeLoop(backend);
        const cb = () => {};
        for (let i = 0; i < k; i++) loop.callLater(3600, cb);
        return () => loop.close();
      });
    },
    'W8-soon'(n) {
      return bytesPer(n, (k) => {
        const loop = makeLoop(backend);
        const cb = () => {};
        for (let i = 0; i < k; i++) loop.callSoon(cb);
        return () => loop.close();
      });
    },
    W9(n) {
      const procs = n / 10;
      const delays = randoms(n, 9);
      const loop = makeLoop(backend, 'virtual');
      const done = loop.createFuture();
      let left = procs;
      let c = 0;
      function* proc(k) {
        for (let j = 0; j < 10; j++) {
          yield* sleep(delays[k * 10 + j]);
          c++;
        }
        if (--left === 0) done.setResult(undefined);
      }
      const t0 = now();
      for (let k = 0; k < procs; k++) loop.createTask(proc(k));
      loop.runUntilComplete(done);
      const t = now() - t0;
      loop.close();
      check(c, n, 'W9');
      return t;
    },
  };
}

// ---------------------------------------------------------------------------
// Node peers. Each returns a Promise of seconds when Node's loop must run.

const setImmediatePeer = {
  async W1(n) {
    let c = 0;
    const cd = countdown(n);
    const cb = () => { c++; cd.tick(); };
    const t0 = now();
    for (let i = 0; i < n; i++) setImmediate(cb);
    await cd.done;
    const t = now() - t0;
    check(c, n, 'W1');
    return t;
  },
  async W2(n) {
    let c = 0;
    let resolve;
    const done = new Promise((r) => (resolve = r));
    const cb = () => {
      if (++c < n) setImmediate(cb);
      else resolve();
    };
    const t0 = now();
    setImmediate(cb);
    await done;
    return now() - t0;
  },
  async W5(n) {
    const tasks = 1000;
    const switches = n / tasks;
    const cd = countdown(tasks);
    let c = 0;
    const t0 = now();
    for (let k = 0; k < tasks; k++) {
      let i = 0;
      const step = () => {
        c++;
        if (++i < switches) setImmediate(step);
        else cd.tick();
      };
      setImmediate(step);
    }
    await cd.done;
    const t = now() - t0;
    check(c, n, 'W5');
    return t;
  },
  'W8-soon'(n) {
    // Nothing but Node holds the immediates; they run (doing nothing) after
    // the measurement.
    return bytesPer(n, (k) => {
      const cb = () => {};
      for (let i = 0; i < k; i++) setImmediate(cb);
      return () => {};
    });
  },
};

const queueMicrotaskPeer = {
  async W1(n) {
    let c = 0;
    const cd = countdown(n);
    const cb = () => { c++; cd.tick(); };
    const t0 = now();
    for (let i = 0; i < n; i++) queueMicrotask(cb);
    await cd.done;
    const t = now() - t0;
    check(c, n, 'W1');
    return t;
  },
  async W2(n) {
    let c = 0;
    let resolve;
    const done = new Promise((r) => (resolve = r));
    const cb = () => {
      if (++c < n) queueMicrotask(cb);
      else resolve();
    };
    const t0 = now();
    queueMicrotask(cb);
    await done;
    return now() - t0;
  },
  async W5(n) {
    const tasks = 1000;
    const switches = n / tasks;
    const cd = countdown(tasks);
    let c = 0;
    const t0 = now();
    for (let k = 0; k < tasks; k++) {
      let i = 0;
      const step = () => {
        c++;
        if (++i < switches) queueMicrotask(step);
        else cd.tick();
      };
      queueMicrotask(step);
    }
    await cd.done;
    const t = now() - t0;
    check(c, n, 'W5');
    return t;
  },
  'W8-soon'(n) {
    // Measured synchronously while the microtasks are still queued; they run
    // (doing nothing) once this function returns.
    return bytesPer(n, (k) => {
      const cb = () => {};
      for (let i = 0; i < k; i++) queueMicrotask(cb);
      return () => {};
    });
  },
};

const setTimeoutPeer = {
  async W1(n) {
    let c = 0;
    const cd = countdown(n);
    const cb = () => { c++; cd.tick(); };
    const t0 = now();
    for (let i = 0; i < n; i++) setTimeout(cb, 0);
    await cd.done;
    const t = now() - t0;
    check(c, n, 'W1');
    return t;
  },
  async W2(n) {
    let c = 0;
    let resolve;
    const done = new Promise((r) => (resolve = r));
    const cb = () => {
      if (++c < n) setTimeout(cb, 0);
      else resolve();
    };
    const t0 = now();
    setTimeout(cb, 0);
    await done;
    return now() - t0;
  },
  async W3(n) {
    const offsets = randoms(n, 3);
    let c = 0;
    const cd = countdown(n);
    const cb = () => { c++; cd.tick(); };
    const t0 = now();
    for (let i = 0; i < n; i++) setTimeout(cb, 1 + Math.floor(offsets[i] * 16));
    await cd.done;
    const t = now() - t0;
    check(c, n, 'W3');
    return t;
  },
  async W4(n) {
    const handles = new Array(n);
    const cb = () => { throw new Error('W4: a cleared timer ran'); };
    const t0 = now();
    for (let i = 0; i < n; i++) handles[i] = setTimeout(cb, 3600e3);
    for (let i = 0; i < n; i++) clearTimeout(handles[i]);
    const t = now() - t0;
    await new Promise((r) => setImmediate(r)); // let Node drop its emptied list
    return t;
  },
  W8(n) {
    // Nothing but Node holds the timers; unref() lets the (one-shot) worker exit.
    return bytesPer(n, (k) => {
      const cb = () => {};
      for (let i = 0; i < k; i++) setTimeout(cb, 3600e3).unref();
      return () => {};
    });
  },
  async W9(n) {
    const procs = n / 10;
    const delays = randoms(n, 9);
    const cd = countdown(procs);
    let c = 0;
    const t0 = now();
    for (let k = 0; k < procs; k++) {
      let j = 0;
      const step = () => {
        c++;
        if (++j < 10) setTimeout(step, delays[k * 10 + j]);
        else cd.tick();
      };
      setTimeout(step, delays[k * 10]);
    }
    await cd.done;
    const t = now() - t0;
    check(c, n, 'W9');
    return t;
  },
};
setTimeoutPeer.W2.size = (n) => Math.min(n, 2000);
setTimeoutPeer.W2.note = 'each hop waits for the 1 ms minimum delay';
setTimeoutPeer.W3.note = 'random 1–16 ms delays (Node timers cannot be set in the past); includes up to 16 ms of waiting';
setTimeoutPeer.W9.note = 'real clock (Node has no virtual one): delays of 0–1 ms, which Node rounds up to 1 ms';

const RESOLVED = Promise.resolve();

const promisePeer = {
  async W1(n) {
    let c = 0;
    const cd = countdown(n);
    const cb = () => { c++; cd.tick(); };
    const t0 = now();
    for (let i = 0; i < n; i++) RESOLVED.then(cb);
    await cd.done;
    const t = now() - t0;
    check(c, n, 'W1');
    return t;
  },
  async W2(n) {
    let c = 0;
    let resolve;
    const done = new Promise((r) => (resolve = r));
    const cb = () => {
      if (++c < n) RESOLVED.then(cb);
      else resolve();
    };
    const t0 = now();
    RESOLVED.then(cb);
    await done;
    return now() - t0;
  },
  async W5(n) {
    const tasks = 1000;
    const switches = n / tasks;
    const cd = countdown(tasks);
    let c = 0;
    const t0 = now();
    for (let k = 0; k < tasks; k++) {
      let i = 0;
      const step = () => {
        c++;
        if (++i < switches) RESOLVED.then(step);
        else cd.tick();
      };
      RESOLVED.then(step);
    }
    await cd.done;
    const t = now() - t0;
    check(c, n, 'W5');
    return t;
  },
  async W6(n) {
    let c = 0;
    const cd = countdown(n);
    const cb = () => { c++; cd.tick(); };
    let resolve;
    const executor = (r) => { resolve = r; };
    const t0 = now();
    for (let i = 0; i < n; i++) {
      const p = new Promise(executor);
      p.then(cb);
      resolve(i);
    }
    await cd.done;
    const t = now() - t0;
    check(c, n, 'W6');
    return t;
  },
  async W7(n) {
    const child = () => RESOLVED.then(() => 1);
    const t0 = now();
    const ps = new Array(n);
    for (let i = 0; i < n; i++) ps[i] = child();
    const results = await Promise.all(ps);
    const t = now() - t0;
    check(results.length, n, 'W7');
    return t;
  },
  'W8-soon'(n) {
    return bytesPer(n, (k) => {
      let resolve;
      const p = new Promise((r) => (resolve = r));
      const cb = () => {};
      for (let i = 0; i < k; i++) p.then(cb);
      return () => resolve();
    });
  },
};
promisePeer['W8-soon'].note = 'pending reactions (then) on one unresolved promise; each then also makes a derived promise';

const asyncAwaitPeer = {
  async W2(n) {
    let c = 0;
    const t0 = now();
    await (async () => {
      for (let i = 0; i < n; i++) {
        await null;
        c++;
      }
    })();
    const t = now() - t0;
    check(c, n, 'W2');
    return t;
  },
  async W5(n) {
    const tasks = 1000;
    const switches = n / tasks;
    let c = 0;
    const worker = async () => {
      for (let i = 0; i < switches; i++) {
        await null;
        c++;
      }
    };
    const t0 = now();
    const ps = new Array(tasks);
    for (let k = 0; k < tasks; k++) ps[k] = worker();
    await Promise.all(ps);
    const t = now() - t0;
    check(c, n, 'W5');
    return t;
  },
  async W6(n) {
    let c = 0;
    const waiter = async (p) => {
      await p;
      c++;
    };
    let resolve;
    const executor = (r) => { resolve = r; };
    const t0 = now();
    const ps = new Array(n);
    for (let i = 0; i < n; i++) {
      const p = new Promise(executor);
      ps[i] = waiter(p);
      resolve(i);
    }
    await Promise.all(ps);
    const t = now() - t0;
    check(c, n, 'W6');
    return t;
  },
  async W7(n) {
    const child = async () => {
      await null;
      return 1;
    };
    const t0 = now();
    const ps = new Array(n);
    for (let i = 0; i < n; i++) ps[i] = child();
    const results = await Promise.all(ps);
    const t = now() - t0;
    check(results.length, n, 'W7');
    return t;
  },
  async W9(n) {
    const procs = n / 10;
    const delays = randoms(n, 9);
    let c = 0;
    const sleepMs = (ms) => new Promise((r) => setTimeout(r, ms));
    const proc = async (k) => {
      for (let j = 0; j < 10; j++) {
        await sleepMs(delays[k * 10 + j]);
        c++;
      }
    };
    const t0 = now();
    const ps = new Array(procs);
    for (let k = 0; k < procs; k++) ps[k] = proc(k);
    await Promise.all(ps);
    const t = now() - t0;
    check(c, n, 'W9');
    return t;
  },
};
asyncAwaitPeer.W6.note = 'an async function awaits each promise (then resolve)';
asyncAwaitPeer.W9.note = 'real clock: await a setTimeout promise of 0–1 ms (Node rounds up to 1 ms)';

// ---------------------------------------------------------------------------
// Floors: what the same work costs with no event loop at all.

const floorArray = {
  W1(n) {
    let c = 0;
    const cb = () => { c++; };
    const t0 = now();
    const q = [];
    for (let i = 0; i < n; i++) q.push(cb);
    for (let i = 0; i < q.length; i++) q[i]();
    const t = now() - t0;
    check(c, n, 'W1');
    return t;
  },
  W2(n) {
    let c = 0;
    const q = [];
    const cb = () => {
      if (++c < n) q.push(cb);
    };
    const t0 = now();
    q.push(cb);
    for (let i = 0; i < q.length; i++) q[i]();
    const t = now() - t0;
    check(c, n, 'W2');
    return t;
  },
  W3(n) {
    // The floor of "call N closures": no ordering by deadline at all.
    return floorArray.W1(n);
  },
  'W8-soon'(n) {
    return bytesPer(n, (k) => {
      const cb = () => {};
      const q = [];
      for (let i = 0; i < k; i++) q.push(cb);
      return () => { q.length = 0; };
    });
  },
};
floorArray.W3.note = 'push and call only: no ordering by deadline (the cost of the calls alone)';
floorArray['W8-soon'].note = 'one array slot per pending closure';

/** A ring of generators stepped round-robin: the least a task switch can cost. */
function trampoline(gens) {
  let q = gens.slice();
  let head = 0;
  while (head < q.length) {
    const g = q[head++];
    if (!g.next().done) q.push(g);
    if (head > 65536 && head * 2 > q.length) {
      q = q.slice(head);
      head = 0;
    }
  }
}

const floorGenerator = {
  W5(n) {
    const tasks = 1000;
    const switches = n / tasks;
    let c = 0;
    function* worker() {
      for (let i = 0; i < switches; i++) {
        yield;
        c++;
      }
    }
    const t0 = now();
    const gens = new Array(tasks);
    for (let k = 0; k < tasks; k++) gens[k] = worker();
    trampoline(gens);
    const t = now() - t0;
    check(c, n, 'W5');
    return t;
  },
  W7(n) {
    const results = new Array(n);
    function* child(i) {
      yield;
      results[i] = 1;
    }
    const t0 = now();
    const gens = new Array(n);
    for (let i = 0; i < n; i++) gens[i] = child(i);
    trampoline(gens);
    const t = now() - t0;
    let c = 0;
    for (let i = 0; i < n; i++) c += results[i];
    check(c, n, 'W7');
    return t;
  },
  W9(n) {
    // A hand-written discrete-event simulation: a binary heap of
    // (when, seq) -> generator, each generator yielding its next delay.
    const procs = n / 10;
    const delays = randoms(n, 9);
    let c = 0;
    function* proc(k) {
      for (let j = 0; j < 10; j++) {
        yield delays[k * 10 + j];
        c++;
      }
    }
    const t0 = now();
    const whens = [];
    const seqs = [];
    const gens = [];
    let seq = 0;
    const less = (i, j) => whens[i] < whens[j] || (whens[i] === whens[j] && seqs[i] < seqs[j]);
    const swap = (i, j) => {
      let t = whens[i]; whens[i] = whens[j]; whens[j] = t;
      t = seqs[i]; seqs[i] = seqs[j]; seqs[j] = t;
      const g = gens[i]; gens[i] = gens[j]; gens[j] = g;
    };
    const push = (when, gen) => {
      let i = whens.length;
      whens.push(when); seqs.push(seq++); gens.push(gen);
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!less(i, p)) break;
        swap(i, p);
        i = p;
      }
    };
    const pop = () => {
      const gen = gens[0];
      const last = whens.length - 1;
      swap(0, last);
      whens.pop(); seqs.pop(); gens.pop();
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= whens.length) break;
        const m = l + 1 < whens.length && less(l + 1, l) ? l + 1 : l;
        if (!less(m, i)) break;
        swap(i, m);
        i = m;
      }
      return gen;
    };
    let time = 0;
    for (let k = 0; k < procs; k++) {
      const g = proc(k);
      const r = g.next();
      push(time + r.value, g);
    }
    while (whens.length > 0) {
      time = whens[0];
      const g = pop();
      const r = g.next();
      if (!r.done) push(time + r.value, g);
    }
    const t = now() - t0;
    check(c, n, 'W9');
    return t;
  },
};
floorGenerator.W7.note = 'generators stepped by a plain trampoline; results collected in an array';
floorGenerator.W9.note = 'a hand-written heap of (when, seq) -> generator on a virtual clock';

/** Every workload: id, title, unit, full and quick sizes. */
const WORKLOADS = [
  { id: 'W1', title: 'burst', what: '1M callSoon before the run, run until empty', unit: 'ops/s', size: 1e6, quickSize: 1e5 },
  { id: 'W2', title: 'chain', what: 'one callback re-schedules itself 1M times', unit: 'ops/s', size: 1e6, quickSize: 1e5 },
  { id: 'W3', title: 'timers', what: '1M timers at random already-due times', unit: 'ops/s', size: 1e6, quickSize: 1e5 },
  { id: 'W4', title: 'cancel', what: '1M timers an hour away, then all cancelled', unit: 'ops/s', size: 1e6, quickSize: 1e5 },
  { id: 'W5', title: 'switch', what: '1,000 tasks × 1,000 sleep(0)', unit: 'ops/s', size: 1e6, quickSize: 1e5 },
  { id: 'W6', title: 'future', what: '1M × (create future, add callback, set result, callback runs)', unit: 'ops/s', size: 1e6, quickSize: 1e5 },
  { id: 'W7', title: 'gather', what: 'gather 100,000 tasks, each one sleep(0)', unit: 'ops/s', size: 1e5, quickSize: 1e4 },
  { id: 'W8', title: 'memory/timer', what: 'bytes per pending timer, at 1M', unit: 'bytes', size: 1e6, quickSize: 1e5 },
  { id: 'W8-soon', title: 'memory/soon', what: 'bytes per pending callSoon handle, at 1M', unit: 'bytes', size: 1e6, quickSize: 1e5 },
  { id: 'W9', title: 'sim', what: 'virtual clock: 100,000 tasks × 10 random sleeps', unit: 'ops/s', size: 1e6, quickSize: 1e5 },
];
for (const w of WORKLOADS) {
  if (w.id === 'W7') w.unitName = 'tasks/s';
  else if (w.id === 'W9') w.unitName = 'events/s';
}

const JS_SUBJECTS = {
  native: aio('native'),
  js: aio('js'),
  setImmediate: setImmediatePeer,
  queueMicrotask: queueMicrotaskPeer,
  setTimeout: setTimeoutPeer,
  promise: promisePeer,
  'async-await': asyncAwaitPeer,
  'floor-array': floorArray,
  'floor-generator': floorGenerator,
};

for (const id of ['W7']) {
  if (GATHER_NOTE) {
    JS_SUBJECTS.native[id].note = GATHER_NOTE;
    JS_SUBJECTS.js[id].note = GATHER_NOTE;
  }
}

// W10–W13, W4r and the fake-timers subject: the shapes users have (shapes.js).
require('./shapes').install({ WORKLOADS, JS_SUBJECTS, aioloop, randoms, check, makeLoop, countdown, now, settle });

module.exports = { WORKLOADS, JS_SUBJECTS, randoms };
