#!/usr/bin/env bash
# npm run test:valgrind — `valgrind --leak-check=full` over a native-only
# exercise (test/soak/native-exercise.js) against the normal build/Release
# addon. Fails on any definite or indirect leak and on any memory error.
#
# "possibly lost" and "still reachable" are not failures: plain `node -e 0`
# already has both (V8 and Node keep their own pools until exit and use
# interior pointers valgrind cannot follow). "definitely lost" is 0 bytes for
# plain Node, so any definite leak is ours.
#
# scripts/valgrind-node.supp silences one false report from Node itself (V8
# scanning its stack conservatively).
#
# Slow by nature (Node runs ~50x slower under valgrind): a minute or two.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind > /dev/null; then
  echo "valgrind: not installed (apt-get install valgrind)"
  exit 1
fi
if [ ! -f build/Release/aioloop.node ]; then
  echo "valgrind: build/Release/aioloop.node is missing (npm run build:native)"
  exit 1
fi
# The Loop part of the exercise uses the compiled package.
npm run build:ts > /dev/null || { echo "valgrind: npm run build:ts failed"; exit 1; }

log=build/valgrind.log
valgrind --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
  --num-callers=30 --log-file="$log" --suppressions=scripts/valgrind-node.supp \
  node --expose-gc test/soak/native-exercise.js
status=$?
grep -E "definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$log" | sed 's/^==[0-9]*== */valgrind: /'
if [ "$status" -ne 0 ]; then
  echo "valgrind: FAILED (exit $status) — see $log"
  exit 1
fi
if ! grep -qE "definitely lost: 0 bytes|no leaks are possible" "$log"; then
  echo "valgrind: FAILED — unexpected leak summary in $log"
  exit 1
fi
echo "valgrind: passed — no definite or indirect leaks, no memory errors"
