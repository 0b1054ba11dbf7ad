'use strict';
// npm install hook (package.json "install"). What it does, in order:
//
//   1. If a binary loads — a prebuild in prebuilds/<platform>-<arch>/ that
//      matches this machine, found by node-gyp-build — use it and compile
//      nothing. (npm_config_build_from_source=true skips this step.)
//   2. Otherwise compile binding.gyp + native/ with node-gyp into build/.
//   3. If compiling fails too, the install still succeeds: aioloop then runs
//      on its pure-TypeScript (js) core and says so once, with the reason,
//      when the first loop is made. AIOLOOP_BACKEND=native turns that into an
//      error.
//
// Package managers that skip install scripts never run this file: the loader
// then finds the prebuild, or falls back to js, the same way.
//
// In a checkout of the repository (not in an installed package: the tarball
// holds no tsconfig.build.json) it then also builds dist/ from lib/, so that
// `npm install` / `npm ci` on a fresh clone leave a package that `require`,
// the examples and the benchmarks can load. This is what a `prepare` script
// would do; the published package.json carries none, so that no install of
// the package can trip over a development-only step.
//
// `node scripts/install.js --rebuild` always compiles (npm run build:native).
// Every build uses the headers installed beside this Node when they exist
// (scripts/local-headers.js), so no build step downloads anything.
//
// This file does the work of node-gyp-build's own install command itself:
// that command finds its helpers through PATH, which only npm sets up.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { withLocalHeaders } = require('./local-headers');

const root = path.join(__dirname, '..');
const env = withLocalHeaders(process.env);

const FALLBACK_NOTE =
  'aioloop: the native core could not be built; the pure-TypeScript (js) backend will be used. ' +
  'Set AIOLOOP_BACKEND=native to make that an error.';

/** True when a binary for this machine already loads (a prebuild, or an earlier build). */
function binaryLoads() {
  if (env.npm_config_build_from_source === 'true') return false;
  try {
    const load = require('node-gyp-build');
    return typeof load(root).Core === 'function';
  } catch {
    return false;
  }
}

/** Runs `node-gyp rebuild` in the package; returns its exit status. */
function compile() {
  // npm tells its scripts where its bundled node-gyp is; elsewhere, look for
  // the copy bundled with the npm beside this Node, then for one on PATH.
  const candidates = [
    env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  const gyp = candidates.find((p) => p && fs.existsSync(p));
  const cmd = gyp ? process.execPath : 'node-gyp';
  const args = gyp ? [gyp, 'rebuild'] : ['rebuild'];
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, shell: !gyp && process.platform === 'win32' });
  if (result.error) console.error(`aioloop: cannot run node-gyp: ${result.error.message}`);
  return result.status === null ? 1 : result.status;
}

if (process.argv.includes('--rebuild')) {
  process.exit(compile());
}
if (!binaryLoads() && compile() !== 0) {
  console.warn(FALLBACK_NOTE);
}

/** In a repository checkout with its dev dependencies: tsc + the ESM wrapper (npm run build:ts). */
function buildTypeScriptInCheckout() {
  if (!fs.existsSync(path.join(root, 'tsconfig.build.json')) || !fs.existsSync(path.join(root, 'lib'))) return;
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  } catch {
    console.warn('aioloop: a checkout without its dev dependencies: dist/ not built (npm install, then npm run build:ts)');
    return;
  }
  for (const args of [[tsc, '-p', 'tsconfig.build.json'], [path.join(__dirname, 'build-esm.js')]]) {
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`aioloop: building dist/ failed: node ${args.join(' ')} (${r.error ? r.error.message : `exit ${r.status}`})`);
      process.exit(1);
    }
  }
  console.log('aioloop: built dist/ from lib/ (repository checkout)');
}

buildTypeScriptInCheckout();
