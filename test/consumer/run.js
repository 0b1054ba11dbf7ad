#!/usr/bin/env node
'use strict';
/**
 * The consumer test: aioloop as another project meets it, from the tarball.
 *
 *   1. npm pack (its prepack script builds dist/ and the prebuilds) — check
 *      what the tarball holds and what it must not hold, and that its
 *      package.json has no development-only lifecycle script.
 *   2. Install it into fresh folders under the system temp dir, which sees
 *      none of this repo's node_modules, and from there run the fixtures
 *      (test/consumer/fixture) with PREBUILDS_ONLY=1, so that only the
 *      prebuild can provide the addon:
 *        prebuilt       installed with no compiler on PATH (stubs that log any
 *                       call) and no build step: nothing compiles, no build/
 *                       appears; CJS, ESM, four worker threads, source maps
 *                       (node --enable-source-maps names files that exist),
 *                       tsc --noEmit under node16, nodenext, bundler and
 *                       node10; then the binary is removed: js backend with
 *                       one warning, AIOLOOP_BACKEND=native throws naming the cause
 *        ignore-scripts installed with npm --ignore-scripts: the prebuild loads
 *        npm-deny       npm 11 warns the install script is not covered by
 *                       allowScripts; `npm install-scripts deny aioloop`, then a
 *                       reinstall runs no script and the prebuild loads
 *        pnpm           installed by pnpm 10 with its defaults (dependencies'
 *                       build scripts are not run): the prebuild loads
 *        yarn           installed by Yarn 4 (node-modules linker,
 *                       enableScripts: false): the prebuild loads
 *        compiles       a tarball without prebuilds: install compiles, native
 *        no-compiler    the same with no compiler: install still succeeds,
 *                       js backend with one warning
 *      pnpm and Yarn come from the npm registry into .cache/tools (once); if
 *      they cannot be installed, their sections are skipped with a note.
 *
 *   node test/consumer/run.js [--node <bin/node>] [--tarball <aioloop-x.tgz>]
 *
 * --node runs every fixture, and the install script, with that Node (the
 * Node matrix: scripts/node-matrix.sh; an arm64 Node under qemu:
 * scripts/arm64.sh); npm, pnpm, Yarn and tsc run on this one. --tarball
 * tests that tarball instead of packing one. --skip-compile leaves out the
 * "compiles" and "no-compiler" sections (for an emulated Node, which the
 * host compiler cannot build for).
 *
 * Needs the npm registry (or npm's cache) for aioloop's dependencies and
 * the two package managers, nothing else; type checks use this repo's
 * TypeScript. Prints one line per check and exits 1 if any failed.
 * KEEP_TMP=1 keeps the temp folder.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');

function option(name) {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : path.resolve(process.argv[i + 1]);
}
/** The Node that runs the package (fixtures, install script); npm and tsc run on this one. */
const NODE = option('--node') ?? process.execPath;
const GIVEN_TARBALL = option('--tarball');
/**
 * --skip-compile: leave out the two sections where the install compiles (or
 * tries to): for an emulated arm64 Node, which the host's x64 compiler cannot
 * build for, and which cannot start node-gyp (a child process) without binfmt.
 */
const SKIP_COMPILE = process.argv.includes('--skip-compile');
/** Where pnpm and Yarn are installed once (gitignored, shared with scripts/fetch-node.sh's cache). */
const TOOLS = path.join(ROOT, '.cache', 'tools');
const REGISTRY = 'https://registry.npmjs.org/';
const FIXTURE = path.join(__dirname, 'fixture');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** The prebuilds folder the Node under test loads from. */
const PLATFORM_DIR = option('--node')
  ? spawnSync(option('--node'), ['-p', 'process.platform + "-" + process.arch'], { encoding: 'utf8' }).stdout.trim()
  : `${os.platform()}-${os.arch()}`;

/** Commands a compile would run: each is replaced by a stub that logs the call and fails. */
const COMPILER_COMMANDS = ['cc', 'gcc', 'g++', 'c++', 'clang', 'clang++', 'make', 'gmake', 'python', 'python3'];

/** Any one step (an install, a compile, a tsc run) is stopped after this long. */
const STEP_TIMEOUT_MS = 5 * 60 * 1000;

