'use strict';
// A discrete-event simulation on the virtual clock: a bank day.
//
// The bank opens at 09:00 and closes its doors at 17:00; customers already
// inside are still served. Customers arrive at random (exponential gaps,
// mean ARRIVAL_MEAN seconds), queue in one line for TELLERS tellers, and
// leave unserved if they have waited PATIENCE seconds. Service takes a
// random time too. Every customer is a task; the tellers are a FIFO limiter
// whose `acquire` is cancelled when a customer's patience runs out.
//
// On the virtual clock the loop never waits: when nothing is ready, time
// jumps to the next timer. A simulated day runs in milliseconds, and with a
// seeded random generator the output is the same on every run and on both
// backends (AIOLOOP_BACKEND=native or js). The real time taken goes to stderr.
//
// Run it with:  npm run build:ts && node examples/05_bank_simulation.js
const { run, getRunningLoop, currentTask, sleep, CancelledError } = require('aioloop');

const SEED = 2024;
const TELLERS = 5;
const OPEN_SECONDS = 8 * 3600; // 09:00 to 17:00
const ARRIVAL_MEAN = 18; // seconds between arrivals, on average
const SERVICE_MIN = 30; // every service takes at least this ...
const SERVICE_MEAN_EXTRA = 60; // ... plus an exponential extra with this mean
const PATIENCE = 6 * 60; // a customer leaves after waiting this long

/** mulberry32: a small, fast, seeded generator (same sequence on every run). */
function makeRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = makeRandom(SEED);
const exponential = (mean) => -mean * Math.log(1 - random());

/** At most `value` holders at once; waiters are served first come, first served. */
class Limiter {
  constructor(value) {
    this._value = value;
    this._waiters = [];
  }

  get waiting() {
    return this._waiters.length;
  }

  *acquire() {
    if (this._value > 0 && this._waiters.length === 0) {
      this._value--;
      return true;
    }
    const fut = getRunningLoop().createFuture();
    this._waiters.push(fut);
    try {
      yield* fut;
    } catch (err) {
      const i = this._waiters.indexOf(fut);
      if (i >= 0) this._waiters.splice(i, 1);
      else if (fut.done() && !fut.cancelled()) this.release();
      throw err;
    }
    return true;
  }

  release() {
    while (this._waiters.length > 0) {
      const fut = this._waiters.shift();
      if (!fut.done()) {
        fut.setResult(true);
        return;
      }
    }
    this._value++;
  }
}

const stats = { arrived: 0, served: 0, reneged: 0, waits: [], busySeconds: 0, longestLine: 0, lastLeft: 0 };

function* customer(tellers, serviceTime) {
  const loop = getRunningLoop();
  const arrived = loop.time();
  stats.arrived++;
  stats.longestLine = Math.max(stats.longestLine, tellers.waiting + 1);
  // Patience: a timer cancels this task if it is still in line.
  const me = currentTask();
  const giveUp = loop.callLater(PATIENCE, () => me.cancel('out of patience'));
  try {
    yield* tellers.acquire();
  } catch (err) {
    if (!(err instanceof CancelledError)) throw err;
    me.uncancel(); // we asked for this cancellation and handled it
    stats.reneged++;
    stats.lastLeft = loop.time();
    return;
  } finally {
    giveUp.cancel();
  }
  stats.waits.push(loop.time() - arrived);
  try {
    yield* sleep(serviceTime);
    stats.busySeconds += serviceTime;
    stats.served++;
    stats.lastLeft = loop.time();
  } finally {
    tellers.release();
  }
}

function* bankDay() {
  const loop = getRunningLoop();
  const tellers = new Limiter(TELLERS);
  const customers = [];
  for (;;) {
    const gap = exponential(ARRIVAL_MEAN);
    if (loop.time() + gap >= OPEN_SECONDS) break; // the doors close at 17:00
    yield* sleep(gap);
    const serviceTime = SERVICE_MIN + exponential(SERVICE_MEAN_EXTRA);
    customers.push(loop.createTask(customer(tellers, serviceTime)));
  }
  for (const c of customers) yield* c;
  return loop.time();
}

const clock = (seconds) => {
  const s = Math.round(9 * 3600 + seconds);
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
};
const minutes = (seconds) => `${(seconds / 60).toFixed(1)} min`;

const t0 = performance.now();
const closedAt = run(bankDay, { clock: 'virtual' });
const realMs = performance.now() - t0;

const waits = [...stats.waits].sort((a, b) => a - b);
const pct = (p) => waits[Math.min(waits.length - 1, Math.floor((p / 100) * waits.length))];
const mean = waits.reduce((a, b) => a + b, 0) / waits.length;
const workedSeconds = closedAt;
const row = (label, value) => console.log(`${label.padEnd(26)}${value}`);
console.log(`Bank day: ${TELLERS} tellers, doors open 09:00-17:00, seed ${SEED}`);
row('customers arrived', stats.arrived);
row('served', stats.served);
row(`left after ${PATIENCE / 60} min in line`, stats.reneged);
row('wait in line', `mean ${minutes(mean)}, median ${minutes(pct(50))}, 90th pct ${minutes(pct(90))}, max ${minutes(waits[waits.length - 1])}`);
row('served without waiting', waits.filter((w) => w === 0).length);
row('longest line', stats.longestLine);
row('teller utilization', `${((100 * stats.busySeconds) / (TELLERS * workedSeconds)).toFixed(1)} %`);
row('last customer left', clock(stats.lastLeft));
console.error(`(simulated ${minutes(closedAt)} in ${realMs.toFixed(0)} ms of real time)`);
