// The monotonic clock and the sleeping wait of the blocking run mode.
//
// The loop's notion of "now" lives in the wrapper (so `loop.time()` costs no
// boundary crossing); this clock measures how long a wait really lasted, so the
// core can advance that "now" by the true elapsed time in the same call.
// std::chrono::steady_clock is CLOCK_MONOTONIC on Linux and the platform's
// monotonic clock elsewhere; sleep_for resumes after signals by itself.
#pragma once

#include <chrono>
#include <thread>

namespace aioloop {

inline double monotonic_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Longest single sleep. A longer wait is cut into slices: the core returns
// with nothing due and the loop simply waits again. Slices keep a thread that
// blocks for hours responsive to worker.terminate() (std::this_thread::sleep_for
// cannot be interrupted, so terminate can only act once control is back in
// JavaScript) and keep garbage durations from overflowing, at the cost of ten
// wake-ups a second during a long wait. The js core's cap is a day
// (MAX_SLEEP_SECONDS, lib/backend/clock.ts): its Atomics.wait is woken by
// terminate, so it needs no slices; the two caps differ on purpose.
constexpr double kMaxSleepSeconds = 0.1;

// Sleeps for `seconds` (clamped to [0, kMaxSleepSeconds]) and returns how long
// it really slept, measured on the monotonic clock.
inline double sleep_for_seconds(double seconds) {
  double start = monotonic_seconds();
  if (!(seconds > 0)) return 0;
  if (seconds > kMaxSleepSeconds) seconds = kMaxSleepSeconds;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  return monotonic_seconds() - start;
}

}  // namespace aioloop