const WORKERS = 4;
const WARNING_CODE = 'AIOLOOP_NATIVE_UNAVAILABLE';

let failed = 0;
let passed = 0;
const started = Date.now();

function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`ok      ${name}`);
  } else {
    failed++;
    console.log(`FAILED  ${name}`);
    if (detail !== undefined) console.log(indent(typeof detail === 'string' ? detail : JSON.stringify(detail, null, 2)));
  }
  return ok;
}

function indent(text) {
  return String(text)
    .trimEnd()
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n');
}

function section(title) {
  const s = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\n-- ${title} (${s} s)`);
}

/** The environment of a consumer: this process's, minus anything that steers npm, Node or aioloop. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|NODE_PATH$|NODE_OPTIONS$|AIOLOOP_|PREBUILDS_ONLY$|INIT_CWD$)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs a command; returns { status, stdout, stderr, out } (out: both streams, for failure reports). */
function exec(cmd, args, options) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: STEP_TIMEOUT_MS, maxBuffer: 64 << 20, ...options });
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  const error = r.error ? `${r.error.message}\n` : '';
  return { status: r.status, stdout, stderr, out: `$ ${cmd} ${args.join(' ')}\n${error}${stdout}${stderr}` };
}

/** npm's own CLI script, run with this Node, so that npm works with a PATH of stubs. */
function findNpmCli() {
  const candidates = [
    process.env.npm_execpath,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ];
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const npm = path.join(dir, 'npm');
    if (fs.existsSync(npm)) candidates.push(path.join(path.dirname(fs.realpathSync(npm)), 'npm-cli.js'));
  }
  const found = candidates.find((p) => p && p.endsWith('.js') && fs.existsSync(p));
  if (!found) throw new Error('cannot find npm-cli.js');
  return found;
}

function npm(args, options) {
  return exec(process.execPath, [NPM_CLI, ...args], options);
}

/** A bin folder with node and sh, and a failing, logging stub for every compiler command. */
function makeNoCompilerBin(dir) {
  fs.mkdirSync(dir);
  fs.symlinkSync(NODE, path.join(dir, 'node'));
  fs.symlinkSync('/bin/sh', path.join(dir, 'sh'));
  for (const name of COMPILER_COMMANDS) {
    const stub = path.join(dir, name);
    fs.writeFileSync(stub, `#!/bin/sh\necho "${name} $*" >> "\${AIOLOOP_COMPILER_LOG:-/dev/null}"\nexit 127\n`);
    fs.chmodSync(stub, 0o755);
  }
}

function readLog(file) {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

/** A new consumer project with its own package.json and the fixtures. */
function makeApp(name) {
  const dir = path.join(TMP, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, version: '1.0.0', private: true }, null, 2));
  for (const f of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  return dir;
}

/**
 * The environment of an install: the Node under test first on PATH (npm runs
 * the install script with the `node` it finds there), and, when that Node
 * has its headers beside it, node-gyp pointed at them, so a compile builds
 * against the version under test without downloading anything.
 */
function installEnv(extra) {
  const prefix = path.dirname(path.dirname(NODE));
  const headers = fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? { npm_config_nodedir: prefix } : {};
  return cleanEnv({ PATH: `${path.dirname(NODE)}${path.delimiter}${process.env.PATH}`, ...headers, ...extra });
}

function install(app, tarball, { noCompiler = false, ignoreScripts = false } = {}) {
  const log = path.join(app, 'compiler-calls.log');
  const env = installEnv(noCompiler ? { PATH: NO_COMPILER_BIN, AIOLOOP_COMPILER_LOG: log } : {});
  const args = ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts'];
  if (ignoreScripts) args.push('--ignore-scripts');
  const r = npm(args, { cwd: app, env });
  return { ...r, compilerCalls: readLog(log) };
}

/** Runs a fixture with node; parses its one JSON line. */
function runFixture(app, file, extraEnv = {}) {
  const r = exec(NODE, [file], { cwd: app, env: cleanEnv({ PREBUILDS_ONLY: '1', ...extraEnv }) });
  let facts = null;
  try {
    facts = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    // reported by the caller through r.out
  }
  const stderrWarnings = r.stderr.split(WARNING_CODE).length - 1;
  return { ...r, facts, stderrWarnings };
}

