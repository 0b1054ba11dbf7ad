'use strict';
// Points node-gyp at the C headers installed beside the running Node, so that
// no build step (install, rebuild, prebuildify) ever downloads headers.
//
// Distribution packages of Node (Debian's nodejs, Homebrew, the official
// tarballs) install include/node/ next to bin/node; node-gyp only looks there
// when told (npm_config_nodedir), and otherwise downloads a header tarball.
// An explicit npm_config_nodedir from the user always wins.
//
// As a module: withLocalHeaders(env) returns a copy of env with the variable set.
// As a command: `node scripts/local-headers.js <cmd> [args...]` runs cmd with it
// (package.json's `prebuildify` script uses this).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** The prefix holding include/node/node_api.h for this Node, or null. */
function localNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function withLocalHeaders(env) {
  const out = { ...env };
  const dir = localNodeDir();
  if (!out.npm_config_nodedir && dir) out.npm_config_nodedir = dir;
  return out;
}

module.exports = { withLocalHeaders, localNodeDir };

if (require.main === module) {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) {
    console.error('usage: node scripts/local-headers.js <command> [args...]');
    process.exit(2);
  }
  const result = spawnSync(cmd, args, {
    stdio: 'inherit',
    env: withLocalHeaders(process.env),
    shell: process.platform === 'win32',
  });
  if (result.error) {
    console.error(`aioloop: cannot run ${cmd}: ${result.error.message}`);
    process.exit(1);
  }
  process.exit(result.status === null ? 1 : result.status);
}
