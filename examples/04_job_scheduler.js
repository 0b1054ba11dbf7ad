'use strict';
// A rate-limited job scheduler in hosted mode, beside a small HTTP server.
//
// Jobs are coroutines on an aioloop loop. Two limits stand in front of them:
//   - a rate limit: at most RATE job starts per second (slots handed out in
//     arrival order);
//   - a concurrency limit: at most CONCURRENCY jobs at once (aioloop's
//     Semaphore: waiters are served first come, first served).
// Each job hashes its input with crypto.pbkdf2 (a Node promise, computed on
// libuv's thread pool: the coroutine waits on it with ensureFuture), then
// does some CPU work on the loop in small steps (a bare `yield` between
// steps gives other tasks their turn), then waits a while, standing in for I/O.
//
// Meanwhile a localhost HTTP server reports progress on /status, and a Node
// async function polls it. Because the loop runs hosted (runAsync), it hands
// the thread back to Node between slices and the server keeps answering.
//
// Run it with:  npm run build:ts && node examples/04_job_scheduler.js
const http = require('node:http');
const crypto = require('node:crypto');
const { promisify } = require('node:util');
const { runAsync, getRunningLoop, ensureFuture, sleep, CancelledError, Semaphore } = require('aioloop');

const JOBS = 24;
const CONCURRENCY = 4;
const RATE = 100; // job starts per second
const POLL_EVERY_MS = 10;
const CPU_STEPS = 10; // steps of CPU work per job, each a few hundred hashes

/** A slice of CPU work: a chain of sha256 hashes. */
function crunch(data) {
  let h = data;
  for (let i = 0; i < 300; i++) h = crypto.createHash('sha256').update(h).digest();
  return h;
}

const pbkdf2 = promisify(crypto.pbkdf2);

/** At most `perSecond` passes per second, handed out in the order asked for. */
class RateLimiter {
  constructor(perSecond) {
    this._interval = 1 / perSecond;
    this._next = -Infinity;
  }

  /** Waits for the next free slot and gives its time. */
  *wait() {
    const now = getRunningLoop().time();
    const at = Math.max(now, this._next);
    this._next = at + this._interval;
    if (at > now) yield* sleep(at - now);
    return at;
  }
}

const state = { done: 0, running: 0, waiting: 0, maxRunning: 0 };

function* job(i, rate, limiter, starts) {
  const loop = getRunningLoop();
  state.waiting++;
  const slot = yield* rate.wait();
  yield* limiter.acquire();
  state.waiting--;
  try {
    starts.push({ slot, at: loop.time() });
    state.running++;
    state.maxRunning = Math.max(state.maxRunning, state.running);
    let digest = yield* ensureFuture(pbkdf2(`job-${i}`, 'aioloop', 2000, 16, 'sha256'));
    for (let step = 0; step < CPU_STEPS; step++) {
      digest = crunch(digest);
      yield;
    }
    yield* sleep(0.04 + ((i * 7) % 5) * 0.01); // 40..80 ms of "I/O"
    state.running--;
    state.done++;
    return digest.toString('hex');
  } finally {
    limiter.release();
  }
}

function get(port, path) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

/** A plain Node async function: polls /status until told to stop. */
async function poll(port, control) {
  const latencies = [];
  while (!control.stop) {
    const t0 = performance.now();
    JSON.parse(await get(port, '/status'));
    latencies.push(performance.now() - t0);
    await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
  }
  return latencies;
}

function* main() {
  const loop = getRunningLoop();
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ done: state.done, running: state.running, waiting: state.waiting }));
  });
  yield* ensureFuture(new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)));
  const { port } = server.address();

  const control = { stop: false };
  const poller = poll(port, control);

  const rate = new RateLimiter(RATE);
  const limiter = new Semaphore(CONCURRENCY);
  const starts = [];
  const t0 = loop.time();
  const tasks = [];
  for (let i = 0; i < JOBS; i++) tasks.push(loop.createTask(job(i, rate, limiter, starts), { name: `job-${i}` }));
  const digests = [];
  for (const t of tasks) digests.push(yield* t);
  const elapsed = loop.time() - t0;

  control.stop = true;
  const latencies = yield* ensureFuture(poller);
  const final = yield* ensureFuture(get(port, '/status'));
  yield* ensureFuture(new Promise((resolve) => server.close(resolve)));

  const interval = 1 / RATE;
  // Each job started no earlier than its slot, and the slots are an interval
  // apart. (Comparing start times with each other instead would race: the
  // first job's start is read a little after its slot, by however long the
  // machine took between two clock reads.)
  const slots = starts.map((s) => s.slot).sort((a, b) => a - b);
  const rateKept =
    starts.every((s) => s.at >= s.slot - 1e-9) && slots.every((s, k) => k === 0 || s - slots[k - 1] >= interval - 1e-9);
  console.log(`${JOBS} jobs done in ${elapsed.toFixed(2)} s (${new Set(digests).size} distinct digests)`);
  console.log(`at most ${state.maxRunning} jobs ran at once (limit ${CONCURRENCY})`);
  console.log(`rate limit kept: ${rateKept ? 'yes' : 'NO'} (each job started at or after its slot; slots ${interval * 1000} ms apart)`);
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(
    `HTTP server answered ${latencies.length} /status requests while jobs ran ` +
      `(median ${sorted[sorted.length >> 1].toFixed(1)} ms, slowest ${sorted[sorted.length - 1].toFixed(1)} ms)`,
  );
  console.log(`final /status: ${final}`);
}

runAsync(main).catch((err) => {
  if (!(err instanceof CancelledError)) console.error(err);
  process.exitCode = 1;
});
