'use strict';
/**
 * Instructions per operation of one workload on one subject, measured with
 * valgrind's callgrind — a count that does not depend on what else runs on
 * the machine, unlike a timer.
 *
 *   node benchmarks/tools/callgrind-per-op.js <workload> <subject> <n> [top=20]
 *
 * Runs `node --single-threaded --expose-gc worker.js <workload> <subject> <k> --once`
 * under callgrind for k = n and k = 2n and subtracts: what is left is the cost
 * of 2n extra operations (--once does a warm-up and a measured run), without
 * process start-up, module loading or compilation. --single-threaded keeps
 * V8's compiler and GC on the main thread so both runs tier up alike.
 *
 * Functions are grouped:
 *   JIT code    JavaScript compiled by V8, named from V8's perf map
 *               (--perf-basic-prof): "JIT JS:*fn" is optimized (TurboFan)
 *               code, "JS:^fn" baseline (Sparkplug), "JS:~fn" interpreted
 *   IC/builtins V8's embedded builtins (inline-cache misses, calls, array push)
 *   GC          scavenger, mark-compact, write barrier
 *   N-API/addon the boundary and the C++ core
 *   libc        malloc/free and friends
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const [workload, subject, nArg, topArg] = process.argv.slice(2);
if (!workload || !subject || !nArg) {
  console.error('usage: callgrind-per-op.js <workload> <subject> <n> [top]');
  process.exit(2);
}
const n = Number(nArg);
const top = Number(topArg || 20);
const worker = path.join(__dirname, '..', 'worker.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-'));

function profile(k) {
  const out = path.join(tmp, `${workload}-${subject}-${k}.out`);
  const r = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${out}`,
      process.execPath,
      '--single-threaded',
      '--perf-basic-prof',
      '--expose-gc',
      worker,
      workload,
      subject,
      String(k),
      '--once',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (r.status !== 0) throw new Error(`valgrind failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const pid = (/==(\d+)==/.exec(r.stderr) || [])[1];
  const jit = readPerfMap(pid);
  const a = spawnSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', out], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const fns = new Map();
  let total = 0;
  for (const line of a.stdout.split('\n')) {
    const m = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (!m) continue;
    const ir = Number(m[1].replace(/,/g, ''));
    let name = m[2];
    const addr = /^\?\?\?:0x([0-9a-f]+) \[\?\?\?\]$/.exec(name);
    if (addr) {
      const js = jit(parseInt(addr[1], 16));
      if (js) name = `JIT ${js}`;
    }
    if (name.startsWith('PROGRAM TOTALS')) {
      total = ir;
      continue;
    }
    fns.set(name, (fns.get(name) || 0) + ir);
  }
  fs.rmSync(out, { force: true });
  return { total, fns };
}

/**
 * V8's perf map (written by --perf-basic-prof: "start size name" per code
 * object) as a lookup from a code address to the JS function's name.
 */
function readPerfMap(pid) {
  const file = `/tmp/perf-${pid}.map`;
  if (!pid || !fs.existsSync(file)) return () => null;
  const entries = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m) entries.push([parseInt(m[1], 16), parseInt(m[2], 16), m[3]]);
  }
  fs.rmSync(file, { force: true });
  entries.sort((x, y) => x[0] - y[0]);
  return (addr) => {
    let lo = 0;
    let hi = entries.length - 1;
    let found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (entries[mid][0] <= addr) {
        found = entries[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found && addr < found[0] + found[1] ? found[2].replace(/ \/[^ ]*\/(benchmarks|dist)\//, ' $1/') : null;
  };
}

/** Drops a C++ signature's trailing argument list, keeping `(anonymous namespace)`. */
function shortName(k) {
  let s = k.replace(/ \[[^\]]*\]$/, '').replace(/^\?\?\?:/, '').replace(/ const$/, '');
  if (s.endsWith(')') && !s.startsWith('JIT ')) {
    let depth = 0;
    for (let i = s.length - 1; i >= 0; i--) {
      if (s[i] === ')') depth++;
      else if (s[i] === '(' && --depth === 0) {
        s = s.slice(0, i) + '()';
        break;
      }
    }
  }
  return s;
}

function group(name) {
  if (name.startsWith('JIT ') || /^\?\?\?:0x[0-9a-f]+ \[\?\?\?\]$/.test(name)) return 'JIT code';
  if (/Scaveng|MarkCompact|Marking|Sweep|Evacuat|GCTracer|RecordWrite|Heap::|NewSpace|SemiSpace|PagedSpace|LargeObject|Compactor|ObjectVisitor|HeapObject::Iterate|Worklist|MemoryChunk|Page::/.test(name)) return 'GC';
  if (/napi_|v8impl|Napi::|aioloop::|aioloop\.node|FunctionCallbackInfo|CallApiCallback|ApiCallback|HandleApiCall|InvokeFunctionCallback/.test(name)) return 'N-API/addon';
  if (/Builtins_/.test(name)) return 'IC/builtins';
  if (/libc\.so|malloc|free\b|memcpy|memmove|memset/.test(name)) return 'libc';
  if (/v8::internal::Runtime_|v8::internal::/.test(name)) return 'V8 runtime';
  return 'other';
}

const a = profile(n);
const b = profile(2 * n);
const ops = 2 * n; // warm-up + measured run, each n ops more in b
const diff = new Map();
for (const [k, v] of b.fns) diff.set(k, v - (a.fns.get(k) || 0));
for (const [k, v] of a.fns) if (!b.fns.has(k)) diff.set(k, -v);
const groups = new Map();
for (const [k, v] of diff) groups.set(group(k), (groups.get(group(k)) || 0) + v);
const perOp = (b.total - a.total) / ops;
console.log(`${workload} ${subject}: ${perOp.toFixed(0)} instructions per op (callgrind, n=${n} vs ${2 * n}; totals ${a.total} / ${b.total})`);
for (const [g, v] of [...groups].sort((x, y) => y[1] - x[1])) {
  console.log(`  ${(v / ops).toFixed(1).padStart(8)}  ${((100 * v) / (b.total - a.total)).toFixed(1).padStart(5)}%  ${g}`);
}
console.log('  top functions (instructions per op):');
for (const [k, v] of [...diff].sort((x, y) => y[1] - x[1]).slice(0, top)) {
  console.log(`  ${(v / ops).toFixed(1).padStart(8)}  ${group(k).padEnd(11)}  ${shortName(k).slice(0, 110)}`);
}
fs.rmSync(tmp, { recursive: true, force: true });
