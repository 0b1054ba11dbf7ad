// The monotonic clock and the sleeping wait of the blocking run mode.
//
// The loop's notion of "now" lives in the wrapper (so `loop.time()` costs no
// boundary crossing); this clock measures how long a wait really lasted, so the
// core can advance that "now" by the true elapsed time in the same call.
#pragma once

#include <cerrno>
#include <cmath>
#include <ctime>

namespace aioloop {

inline double monotonic_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Longest single sleep. A longer wait is split: the caller returns with
// nothing due and the loop simply waits again, so nothing is lost, and a
// garbage duration never turns into an overflowed timespec.
constexpr double kMaxSleepSeconds = 86400.0;

// Sleeps for `seconds` (clamped to [0, kMaxSleepSeconds]) and returns how long
// it really slept, measured on the monotonic clock. Interrupted sleeps resume.
inline double sleep_for_seconds(double seconds) {
  double start = monotonic_seconds();
  if (!(seconds > 0)) return 0;
  if (seconds > kMaxSleepSeconds) seconds = kMaxSleepSeconds;
  double deadline = start + seconds;
  timespec ts;
  ts.tv_sec = static_cast<time_t>(deadline);
  ts.tv_nsec = static_cast<long>((deadline - static_cast<double>(ts.tv_sec)) * 1e9);
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec += 1;
    ts.tv_nsec -= 1000000000L;
  }
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
  return monotonic_seconds() - start;
}

}  // namespace aioloop
