'use strict';
// An M/M/1 queue as an aioloop simulation module: customers arrive at
// random (exponential gaps, rate `lambda`), wait in one FIFO line for one
// server (a Lock: asyncio's locks are fair), and are served for an
// exponential time (rate `mu`). One replication simulates `customers`
// customers and reports the averages over those after the first `warmup`
// (the queue starts empty, which is not its steady state).
//
// The module exports `simulate(seed, params)`, the shape aioloop/replicate
// runs in its worker threads (see examples/07_replications.js); it runs on
// the virtual clock, so a replication takes milliseconds, and the seed fixes
// every random draw, so the same seed gives the same numbers on any thread
// and either backend.
const { getRunningLoop, Lock, sleep } = require('aioloop');

/** mulberry32: a small seeded generator. */
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

/** One replication: { wait, sojourn, utilization, customers } averaged after the warm-up. */
function* simulate(seed, params = {}) {
  const { lambda = 0.8, mu = 1, customers = 1000, warmup = 100 } = params;
  // Decorrelate neighbouring seeds before they seed the generator.
  const random = makeRandom(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0);
  const exponential = (rate) => -Math.log(1 - random()) / rate;
  const loop = getRunningLoop();
  const server = new Lock();
  let waitSum = 0;
  let sojournSum = 0;
  let counted = 0;
  let busy = 0;
  let startOfCount = 0;

  function* customer(index, serviceTime) {
    const arrived = loop.time();
    yield* server.acquire();
    try {
      const wait = loop.time() - arrived;
      yield* sleep(serviceTime);
      if (index >= warmup) {
        waitSum += wait;
        sojournSum += wait + serviceTime;
        busy += serviceTime;
        counted++;
      }
    } finally {
      server.release();
    }
  }

  const tasks = [];
  for (let i = 0; i < customers; i++) {
    yield* sleep(exponential(lambda));
    if (i === warmup) startOfCount = loop.time();
    tasks.push(loop.createTask(customer(i, exponential(mu))));
  }
  for (const t of tasks) yield* t;
  return {
    wait: waitSum / counted,
    sojourn: sojournSum / counted,
    utilization: busy / (loop.time() - startOfCount),
    customers: counted,
  };
}

module.exports = { simulate };
