'use strict';
// `npm run prebuildify` (and `npm pack` / `npm publish`, through prepack):
// the N-API prebuilds the package ships, in prebuilds/<platform>-<arch>/.
//
//   linux-arm64  cross-compiled first, when this is an x64 Linux host with
//                Debian's aarch64 toolchain (g++-aarch64-linux-gnu): node-gyp
//                --arch=arm64 with CC/CXX set to the cross compilers, stripped
//                with the cross strip, against the same headers as the host
//                build (N-API headers do not depend on the architecture).
//   <host>       the machine's own platform and architecture.
//
// prebuildify builds in build/ and moves the binary out of build/Release into
// prebuilds/, so afterwards the tests load the host prebuild.
//
// Without the cross toolchain the arm64 prebuild is skipped with a note;
// AIOLOOP_REQUIRE_ARM64=1 (set by CI) turns that into an error. Every build
// uses the headers installed beside this Node (scripts/local-headers.js):
// nothing is downloaded.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { withLocalHeaders } = require('./local-headers');

const root = path.join(__dirname, '..');
const PREBUILDIFY = path.join(path.dirname(require.resolve('prebuildify/package.json')), 'bin.js');
const COMMON = ['--napi', '--strip', '--tag-libc', '--node-gyp', nodeGyp()];
const CROSS = { CC: 'aarch64-linux-gnu-gcc', CXX: 'aarch64-linux-gnu-g++', STRIP: 'aarch64-linux-gnu-strip' };

/** node-gyp as npm runs it: the one npm names, else the one bundled with the npm beside this Node, else PATH's. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && fs.existsSync(p)) || 'node-gyp';
}

function onPath(cmd) {
  return (process.env.PATH || '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));
}

function prebuildify(args, extraEnv, label) {
  console.log(`prebuildify: ${label}`);
  const env = { ...withLocalHeaders(process.env), ...extraEnv };
  const r = spawnSync(process.execPath, [PREBUILDIFY, ...COMMON, ...args], { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`prebuildify: ${label} failed (${r.error ? r.error.message : `exit ${r.status}`})`);
    process.exit(1);
  }
}

const canCross = os.platform() === 'linux' && os.arch() === 'x64' && Object.values(CROSS).every(onPath);
if (canCross) {
  prebuildify(
    ['--arch', 'arm64', '--strip-bin', CROSS.STRIP],
    { CC: CROSS.CC, CXX: CROSS.CXX, LINK: CROSS.CXX, AR: 'aarch64-linux-gnu-ar' },
    'linux-arm64 (cross-compiled with aarch64-linux-gnu-g++)',
  );
} else if (process.env.AIOLOOP_REQUIRE_ARM64 === '1') {
  console.error(`prebuildify: AIOLOOP_REQUIRE_ARM64=1 but no linux-arm64 cross build here (needs an x64 Linux host with ${Object.values(CROSS).join(', ')}: apt-get install g++-aarch64-linux-gnu)`);
  process.exit(1);
} else if (os.platform() === 'linux' && os.arch() === 'x64') {
  console.log('prebuildify: no aarch64-linux-gnu-g++ on PATH: the linux-arm64 prebuild is skipped (apt-get install g++-aarch64-linux-gnu to build it)');
}
prebuildify([], {}, `${os.platform()}-${os.arch()} (host)`);

for (const dir of fs.readdirSync(path.join(root, 'prebuilds')).sort()) {
  for (const f of fs.readdirSync(path.join(root, 'prebuilds', dir))) {
    const size = fs.statSync(path.join(root, 'prebuilds', dir, f)).size;
    console.log(`prebuildify: prebuilds/${dir}/${f} (${(size / 1024).toFixed(0)} KiB)`);
  }
}
