'use strict';
// 1,000 seeded replications of an M/M/1 queue (examples/mm1_model.js) on
// every core: aioloop/replicate runs the simulation module across a pool of
// worker threads (piscina), one loop per thread, one replication per seed,
// and streams each result back as it finishes. The means come with 95%
// confidence intervals (mean ± 1.96 · s/√n over the replications), beside
// the M/M/1 theory: with ρ = λ/μ, the wait in line is ρ/(μ − λ), the time
// in the system 1/(μ − λ), the utilization ρ. (A replication starts with an
// empty queue and simulates a finite run, so its averages sit a little
// below the steady-state theory: the warm-up removes most of that bias.)
//
// Run it with:  npm run build:ts && node examples/07_replications.js [runs] [threads]
// Progress goes to stderr; the figures to stdout.
const path = require('node:path');
const { replicate } = require('aioloop/replicate');

const RUNS = Number(process.argv[2] ?? 1000);
const THREADS = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const PARAMS = { lambda: 0.8, mu: 1, customers: 1000, warmup: 100 };

/** Mean and the half-width of its 95% confidence interval (normal approximation). */
function meanCI(values) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, half: (1.96 * Math.sqrt(variance)) / Math.sqrt(n) };
}

async function main() {
  const t0 = performance.now();
  const results = [];
  for await (const { seed, value } of replicate({
    module: path.join(__dirname, 'mm1_model.js'),
    runs: RUNS,
    threads: THREADS,
    params: PARAMS,
    onProgress: ({ done, total, elapsed, remaining }) =>
      console.error(`  ${done}/${total} replications, ${elapsed.toFixed(1)} s, about ${remaining.toFixed(1)} s left`),
  })) {
    results.push({ seed, ...value });
  }
  const seconds = (performance.now() - t0) / 1000;
  results.sort((a, b) => a.seed - b.seed);

  const { lambda, mu } = PARAMS;
  const rho = lambda / mu;
  const rows = [
    ['wait in line', 'wait', rho / (mu - lambda)],
    ['time in system', 'sojourn', 1 / (mu - lambda)],
    ['server utilization', 'utilization', rho],
  ];
  console.log(`M/M/1, λ = ${lambda}, μ = ${mu}: ${results.length} replications of ${PARAMS.customers} customers (first ${PARAMS.warmup} not counted)`);
  for (const [label, key, theory] of rows) {
    const { mean, half } = meanCI(results.map((r) => r[key]));
    console.log(`${label.padEnd(20)}${mean.toFixed(3)} ± ${half.toFixed(3)}   (theory ${theory.toFixed(3)})`);
  }
  console.error(`(${results.length} replications in ${seconds.toFixed(1)} s)`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
