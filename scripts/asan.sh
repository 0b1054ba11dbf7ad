#!/usr/bin/env bash
# npm run test:asan — the native-facing tests against an addon built with
# AddressSanitizer + UndefinedBehaviorSanitizer.
#
# The instrumented addon is built in a staging copy of the package
# (build-asan/), so the normal build/Release that every other test loads is
# never touched: nothing to restore afterwards. Node itself is not
# instrumented, so the sanitizer runtimes are preloaded (LD_PRELOAD) ahead of
# everything, as an instrumented shared object loaded into an uninstrumented
# executable requires.
#
# Choices (and why):
#   -fno-sanitize-recover=all   a UBSan report aborts instead of printing and
#                               going on, so it cannot pass unnoticed;
#   -fsanitize=float-cast-overflow  not part of GCC's -fsanitize=undefined, and
#                               the core converts JS doubles to integers;
#   detect_leaks=0              LeakSanitizer would report Node's and V8's own
#                               allocations still live at exit (they are freed
#                               by the OS by design); leaks are checked apart,
#                               with valgrind on a native-only exercise
#                               (scripts/valgrind.sh);
#   the log is also scanned for sanitizer reports, so a report that somehow
#   did not abort (or came from a child process) still fails the run.
#
# Usage: scripts/asan.sh [vitest files...]   (default: the native-facing suites)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
stage="$root/build-asan"

# The suites that drive the native core hardest. Others can be named on the
# command line.
default_tests=(
  test/binding_fuzz.test.ts
  test/differential.test.ts
  test/faults.test.ts
  test/load.test.ts
  test/leaks.test.ts
  test/ordering.test.ts
  test/native-binding.test.ts
  test/sleep.test.ts
)
tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=("${default_tests[@]}")
existing=()
for t in "${tests[@]}"; do [ -f "$t" ] && existing+=("$t"); done
if [ ${#existing[@]} -eq 0 ]; then echo "asan: none of the test files exist: ${tests[*]}"; exit 1; fi

cxx=${CXX:-g++}
libasan=$("$cxx" -print-file-name=libasan.so)
libubsan=$("$cxx" -print-file-name=libubsan.so)
for lib in "$libasan" "$libubsan"; do
  if [ ! -e "$lib" ]; then echo "asan: $cxx has no sanitizer runtime ($lib); install libasan/libubsan"; exit 1; fi
done
libasan=$(readlink -f "$libasan")
libubsan=$(readlink -f "$libubsan")

echo "asan: staging a copy of the package in $stage"
rm -rf "$stage"
mkdir -p "$stage"
cp -r binding.gyp package.json tsconfig.json vitest.config.ts lib native scripts test "$stage"/
ln -s "$root/node_modules" "$stage/node_modules"

echo "asan: building the addon with -fsanitize=address,undefined"
# AIOLOOP_SEQ_LIMIT: the timer heap renumbers its 32-bit sequence numbers
# every 4,096 timers instead of every four billion, so the tests cross that
# path thousands of times (their orderings check it).
flags="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1 -DAIOLOOP_SEQ_LIMIT=4096"
if ! (cd "$stage" && CXXFLAGS="$flags" CFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined" \
      node scripts/install.js --rebuild > "$stage/build.log" 2>&1); then
  tail -30 "$stage/build.log"
  echo "asan: the sanitizer build failed"
  exit 1
fi
addon="$stage/build/Release/aioloop.node"
# (Captured first: with pipefail, `grep -q` closing the pipe early would fail it.)
linked=$(ldd "$addon")
symbols=$(nm -D "$addon")
if ! grep -q libasan <<<"$linked" || ! grep -q __ubsan_handle <<<"$symbols"; then
  echo "asan: $addon is not instrumented (no libasan / no __ubsan_handle symbols)"
  exit 1
fi

export LD_PRELOAD="$libasan:$libubsan${LD_PRELOAD:+:$LD_PRELOAD}"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:abort_on_error=1"
# Ten times the normal run's random binding calls: this is where they count.
export AIOLOOP_FUZZ_CALLS="${AIOLOOP_FUZZ_CALLS:-30000}"
log="$stage/test.log"
echo "asan: running ${existing[*]}"
(cd "$stage" && npx vitest run "${existing[@]}") 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
unset LD_PRELOAD

if grep -qE "ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|SUMMARY: (Address|UndefinedBehavior)Sanitizer" "$log"; then
  echo "asan: FAILED — sanitizer report in $log"
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "asan: FAILED — the tests failed under the sanitizers (exit $status)"
  exit "$status"
fi
echo "asan: passed — no sanitizer reports"
