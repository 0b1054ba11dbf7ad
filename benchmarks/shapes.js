'use strict';
/**
 * The shapes users have (issue 12, item 1): workloads W10–W13 and W4r, and
 * the `fake-timers` subject (what Node users run for virtual time). The
 * method is workloads.js's: each subject sets up outside the timed region,
 * times only the work, checks its own result, and returns seconds — or, where
 * a figure carries more than a duration, `{ seconds, note?, lagP99Ms?,
 * hostedVsBlocking? }` (worker.js passes the extra fields on to the row).
 *
 *   W10 timer chains   K independent chains, each callback re-arming itself
 *                      with callLater(random): 1M callbacks in all, for
 *                      K = 1, 10, 100, 10,000, on the virtual clock (delays in
 *                      [0, 1) s) and on the monotonic clock (delays in
 *                      [0, 1) µs, so a million of them finish at once)
 *   W11 M/M/1          an arrival generator, a Queue and one server task on
 *                      the virtual clock; 1M customers; the mean wait is
 *                      checked exactly (Lindley's recursion on the same draws)
 *                      and against the analytic Wq = ρ/(μ−λ)
 *   W4r cancel         W4 with deadlines spread over one to two hours
 *   W12 hosted         W2 and W5 under runForeverAsync / runUntilCompleteAsync
 *                      inside Node's loop, a Node setInterval(1 ms) beside
 *                      them: throughput, the interval's p99 lateness, and the
 *                      blocking run of the same work in the same process
 *   W13 loops          RSS per idle Loop, 10,000 of them kept alive
 *
 * `install()` adds the workloads and the subjects to workloads.js's tables;
 * it gets workloads.js's helpers so both files measure alike.
 */

/** Chain counts of W10: each is its own row. */
const W10_CHAINS = [1, 10, 100, 10000];
/**
 * W10 on the monotonic clock: the virtual run's delays ([0, 1) s) times
 * this, i.e. [0, 1) µs, so a million re-armed timers take about a second of
 * real time and the loop, not the waiting, is what the figure measures.
 */
const W10_MONOTONIC_SCALE = 1e-6;

/** W11's M/M/1 queue: λ = 0.5 arrivals and μ = 1 services per unit of time
 * (ρ = 0.5). A light load: the mean of a million waits lands within 1 % of
 * the analytic value (at ρ = 0.9 the waits are so correlated that it takes
 * far more customers). */
const MM1_LAMBDA = 0.5;
const MM1_MU = 1;
const MM1_WQ = MM1_LAMBDA / MM1_MU / (MM1_MU - MM1_LAMBDA);

/** W12's sizes: ten times W2/W5's, so the 1 ms interval ticks hundreds of times during a run. */
const W12_SIZE = 1e7;

const { VirtualScheduler, PromiseQueue } = require('./promise_clock');