function checkLoads(label, app, file, backend, extraEnv) {
  const r = runFixture(app, file, extraEnv);
  const f = r.facts;
  // Real path: pnpm links node_modules/aioloop to its store.
  const pkgDir = fs.realpathSync(path.join(app, 'node_modules', 'aioloop')) + path.sep;
  const backends = f ? [f.backend, f.secondBackend ?? f.backend] : [];
  check(`${label}: ${file} runs on the ${backend} backend`, r.status === 0 && backends.every((b) => b === backend), r.out);
  if (!f) return r;
  check(`${label}: ${file} runs timers and futures in order`, JSON.stringify([f.order, f.value, f.slept]) === '[["a","b"],42,"slept"]', f);
  check(`${label}: ${file} resolves aioloop inside the consumer (${path.relative(app, f.resolved)})`, f.resolved.startsWith(pkgDir), f.resolved);
  check(`${label}: ${file} sees one copy of every class from import and require`, f.sameExports === true && f.crossInstanceof === true, f);
  return r;
}

function checkWarnings(label, r, expected) {
  const f = r.facts ?? { warnings: [] };
  const ours = f.warnings.filter((w) => w === WARNING_CODE).length;
  const others = f.warnings.filter((w) => w !== WARNING_CODE);
  check(
    `${label}: ${expected === 0 ? 'no warning' : `exactly ${expected} ${WARNING_CODE} warning`} (in-process ${ours}, on stderr ${r.stderrWarnings})`,
    ours === expected && r.stderrWarnings === expected && others.length === 0,
    r.stderr || f,
  );
}

function checkForcedNative(label, app) {
  const r = runFixture(app, 'forced.cjs', { AIOLOOP_BACKEND: 'native' });
  const f = r.facts;
  check(
    `${label}: AIOLOOP_BACKEND=native throws, naming the cause (${f?.message?.slice(0, 80)}...)`,
    f?.threw === true && /native backend cannot be loaded/.test(f.message) && /No native build was found/.test(f.message),
    r.out,
  );
}

/**
 * `node --enable-source-maps`: an error thrown inside aioloop names, for each
 * of its frames in the package, a file that exists in the installed package,
 * and the first one is a line of the TypeScript source that throws.
 */
function checkSourceMaps(label, app) {
  const r = exec(NODE, ['--enable-source-maps', 'sourcemap.cjs'], { cwd: app, env: cleanEnv({ PREBUILDS_ONLY: '1' }) });
  let stack = '';
  try {
    stack = JSON.parse(r.stdout.trim().split('\n').pop()).stack;
  } catch {
    // judged below, with r.out
  }
  const pkgDir = fs.realpathSync(path.join(app, 'node_modules', 'aioloop')) + path.sep;
  const frames = [...stack.matchAll(/(\/[^\s()]+):(\d+):(\d+)\)?$/gm)].map((m) => ({ file: m[1], line: Number(m[2]) }));
  const ours = frames.filter((f) => f.file.startsWith(pkgDir));
  const missing = ours.filter((f) => !fs.existsSync(f.file));
  const first = ours[0];
  const firstLine = first && fs.existsSync(first.file) ? fs.readFileSync(first.file, 'utf8').split('\n')[first.line - 1] ?? '' : '';
  check(
    `${label}: node --enable-source-maps names existing files (${ours.length} frame(s) in the package, first ${first ? `${path.relative(pkgDir, first.file)}:${first.line}` : 'none'})`,
    r.status === 0 && ours.length > 0 && missing.length === 0 && first.file.endsWith('.ts') && /throw/.test(firstLine),
    `${r.out}\nmissing: ${missing.map((f) => f.file).join(', ')}\nfirst line: ${firstLine}`,
  );
}

/** Each tsconfig of the fixture, and the declaration files its imports must resolve to. */
const TYPE_CHECKS = {
  node16: ['consumer.mts', 'consumer.cts'],
  nodenext: ['consumer.mts', 'consumer.cts'],
  bundler: ['consumer.mts', 'consumer.cts'],
  node10: ['consumer.cts'],
  'node-types': ['consumer-node.mts'],
};

