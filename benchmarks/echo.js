#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:io`: the echo server of uvloop's published benchmark
 * (github.com/MagicStack/uvloop, examples/bench: echoserver.py --streams,
 * driven by echoclient.py), on
 *
 *   aioloop-native  aioloop streams (startServer, reader.read, writer.write), native core, hosted
 *   aioloop-js      the same on the js core
 *   node-net        plain Node: net.createServer, socket.on('data', d => socket.write(d))
 *   asyncio         asyncio streams (benchmarks/asyncio_echo.py)
 *   uvloop          the same on uvloop (skipped, with the reason, when no python3 can import it)
 *
 *   npm run bench:io                           sizes 1, 10, 100 KiB; 10 clients; 5 s a figure; 3 runs
 *   npm run bench:io -- --quick                1 s a figure, 1 run (a few seconds a subject)
 *   npm run bench:io -- --subjects node-net,aioloop-native --sizes 1024 --clients 20 --seconds 3 --runs 5
 *
 * How a figure is made: the server runs in a child process of its own
 * (fresh for every figure), the client in another, the same plain-Node
 * client for every subject: N connections to 127.0.0.1, each sends one
 * message, waits until all of it came back, and sends the next (uvloop's
 * echoclient). After a warm-up the client counts the round trips for a
 * bounded time and reports messages/s and MiB/s. The subjects take turns
 * within each run (round 1: a, b, c; round 2: b, c, a; ...) so drift on a
 * shared machine lands on all of them alike; a figure is the median of the
 * runs. Loopback only. Speed is reported, never asserted.
 *
 * Output: a table (median msgs/s, MiB/s, and each subject's ratio to
 * node-net) and benchmarks/results/echo.json (a --quick or filtered run
 * writes benchmarks/results/partial.echo.json).
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const HOST = '127.0.0.1';
/** uvloop's echo server reads up to this much at a time. */
const READ_SIZE = 102400;
const SUBJECTS = ['aioloop-native', 'aioloop-js', 'node-net', 'asyncio', 'uvloop'];
const PY_SUBJECTS = new Set(['asyncio', 'uvloop']);
const DEFAULTS = { sizes: [1024, 10240, 102400], clients: 10, seconds: 5, warmup: 1, runs: 3 };
const QUICK = { seconds: 1, warmup: 0.3, runs: 1 };
/** A server that does not print its port in this long, or a client that does not finish, has failed. */
const START_TIMEOUT_MS = 20_000;

// ---------------------------------------------------------------------------
// The servers (child processes): print the port, serve until stdin closes.

function serveNodeNet() {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (data) => socket.write(data));
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, HOST, () => console.log(server.address().port));
  process.stdin.on('end', () => process.exit(0)).resume();
}

