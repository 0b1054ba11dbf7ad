// The native loop core: the timer heap and the ready ring of one loop.
//
// Knows nothing of N-API. The binding (addon.cc) hands it raw views of three
// buffers that JavaScript also reads and writes (layout.h, and the protocol in
// lib/backend/layout.ts):
//
//      JS wrapper                         C++ core (this file)
//   callSoon:  ring[tail] = -1 (callback  --
//              beside it, in JS)
//   callLater: ops += (when, slot)        --
//   cancel:    ops += (0, -slot-1)        --
//   runOnce ------- step() (collect) ---> replay ops into the heap,
//                                          wait (or jump the virtual clock)
//                                          until the earliest timer is due,
//                                          append due slots to the ring
//   run ring[head .. head+count)  <------ ctl: count, released slots, now,
//                                          how many due timers did not fit
//
// So the boundary is crossed at most once per iteration that involves timers
// (the wrapper skips it when something is ready and no timer can be due) and
// never per callSoon, per timer or per dispatched callback. Callbacks and their
// arguments stay in JavaScript: the core only ever moves small integers.
//
// Staging (virtual clock only): at the end of a step the core publishes its
// next kStageCapacity timers, in order, as (when, slot) pairs in ctl, and keeps
// them at the front of its heap (TimerHeap::publish). Until its next crossing
// the wrapper may run iterations from them alone — jump to the first, move the
// due ones to the ring — as long as no timer outside them (in the heap, or
// added since) is due by then; at the next crossing it reports how many it
// took (ctl[stageTaken]) and the core retires those before anything else. A
// simulation whose every event is a timer then crosses once per ~60 events
// instead of once per event.
#pragma once

#include <cstddef>
#include <cstdint>

#include "layout.h"
#include "timer_heap.h"

namespace aioloop {

// Raw views of the shared buffers, taken fresh for every call.
struct SharedViews {
  double* ctl;            // kCtlSize fields
  int32_t* ready;         // ring of ready_capacity slots (a power of two)
  size_t ready_capacity;
  double* ops;            // kOpsCapacity pairs
};

// What went wrong, if anything. A null message means success.
struct Status {
  enum Kind { kOk, kTypeError, kRangeError };
  Kind kind = kOk;
  const char* message = nullptr;
  static Status Ok() { return Status{}; }
  static Status Range(const char* m) { return Status{kRangeError, m}; }
  static Status Type(const char* m) { return Status{kTypeError, m}; }
  bool ok() const { return kind == kOk; }
};

class LoopCore {
 public:
  // Replays the pending commands into the heap and reports released slots.
  Status Flush(const SharedViews& v);

  // One iteration's gathering step (asyncio's _run_once before the callbacks
  // run): replay commands; if nothing is ready and `max_wait > 0`, wait for the
  // earliest timer (sleep, or jump when `virtual_clock`); then move every due
  // timer to the ready ring in (when, seq) order. `now` is the loop's time
  // when the call starts. Sets *ready_count to the ring's new length.
  Status Collect(const SharedViews& v, double now, double max_wait,
                 bool virtual_clock, double* ready_count);

  // Drops every timer (loop.close()).
  void Clear() { heap_.clear(); }
  void Release() { heap_.release(); }

 private:
  Status Retire(const SharedViews& v);
  Status ApplyOps(const SharedViews& v);
  void PublishHeap(const SharedViews& v);

  TimerHeap heap_;
};

}  // namespace aioloop
