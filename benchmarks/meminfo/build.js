'use strict';
/**
 * Builds meminfo.node (see meminfo.c) if it is missing or older than its
 * source: one `cc` call against Node's own headers, nothing downloaded.
 * Returns the path, or null with the reason in `.error` when it cannot
 * (no C compiler, no node_api.h, not glibc): W8 then falls back to V8's
 * numbers alone and says so in its notes.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const SRC = path.join(__dirname, 'meminfo.c');
const OUT = path.join(__dirname, 'build', 'meminfo.node');

function headerDirs() {
  const dirs = [];
  if (process.env.npm_config_nodedir) dirs.push(path.join(process.env.npm_config_nodedir, 'include', 'node'));
  dirs.push(path.resolve(process.execPath, '..', '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node');
  return dirs.filter((d) => fs.existsSync(path.join(d, 'node_api.h')));
}

function ensureMeminfo() {
  if (fs.existsSync(OUT) && fs.statSync(OUT).mtimeMs >= fs.statSync(SRC).mtimeMs) return { path: OUT };
  if (process.platform !== 'linux') return { path: null, error: 'mallinfo2 is glibc-only' };
  const inc = headerDirs()[0];
  if (!inc) return { path: null, error: "Node's headers (node_api.h) were not found" };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  const cc = process.env.CC || 'cc';
  const r = spawnSync(cc, ['-O2', '-shared', '-fPIC', `-I${inc}`, SRC, '-o', OUT], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    return { path: null, error: `${cc} failed: ${r.error ? r.error.message : (r.stderr || '').trim().split('\n')[0]}` };
  }
  return { path: OUT };
}

module.exports = { ensureMeminfo, MEMINFO_PATH: OUT };