const TS_VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'typescript', 'package.json'), 'utf8')).version;

/** The same, for a program that has Node's types: `@types/node` from this repository's own install. */
function writeNodeTypesConfig(app) {
  const config = {
    compilerOptions: {
      module: 'node16',
      moduleResolution: 'node16',
      target: 'es2022',
      lib: ['es2022'],
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: false,
    },
    files: ['consumer-node.mts'],
  };
  fs.writeFileSync(path.join(app, 'tsconfig.node-types.json'), JSON.stringify(config, null, 2));
}

function typeCheck(app) {
  writeNodeTypesConfig(app);
  for (const [mode, files] of Object.entries(TYPE_CHECKS)) {
    const r = exec(process.execPath, [TSC, '-p', `tsconfig.${mode}.json`, '--traceResolution'], { cwd: app, env: cleanEnv() });
    const resolved = new Set();
    for (const m of r.stdout.matchAll(/Module name 'aioloop' was successfully resolved to '([^']+)'/g)) {
      resolved.add(path.relative(app, m[1]));
    }
    const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
    const want = files.map((f) => `node_modules/aioloop/dist/index.d.${f.endsWith('.mts') ? 'mts' : 'ts'}`);
    check(
      `tsc ${TS_VERSION} --noEmit (${mode}): ${files.join(' and ')} type-check against ${[...resolved].sort().join(' + ')}`,
      r.status === 0 && errors.length === 0 && want.every((w) => resolved.has(w)),
      errors.length ? errors.join('\n') : `status ${r.status}; resolved ${[...resolved]}\n${r.stderr}`,
    );
  }
}

/**
 * A package manager from the npm registry, installed once into .cache/tools;
 * its entry script, or null (with a printed note) when it cannot be had.
 */
function tool(name, spec, entry) {
  // One folder per tool: npm install --no-save would prune the other one.
  const dir = path.join(TOOLS, name);
  const file = path.join(dir, 'node_modules', entry);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const r = npm(['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', spec], { cwd: dir, env: cleanEnv() });
    if (r.status !== 0 || !fs.existsSync(file)) {
      console.log(`skipped: ${name} (${spec}) cannot be installed from the npm registry here:\n${indent(r.out.split('\n').slice(-5).join('\n'))}`);
      return null;
    }
  }
  return file;
}

function toolVersion(entry) {
  let dir = path.dirname(entry);
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}

// ---------------------------------------------------------------------------

const NPM_CLI = findNpmCli();
const TMP = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'aioloop-consumer-'));
const NO_COMPILER_BIN = path.join(TMP, 'no-compiler-bin');

