#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: the workloads of SPEC §7 on aioloop's `native` and `js`
 * backends and on the peers (Node's own primitives, two floors, Python's
 * asyncio and uvloop), in one run.
 *
 *   npm run bench                         full sizes, 5 timed runs each
 *   npm run bench -- --quick              1/10 sizes, 3 runs (CI smoke, < 2 min)
 *   npm run bench -- --only W3,W5         some workloads (an id also picks its family:
 *                                         W8 = W8 + W8-soon, W10 = the eight W10-* rows,
 *                                         W12 = W12-chain + W12-switch)
 *   npm run bench -- --subjects native,js some subjects
 *   npm run bench -- --runs 7 --out /tmp/x.json
 *
 * How a figure is made
 * --------------------
 * Every timed run is a fresh child process (benchmarks/worker.js, or
 * benchmarks/asyncio_bench.py for the Python peers) that warms up with
 * tenth-size runs of the same workload until they have taken 0.3 s (JIT
 * tiers, inline caches, imports: one short run left V8 optimizing the hot
 * functions during the timed run), does a full GC, and then does the one
 * timed run. So no subject's JIT state,
 * heap or GC debt can leak into another's figure — in one shared process,
 * whichever subject ran first would leave the old generation full of its
 * garbage and its call sites polymorphic for the next — and only one subject's
 * memory is alive at a time (the W9 processes hold 0.3–0.6 GB each). The
 * suite takes the subjects in turn — round 1: a, b, c; round 2: b, c, a; ... —
 * so drift on this shared machine (other jobs, CPU frequency) lands on every
 * subject alike instead of on whoever ran last. A figure is the median of the
 * timed runs, with their min and max. The memory workloads (W8) measure with
 * no warm-up: a process that has already grown and shrunk its heap would
 * hide growth.
 *
 * Output: a progress line per run, a table (median, min, max, ratio to
 * native), and the JSON + SVG chart. A full run of every workload and subject
 * writes benchmarks/results/latest.{json,svg}; a --quick or filtered run
 * writes benchmarks/results/partial.{json,svg} (git-ignored) so it never
 * overwrites the published figures. Exit status: 1 if any subject crashed or
 * failed its own correctness check; speed never fails the run.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureMeminfo } = require('./meminfo/build');

const ROOT = path.join(__dirname, '..');
const RESULTS = path.join(__dirname, 'results');
// Children run with cwd = benchmarks/ and these relative script names: short
// command lines in `ps`, and no dependence on where the checkout lives.
const PY_SCRIPT = 'asyncio_bench.py';
const NODE_WORKER = 'worker.js';

/** Timed runs per figure (the issue asks for at least 5). */
const FULL_RUNS = 5;
/** Timed runs per figure in --quick mode: enough for a median, fast enough for CI. */
const QUICK_RUNS = 3;
/** Sizes are divided by this in --quick mode. */
const QUICK_DIVISOR = 10;
/** A single run longer than this is a hang: the subject is killed and marked failed. */
const RUN_TIMEOUT_MS = { full: 600_000, quick: 60_000 };
/** Added to a run's limit for the process's start-up and its warm-up run. */
const START_TIMEOUT_MS = 60_000;

const PYTHON_SUBJECTS = ['asyncio', 'uvloop'];
const INSTALL_HINT =
  'install it with `sudo apt-get install python3-uvloop` (Debian/Ubuntu) or `python3 -m pip install uvloop`, ' +
  'or point AIOLOOP_BENCH_PYTHON at a python3 that has it';

const USAGE = `usage: npm run bench -- [--quick] [--only W1,W3,...] [--subjects native,js,...] [--runs k] [--out file.json]

  --quick        sizes / ${QUICK_DIVISOR}, ${QUICK_RUNS} timed runs (a smoke test; under two minutes)
  --only         workloads to run: W1..W13, W4r (an id picks its family too: W8 = W8, W8-soon;
                 W10 = W10-virtual-1 .. W10-monotonic-10000; W12 = W12-chain, W12-switch)
  --subjects     native, js, setImmediate, queueMicrotask, setTimeout, promise, async-await,
                 fake-timers, floor-array, floor-generator, asyncio, uvloop
  --runs         timed runs per figure (default ${FULL_RUNS}, --quick ${QUICK_RUNS})
  --out          where to write the JSON (the SVG goes beside it)
  AIOLOOP_BENCH_PYTHON=/path/to/python3 picks the interpreter for asyncio/uvloop
  (default: the first of python3, /usr/bin/python3 that can import uvloop).`;