function serveAioloop(backend) {
  const { runAsync, startServer, ensureFuture } = require(path.join(ROOT, 'dist', 'index.js'));
  function* echo(reader, writer) {
    try {
      for (;;) {
        const data = yield* reader.read(READ_SIZE);
        if (data.length === 0) break;
        writer.write(data);
      }
    } catch {
      // a client that went away
    }
    writer.close();
  }
  const stdinEnd = new Promise((resolve) => process.stdin.on('end', resolve).resume());
  runAsync(
    function* () {
      const server = yield* startServer(echo, HOST, 0);
      console.log(server.sockets[0].port);
      yield* ensureFuture(stdinEnd);
      server.close();
      server.abortClients();
    },
    { backend },
  ).then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------------------
// The client (a child process): N connections, ping-pong, bounded time.

function runClient(port, size, clients, warmup, seconds) {
  const msg = Buffer.alloc(size, 120);
  let count = 0;
  let measuring = false;
  const sockets = [];
  for (let i = 0; i < clients; i++) {
    const socket = net.connect(port, HOST);
    socket.setNoDelay(true);
    let got = 0;
    socket.on('connect', () => socket.write(msg));
    socket.on('data', (data) => {
      got += data.length;
      if (got >= size) {
        got -= size;
        if (measuring) count++;
        socket.write(msg);
      }
    });
    socket.on('error', (err) => {
      console.error(`client ${i}: ${err.message}`);
      process.exit(1);
    });
    sockets.push(socket);
  }
  setTimeout(() => {
    measuring = true;
    count = 0;
    const t0 = process.hrtime.bigint();
    setTimeout(() => {
      const dt = Number(process.hrtime.bigint() - t0) / 1e9;
      const n = count;
      for (const s of sockets) s.destroy();
      console.log(JSON.stringify({ msgs: n, seconds: dt, msgsPerSec: n / dt, mibPerSec: (n * size) / dt / 2 ** 20 }));
      process.exit(0);
    }, seconds * 1000);
  }, warmup * 1000);
}

// ---------------------------------------------------------------------------
// The orchestrator.

function probePython() {
  const explicit = process.env.AIOLOOP_BENCH_PYTHON;
  const candidates = explicit ? [explicit] : ['python3', '/usr/bin/python3'];
  const problems = [];
  let any = null;
  for (const exe of candidates) {
    const r = spawnSync(exe, ['asyncio_echo.py', 'probe'], { cwd: __dirname, encoding: 'utf8', timeout: 20_000 });
    if (r.error || r.status !== 0) {
      problems.push(`${exe}: ${r.error ? r.error.code : `exit ${r.status}`}`);
      continue;
    }
    const info = JSON.parse(r.stdout.trim().split('\n').pop());
    if (info.uvloop) return { exe, python: info.python, uvloop: info.uvloop, uvloopSkip: null };
    problems.push(`${exe} (Python ${info.python}): ${info.uvloopError}`);
    any = any || { exe, python: info.python };
  }
  const why = `no python3 here can import uvloop (${problems.join('; ')}); install python3-uvloop or set AIOLOOP_BENCH_PYTHON`;
  return any ? { ...any, uvloop: null, uvloopSkip: why } : { exe: null, python: null, uvloop: null, uvloopSkip: why, asyncioSkip: why };
}

/** Starts the server of `subject`; resolves with `{ port, child }`. */
function startServerProcess(subject, python) {
  const [cmd, args] = PY_SUBJECTS.has(subject)
    ? [python.exe, ['asyncio_echo.py', 'serve', subject]]
    : [process.execPath, ['echo.js', '--serve', subject]];
  const child = spawn(cmd, args, { cwd: __dirname, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${subject}: server did not start`));
    }, START_TIMEOUT_MS);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^(\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), child });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${subject}: server exited (${code}) before it listened`));
    });
  });
}

function stopServerProcess(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin.end();
  });
}

