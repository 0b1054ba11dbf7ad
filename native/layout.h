// Shared-memory layout between the JS wrapper and the C++ core.
// Mirrors lib/backend/layout.ts field for field; see that file for the
// protocol (who writes which field and when).
#pragma once

#include <cstddef>

namespace aioloop {

enum CtlField : int {
  kCtlHead = 0,      // in/out: ring index of the first ready slot
  kCtlCount = 1,     // in/out: number of ready slots
  kCtlOps = 2,       // in: pending command pairs; out: released slots
  kCtlTimers = 3,    // out: live timers in the heap
  kCtlNextWhen = 4,  // out: earliest deadline (a lower bound after an inexact flush) or +inf
  kCtlNow = 5,       // in (step): the loop's time; out: time used by the due check
  kCtlMore = 6,      // out: > 0 if due timers remain because the ring was full: how many, when known (else 1)
  kCtlMaxWait = 7,   // in (step): longest wait for a timer, seconds (>= 0, may be +inf)
  kCtlVirtual = 8,   // in (step): 1 on the virtual clock, 0 on the monotonic one
  kCtlStaged = 9,    // out: timers published at kCtlStageBase (virtual clock only)
  kCtlStageTaken = 10,  // in: how many of the published timers the wrapper took itself
  kCtlExact = 11,       // in (flush): nonzero if kCtlNextWhen must be exact, 0 if a lower bound will do
  kCtlStageBase = 16,   // kStageCapacity (when, slot) pairs
  kCtlSize = 16 + 2 * 64,
};

// Bumped whenever this layout changes; the wrapper refuses another.
constexpr int kLayoutVersion = 4;

// Timers published per crossing for the wrapper to take itself (staging).
// The reasons for this and the other sizes here are given once, in layout.ts.
constexpr size_t kStageCapacity = 64;
static_assert(kCtlSize == kCtlStageBase + 2 * kStageCapacity, "ctl layout");

constexpr size_t kOpsCapacity = 4096;       // command pairs, at most
constexpr size_t kOpsMinCapacity = 64;      // command pairs, at least (OPS_INITIAL_CAPACITY)
constexpr double kClockResolution = 1e-9;   // seconds

}  // namespace aioloop
