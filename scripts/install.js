'use strict';
// npm install hook: use a matching prebuild, else compile with node-gyp.
//
// A failed compile does not fail the install: aioloop then runs on its
// pure-TypeScript core and says so once, with the reason, when it loads.
// `node scripts/install.js --rebuild` always compiles (npm run build:native).
//
// node-gyp is pointed at the headers installed beside this Node binary when
// they exist, so a build never downloads headers.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const env = { ...process.env };
const localHeaders = path.join(path.dirname(process.execPath), '..', 'include', 'node', 'node_api.h');
if (!env.npm_config_nodedir && fs.existsSync(localHeaders)) {
  env.npm_config_nodedir = path.resolve(path.dirname(localHeaders), '..', '..');
}

const rebuild = process.argv.includes('--rebuild');
let result;
if (rebuild) {
  // npm tells its scripts where its bundled node-gyp is; outside npm, look
  // for the copy bundled with the npm beside this Node.
  const candidates = [
    env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  const gyp = candidates.find((p) => p && fs.existsSync(p));
  const cmd = gyp ? process.execPath : 'node-gyp';
  const args = gyp ? [gyp, 'rebuild'] : ['rebuild'];
  result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, shell: !gyp && process.platform === 'win32' });
  if (result.error) console.error(`aioloop: cannot run node-gyp: ${result.error.message}`);
  process.exit(result.status === null ? 1 : result.status);
}
result = spawnSync(process.execPath, [require.resolve('node-gyp-build/bin.js')], { cwd: root, stdio: 'inherit', env });
if (result.status !== 0) {
  console.warn(
    'aioloop: the native core could not be built; the pure-TypeScript (js) backend will be used. ' +
      'Set AIOLOOP_BACKEND=native to make that an error.',
  );
}