function runClientProcess(port, size, opts) {
  const args = ['echo.js', '--client', port, size, opts.clients, opts.warmup, opts.seconds].map(String);
  const bound = (opts.warmup + opts.seconds) * 1000 + START_TIMEOUT_MS;
  const r = spawnSync(process.execPath, args, { cwd: __dirname, encoding: 'utf8', timeout: bound });
  if (r.status !== 0) throw new Error(`client failed: ${r.error ? r.error.message : r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function measure(subject, size, opts, python) {
  const { port, child } = await startServerProcess(subject, python);
  try {
    // The client runs synchronously from here: spawnSync keeps this process
    // (and its event loop) out of the way of the two that are measured.
    return runClientProcess(port, size, opts);
  } finally {
    await stopServerProcess(child);
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function parseArgs(argv) {
  const opts = { ...DEFAULTS, subjects: SUBJECTS, quick: false, filtered: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--quick') Object.assign(opts, QUICK, { quick: true });
    else if (a === '--subjects') (opts.subjects = next().split(',')), (opts.filtered = true);
    else if (a === '--sizes') (opts.sizes = next().split(',').map(Number)), (opts.filtered = true);
    else if (a === '--clients') opts.clients = Number(next());
    else if (a === '--seconds') opts.seconds = Number(next());
    else if (a === '--warmup') opts.warmup = Number(next());
    else if (a === '--runs') opts.runs = Number(next());
    else throw new Error(`unknown argument ${a} (see the header of benchmarks/echo.js)`);
  }
  for (const s of opts.subjects) if (!SUBJECTS.includes(s)) throw new Error(`unknown subject ${s}; one of ${SUBJECTS.join(', ')}`);
  return opts;
}

function ensureBuilt() {
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build:ts'], { cwd: ROOT, stdio: 'ignore' });
  if (r.status !== 0) throw new Error('npm run build:ts failed');
}

const fmt = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  ensureBuilt();
  const python = probePython();
  const skipped = {};
  let subjects = opts.subjects.filter((s) => {
    if (s === 'uvloop' && python.uvloopSkip) skipped[s] = python.uvloopSkip;
    if (s === 'asyncio' && python.asyncioSkip) skipped[s] = python.asyncioSkip;
    return !(s in skipped);
  });
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0] ? cpus[0].model.trim() : 'unknown',
    cores: cpus.length,
    os: `${os.type()} ${os.release()}`,
    node: process.versions.node,
    python: python.python,
    uvloop: python.uvloop,
    loadavg: os.loadavg()[0],
  };
  console.log(
    `echo benchmark: ${opts.clients} clients on ${HOST}, ${opts.warmup} s warm-up + ${opts.seconds} s a figure, ${opts.runs} run(s)\n` +
      `${machine.cpu}, ${machine.cores} cores, ${machine.os}, Node ${machine.node}` +
      `${machine.python ? `, Python ${machine.python}` : ''}${machine.uvloop ? `, uvloop ${machine.uvloop}` : ''} · load ${machine.loadavg.toFixed(2)}`,
  );
  for (const [s, why] of Object.entries(skipped)) console.log(`  ${s}: skipped: ${why}`);
  const samples = {}; // subject -> size -> [result]
  let failed = false;
  for (let run = 0; run < opts.runs; run++) {
    const order = subjects.map((_, i) => subjects[(i + run) % subjects.length]);
    for (const size of opts.sizes) {
      for (const subject of order) {
        try {
          const r = await measure(subject, size, opts, python);
          ((samples[subject] ??= {})[size] ??= []).push(r);
          console.log(`  run ${run + 1} ${subject.padEnd(15)} ${String(size).padStart(6)} B  ${fmt(r.msgsPerSec).padStart(9)} msgs/s  ${fmt(r.mibPerSec).padStart(7)} MiB/s`);
        } catch (err) {
          failed = true;
          console.log(`  run ${run + 1} ${subject} ${size} B: FAILED: ${err.message}`);
        }
      }
    }
  }
  const results = {};
  for (const subject of subjects) {
    for (const size of opts.sizes) {
      const xs = samples[subject]?.[size];
      if (!xs) continue;
      const m = median(xs.map((x) => x.msgsPerSec));
      (results[subject] ??= {})[size] = {
        msgsPerSec: m,
        mibPerSec: (m * size) / 2 ** 20,
        min: Math.min(...xs.map((x) => x.msgsPerSec)),
        max: Math.max(...xs.map((x) => x.msgsPerSec)),
        runs: xs.length,
      };
    }
  }
  // The table: one row per message size, msgs/s (and ratio to node-net) per subject.
  const head = ['message', ...subjects.map((s) => `\`${s}\``)];
  const rows = opts.sizes.map((size) => {
    const base = results['node-net']?.[size]?.msgsPerSec;
    return [
      `${size / 1024} KiB`,
      ...subjects.map((s) => {
        const r = results[s]?.[size];
        if (!r) return 'failed';
        const ratio = base ? ` (${(r.msgsPerSec / base).toFixed(2)}×)` : '';
        return `${fmt(r.msgsPerSec)} msgs/s, ${fmt(r.mibPerSec)} MiB/s${ratio}`;
      }),
    ];
  });
  console.log('');
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log('\nmedian of the runs; in parentheses: throughput relative to node-net (higher is better)');
  const out = path.join(__dirname, 'results', opts.quick || opts.filtered ? 'partial.echo.json' : 'echo.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ machine, options: { ...opts, subjects }, skipped, results }, null, 2) + '\n');
  console.log(`wrote ${path.relative(ROOT, out)}`);
  if (failed) process.exitCode = 1;
}

if (process.argv[2] === '--serve') {
  const subject = process.argv[3];
  if (subject === 'node-net') serveNodeNet();
  else if (subject === 'aioloop-native') serveAioloop('native');
  else if (subject === 'aioloop-js') serveAioloop('js');
  else throw new Error(`unknown server ${subject}`);
} else if (process.argv[2] === '--client') {
  const [port, size, clients, warmup, seconds] = process.argv.slice(3).map(Number);
  runClient(port, size, clients, warmup, seconds);
} else {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