/** A mistake on the command line: reported as one line, without a stack. */
class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { quick: false, only: null, subjects: null, runs: null, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      return argv[++i];
    };
    const name = a.split('=')[0];
    if (name === '--quick') opts.quick = true;
    else if (name === '--only') opts.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (name === '--subjects') opts.subjects = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (name === '--runs') {
      const v = value();
      opts.runs = Number(v);
      if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new UsageError(`--runs must be a positive integer, got ${JSON.stringify(v)}`);
    } else if (name === '--out') opts.out = path.resolve(value());
    else if (name === '--help' || name === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown option ${JSON.stringify(a)}\n${USAGE}`);
  }
  return opts;
}

// ---------------------------------------------------------------------------
// Build: the workers load dist/, so make sure it exists and is not stale.

function newestMtime(dir, ext) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function ensureBuilt() {
  const entry = path.join(ROOT, 'dist', 'index.js');
  const built = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : 0;
  if (built >= newestMtime(path.join(ROOT, 'lib'), '.ts')) return;
  console.log(built === 0 ? 'dist/ is missing: npm run build:ts' : 'lib/ changed since dist/ was built: npm run build:ts');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', 'build:ts'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build:ts failed');
}

// ---------------------------------------------------------------------------
// Python: which interpreter, if any, runs the asyncio and uvloop rows.

function probePython() {
  // An explicit choice is the only candidate; otherwise the first python3 that
  // can import uvloop wins (pyenv's shim often shadows Debian's interpreter).
  const explicit = process.env.AIOLOOP_BENCH_PYTHON;
  const candidates = explicit ? [explicit] : ['python3', '/usr/bin/python3'];
  const found = [];
  const problems = [];
  for (const exe of candidates) {
    const r = spawnSync(exe, [PY_SCRIPT, '--probe'], { cwd: __dirname, encoding: 'utf8', timeout: 20_000 });
    if (r.error || r.status !== 0) {
      problems.push(`${exe}: ${r.error ? r.error.code || r.error.message : (r.stderr || '').trim().split('\n').pop() || `exit ${r.status}`}`);
      continue;
    }
    try {
      const info = JSON.parse(r.stdout.trim().split('\n').pop());
      found.push({ exe, ...info });
      if (!info.uvloop) problems.push(`${exe} (Python ${info.python}): ${info.uvloopError}`);
    } catch {
      problems.push(`${exe}: unreadable probe output`);
    }
  }
  const withUv = found.find((f) => f.uvloop);
  // The workloads asyncio_bench.py has (an older script without the list has W1..W9).
  const workloadsOf = (f) => new Set(f.workloads || ['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7', 'W8', 'W8-soon', 'W9']);
  if (withUv) return { exe: withUv.exe, python: withUv.python, uvloop: withUv.uvloop, uvloopSkip: null, asyncioSkip: null, workloads: workloadsOf(withUv) };
  const any = found[0];
  const why = `no python3 here can import uvloop (${problems.join('; ') || 'none found'}); ${INSTALL_HINT}`;
  if (any) return { exe: any.exe, python: any.python, uvloop: null, uvloopSkip: why, asyncioSkip: null, workloads: workloadsOf(any) };
  return { exe: null, python: null, uvloop: null, uvloopSkip: why, asyncioSkip: `no python3 found (${problems.join('; ')})`, workloads: null };
}

// ---------------------------------------------------------------------------
// Child processes: each prints one JSON line (see worker.js).

class Child {
  constructor(cmd, args, label) {
    this.label = label;
    this.lines = [];
    this.waiters = [];
    this.stderr = '';
    this.exited = null;
    this.proc = spawn(cmd, args, { cwd: __dirname, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue; // stray prints are not protocol
        let obj;
        try {
          obj = JSON.parse(line);
        } catch {
          continue;
        }
        const w = this.waiters.shift();
        if (w) w.resolve(obj);
        else this.lines.push(obj);
      }
    });
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (chunk) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    this.proc.on('error', (err) => this._fail(new Error(`${label}: cannot start: ${err.message}`)));
    // 'close', not 'exit': it comes after stdout is drained, so the result
    // line is never lost to a child that printed it and exited at once.
    this.proc.on('close', (code, signal) => {
      this.exited = { code, signal };
      this._fail(new Error(`${label}: exited (${signal || `code ${code}`}) ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`.trim()));
    });
  }

  _fail(err) {
    for (const w of this.waiters.splice(0)) w.reject(err);
    this.failure = err;
  }

  /** The next protocol line; rejects on exit, error line or timeout. */
  next(timeoutMs) {
    const take = () => {
      if (this.lines.length > 0) return Promise.resolve(this.lines.shift());
      if (this.failure) return Promise.reject(this.failure);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          this.kill();
          reject(new Error(`${this.label}: no answer within ${Math.round(timeoutMs / 1000)} s (killed)`));
        }, timeoutMs);
        this.waiters.push({
          resolve: (v) => (clearTimeout(timer), resolve(v)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
      });
    };
    return take().then((obj) => {
      if (obj.error) throw new Error(`${this.label}: ${obj.error}`);
      return obj;
    });
  }

  kill() {
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(value, unit, si) {
  return unit === 'bytes' ? `${value.toFixed(1)} B` : `${si(value)}/s`;
}

/** Figures a subject may report beside its value (W12); each row gets their median. */
const EXTRA_FIELDS = ['lagP99Ms', 'hostedVsBlocking'];

/** Workloads named by `--only`: an id, or a family (W8: W8 and W8-soon; W10: every W10-*). */
function selectWorkloads(all, only) {
  const bad = only.filter((id) => !all.some((w) => w.id === id || w.id.startsWith(`${id}-`)));
  if (bad.length) throw new UsageError(`unknown workload(s) ${bad.join(', ')}; known: ${all.map((w) => w.id).join(', ')}`);
  return all.filter((w) => only.some((id) => w.id === id || w.id.startsWith(`${id}-`)));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  ensureBuilt();
  const { WORKLOADS, JS_SUBJECTS } = require('./workloads');
  const report = require('./report');
  const mode = opts.quick ? 'quick' : 'full';
  const runs = opts.runs ?? (opts.quick ? QUICK_RUNS : FULL_RUNS);

  const allSubjects = report.SUBJECT_ORDER;
  if (opts.subjects) {
    const bad = opts.subjects.filter((s) => !allSubjects.includes(s));
    if (bad.length) throw new UsageError(`unknown subject(s) ${bad.join(', ')}; known: ${allSubjects.join(', ')}`);
  }
  const workloads = opts.only ? selectWorkloads(WORKLOADS, opts.only) : WORKLOADS;
  const wantSubject = (s) => !opts.subjects || opts.subjects.includes(s);

  if (workloads.some((w) => w.unit === 'bytes')) {
    const m = ensureMeminfo();
    if (!m.path) console.log(`W8: cannot build the malloc counter (${m.error}): native allocations will not be counted`);
  }

  const wantsPython = PYTHON_SUBJECTS.some(wantSubject);
  const py = wantsPython ? probePython() : null;
  if (py && py.uvloopSkip && wantSubject('uvloop')) console.log(`uvloop rows skipped: ${py.uvloopSkip}`);
  if (py && py.asyncioSkip && wantSubject('asyncio')) console.log(`asyncio rows skipped: ${py.asyncioSkip}`);

  const cpus = os.cpus();
  const machine = {
    cpu: cpus.length ? cpus[0].model.trim() : os.arch(),
    cores: cpus.length,
    node: process.version,
    ...(py && py.python ? { python: py.uvloop ? `${py.python} (uvloop ${py.uvloop})` : py.python } : {}),
    date: new Date().toISOString(),
  };
  console.log(
    `aioloop bench (${mode}): ${workloads.length} workloads, ${runs} timed runs each after a warm-up · ` +
      `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}${machine.python ? `, Python ${machine.python}` : ''} · load ${os.loadavg()[0].toFixed(2)}`,
  );

  const results = [];
  let failures = 0;
  const t0 = Date.now();

  for (let wi = 0; wi < workloads.length; wi++) {
    const w = workloads[wi];
    const n = opts.quick ? w.quickSize ?? w.size / QUICK_DIVISOR : w.size;
    const tag = `[${wi + 1}/${workloads.length} ${w.id} ${w.title}]`;
    const subjects = [];
    for (const s of allSubjects) {
      if (!wantSubject(s)) continue;
      if (PYTHON_SUBJECTS.includes(s)) {
        if (py.workloads && !py.workloads.has(w.id)) continue;
        const skip = s === 'uvloop' ? py.uvloopSkip || py.asyncioSkip : py.asyncioSkip;
        subjects.push({ name: s, python: true, skip });
      } else if (typeof (JS_SUBJECTS[s] || {})[w.id] === 'function') {
        subjects.push({ name: s, python: false, skip: null });
      }
    }
    const command = (s) =>
      s.python
        ? [py.exe, [PY_SCRIPT, w.id, s.name, String(n), '--sample']]
        : [process.execPath, ['--expose-gc', NODE_WORKER, w.id, s.name, String(n), '--sample']];

    const live = subjects.filter((s) => !s.skip);
    for (const s of live) {
      s.samples = [];
      s.extras = {};
      s.error = null;
    }
    const timeout = RUN_TIMEOUT_MS[mode];
    for (let r = 0; r < runs; r++) {
      const order = live.map((_, i) => live[(i + r) % live.length]);
      for (const s of order) {
        if (s.error) continue;
        const child = new Child(...command(s), `${w.id} ${s.name}`);
        try {
          const res = await child.next(START_TIMEOUT_MS + timeout);
          if (!(typeof res.value === 'number' && Number.isFinite(res.value))) throw new Error(`${w.id} ${s.name}: no figure in ${JSON.stringify(res)}`);
          s.samples.push(res.value);
          for (const k of EXTRA_FIELDS) if (typeof res[k] === 'number') (s.extras[k] ||= []).push(res[k]);
          s.n = res.n;
          if (res.note) s.note = res.note;
          const elapsed = ((Date.now() - t0) / 1000).toFixed(0);
          const lag = typeof res.lagP99Ms === 'number' ? `  interval p99 late ${res.lagP99Ms.toFixed(1)} ms` : '';
          console.log(`${tag} run ${r + 1}/${runs} ${s.name.padEnd(15)} ${fmt(res.value, w.unit, report.si).padStart(12)}${lag}   [${elapsed} s]`);
        } catch (err) {
          s.error = err;
        } finally {
          child.kill();
        }
      }
    }

    for (const s of subjects) {
      const row = { workload: w.id, subject: s.name, unit: w.unit };
      if (s.skip) {
        Object.assign(row, { median: null, min: null, max: null, runs: 0, note: `skipped: ${s.skip}` });
      } else if (s.error) {
        failures++;
        const msg = String(s.error.message || s.error).split('\n').slice(0, 3).join(' ');
        console.log(`${tag} FAILED ${s.name}: ${msg}`);
        Object.assign(row, { median: null, min: null, max: null, runs: s.samples.length, note: `failed: ${msg}` });
      } else {
        const notes = [];
        if (s.n !== undefined && s.n !== n) notes.push(`n = ${s.n}`);
        if (s.note) notes.push(s.note);
        Object.assign(row, { median: median(s.samples), min: Math.min(...s.samples), max: Math.max(...s.samples), runs: s.samples.length });
        for (const k of EXTRA_FIELDS) if (s.extras[k] && s.extras[k].length === s.samples.length) row[k] = median(s.extras[k]);
        if (notes.length > 0) row.note = notes.join('; ');
      }
      results.push(row);
    }
  }

  const data = { machine, results };
  const full = !opts.quick && !opts.only && !opts.subjects && opts.runs === null;
  const out = opts.out ?? path.join(RESULTS, full ? 'latest.json' : 'partial.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(data, null, 2) + '\n');
  const svg = out.replace(/\.json$/, '') + '.svg';
  fs.writeFileSync(svg, report.renderSvg(data));

  const describe = (id) => (WORKLOADS.find((x) => x.id === id) || {}).what || '';
  console.log(report.consoleTable(data, describe));
  console.log('');
  console.log(`wrote ${path.relative(process.cwd(), out)} and ${path.relative(process.cwd(), svg)} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (failures > 0) {
    console.log(`${failures} subject(s) failed: see FAILED above`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(`bench: ${err instanceof UsageError ? err.message : err && err.stack ? err.stack : err}`);
  process.exitCode = 1;
});
