#!/usr/bin/env node
'use strict';
/**
 * Runs every program in examples/ on both backends, as a user would
 * (`node examples/<file>` against the built dist/), and checks what each
 * promises to print. AIOLOOP_BACKEND=native makes a missing addon an error,
 * so a pass on `native` means the binary loaded.
 *
 *   node scripts/run-examples.js [--node <command>] [--label <word>] [--bound-ms <ms>] [--skip a.js,b.js]
 *
 * --node runs the examples with another Node (default: this one), e.g. a
 * Node 18 binary or a wrapper that starts an arm64 Node under qemu. Prints a
 * line per run and ends with "<label>: N passed, N failed"; exits 1 on a failure.
 * The test suite checks the same programs in more detail (test/examples.test.ts);
 * this is the stand-alone run for other Nodes and other architectures.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
}
const NODE = arg('--node', process.execPath);
const LABEL = arg('--label', 'examples');
const BOUND_MS = Number(arg('--bound-ms', '60000'));

/** What each example must print (stdout), per backend. */
const EXPECT = {
  '01_task_prototype.js': (out) => out === 'Hello Bar\nHello Foo\n',
  '02_minimal_loop.js': (out) => out === 'Foo\nBar\n',
  '03_run_and_getaddrinfo.js': (out, backend) =>
    out.startsWith(`run(main) -> hello from main on the ${backend} backend\nrunAsync(getaddrinfo('localhost', 443)) ->\n`) &&
    out.includes("run(getaddrinfo('localhost', 443)) -> EventLoopError:"),
  '04_job_scheduler.js': (out) =>
    /^24 jobs done in \d+\.\d\d s \(24 distinct digests\)\n/.test(out) && /\nrate limit kept: yes/.test(out) && out.includes('final /status: {"done":24,"running":0,"waiting":0}'),
  '05_bank_simulation.js': (out) => out.startsWith('Bank day: 5 tellers, doors open 09:00-17:00, seed 2024\ncustomers arrived         1601\n'),
  '06_race_explore.js': (out) =>
    /^without jitter: balance 40 /.test(out) &&
    /\nexplore: seed \d+ fails after \d+ passing runs: account overdrawn: balance -20\n/.test(out) &&
    out.endsWith('with a Lock: 1000 run(s) passed, seeds 0..999\n'),
  '07_replications.js': (out) =>
    out.startsWith('M/M/1, λ = 0.8, μ = 1: 60 replications of 1000 customers') && /\(theory 4\.000\)/.test(out),
  '08_echo_server.js': (out) =>
    out.includes('client: sent "Hello World!", got back "Hello World!"\n') && out.endsWith('server: echoed 3 lines, now closed\n'),
  '09_subprocess_pipeline.js': (out) =>
    out.includes('APPLE\nBANANA\nCHERRY\n') && out.includes('returncode 3'),
};

/** Arguments an example takes here: a smaller run than its default. */
const ARGS = { '07_replications.js': ['60', '2'] };

/** Examples left out with --skip (comma-separated names). */
const SKIP = new Set((arg('--skip', '') || '').split(',').filter(Boolean));

let passed = 0;
let failed = 0;
const bank = {};
for (const backend of ['native', 'js']) {
  for (const [file, ok] of Object.entries(EXPECT)) {
    if (SKIP.has(file)) {
      console.log(`skip    ${file} (${backend}, --skip)`);
      continue;
    }
    const t0 = Date.now();
    const r = spawnSync(NODE, [path.join('examples', file), ...(ARGS[file] || [])], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: BOUND_MS,
      env: { ...process.env, AIOLOOP_BACKEND: backend },
    });
    const good = r.status === 0 && ok(r.stdout, backend);
    if (file.startsWith('05')) bank[backend] = r.stdout;
    const ms = Date.now() - t0;
    if (good) passed++;
    else failed++;
    console.log(`${good ? 'ok    ' : 'FAILED'}  ${file} (${backend}, ${ms} ms)`);
    if (!good) {
      const why = r.error ? `${r.error.message}\n` : `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}\n`;
      console.log(`${why}stdout:\n${r.stdout}\nstderr:\n${r.stderr}`.replace(/^/gm, '        '));
    }
  }
}
const same = bank.native !== undefined && bank.native === bank.js;
if (same) passed++;
else failed++;
console.log(`${same ? 'ok    ' : 'FAILED'}  05_bank_simulation.js prints the same day on native and js`);
console.log(`${LABEL}: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