function main() {
  const version = exec(NODE, ['-p', 'process.version']).stdout.trim();
  console.log(`aioloop consumer test in ${TMP} (the package runs on node ${version} ${NODE}; npm and tsc on ${process.version}; ${PLATFORM_DIR})`);

  // Resolution from TMP must not be able to reach any node_modules above it.
  const leaks = [];
  for (let d = path.dirname(TMP); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'node_modules'))) leaks.push(path.join(d, 'node_modules'));
    if (path.dirname(d) === d) break;
  }
  if (!check('the temp folder sees no node_modules above it', leaks.length === 0, leaks.join('\n'))) return;

  let TARBALL;
  if (GIVEN_TARBALL) {
    section(`the given tarball ${GIVEN_TARBALL}`);
    TARBALL = path.join(TMP, path.basename(GIVEN_TARBALL));
    fs.copyFileSync(GIVEN_TARBALL, TARBALL);
  } else {
    section('npm pack (prepack: build:ts and prebuildify)');
    // Nothing is built beforehand: packing alone must produce dist/ and the prebuilds.
    const pack = npm(['pack', '--pack-destination', TMP, '--foreground-scripts'], {
      cwd: ROOT,
      env: cleanEnv({ AIOLOOP_REQUIRE_ARM64: process.env.AIOLOOP_REQUIRE_ARM64 ?? '' }),
    });
    const tarball = fs.readdirSync(TMP).find((f) => f.endsWith('.tgz'));
    if (!check(`npm pack made ${tarball}`, pack.status === 0 && tarball !== undefined, pack.out)) return;
    TARBALL = path.join(TMP, tarball);
  }
  const listing = exec('tar', ['-tzf', TARBALL]).stdout.split('\n').filter(Boolean).map((p) => p.replace(/^package\//, ''));
  const prebuilt = listing.filter((f) => f.startsWith(`prebuilds/${PLATFORM_DIR}/`) && f.endsWith('.node')).map((f) => path.basename(f));
  const platforms = [...new Set(listing.filter((f) => f.startsWith('prebuilds/')).map((f) => f.split('/')[1]))].sort();
  check(`the tarball ships prebuilds for ${platforms.join(', ')}`, prebuilt.length > 0, listing.join('\n'));
  if (process.env.AIOLOOP_REQUIRE_ARM64 === '1') {
    check('the tarball ships the linux-arm64 prebuild (AIOLOOP_REQUIRE_ARM64=1)', listing.includes('prebuilds/linux-arm64/aioloop.glibc.node'), listing.join('\n'));
  }
  const required = [
    'package.json',
    'dist/index.js',
    'dist/index.mjs',
    'dist/index.d.ts',
    'dist/index.d.mts',
    'dist/replicate.js',
    'dist/replicate.mjs',
    'dist/replicate.d.ts',
    'dist/replicate_worker.js',
    'binding.gyp',
    'native/addon.cc',
    'native/native_loop.cc',
    'scripts/install.js',
    'scripts/local-headers.js',
    'dist/index.js.map',
    'lib/index.ts',
    `prebuilds/${PLATFORM_DIR}/${prebuilt[0]}`,
  ];
  const missing = required.filter((f) => !listing.includes(f));
  check(
    `the tarball holds dist (ESM, CJS, types, source maps), lib/ (the maps' sources), the prebuild, native sources, binding.gyp, install script (${listing.length} files)`,
    missing.length === 0,
    `missing: ${missing}`,
  );
  const forbidden = listing.filter((f) => /^(test|benchmarks|examples|build|node_modules|\.ci|\.cache)\//.test(f) || /\.test\.|tsconfig|vitest/.test(f));
  check('the tarball holds no tests, benchmarks, examples, tsconfig or local build', forbidden.length === 0, forbidden.join('\n'));
  const packed = JSON.parse(exec('tar', ['-xzOf', TARBALL, 'package/package.json']).stdout || '{}');
  // What any package manager may run on a consumer's install (or on a git
  // install: prepare) must be only the install hook; pre/post hooks of
  // development scripts (pretest, ...) do not belong in the published file.
  const devHooks = Object.keys(packed.scripts ?? {}).filter(
    (k) =>
      ['preinstall', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare'].includes(k) ||
      (/^(pre|post)./.test(k) && k.replace(/^(pre|post)/, '') in packed.scripts && !['prepack', 'postpack'].includes(k)),
  );
  check(
    `the packed package.json has no development lifecycle scripts (scripts: ${Object.keys(packed.scripts ?? {}).join(', ')})`,
    devHooks.length === 0 && packed.scripts?.install === 'node scripts/install.js',
    devHooks.join(', '),
  );

  makeNoCompilerBin(NO_COMPILER_BIN);

  section('prebuilt: install with no compiler on PATH');
  const app = makeApp('prebuilt');
  const inst = install(app, TARBALL, { noCompiler: true });
  if (!check('npm install of the tarball succeeds', inst.status === 0, inst.out)) return;
  check('installing ran no compiler command (stubs logged nothing)', inst.compilerCalls === '', inst.compilerCalls);
  check('installing made no build/ folder', !fs.existsSync(path.join(app, 'node_modules', 'aioloop', 'build')));

  const cjs = checkLoads('prebuilt', app, 'cjs.cjs', 'native');
  checkWarnings('prebuilt: cjs.cjs', cjs, 0);
  const esm = checkLoads('prebuilt', app, 'esm.mjs', 'native');
  checkWarnings('prebuilt: esm.mjs', esm, 0);

  const w = runFixture(app, 'workers.mjs');
  const workers = w.facts?.workers ?? [];
  check(
    `prebuilt: ${WORKERS} worker threads ran native loops with timers at once and exited 0`,
    w.status === 0 &&
      workers.length === WORKERS &&
      workers.every((r) => r.code === 0 && r.backend === 'native' && r.together === WORKERS && r.fired.join() === '1,2,3,4'),
    w.out,
  );

  checkSourceMaps('prebuilt', app);

  section('types');
  typeCheck(app);

  section('prebuilt, with the binary removed');
  fs.rmSync(path.join(app, 'node_modules', 'aioloop', 'prebuilds'), { recursive: true, force: true });
  const fbCjs = checkLoads('binary removed', app, 'cjs.cjs', 'js');
  checkWarnings('binary removed: cjs.cjs (require, import and three loops)', fbCjs, 1);
  const fbEsm = checkLoads('binary removed', app, 'esm.mjs', 'js');
  checkWarnings('binary removed: esm.mjs', fbEsm, 1);
  const fbWarn = fbCjs.stderr.split('\n').find((l) => l.includes(WARNING_CODE));
  if (fbWarn) console.log(indent(fbWarn));
  checkForcedNative('binary removed', app);

  section('ignore-scripts: install without running install scripts');
  const quiet = makeApp('ignore-scripts');
  const qi = install(quiet, TARBALL, { ignoreScripts: true });
  if (check('npm install --ignore-scripts succeeds', qi.status === 0, qi.out)) {
    const r = checkLoads('ignore-scripts', quiet, 'cjs.cjs', 'native');
    checkWarnings('ignore-scripts: cjs.cjs', r, 0);
  }

  section("npm allowScripts: the install script denied with `npm install-scripts deny aioloop`");
  const denied = makeApp('npm-deny');
  const first = install(denied, TARBALL, { noCompiler: true });
  const warned = /install scripts not yet covered by allowScripts/.test(first.out);
  const deny = npm(['install-scripts', 'deny', 'aioloop'], { cwd: denied, env: cleanEnv() });
  if (first.status !== 0 || deny.status !== 0) {
    console.log(`skipped: this npm (${npm(['--version'], { env: cleanEnv() }).stdout.trim()}) has no install-scripts policy\n${indent(first.out + deny.out)}`);
  } else {
    check('npm warned that the install script is not yet covered by allowScripts, then recorded the denial', warned && /"allowScripts"/.test(fs.readFileSync(path.join(denied, 'package.json'), 'utf8')), first.out + deny.out);
    fs.rmSync(path.join(denied, 'node_modules'), { recursive: true, force: true });
    const again = npm(['install', '--no-audit', '--no-fund', '--foreground-scripts'], { cwd: denied, env: installEnv({ PATH: NO_COMPILER_BIN }) });
    check('the reinstall ran no install script and gave no warning', again.status === 0 && !/aioloop@[^\s]+ install|allowScripts/.test(again.out), again.out);
    const r = checkLoads('npm-deny', denied, 'cjs.cjs', 'native');
    checkWarnings('npm-deny: cjs.cjs', r, 0);
  }

  section('pnpm: install with pnpm 10 defaults (dependency build scripts not run)');
  const pnpm = tool('pnpm', 'pnpm@10', 'pnpm/bin/pnpm.cjs');
  if (pnpm) {
    const papp = makeApp('pnpm');
    const pi = exec(process.execPath, [pnpm, 'add', TARBALL, '--store-dir', path.join(TMP, 'pnpm-store'), `--registry=${REGISTRY}`, '--reporter=append-only'], {
      cwd: papp,
      env: installEnv({ PATH: NO_COMPILER_BIN, AIOLOOP_COMPILER_LOG: path.join(papp, 'compiler-calls.log') }),
    });
    if (check(`pnpm ${toolVersion(pnpm)} add <tarball> succeeds with no compiler on PATH`, pi.status === 0, pi.out)) {
      check('pnpm ran no install script (it lists aioloop under ignored build scripts) and no compiler', /Ignored build scripts:.*aioloop/s.test(pi.out) && readLog(path.join(papp, 'compiler-calls.log')) === '', pi.out);
      const r = checkLoads('pnpm', papp, 'cjs.cjs', 'native');
      checkWarnings('pnpm: cjs.cjs', r, 0);
      checkLoads('pnpm', papp, 'esm.mjs', 'native');
    }
  }

  section('yarn: install with Yarn 4 (nodeLinker node-modules, enableScripts false)');
  const yarn = tool('yarn', '@yarnpkg/cli-dist@4', '@yarnpkg/cli-dist/bin/yarn.js');
  if (yarn) {
    const yapp = makeApp('yarn');
    fs.writeFileSync(
      path.join(yapp, '.yarnrc.yml'),
      ['nodeLinker: node-modules', 'enableScripts: false', 'enableTelemetry: false', 'enableGlobalCache: false', 'enableImmutableInstalls: false', `npmRegistryServer: "${REGISTRY.replace(/\/$/, '')}"`, ''].join('\n'),
    );
    fs.writeFileSync(path.join(yapp, 'yarn.lock'), '');
    const yi = exec(process.execPath, [yarn, 'add', `aioloop@file:${TARBALL}`], {
      cwd: yapp,
      env: installEnv({ PATH: NO_COMPILER_BIN, AIOLOOP_COMPILER_LOG: path.join(yapp, 'compiler-calls.log'), YARN_ENABLE_PROGRESS_BARS: 'false' }),
    });
    if (check(`yarn ${toolVersion(yarn)} add aioloop@file:<tarball> succeeds with no compiler on PATH`, yi.status === 0, yi.out)) {
      check(
        'yarn ran no install script ("lists build scripts, but all build scripts have been disabled") and no compiler',
        /aioloop@file:.*lists build scripts, but all build scripts have been disabled/.test(yi.out) && readLog(path.join(yapp, 'compiler-calls.log')) === '',
        yi.out,
      );
      const r = checkLoads('yarn', yapp, 'cjs.cjs', 'native');
      checkWarnings('yarn: cjs.cjs', r, 0);
      checkLoads('yarn', yapp, 'esm.mjs', 'native');
    }
  }

  // A tarball without prebuilds, as on a platform none was built for.
  const unpacked = path.join(TMP, 'unpacked');
  fs.mkdirSync(unpacked);
  exec('tar', ['-xzf', TARBALL, '-C', unpacked]);
  fs.rmSync(path.join(unpacked, 'package', 'prebuilds'), { recursive: true });
  const BARE = path.join(TMP, 'aioloop-no-prebuilds.tgz');
  const tar = exec('tar', ['-czf', BARE, '-C', unpacked, 'package']);
  if (!check('made a tarball without prebuilds', tar.status === 0, tar.out)) return;

  section('compiles: no matching prebuild, a compiler present');
  const comp = makeApp('compiles');
  const ci = SKIP_COMPILE ? null : install(comp, BARE);
  if (SKIP_COMPILE) console.log('skipped (--skip-compile)');
  else if (check('npm install compiles the addon into build/Release', ci.status === 0 && fs.existsSync(path.join(comp, 'node_modules', 'aioloop', 'build', 'Release', 'aioloop.node')), ci.out)) {
    // A local build is what PREBUILDS_ONLY excludes, so run without it here.
    const r = checkLoads('compiles', comp, 'cjs.cjs', 'native', { PREBUILDS_ONLY: '' });
    checkWarnings('compiles: cjs.cjs', r, 0);
  }

  section('no-compiler: no matching prebuild, compiling fails');
  if (SKIP_COMPILE) {
    console.log('skipped (--skip-compile)');
    return;
  }
  const bare = makeApp('no-compiler');
  const bi = install(bare, BARE, { noCompiler: true });
  check('npm install still succeeds', bi.status === 0, bi.out);
  check('the install tried to compile (a stub was called)', bi.compilerCalls !== '', bi.out);
  check('the install said it falls back to js, once', (bi.out.match(/native core could not be built/g) ?? []).length === 1, bi.out);
  const nc = checkLoads('no-compiler', bare, 'cjs.cjs', 'js', { PREBUILDS_ONLY: '' });
  checkWarnings('no-compiler: cjs.cjs', nc, 1);
  checkForcedNative('no-compiler', bare);
}

try {
  main();
} catch (err) {
  check('the consumer test ran to the end', false, err.stack);
} finally {
  if (process.env.KEEP_TMP === '1') console.log(`\nkept ${TMP}`);
  else fs.rmSync(TMP, { recursive: true, force: true });
}
const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(`\nconsumer test: ${passed} checks passed, ${failed} failed (${secs} s)`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