function install({ WORKLOADS, JS_SUBJECTS, aioloop, randoms, check, makeLoop, countdown, now, settle }) {
  const { sleep, Queue } = aioloop;

  // -------------------------------------------------------------------------
  // W10 timer chains.

  /** The delays of a W10 run, in seconds: `n` draws, scaled for the clock. */
  function chainDelays(n, clock) {
    const d = randoms(n, 10);
    if (clock === 'monotonic') for (let i = 0; i < n; i++) d[i] *= W10_MONOTONIC_SCALE;
    return d;
  }

  function chainsOnAioloop(backend, clock, chains, id) {
    return (n) => {
      const k = Math.min(chains, n);
      const delays = chainDelays(n, clock);
      const loop = makeLoop(backend, clock);
      let c = 0;
      let next = k;
      const cb = () => {
        if (++c === n) loop.stop();
        else if (next < n) loop.callLater(delays[next++], cb);
      };
      const t0 = now();
      for (let i = 0; i < k; i++) loop.callLater(delays[i], cb);
      loop.runForever();
      const t = now() - t0;
      loop.close();
      check(c, n, id);
      return t;
    };
  }

  /** fake-timers' own clock (never installed over Node's: the other subjects keep real timers). */
  function fakeClock(timers) {
    const FakeTimers = require('@sinonjs/fake-timers');
    // runAll() gives up after loopLimit timers (default 1,000), taking it for an endless loop.
    return FakeTimers.createClock(0, timers + 10);
  }

  function chainsOnFakeTimers(chains, id) {
    return (n) => {
      const k = Math.min(chains, n);
      const delays = chainDelays(n, 'virtual');
      const ms = new Float64Array(n);
      for (let i = 0; i < n; i++) ms[i] = Math.floor(delays[i] * 1000);
      const clock = fakeClock(n);
      let c = 0;
      let next = k;
      const cb = () => {
        c++;
        if (next < n) clock.setTimeout(cb, ms[next++]);
      };
      const t0 = now();
      for (let i = 0; i < k; i++) clock.setTimeout(cb, ms[i]);
      clock.runAll();
      const t = now() - t0;
      check(c, n, id);
      return t;
    };
  }

  function chainsOnSetTimeout(chains, id) {
    const fn = async (n) => {
      const k = Math.min(chains, n);
      const delays = chainDelays(n, 'monotonic');
      let c = 0;
      let next = k;
      let resolve;
      const done = new Promise((r) => (resolve = r));
      const cb = () => {
        if (++c === n) resolve();
        else if (next < n) setTimeout(cb, delays[next++] * 1000);
      };
      const t0 = now();
      for (let i = 0; i < k; i++) setTimeout(cb, delays[i] * 1000);
      await done;
      const t = now() - t0;
      check(c, n, id);
      return t;
    };
    // Every hop waits Node's 1 ms minimum: a chain does ~1,000 hops a second,
    // so each chain gets n/500 hops (2,000 at full size) instead of n/K.
    fn.size = (n) => Math.min(n, Math.min(chains, n) * Math.max(10, Math.round(n / 500)));
    fn.note = 'delays below 1 ms are 1 ms in Node (one timer list, its best case): each chain does n/500 hops';
    return fn;
  }

  // -------------------------------------------------------------------------
  // W11 M/M/1.

  /**
   * Exponential inter-arrival and service times from the seeded PRNG, and the
   * mean wait in queue they give — Lindley's recursion W(i+1) = max(0, W(i) +
   * S(i) − A(i+1)), the exact answer every subject must reproduce.
   */
  function mm1Inputs(n) {
    const u = randoms(2 * n, 11);
    const interArrival = new Float64Array(n);
    const service = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      interArrival[i] = -Math.log(1 - u[2 * i]) / MM1_LAMBDA;
      service[i] = -Math.log(1 - u[2 * i + 1]) / MM1_MU;
    }
    let w = 0;
    let sum = 0;
    for (let i = 1; i < n; i++) {
      w = Math.max(0, w + service[i - 1] - interArrival[i]);
      sum += w;
    }
    return { interArrival, service, expected: sum / n };
  }

  /** Checks a subject's total wait; returns the note that shows it beside the analytic value. */
  function checkMM1(total, served, n, expected, id) {
    check(served, n, id);
    const mean = total / n;
    if (!(Math.abs(mean - expected) <= 1e-7 * Math.max(1, expected))) {
      throw new Error(`${id}: mean wait ${mean}, but the same draws give ${expected} (Lindley's recursion)`);
    }
    // The sample mean of correlated waits: about 1 % off at n = 1M, 5 % at
    // 100k (measured over 20 seeds); the exact check above is the strict one.
    const tolerance = 20 / Math.sqrt(n);
    if (Math.abs(mean - MM1_WQ) / MM1_WQ > tolerance) {
      throw new Error(`${id}: mean wait ${mean} is more than ${(tolerance * 100).toFixed(1)} % from the analytic ${MM1_WQ}`);
    }
    return `mean wait ${mean.toFixed(4)}, analytic Wq = ρ/(μ−λ) = ${MM1_WQ} (λ = ${MM1_LAMBDA}, μ = ${MM1_MU})`;
  }

  function mm1OnAioloop(backend) {
    return (n) => {
      const { interArrival, service, expected } = mm1Inputs(n);
      const loop = makeLoop(backend, 'virtual');
      let total = 0;
      let served = 0;
      function* arrivals(queue) {
        for (let i = 0; i < n; i++) {
          yield* sleep(interArrival[i]);
          queue.putNowait(loop.time());
        }
      }
      function* server(queue) {
        for (let i = 0; i < n; i++) {
          const arrived = yield* queue.get();
          total += loop.time() - arrived;
          served++;
          yield* sleep(service[i]);
        }
      }
      function* main() {
        const queue = new Queue();
        const srv = loop.createTask(server(queue));
        loop.createTask(arrivals(queue));
        yield* srv;
      }
      const t0 = now();
      loop.runUntilComplete(loop.createTask(main()));
      const t = now() - t0;
      loop.close();
      return { seconds: t, note: checkMM1(total, served, n, expected, 'W11') };
    };
  }

  const MM1_PROMISE_NOTE =
    'on a hand-written virtual clock (a heap of sleepers; time jumps when every process is blocked) and a promise queue: Node has no virtual clock';

  async function mm1OnAsyncAwait(n) {
    const { interArrival, service, expected } = mm1Inputs(n);
    const s = new VirtualScheduler();
    const queue = new PromiseQueue(s);
    let total = 0;
    let served = 0;
    const arrivals = async () => {
      for (let i = 0; i < n; i++) {
        await s.sleep(interArrival[i]);
        queue.put(s.time);
      }
    };
    const server = async () => {
      for (let i = 0; i < n; i++) {
        const arrived = await queue.get();
        total += s.time - arrived;
        served++;
        await s.sleep(service[i]);
      }
    };
    const t0 = now();
    s.runnable = 2;
    await Promise.all([arrivals().then(() => s.block()), server().then(() => s.block())]);
    const t = now() - t0;
    return { seconds: t, note: checkMM1(total, served, n, expected, 'W11') };
  }
  mm1OnAsyncAwait.note = `two async functions ${MM1_PROMISE_NOTE}`;

  async function mm1OnThenChains(n) {
    const { interArrival, service, expected } = mm1Inputs(n);
    const s = new VirtualScheduler();
    const queue = new PromiseQueue(s);
    let total = 0;
    let served = 0;
    let finished;
    const done = new Promise((r) => (finished = r));
    const arrive = (i) => {
      s.sleep(interArrival[i]).then(() => {
        queue.put(s.time);
        if (i + 1 < n) arrive(i + 1);
        else s.block();
      });
    };
    const serve = (i) => {
      queue.get().then((arrived) => {
        total += s.time - arrived;
        served++;
        s.sleep(service[i]).then(() => {
          if (i + 1 < n) serve(i + 1);
          else {
            s.block();
            finished();
          }
        });
      });
    };
    const t0 = now();
    s.runnable = 2;
    arrive(0);
    serve(0);
    await done;
    const t = now() - t0;
    return { seconds: t, note: checkMM1(total, served, n, expected, 'W11') };
  }
  mm1OnThenChains.note = `two chains of then-callbacks ${MM1_PROMISE_NOTE}`;

  // -------------------------------------------------------------------------
  // W4r: W4 with deadlines one to two hours away.

  function cancelSpreadOnAioloop(backend) {
    return (n) => {
      const offsets = randoms(n, 4);
      const loop = makeLoop(backend);
      const handles = new Array(n);
      // Counted, not thrown: the loop would hand a throw to its exception handler and go on.
      let ran = 0;
      const cb = () => { ran++; };
      const t0 = now();
      for (let i = 0; i < n; i++) handles[i] = loop.callLater(3600 + 3600 * offsets[i], cb);
      for (let i = 0; i < n; i++) handles[i].cancel();
      loop.runOnce(); // lets the core drop what it still holds
      const t = now() - t0;
      loop.close();
      check(ran, 0, 'W4r');
      for (let i = 0; i < n; i++) if (!handles[i].cancelled()) throw new Error('W4r: a handle does not say it was cancelled');
      return t;
    };
  }

  async function cancelSpreadOnSetTimeout(n) {
    const offsets = randoms(n, 4);
    const handles = new Array(n);
    const cb = () => { throw new Error('W4r: a cleared timer ran'); };
    const t0 = now();
    // Whole milliseconds, as callers write them: Node keeps one list per distinct delay.
    for (let i = 0; i < n; i++) handles[i] = setTimeout(cb, Math.round(3600e3 + 3600e3 * offsets[i]));
    for (let i = 0; i < n; i++) clearTimeout(handles[i]);
    const t = now() - t0;
    await new Promise((r) => setImmediate(r)); // let Node drop its emptied lists
    return t;
  }
  cancelSpreadOnSetTimeout.note = 'whole-ms delays: Node keeps a list per distinct delay (nearly one per timer here) in a priority queue';

  // -------------------------------------------------------------------------
  // W12 hosted, with a Node setInterval(1 ms) beside the run.

  /**
   * A Node setInterval(1 ms) that records how late each tick is (the gap
   * since the previous tick, less 1 ms). `stop()` counts the gap up to now
   * as one more tick, so a run that never lets Node in is one tick as late as
   * the run was long; it returns the 99th percentile (nearest rank), ms.
   */
  function lagMonitor() {
    const lates = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const t = performance.now();
      lates.push(t - last - 1);
      last = t;
    }, 1);
    return {
      stop() {
        clearInterval(timer);
        lates.push(performance.now() - last - 1);
        const s = lates.map((x) => Math.max(0, x)).sort((a, b) => a - b);
        return s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)];
      },
    };
  }

  function hostedChain(backend, blocking) {
    return async (n) => {
      const loop = makeLoop(backend);
      let c = 0;
      const cb = () => {
        if (++c < n) loop.callSoon(cb);
        else loop.stop();
      };
      const lag = lagMonitor();
      const t0 = now();
      loop.callSoon(cb);
      await loop.runForeverAsync();
      const t = now() - t0;
      const lagP99Ms = lag.stop();
      loop.close();
      check(c, n, 'W12-chain');
      const tBlocking = blocking(n);
      return { seconds: t, lagP99Ms, hostedVsBlocking: tBlocking / t };
    };
  }

  function hostedSwitch(backend, blocking) {
    return async (n) => {
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
      const lag = lagMonitor();
      const t0 = now();
      for (let i = 0; i < tasks; i++) loop.createTask(worker());
      await loop.runUntilCompleteAsync(done);
      const t = now() - t0;
      const lagP99Ms = lag.stop();
      loop.close();
      check(c, n, 'W12-switch');
      const tBlocking = blocking(n);
      return { seconds: t, lagP99Ms, hostedVsBlocking: tBlocking / t };
    };
  }

  /** A Node peer of W2/W5 (already inside Node's loop) with the interval beside it. */
  function withLag(peer) {
    const fn = async (n) => {
      const lag = lagMonitor();
      const seconds = await peer(n);
      return { seconds, lagP99Ms: lag.stop() };
    };
    return fn;
  }

  // -------------------------------------------------------------------------
  // W13: memory per idle loop.

  function idleLoops(backend) {
    return (n) => {
      if (typeof global.gc !== 'function') throw new Error('W13 needs node --expose-gc');
      settle();
      const before = process.memoryUsage();
      const loops = new Array(n);
      for (let i = 0; i < n; i++) loops[i] = makeLoop(backend);
      settle();
      const after = process.memoryUsage();
      for (const loop of loops) loop.close();
      const per = (k) => ((after[k] - before[k]) / n).toFixed(1);
      const rss = (after.rss - before.rss) / n;
      return { bytes: rss, note: `RSS growth; of it V8 heap ${per('heapUsed')}, external ${per('external')} (ArrayBuffers ${per('arrayBuffers')})` };
    };
  }

  // -------------------------------------------------------------------------
  // W9 on fake-timers (the other W9 subjects are in workloads.js).

  function simOnFakeTimers(n) {
    const procs = n / 10;
    const delays = randoms(n, 9);
    const ms = new Float64Array(n);
    for (let i = 0; i < n; i++) ms[i] = Math.floor(delays[i] * 1000);
    const clock = fakeClock(n);
    let c = 0;
    const t0 = now();
    for (let k = 0; k < procs; k++) {
      let j = 0;
      const step = () => {
        c++;
        if (++j < 10) clock.setTimeout(step, ms[k * 10 + j]);
      };
      clock.setTimeout(step, ms[k * 10]);
    }
    clock.runAll();
    const t = now() - t0;
    check(c, n, 'W9');
    return t;
  }
  simOnFakeTimers.note = 'chains of clock.setTimeout + clock.runAll(); delays in whole ms (fake-timers truncates them)';

  // -------------------------------------------------------------------------
  // The tables.

  const fake = (JS_SUBJECTS['fake-timers'] = { W9: simOnFakeTimers });
  for (const clock of ['virtual', 'monotonic']) {
    for (const k of W10_CHAINS) {
      const id = `W10-${clock}-${k}`;
      const range = clock === 'virtual' ? '[0, 1) s' : '[0, 1) µs';
      WORKLOADS.push({
        id,
        title: `chains ${clock} ×${k}`,
        what: `${k.toLocaleString('en-US')} timer chain${k > 1 ? 's' : ''} re-arming with callLater(random ${range}), ${clock} clock, 1M callbacks`,
        unit: 'ops/s',
        size: 1e6,
        quickSize: 1e5,
        unitName: 'callbacks/s',
      });
      for (const backend of ['native', 'js']) JS_SUBJECTS[backend][id] = chainsOnAioloop(backend, clock, k, id);
      if (clock === 'virtual') {
        fake[id] = chainsOnFakeTimers(k, id);
        fake[id].note = 'delays in whole ms (fake-timers truncates them; 0 inside a callback becomes 1 ms)';
      } else JS_SUBJECTS.setTimeout[id] = chainsOnSetTimeout(k, id);
    }
  }

  WORKLOADS.push(
    { id: 'W11', title: 'M/M/1', what: 'virtual clock: arrivals → Queue → one server task, 1M customers (λ = 0.5, μ = 1)', unit: 'ops/s', size: 1e6, quickSize: 1e5, unitName: 'customers/s' },
    { id: 'W4r', title: 'cancel, spread', what: '1M timers one to two hours away (random), then all cancelled', unit: 'ops/s', size: 1e6, quickSize: 1e5 },
    { id: 'W12-chain', title: 'hosted chain', what: 'W2 (10M hops) hosted in Node\'s loop beside a setInterval(1 ms)', unit: 'ops/s', size: W12_SIZE, quickSize: W12_SIZE / 10 },
    { id: 'W12-switch', title: 'hosted switch', what: 'W5 (1,000 tasks × 10,000 sleep(0)) hosted in Node\'s loop beside a setInterval(1 ms)', unit: 'ops/s', size: W12_SIZE, quickSize: W12_SIZE / 10 },
    // Quick runs keep the full size: at 1,000 loops (1.4 MB) the RSS growth was lost
    // in pages V8 already held, and a quick run on Node 22 measured 0 bytes.
    { id: 'W13', title: 'memory / loop', what: 'RSS per idle Loop, 10,000 kept alive', unit: 'bytes', size: 1e4, quickSize: 1e4 },
  );

  for (const backend of ['native', 'js']) {
    const s = JS_SUBJECTS[backend];
    s.W11 = mm1OnAioloop(backend);
    s.W4r = cancelSpreadOnAioloop(backend);
    s['W12-chain'] = hostedChain(backend, s.W2);
    s['W12-switch'] = hostedSwitch(backend, s.W5);
    s['W12-chain'].note = 'runForeverAsync; hostedVsBlocking: against runForever on the same work, same process';
    s['W12-switch'].note = 'runUntilCompleteAsync; hostedVsBlocking: against runUntilComplete on the same work, same process';
    s.W13 = idleLoops(backend);
  }
  JS_SUBJECTS['async-await'].W11 = mm1OnAsyncAwait;
  JS_SUBJECTS.promise.W11 = mm1OnThenChains;
  JS_SUBJECTS.setTimeout.W4r = cancelSpreadOnSetTimeout;

  const si = JS_SUBJECTS.setImmediate;
  si['W12-chain'] = withLag(si.W2);
  si['W12-chain'].size = (n) => Math.max(1000, Math.round(n / 10));
  si['W12-chain'].note = 'a setImmediate chain of n/10 hops (~1 µs each)';
  si['W12-switch'] = withLag(si.W5);
  const aa = JS_SUBJECTS['async-await'];
  aa['W12-chain'] = withLag(aa.W2);
  aa['W12-switch'] = withLag(aa.W5);
  aa['W12-chain'].note = aa['W12-switch'].note = 'microtasks only: Node\'s timers wait for the whole run';
}

module.exports = { install, W10_CHAINS };
